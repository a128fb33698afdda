"""The executive weekly report page: one printable page of the last closed week (or `?week=`),
the main table over one period (`?period=`), a department drilled down to its classes
(`?department=`). Every role may read it. The numbers come from `reports.weekly`; this module
only lays them out: a figure the report does not have is shown as an en dash with the row's note, never
made up."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from planning.departments import DepartmentLookupError, department_from_filter
from planning.engine import rounding
from planning.models import Department, FiscalWeek
from reports import formulas, weekly
from reports.charts import report_charts
from reports.models import is_subscribed
from reports.report_types import (
    PERIOD_LABELS,
    PERIODS,
    ItemRow,
    PeriodFigures,
    Ratio,
    ScopeRow,
    Versus,
    WeeklyReport,
)

MISSING = "\N{EN DASH}"
MINUS = "\N{MINUS SIGN}"
TEMPLATE = "reports/report.html"


def _report(week_id: int | None) -> WeeklyReport:
    """The report of a closed week (the last one by default); tests replace this function with a
    sample report."""
    return weekly.weekly_report(week_id)


# -- formatting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    negative: bool = False
    missing: bool = False


_NONE = Cell(MISSING, missing=True)


# Rounded once, half up (planning.engine.rounding), as the plan grid and the exports round.


def money(value: Decimal | None, places: int = 0) -> Cell:
    if value is None:
        return _NONE
    text = f"{abs(rounding.shown_money(value, places)):,}"
    return Cell(f"{MINUS}{text}" if value < 0 else text, negative=value < 0)


def signed_money(value: Decimal | None) -> Cell:
    if value is None:
        return _NONE
    text = f"{abs(rounding.shown_money(value)):,}"
    if value < 0:
        return Cell(f"{MINUS}{text}", negative=True)
    return Cell(f"+{text}")


def signed_percent(share: float | None) -> Cell:
    """A change as a share (0.053) shown as +5.3%."""
    if share is None:
        return _NONE
    text = f"{abs(rounding.shown_percent(share)):,}%"
    if share < 0 and text != "0.0%":
        return Cell(f"{MINUS}{text}", negative=True)
    return Cell(f"+{text}")


def percent(share: float | None) -> Cell:
    return _NONE if share is None else Cell(f"{rounding.shown_percent(share):,}%")


def number(value: float | None, places: int = 1) -> Cell:
    return _NONE if value is None else Cell(f"{rounding.shown_ratio(value, places):,}")


# -- the main table -----------------------------------------------------------------------

SELLING = "Stock at selling locations"
COLUMNS = [  # the group over its label
    ("Sales", "TY"),
    ("Sales", "OP"),
    ("Sales", "vs OP %"),
    ("Sales", "WP"),
    ("Sales", "vs WP %"),
    ("Sales", "LY"),
    ("Sales", "vs LY %"),
    ("Gross margin", "$"),
    ("Gross margin", "%"),
    ("Markdowns", "$"),
    ("Markdowns", "%"),
    (SELLING, "TY"),
    (SELLING, "Plan"),
    (SELLING, "LY"),
    ("Owned", "TY"),
    ("Ratios", "WOS"),
    ("Ratios", "Turn"),
    ("Ratios", "GMROI"),
    ("Ratios", "Sell-thru $"),
]
# Each column's header tooltip: how it is calculated (reports.formulas, README "Formulas").
FORMULAS = {
    ("Sales", "TY"): "Sales $ at retail this year over the period's weeks",
    ("Sales", "OP"): "The original (approved) plan's sales $ over the same weeks",
    ("Sales", "vs OP %"): "(TY - OP) / OP",
    ("Sales", "WP"): "The working plan's sales $ over the same weeks",
    ("Sales", "vs WP %"): "(TY - WP) / WP",
    ("Sales", "LY"): "Last year's sales $ over the same week numbers (restated calendar)",
    ("Sales", "vs LY %"): "(TY - LY) / LY",
    ("Gross margin", "$"): formulas.GROSS_MARGIN,
    ("Gross margin", "%"): formulas.GM_PERCENT,
    ("Markdowns", "$"): formulas.MARKDOWNS,
    ("Markdowns", "%"): formulas.MARKDOWN_PERCENT,
    (SELLING, "TY"): f"{formulas.SELLING_STOCK}. {formulas.STOCK_BASIS}",
    (SELLING, "Plan"): "The working plan's EOP $ of the week (plans count the selling locations)",
    (
        SELLING,
        "LY",
    ): "Last year's stock at the selling locations, same week number, at the price in effect then",
    ("Owned", "TY"): formulas.OWNED_STOCK,
    ("Ratios", "WOS"): formulas.WEEKS_OF_SUPPLY,
    ("Ratios", "Turn"): formulas.TURN,
    ("Ratios", "GMROI"): formulas.GMROI,
    ("Ratios", "Sell-thru $"): formulas.SELL_THROUGH,
}


def _column_groups() -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for group, _ in COLUMNS:
        if groups and groups[-1][0] == group:
            groups[-1] = (group, groups[-1][1] + 1)
        else:
            groups.append((group, 1))
    return groups


def row_cells(row: ScopeRow, figures: PeriodFigures) -> list[Cell]:
    sales = figures.sales
    return [
        money(sales.ty),
        money(sales.op),
        signed_percent(sales.vs_op_percent),
        money(sales.wp),
        signed_percent(sales.vs_wp_percent),
        money(sales.ly),
        signed_percent(sales.vs_ly_percent),
        money(figures.gross_margin.ty),
        percent(figures.gm_percent.ty),
        money(figures.markdowns.ty),
        percent(figures.markdown_percent.ty),
        money(row.eop.ty),
        money(row.eop.wp),
        money(row.eop.ly),
        money(row.owned.ty),
        number(row.wos.ty),
        number(row.turn.ty),
        number(row.gmroi.ty, 2),
        percent(row.sell_through.ty),
    ]


@dataclass
class TableRow:
    row: ScopeRow
    cells: list[Cell]
    note: int | None = None  # the footnote's number
    drill_url: str = ""  # a department's link to its classes (or back)
    expanded: bool = False
    classes: list[TableRow] = field(default_factory=list)


def _url(params: dict[str, str], **changes: str) -> str:
    merged = {**params, **changes}
    query = urlencode({key: value for key, value in merged.items() if value})
    return f"{reverse('reports:report')}?{query}" if query else reverse("reports:report")


def _table(
    report: WeeklyReport, period: str, department: str, params: dict[str, str]
) -> tuple[list[TableRow], list[tuple[int, str]]]:
    notes: list[tuple[int, str]] = []  # (number, text), each distinct text once

    def footnote(row: ScopeRow) -> int | None:
        if not row.notes:
            return None
        text = " ".join(row.notes)
        for number_, known in notes:
            if known == text:
                return number_
        notes.append((len(notes) + 1, text))
        return len(notes)

    def table_row(row: ScopeRow) -> TableRow:
        return TableRow(row=row, cells=row_cells(row, row.periods[period]), note=footnote(row))

    rows: list[TableRow] = []
    for row in report.rows:
        if row.level == "class":
            continue
        shown = table_row(row)
        if row.level == "department":
            shown.expanded = row.code == department
            # Back to the department's own row, not the top of the page.
            shown.drill_url = (
                _url(params, department="" if shown.expanded else row.code) + f"#scope-{row.code}"
            )
            if shown.expanded:
                shown.classes = [
                    table_row(child)
                    for child in report.rows
                    if child.level == "class" and child.parent == row.code
                ]
        rows.append(shown)
    return rows, notes


# -- the KPI strip ------------------------------------------------------------------------


@dataclass
class Kpi:
    label: str
    value: Cell
    details: list[tuple[str, Cell]] = field(default_factory=list)  # e.g. ("vs OP", +150 +5.3%)
    formula: str = ""  # the label's tooltip


def _versus_details(versus: Versus) -> list[tuple[str, Cell]]:
    details = []
    for label, change, share in (
        ("vs OP", versus.vs_op, versus.vs_op_percent),
        ("vs WP", versus.vs_wp, versus.vs_wp_percent),
        ("vs LY", versus.vs_ly, versus.vs_ly_percent),
    ):
        value, pct = signed_money(change), signed_percent(share)
        text = MISSING if value.missing else f"{value.text} ({pct.text})"
        details.append((label, Cell(text, negative=value.negative, missing=value.missing)))
    return details


def _formula(group: str, label: str) -> str:
    return FORMULAS[group, label]


def _ratio_details(ratio: Ratio, cell: Any) -> list[tuple[str, Cell]]:
    return [("plan", cell(ratio.plan)), ("LY", cell(ratio.ly))]


def _kpis(report: WeeklyReport) -> list[Kpi]:
    company = report.company
    week, ytd = company.periods["week"], company.periods["ytd"]
    eop = company.eop
    approvals = sum(report.open_approvals.values())
    return [
        Kpi("Sales, week", money(week.sales.ty), _versus_details(week.sales)),
        Kpi("Sales, year to date", money(ytd.sales.ty), _versus_details(ytd.sales)),
        Kpi(
            "GM %, week",
            percent(week.gm_percent.ty),
            _ratio_details(week.gm_percent, percent),
            _formula("Gross margin", "%"),
        ),
        Kpi(
            "Markdown %, week",
            percent(week.markdown_percent.ty),
            _ratio_details(week.markdown_percent, percent),
            _formula("Markdowns", "%"),
        ),
        Kpi(
            "Stock at selling locations",
            money(eop.ty),
            [
                ("plan", money(eop.wp)),
                ("vs plan", signed_percent(eop.vs_wp_percent)),
                ("LY", money(eop.ly)),
                ("vs LY", signed_percent(eop.vs_ly_percent)),
            ],
            _formula(SELLING, "TY"),
        ),
        Kpi(
            "Total owned stock",
            money(company.owned.ty),
            [("LY", money(company.owned.ly)), ("vs LY", signed_percent(company.owned.vs_ly_percent))],
            _formula("Owned", "TY"),
        ),
        Kpi(
            "Weeks of supply (last 4 weeks)",
            number(company.wos.ty),
            _ratio_details(company.wos, number),
            _formula("Ratios", "WOS"),
        ),
        Kpi(
            "Turn (YTD, annualised)",
            number(company.turn.ty),
            _ratio_details(company.turn, number),
            _formula("Ratios", "Turn"),
        ),
        Kpi(
            "GMROI (YTD, annualised)",
            number(company.gmroi.ty, 2),
            _ratio_details(company.gmroi, lambda value: number(value, 2)),
            _formula("Ratios", "GMROI"),
        ),
        Kpi(
            "Sell-through $ of available (season)",
            percent(company.sell_through.ty),
            _ratio_details(company.sell_through, percent),
            _formula("Ratios", "Sell-thru $"),
        ),
        Kpi(
            "Open approvals",
            Cell(f"{approvals:,}"),
            [(kind, Cell(f"{count:,}")) for kind, count in report.open_approvals.items()],
        ),
    ]


def _item(item: ItemRow) -> dict[str, Any]:
    return {
        "item": item,
        "sales": money(item.sales, 2),
        "units": Cell(f"{item.units:,}"),
        "stock_units": Cell(f"{item.stock_units:,}"),
        "wos": number(item.wos),
        "sell_through": percent(item.sell_through),
    }


# -- the view -----------------------------------------------------------------------------


def _missing(request: HttpRequest, message: str, status: int = 404) -> HttpResponse:
    return render(request, TEMPLATE, {"error": message}, status=status)


def _report_department(request: HttpRequest, report: WeeklyReport, value: str) -> str | HttpResponse:
    """The report's code of the department `value` names (its code in any case, or its id); a 400
    when no department has that id or code, a 404 when the report has no row of it."""
    codes: dict[str, str] = {row.code.lower(): row.code for row in report.rows_at("department")}
    if value.lower() in codes:
        return codes[value.lower()]
    try:
        department = department_from_filter(value, Department.objects.visible_to(request.user))
    except DepartmentLookupError as error:
        if error.is_unknown:
            return _missing(
                request, f"There is no department {error.value!r}: give its id or its code (e.g. W01).", 400
            )
    else:
        if department.code.lower() in codes:
            return codes[department.code.lower()]
    return _missing(request, f"There is no department {value!r} in the report.")


def _params(query: QueryDict) -> dict[str, str]:
    return {key: query.get(key, "") for key in ("week", "period", "department") if query.get(key)}


def _week(request: HttpRequest, week_text: str) -> int | HttpResponse | None:
    """The fiscal week `?week=` names (None: the last closed one); a 404 for no such week."""
    if not week_text:
        return None
    if not week_text.isdigit() or not FiscalWeek.objects.filter(pk=int(week_text)).exists():
        return _missing(request, f"There is no fiscal week {week_text!r}: weeks are like 202542.")
    return int(week_text)


def _load(request: HttpRequest, week_id: int | None, week_text: str) -> WeeklyReport | HttpResponse:
    """The week's report; a page that says why when there is none (a week not closed yet)."""
    try:
        return _report(week_id)
    except ImportError:
        return _missing(request, "The weekly report's numbers are being built; come back soon.", status=503)
    except (ObjectDoesNotExist, LookupError, ValueError):
        if week_text:
            return _missing(
                request, f"Week {week_text} is not closed yet: the report covers closed weeks only."
            )
        return _missing(request, "There is no closed week to report on yet.")


