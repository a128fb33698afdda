"""The weekly report as CSV, xlsx (openpyxl) and PDF (reportlab): no Django here.

Spreadsheet cells are escaped against formula injection (OWASP "CSV injection"): text that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text and never runs it. Numbers stay numbers, negative ones too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from planning.engine import rounding
from reports.formulas import DEFINITIONS, STOCK_BASIS
from reports.model import (
    PERIOD_LABELS,
    PERIODS,
    AccuracyWeek,
    ItemRow,
    OTBMonth,
    Ratio,
    ScopeRow,
    Versus,
    WeeklyReport,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
RATIO_FORMAT = "0.0"
UNITS_FORMAT = "#,##0"
DASH = "\u2013"  # what the PDF shows for a figure the data cannot give


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet may hold it: formula-like text gets a leading apostrophe;
    numbers, None and everything else are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def filename(report: WeeklyReport, extension: str, period: str = "week") -> str:
    """merchplan-weekly-FY2026-W06.pdf (a CSV of another period: ...-W06-ytd.csv)."""
    week = "-".join(report.week_label.split())
    suffix = "" if period == "week" else f"-{period}"
    return f"merchplan-weekly-{week}{suffix}.{extension}"


# --- The scope table's columns, shared by the CSV and the xlsx.

TEXT, MONEY, PERCENT, RATIO, UNITS = "text", "money", "percent", "ratio", "units"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # TEXT, MONEY, PERCENT (a share: 0.05 is 5%), RATIO or UNITS
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class _Deferred:
    """A column whose value depends on the period: bound by `scope_columns(period)`."""

    make: Callable[[str], Column]


def _versus_columns(label: str, get: Callable[[ScopeRow, str], Versus]) -> list[_Deferred]:
    def maker(header: str, kind: str, pick: Callable[[Versus], Any]) -> _Deferred:
        return _Deferred(lambda period: Column(f"{label} {header}", kind, lambda row: pick(get(row, period))))

    return [
        maker("TY", MONEY, lambda v: v.ty),
        maker("OP", MONEY, lambda v: v.op),
        maker("WP", MONEY, lambda v: v.wp),
        maker("LY", MONEY, lambda v: v.ly),
        maker("vs OP", MONEY, lambda v: v.vs_op),
        maker("vs OP %", PERCENT, lambda v: v.vs_op_percent),
        maker("vs WP", MONEY, lambda v: v.vs_wp),
        maker("vs WP %", PERCENT, lambda v: v.vs_wp_percent),
        maker("vs LY", MONEY, lambda v: v.vs_ly),
        maker("vs LY %", PERCENT, lambda v: v.vs_ly_percent),
    ]


def _ratio_columns(label: str, kind: str, get: Callable[[ScopeRow, str], Ratio]) -> list[_Deferred]:
    def maker(header: str, pick: Callable[[Ratio], float | None]) -> _Deferred:
        return _Deferred(lambda period: Column(f"{label} {header}", kind, lambda row: pick(get(row, period))))

    return [maker("TY", lambda r: r.ty), maker("plan", lambda r: r.plan), maker("LY", lambda r: r.ly)]


def _owned_columns() -> list[_Deferred]:
    """Total owned stock (selling locations + DCs + in transit): this year and last; plans count
    the selling locations only."""
    return [
        _fixed(Column("Owned stock TY", MONEY, lambda row: row.owned.ty)),
        _fixed(Column("Owned stock LY", MONEY, lambda row: row.owned.ly)),
        _fixed(Column("Owned stock vs LY %", PERCENT, lambda row: row.owned.vs_ly_percent)),
    ]


def _fixed(column: Column) -> _Deferred:
    return _Deferred(lambda period: column)


_SCOPE_COLUMNS: list[_Deferred] = [
    _fixed(Column("Level", TEXT, lambda row: row.level)),
    _fixed(Column("Code", TEXT, lambda row: row.code)),
    _fixed(Column("Name", TEXT, lambda row: row.name)),
    _fixed(Column("Department", TEXT, lambda row: row.parent)),
    *_versus_columns("Sales", lambda row, period: row.periods[period].sales),
    *_versus_columns("Gross margin", lambda row, period: row.periods[period].gross_margin),
    *_ratio_columns("GM %", PERCENT, lambda row, period: row.periods[period].gm_percent),
    *_versus_columns("Markdowns", lambda row, period: row.periods[period].markdowns),
    *_ratio_columns("Markdown %", PERCENT, lambda row, period: row.periods[period].markdown_percent),
    *_versus_columns("Stock at selling locations", lambda row, period: row.eop),
    *_owned_columns(),
    *_ratio_columns("Weeks of supply", RATIO, lambda row, period: row.wos),
    *_ratio_columns("Turn YTD", RATIO, lambda row, period: row.turn),
    *_ratio_columns("GMROI YTD", RATIO, lambda row, period: row.gmroi),
    *_ratio_columns("Sell-through $ of available STD", PERCENT, lambda row, period: row.sell_through),
    _fixed(Column("Notes", TEXT, lambda row: " ".join(row.notes))),
]


def scope_columns(period: str) -> list[Column]:
    """Every column of the scope table over one period (flows over the period; stock, weeks
    of supply, turn, GMROI and sell-through are the week's)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}: one of {', '.join(PERIODS)}")
    return [deferred.make(period) for deferred in _SCOPE_COLUMNS]


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind in (PERCENT, RATIO):
        return float(rounding.shown_ratio(value, 4))  # half up, from the unrounded share
    return safe_cell(value)


def report_csv(report: WeeklyReport, period: str = "week") -> str:
    """The scope table over a period: one row per scope with every column, escaped."""
    columns = scope_columns(period)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(column.header) for column in columns])
    for row in report.rows:
        writer.writerow([_csv_value(column.value(row), column.kind) for column in columns])
    return buffer.getvalue()


