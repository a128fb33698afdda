"""A plan version read as a cube: any merchandise level (the plan, its classes) by any time
level (week, month, quarter, half, year) for any measures, by the grid's own roll-up rules
(`grid_columns.aggregate_columns`: flows sum, BOP is the first week's, EOP the last's, ratios
from rolled-up components), so the API and the grid show the same figure to the cent.

The plan total is the worker's roll-up of the class lines: while it is pending (a moment after
an edit) the answer says so (`totals_pending`) rather than serving a half-updated sum."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from core.money import to_cents, to_places
from planning import calendar
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.grid import _actuals_only, _values_by_line
from planning.plans.grid_columns import Column, Groups, aggregate_columns

MERCH_LEVELS = ("plan", "class")
TIME_LEVELS = ("week", "month", "quarter", "half", "year")
MONEY = (
    "sales",
    "markdowns",
    "shrink",
    "receipts",
    "bop",
    "eop",
    "on_order",
    "received",
    "otb",
    "gross_margin",
)
RATIOS = ("wos", "fwos", "turn", "sell_through", "gm_percent")
CUBE_MEASURES = (*MONEY[:4], "sales_units", *MONEY[4:], *RATIOS)


@dataclass
class CubeRow:
    node: str  # "plan" or the class code
    label: str
    line: int
    values: dict[str, list[Decimal | None]] = field(default_factory=dict)  # measure -> per period


@dataclass
class CubeView:
    version: PlanVersion
    merch: str
    time: str
    periods: list[tuple[str, str]]  # (key, label): "2026-W05", "M3", "Q1", "H1", "year"
    measures: list[str]
    rows: list[CubeRow]
    totals_pending: bool


def time_columns(week_rows: list[tuple[int, int, int, int]], level: str) -> list[Column]:
    """week_rows: (week id, period, fiscal month, quarter) in period order; the columns of a
    time level, each with the periods (week indexes) it covers."""
    if level == "week":
        return [
            Column("week", f"W{w % 100:02d}", f"{w // 100}-W{w % 100:02d}", [p], w)
            for w, p, _, _ in week_rows
        ]
    groups: dict[tuple[str, str], list[int]] = {}
    for _, period, month, quarter in week_rows:
        key = {
            "month": (f"M{month}", calendar.MONTH_NAMES[month - 1]),
            "quarter": (f"Q{quarter}", f"Q{quarter}"),
            "half": (f"H{(quarter + 1) // 2}", f"H{(quarter + 1) // 2}"),
            "year": ("year", "Year"),
        }[level]
        groups.setdefault(key, []).append(period)
    return [Column(level, label, key, periods) for (key, label), periods in groups.items()]


def _figure(measure: str, value: float) -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    if measure == "sales_units":
        return to_places(value, 0)
    return to_cents(value) if measure in MONEY else to_places(value, 4)


def cube_read(
    version: PlanVersion, *, merch: str, time: str, measures: list[str], line_id: int | None = None
) -> CubeView:
    """The cube at a merchandise level by a time level (`line_id`: that line's row only)."""
    week_rows = list(
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=True)
        .order_by("period")
        .values_list("fiscal_week_id", "period", "fiscal_week__month", "fiscal_week__quarter")
    )
    columns = time_columns(week_rows, time)
    lines = PlanLine.objects.filter(version=version, merch_class__isnull=(merch == "plan"))
    if line_id is not None:
        lines = lines.filter(pk=line_id)
    chosen = list(
        lines.order_by("position", "id").values_list("id", "merch_class__code", "merch_class__name")
    )
    values = _values_by_line(version, [line_id for line_id, _, _ in chosen], len(week_rows))
    groups = Groups.of(columns, len(week_rows))
    if version.kind == PlanVersion.Kind.ACTUAL:  # as the grid: totals of the weeks with actuals only
        groups = _actuals_only(columns, values, len(week_rows))
    rows = []
    for line_id, code, name in chosen:
        row = CubeRow(
            "plan" if code is None else code, "Plan total" if code is None else f"{code} {name}", line_id
        )
        for measure in measures:
            aggregated = aggregate_columns(measure, values[line_id], groups) if columns else np.zeros(0)
            row.values[measure] = [_figure(measure, float(v)) for v in aggregated]
        rows.append(row)
    pending = merch == "plan" and version.totals_are_stale
    return CubeView(version, merch, time, [(c.key, c.label) for c in columns], measures, rows, pending)
