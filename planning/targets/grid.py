"""A target version as the page shows it: the division and its departments by fiscal month,
quarter, half and year (each editable: a span spreads over its months), in one measure
(ratios recomputed from their components at every level, never averaged)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from planning.calendar import MONTH_NAMES
from planning.models import TARGET_AMOUNTS, TargetCell, TargetVersion
from planning.targets.services import MEASURES, MONTHS, RATIO_COMPONENT, SPANS


@dataclass(frozen=True)
class GridCell:
    key: str  # what an edit of it names: a month "1".."12" or a span "Q1".."FY"
    value: Decimal | None

    @property
    def is_month(self) -> bool:
        return self.key.isdigit()


@dataclass(frozen=True)
class GridRow:
    department_id: int | None  # None: the division (a value typed there spreads)
    label: str
    cells: list[GridCell]  # twelve months, then the quarters, halves and the year

    @property
    def values(self) -> list[Decimal | None]:
        return [cell.value for cell in self.cells]


@dataclass(frozen=True)
class TargetGrid:
    version: TargetVersion
    measure: str
    measure_label: str
    columns: list[str]
    rows: list[GridRow]

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_COMPONENT


Amounts = dict[str, Decimal]


def _value(amounts: Amounts, measure: str) -> Decimal | None:
    if measure in RATIO_COMPONENT:
        if not amounts["sales"]:
            return None
        return (amounts[RATIO_COMPONENT[measure]] / amounts["sales"] * 100).quantize(Decimal("0.1"))
    return amounts[measure]


def _span(months: list[Amounts], members: tuple[int, ...]) -> Amounts:
    """Flows sum over the span's months; EOP is its last month's."""
    total = {name: sum((months[m - 1][name] for m in members), Decimal(0)) for name in TARGET_AMOUNTS}
    total["eop"] = months[members[-1] - 1]["eop"]
    return total


def _row(department_id: int | None, label: str, months: list[Amounts], measure: str) -> GridRow:
    cells = [GridCell(str(m), _value(months[m - 1], measure)) for m in MONTHS]
    cells += [GridCell(key, _value(_span(months, members), measure)) for key, members in SPANS.items()]
    return GridRow(department_id, label, cells)


def target_grid(version: TargetVersion, measure: str = "sales") -> TargetGrid:
    if measure not in MEASURES:
        measure = "sales"
    zero = {name: Decimal(0) for name in TARGET_AMOUNTS}
    by_department: dict[int, tuple[str, list[Amounts]]] = {}
    for cell in (
        TargetCell.objects.filter(version=version)
        .select_related("department")
        .order_by("department__code", "month")
    ):
        _, months = by_department.setdefault(
            cell.department_id, (str(cell.department), [dict(zero) for _ in MONTHS])
        )
        months[cell.month - 1] = {name: getattr(cell, name) for name in TARGET_AMOUNTS}
    division = [
        {
            name: sum((months[m][name] for _, months in by_department.values()), Decimal(0))
            for name in TARGET_AMOUNTS
        }
        for m in range(len(MONTHS))
    ]
    rows = [_row(None, str(version.division), division, measure)]
    rows += [_row(pk, label, months, measure) for pk, (label, months) in by_department.items()]
    columns = [
        *(f"M{m:02d} {MONTH_NAMES[m - 1]}" for m in MONTHS),
        *(f"FY{version.fiscal_year}" if key == "FY" else key for key in SPANS),
    ]
    return TargetGrid(version, measure, MEASURES[measure], columns, rows)