# --- xlsx

_FORMATS = {MONEY: MONEY_FORMAT, PERCENT: PERCENT_FORMAT, RATIO: RATIO_FORMAT, UNITS: UNITS_FORMAT}


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return safe_cell(value)


class _Sheet:
    """Writes one worksheet: a bold header row, typed cells, frozen panes, column widths."""

    def __init__(self, workbook: Any, title: str) -> None:
        self.sheet = workbook.create_sheet(title=title)
        self.widths: dict[int, int] = {}
        self.next_row = 1

    def row(self, values: Sequence[Any], kinds: Sequence[str] = (), *, bold: bool = False) -> None:
        from openpyxl.styles import Font

        row_number, self.next_row = self.next_row, self.next_row + 1
        for index, value in enumerate(values, start=1):
            cell = self.sheet.cell(row=row_number, column=index, value=_xlsx_value(value))
            kind = kinds[index - 1] if index - 1 < len(kinds) else TEXT
            if kind in _FORMATS and cell.value is not None:
                cell.number_format = _FORMATS[kind]
            if bold:
                cell.font = Font(bold=True)
            shown = len(str(value)) if value is not None else 0
            if kind == MONEY and value is not None:
                shown = len(f"{float(value):,.2f}")
            self.widths[index] = max(self.widths.get(index, 0), shown)

    def blank(self) -> None:
        self.next_row += 1

    def header(self, headers: Sequence[str]) -> None:
        self.row(headers, bold=True)
        self.sheet.freeze_panes = self.sheet.cell(row=self.next_row, column=1).coordinate

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _kpis(report: WeeklyReport) -> list[tuple[str, str, Versus | Ratio]]:
    company = report.company
    week, ytd = company.periods["week"], company.periods["ytd"]
    return [
        ("Sales, week", MONEY, week.sales),
        ("Sales, year to date", MONEY, ytd.sales),
        ("Gross margin, week", MONEY, week.gross_margin),
        ("Gross margin, year to date", MONEY, ytd.gross_margin),
        ("Markdowns, week", MONEY, week.markdowns),
        ("Stock at selling locations, week's end (retail)", MONEY, company.eop),
        ("Total owned stock: + DCs + in transit (retail)", MONEY, company.owned),
        ("GM %, week", PERCENT, week.gm_percent),
        ("GM %, year to date", PERCENT, ytd.gm_percent),
        ("Markdown %, week", PERCENT, week.markdown_percent),
        ("Weeks of supply", RATIO, company.wos),
        ("Turn, year to date", RATIO, company.turn),
        ("GMROI, year to date", RATIO, company.gmroi),
        ("Sell-through $ of available, season to date", PERCENT, company.sell_through),
    ]


