"""The tables every export lays out: the scope table's columns (CSV and xlsx), the headline
KPIs (xlsx and PDF) and the item lists' headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reports.exports.cells import MONEY, PERCENT, RATIO, TEXT, UNITS
from reports.report_types import PERIODS, Ratio, ScopeRow, Versus, WeeklyReport


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


def kpis(report: WeeklyReport) -> list[tuple[str, str, Versus | Ratio]]:
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


def kpi_values(kind: str, figure: Versus | Ratio) -> tuple[list[Any], list[str]]:
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
