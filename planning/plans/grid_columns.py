"""The plan grid's columns and their roll-ups: each fiscal week, then its month, quarter and
season totals, and a line's measure aggregated for every column at once by DESIGN.md's rules
(flows sum, BOP first, EOP last, ratios recomputed from rolled-up components)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from planning import calendar
from planning.engine import kpis


@dataclass
class Column:
    kind: str  # week, month, quarter, season
    label: str
    key: str  # "2026-W05" for weeks, "M3", "Q1", "season" for totals
    periods: list[int]
    week_id: int | None = None
    is_closed: bool = False
    css: str = ""


def columns_for(weeks: list[tuple[int, int, int, int, date]], today: date) -> list[Column]:
    """weeks: (week id, period, month, quarter, end date) in period order."""
    columns: list[Column] = []
    months: dict[int, list[int]] = {}
    quarters: dict[int, list[int]] = {}
    for index, (week_id, period, month, quarter, end) in enumerate(weeks):
        year, number = divmod(week_id, 100)
        columns.append(
            Column("week", f"W{number:02d}", f"{year}-W{number:02d}", [period], week_id, end < today)
        )
        months.setdefault(month, []).append(period)
        quarters.setdefault(quarter, []).append(period)
        next_month = weeks[index + 1][2] if index + 1 < len(weeks) else None
        if next_month != month:
            columns.append(
                Column("month", calendar.MONTH_NAMES[month - 1], f"M{month}", months[month], css="agg")
            )
            next_quarter = weeks[index + 1][3] if index + 1 < len(weeks) else None
            if next_quarter != quarter:
                columns.append(
                    Column("quarter", f"Q{quarter}", f"Q{quarter}", quarters[quarter], css="agg q")
                )
    columns.append(Column("season", "Total", "season", [w[1] for w in weeks], css="agg s"))
    return columns


def _aggregate(measure: str, values: dict[str, np.ndarray], periods: list[int]) -> float:
    """One line's measure over a group of weeks, by the roll-up rules (the Excel export's
    totals): the grid's own computation for a single column."""
    column = Column("total", "", "", list(periods))
    return float(aggregate_columns(measure, values, Groups.of([column], len(values["sales"])))[0])


FLOWS = (
    "sales",
    "sales_units",
    "markdowns",
    "shrink",
    "on_order",
    "received",
    "receipts",
    "receipts_entered",
    "otb",
    "gross_margin",
)


@dataclass(frozen=True)
class Groups:
    """Which weeks each grid column covers, as arrays, so a line's measure is aggregated for
    every column at once (a matrix product for flows, index picks for BOP and EOP)."""

    membership: np.ndarray  # columns x periods of 0/1
    first: np.ndarray
    last: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, columns: list[Column], periods: int) -> Groups:
        membership = np.zeros((len(columns), periods))
        for index, column in enumerate(columns):
            membership[index, column.periods] = 1.0
        return cls(
            membership,
            np.array([column.periods[0] for column in columns]),
            np.array([column.periods[-1] for column in columns]),
            membership.sum(axis=1),
        )


def aggregate_columns(measure: str, values: dict[str, np.ndarray], groups: Groups) -> np.ndarray:
    """A line's measure for every column, by the roll-up rules of DESIGN.md section 6. Ratios
    come from their components for every column, a week's too (never from a ratio already
    rounded for storage), through the one definition of each KPI in `planning.engine.kpis`."""

    def flow(name: str) -> np.ndarray:
        result: np.ndarray = groups.membership @ np.nan_to_num(values[name])
        return result

    if measure in FLOWS:
        return flow(measure)
    if measure == "bop":
        opening: np.ndarray = values["bop"][groups.first]
        return opening
    if measure in ("eop", "fwos", "target"):
        closing: np.ndarray = values[measure][groups.last]
        return closing
    sales = flow("sales")
    opening = values["bop"][groups.first]
    if measure == "wos":
        return kpis.weeks_of_supply(values["eop"][groups.last], sales, groups.sizes)
    if measure == "sell_through":
        return kpis.sell_through_of_available(sales, opening + flow("receipts"))
    if measure == "gm_percent":
        return kpis.gm_percent_of(flow("gross_margin"), sales)
    if measure == "turn":
        average = kpis.average_inventory_of(opening, flow("eop"), groups.sizes)
        return kpis.turn_of(sales, average, groups.sizes)
    return np.full(len(groups.sizes), np.nan)