KPI_HEADERS = ["Measure", "TY", "OP", "WP (plan)", "LY", "vs OP %", "vs WP %", "vs LY %"]


def _kpi_values(kind: str, figure: Versus | Ratio) -> tuple[list[Any], list[str]]:
    """A KPI's cells after its label: money TY/OP/WP/LY and the changes; a ratio's plan is the
    working plan's, so it stands in the WP column."""
    if isinstance(figure, Versus):
        values: list[Any] = [figure.ty, figure.op, figure.wp, figure.ly]
        values += [figure.vs_op_percent, figure.vs_wp_percent, figure.vs_ly_percent]
        return values, [MONEY] * 4 + [PERCENT] * 3
    return [figure.ty, None, figure.plan, figure.ly, None, None, None], [kind] * 4 + [PERCENT] * 3


ITEM_HEADERS = [
    "Code", "Name", "Department", "Sales, week", "Units, week", "Stock units", "Weeks of supply",
    "Sell-through units STD", "Why",
]  # fmt: skip
ITEM_KINDS = [TEXT, TEXT, TEXT, MONEY, UNITS, UNITS, RATIO, PERCENT, TEXT]


def _item_values(item: ItemRow) -> list[Any]:
    return [
        item.code, item.name, item.department, item.sales, item.units, item.stock_units, item.wos,
        item.sell_through, item.reason,
    ]  # fmt: skip


def _otb_values(month: OTBMonth) -> list[Any]:
    return [month.label, month.budget, month.received, month.on_order, month.remaining]


def _accuracy_values(week: AccuracyWeek) -> list[Any]:
    return [week.label, week.week_id, week.wmape, week.bias]


def report_xlsx(report: WeeklyReport) -> bytes:
    """The whole report as a workbook: numbers as numbers with formats, text escaped."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)

    summary = _Sheet(workbook, "Summary")
    summary.row([f"Merchplan weekly report {report.week_label}"])
    summary.sheet["A1"].font = Font(bold=True, size=14)
    summary.row([report.week_dates])
    summary.widths[1] = 0  # the title spills over: it does not widen the first column
    summary.blank()
    summary.header(KPI_HEADERS)
    for label, kind, figure in _kpis(report):
        values, kinds = _kpi_values(kind, figure)
        summary.row([label, *values], [TEXT, *kinds])
    summary.blank()
    summary.row(["Waiting for approval", "Count"], bold=True)
    for kind_name, waiting in report.open_approvals.items():
        summary.row([kind_name, waiting], [TEXT, UNITS])
    if report.notes:
        summary.blank()
        summary.row(["Notes"], bold=True)
        for note in report.notes:
            summary.row([note])
    summary.widths[1] = min(summary.widths.get(1, 0), 40)
    summary.finish()

    scopes = _Sheet(workbook, "Scopes by period")
    columns = {period: scope_columns(period) for period in PERIODS}
    scopes.header(["Period", *(column.header for column in columns["week"])])
    for period in PERIODS:
        for row in report.rows:
            scopes.row(
                [PERIOD_LABELS[period], *(column.value(row) for column in columns[period])],
                [TEXT, *(column.kind for column in columns[period])],
            )
    scopes.finish()

    otb = _Sheet(workbook, "OTB")
    otb.header(["Month", "Budget (retail)", "Received", "On order", "Open to buy"])
    for month in report.otb:
        otb.row(_otb_values(month), [TEXT, MONEY, MONEY, MONEY, MONEY])
    otb.finish()

    for title, items in (
        ("Best sellers", report.best_sellers),
        ("Understocked", report.understocked),
        ("Overstocked", report.overstocked),
    ):
        sheet = _Sheet(workbook, title)
        sheet.header(ITEM_HEADERS)
        for item in items:
            sheet.row(_item_values(item), ITEM_KINDS)
        sheet.finish()

    accuracy = _Sheet(workbook, "Forecast accuracy")
    accuracy.header(["Week", "Week id", "WMAPE", "Bias"])
    for week in report.accuracy:
        accuracy.row(_accuracy_values(week), [TEXT, TEXT, PERCENT, PERCENT])
    accuracy.finish()

    definitions = _Sheet(workbook, "Definitions")
    definitions.header(["Figure", "How it is calculated"])
    for name, text in DEFINITIONS:
        definitions.row([name, text])
    definitions.finish()

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF

SHEET_NAMES = [
    "Summary", "Scopes by period", "OTB", "Best sellers", "Understocked", "Overstocked", "Forecast accuracy",
    "Definitions",
]  # fmt: skip


MINUS = "\u2212"


def money(value: Decimal | None, places: int = 0) -> str:
    """1,234,567 (or 1,234.50 with places=2), half up, negatives with a minus sign; None is a dash."""
    if value is None:
        return DASH
    text = f"{abs(rounding.shown_money(value, places)):,}"
    return MINUS + text if value < 0 else text


def percent(value: float | None, *, signed: bool = False) -> str:
    """A share as a percent (0.053: 5.3%, or +5.3% for a change); None is a dash."""
    if value is None:
        return DASH
    text = f"{abs(rounding.shown_percent(value)):,}%"  # half up, from the unrounded share
    if value < 0 and text != "0.0%":
        return MINUS + text
    return "+" + text if signed else text


def number(value: float | None) -> str:
    """A ratio to one decimal (12,345.6), negatives with a minus sign as money has; None is a dash."""
    if value is None:
        return DASH
    text = f"{abs(rounding.shown_ratio(value, 1)):,}"
    return MINUS + text if value < 0 and text != "0.0" else text


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib: every accent and dash) when it is there, else
    Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        import matplotlib

        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        if "MerchplanSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("MerchplanSans", str(fonts / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("MerchplanSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
        return "MerchplanSans", "MerchplanSans-Bold"
    except (ImportError, OSError):
        return "Helvetica", "Helvetica-Bold"


def chart_images(report: WeeklyReport) -> list[bytes]:
    """The report's three charts (sales, stock, open to buy) as PNG, each with its own title."""
    try:
        from reports import charts
    except ImportError:  # the charts module is built beside this one
        return []
    return [
        charts.sales_chart(report, fmt="png"),
        charts.inventory_chart(report, fmt="png"),
        charts.otb_chart(report, fmt="png"),
    ]