def _department(request: HttpRequest, report: WeeklyReport) -> str | HttpResponse:
    """The report's code of the `?department=` drilled into ("" for none)."""
    department = request.GET.get("department", "").strip()
    return _report_department(request, report, department) if department else ""


def _periods(params: dict[str, str], period: str) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": "Week" if key == "week" else key.upper(),
            "title": PERIOD_LABELS[key],
            "url": _url(params, period="" if key == "week" else key),
            "current": key == period,
        }
        for key in PERIODS
    ]


def _otb(report: WeeklyReport) -> list[dict[str, Any]]:
    return [
        {
            "month": month,
            "budget": money(month.budget, 2),
            "received": money(month.received, 2),
            "on_order": money(month.on_order, 2),
            "remaining": money(month.remaining, 2),
        }
        for month in report.otb
    ]


def _context(request: HttpRequest, report: WeeklyReport, period: str, department: str) -> dict[str, Any]:
    params = _params(request.GET)
    if department:
        params["department"] = department  # the links carry the report's code, whatever was typed
    rows, footnotes = _table(report, period, department, params)
    export_query = request.GET.urlencode()
    return {
        "report": report,
        "subscribed": is_subscribed(request.user),
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "period_dates": report.period_dates.get(period, ""),
        "periods": _periods(params, period),
        "kpis": _kpis(report),
        "column_groups": _column_groups(),
        "columns": [(label, FORMULAS[group, label]) for group, label in COLUMNS],
        "rows": rows,
        "footnotes": footnotes,
        "department": department,
        "department_name": next(
            (row.name for row in report.rows_at("department") if row.code == department), ""
        ),
        "collapse_url": _url(params, department=""),
        "otb": _otb(report),
        "item_lists": [
            ("best-sellers", "Best sellers", [_item(item) for item in report.best_sellers]),
            ("understocked", "Understocked", [_item(item) for item in report.understocked]),
            ("overstocked", "Overstocked", [_item(item) for item in report.overstocked]),
        ],
        "item_formulas": {
            "stock": formulas.ITEM_STOCK,
            "wos": formulas.ITEM_WEEKS_OF_SUPPLY,
            "sell_through": formulas.ITEM_SELL_THROUGH,
        },
        "accuracy": [
            {"week": week, "wmape": percent(week.wmape), "bias": signed_percent(week.bias)}
            for week in report.accuracy
        ],
        "charts": report_charts(report),
        "export_query": f"?{export_query}" if export_query else "",
    }


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    week_text = request.GET.get("week", "").strip()
    week_id = _week(request, week_text)
    if isinstance(week_id, HttpResponse):
        return week_id
    period = request.GET.get("period") or "week"
    if period not in PERIODS:
        return _missing(request, f"There is no period {period!r}: choose one of {', '.join(PERIODS)}.")
    report = _load(request, week_id, week_text)
    if isinstance(report, HttpResponse):
        return report
    department = _department(request, report)
    if isinstance(department, HttpResponse):
        return department
    return render(request, TEMPLATE, _context(request, report, period, department))