def grouped_notes(report: WeeklyReport) -> list[str]:
    """The rows' notes once each, with the codes of the rows they apply to ("No plan covers this
    week: A01, A01-01, ..."), not one line per row."""
    by_note: dict[str, list[str]] = {}
    for row in report.rows:
        for note in row.notes:
            by_note.setdefault(note, []).append(row.code or row.name)
    lines = []
    for note, codes in by_note.items():
        shown = ", ".join(codes[:12]) + (f" and {len(codes) - 12} more" if len(codes) > 12 else "")
        lines.append(f"{note.rstrip('.')}: {shown}.")
    return lines


def report_pdf(report: WeeklyReport) -> bytes:
    """A4 landscape: title, KPIs, the scopes for the week and the year to date, OTB, the three
    item lists, forecast accuracy, notes and the charts; page numbers in the footer."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        CondPageBreak,
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    from reports.pdf_layout import NUMBER, TEXT, fitted_table

    fonts = regular, bold = _fonts()
    ink, muted = colors.HexColor("#1f2933"), colors.HexColor("#6b7785")
    title_style = ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, textColor=ink)
    subtitle_style = ParagraphStyle("subtitle", fontName=regular, fontSize=10, leading=13, textColor=muted)
    heading_style = ParagraphStyle(
        "heading", fontName=bold, fontSize=12, leading=15, textColor=ink, spaceBefore=8, spaceAfter=4
    )
    note_style = ParagraphStyle("note", fontName=regular, fontSize=9, leading=12, textColor=ink)

    page_width, page_height = landscape(A4)
    margin = 12 * mm
    width = page_width - 2 * margin

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Page N of M in every page's footer (the total is known once all pages are laid)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(regular, 8)
                self.setFillColor(muted)
                self.drawString(margin, 7 * mm, f"Merchplan weekly report {report.week_label}")
                self.drawRightString(
                    page_width - margin, 7 * mm, f"Page {self._pageNumber} of {len(self._pages)}"
                )
                super().showPage()
            super().save()

    def table(
        header: Sequence[str], rows: list[list[str]], kinds: str, preferred: Sequence[float], **options: Any
    ) -> Any:
        """Columns sized to their values (`pdf_layout`): kinds per column, T text, N number."""
        column_kinds = [TEXT if kind == "T" else NUMBER for kind in kinds]
        return fitted_table(header, rows, column_kinds, preferred, width, fonts, **options)

    story: list[Any] = [
        Paragraph(escape(f"Executive weekly report {report.week_label}"), title_style),
        Paragraph(escape(f"{report.week_dates} · money at retail"), subtitle_style),
        Spacer(1, 4 * mm),
    ]

    # KPIs: the company's headline figures.
    kpi_rows: list[list[str]] = []
    for label, kind, figure in _kpis(report):
        values, kinds = _kpi_values(kind, figure)
        cells = [label]
        for position, (value, value_kind) in enumerate(zip(values, kinds, strict=True)):
            if value_kind == MONEY:
                cells.append(money(value))
            elif value_kind == PERCENT:
                cells.append(percent(value, signed=position >= 4))  # the changes carry a sign
            else:
                cells.append(number(value))
        kpi_rows.append(cells)
    kpi_widths = [70 * mm] + [26 * mm] * 7
    approvals = ", ".join(f"{name}: {count}" for name, count in report.open_approvals.items())
    story += [
        Paragraph("Headline figures", heading_style),
        table(KPI_HEADERS, kpi_rows, "TNNNNNNN", kpi_widths),
        Spacer(1, 2 * mm),
        Paragraph(escape(f"Waiting for approval: {approvals or 'nothing'}"), note_style),
        Paragraph(escape(f"{STOCK_BASIS}; how each figure is calculated: the last section."), note_style),
    ]

    # The scope table for the week and for the year to date.
    scope_headers = [
        "Scope", "Sales", "vs OP", "vs WP", "vs LY", "GM", "GM %", "GM %\nplan", "Mark-\ndowns", "MD %",
        "Stock\nselling\nlocations", "Stock vs\nplan", "Owned\nstock", "WOS", "Turn\nYTD", "GMROI\nYTD",
        "Sell-\nthrough\n$ STD",
    ]  # fmt: skip
    # Money columns take what the name, the percents and the ratios leave (billions fit).
    # T: the name, M: money, P: percent, R: ratio, S: sell-through (a long header).
    widths_by = "TMPPPMPPMPMPMRRRS"
    narrow = {"P": 13 * mm, "R": 12.5 * mm, "S": 15 * mm}
    name_width = 44 * mm
    money_width = (width - name_width - sum(narrow.get(kind, 0) for kind in widths_by)) / widths_by.count("M")
    scope_widths = [name_width] + [narrow.get(kind, money_width) for kind in widths_by[1:]]
    scope_kinds = "T" + "N" * (len(scope_headers) - 1)
    for period in ("week", "ytd"):
        rows: list[list[str]] = []
        bold_rows, indents = [], []
        for row in report.rows:
            figures = row.periods[period]
            indents.append({"company": 0, "channel": 6, "department": 6, "class": 14}.get(row.level, 0))
            label = f"{row.code} {row.name}" if row.level in ("department", "class") else row.name
            if row.level == "company":
                bold_rows.append(len(rows))
            rows.append(
                [
                    label,
                    money(figures.sales.ty),
                    percent(figures.sales.vs_op_percent, signed=True),
                    percent(figures.sales.vs_wp_percent, signed=True),
                    percent(figures.sales.vs_ly_percent, signed=True),
                    money(figures.gross_margin.ty),
                    percent(figures.gm_percent.ty),
                    percent(figures.gm_percent.plan),
                    money(figures.markdowns.ty),
                    percent(figures.markdown_percent.ty),
                    money(row.eop.ty),
                    percent(row.eop.vs_wp_percent, signed=True),
                    money(row.owned.ty),
                    number(row.wos.ty),
                    number(row.turn.ty),
                    number(row.gmroi.ty),
                    percent(row.sell_through.ty),
                ]
            )
        scope_notes = grouped_notes(report)
        block: list[Any] = [
            Paragraph(escape(f"Scopes: {PERIOD_LABELS[period].lower()}"), heading_style),
            table(
                scope_headers,
                rows,
                scope_kinds,
                scope_widths,
                bold_rows=bold_rows,
                indents=indents,
                fill=True,
            ),
        ]
        block += [Paragraph(escape(note), subtitle_style) for note in scope_notes]
        story += [CondPageBreak(60 * mm), *block]

    # Open to buy by coming month.
    otb_headers = ["Month", "Budget (retail)", "Received", "On order", "Open to buy"]
    otb_rows: list[list[str]] = []
    for month in report.otb:
        otb_rows.append(
            [
                month.label,
                money(month.budget, 2) if month.budget is not None else "No approved budget",
                money(month.received, 2),
                money(month.on_order, 2),
                money(month.remaining, 2),
            ]
        )
    story += [
        CondPageBreak(40 * mm),
        KeepTogether(
            [
                Paragraph("Open to buy, coming months", heading_style),
                table(otb_headers, otb_rows, "TNNNN", [50 * mm] + [36 * mm] * 4)
                if report.otb
                else Paragraph("No coming months.", note_style),
            ]
        ),
    ]

    # The three item lists.
    item_widths = [24 * mm, 46 * mm, 22 * mm, 22 * mm, 14 * mm, 16 * mm, 14 * mm, 18 * mm]
    item_widths.append(width - sum(item_widths))
    for title, items in (
        ("Best sellers", report.best_sellers),
        ("Understocked", report.understocked),
        ("Overstocked", report.overstocked),
    ):
        heading = Paragraph(escape(title), heading_style)
        if not items:
            story += [KeepTogether([heading, Paragraph("None this week.", note_style)])]
            continue
        item_rows: list[list[str]] = []
        for item in items:
            item_rows.append(
                [
                    item.code,
                    item.name,
                    item.department,
                    money(item.sales, 2),
                    f"{item.units:,}",
                    f"{item.stock_units:,}",
                    number(item.wos),
                    percent(item.sell_through),
                    item.reason,
                ]
            )
        item_headers = ["Code", "Name", "Department", "Sales", "Units", "Stock", "WOS", "Sell-thru\nunits"]
        item_headers.append("Why")
        laid = table(item_headers, item_rows, "TTTNNNNNT", item_widths, fill=True)
        story += [CondPageBreak(30 * mm), heading, laid]

    # Forecast accuracy, lag 1.
    accuracy_rows: list[list[str]] = []
    for week in report.accuracy:
        accuracy_rows.append([week.label, percent(week.wmape), percent(week.bias, signed=True)])
    story += [
        CondPageBreak(40 * mm),
        Paragraph("Forecast accuracy (lag 1)", heading_style),
        table(["Week", "WMAPE", "Bias"], accuracy_rows, "TNN", [40 * mm, 30 * mm, 30 * mm])
        if report.accuracy
        else Paragraph("No closed week with a forecast yet.", note_style),
    ]

    if report.notes:
        notes = [Paragraph(escape(f"• {note}"), note_style) for note in report.notes]
        # The heading never ends a page alone: it goes over with the first note.
        story += [
            CondPageBreak(25 * mm),
            KeepTogether([Paragraph("Notes", heading_style), notes[0]]),
            *notes[1:],
        ]

    definitions = [
        Paragraph(f'<font name="{bold}">{escape(name)}</font>: {escape(text)}', note_style)
        for name, text in DEFINITIONS
    ]
    story += [
        CondPageBreak(25 * mm),
        KeepTogether([Paragraph("How the figures are calculated", heading_style), definitions[0]]),
        *definitions[1:],
    ]

    charts = chart_images(report)
    if charts:
        story.append(PageBreak())
        story.append(Paragraph("Charts", heading_style))
        for png in charts:  # each chart carries its own title
            image_width, image_height = ImageReader(io.BytesIO(png)).getSize()
            shown_width = min(width, 250 * mm)
            shown_height = shown_width * image_height / image_width
            if shown_height > 80 * mm:
                shown_height = 80 * mm
                shown_width = shown_height * image_width / image_height
            story.append(
                KeepTogether(
                    [
                        Image(io.BytesIO(png), width=shown_width, height=shown_height, hAlign="LEFT"),
                        Spacer(1, 3 * mm),
                    ]
                )
            )

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=14 * mm,
        title=f"Merchplan weekly report {report.week_label}",
        author="Merchplan",
    )
    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
