"""A target version as the page shows it: the division and its departments by fiscal month and
for the year, in one measure (ratios recomputed from their components at the division and year
levels, never averaged)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from planning.calendar import MONTH_NAMES
from planning.models import TARGET_AMOUNTS, TargetCell, TargetVersion
from planning.targets.services import MEASURES, MONTHS, RATIO_COMPONENT


@dataclass(frozen=True)
class GridRow:
    department_id: int | None  # None: the division (a value typed there spreads)
    label: str
    values: list[Decimal | None]  # twelve months, then the year


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


def _year(months: list[Amounts]) -> Amounts:
    """Flows sum over the year; EOP is the last month's."""
    year = {name: sum((month[name] for month in months), Decimal(0)) for name in TARGET_AMOUNTS}
    year["eop"] = months[-1]["eop"]
    return year


def _row(department_id: int | None, label: str, months: list[Amounts], measure: str) -> GridRow:
    return GridRow(department_id, label, [_value(amounts, measure) for amounts in (*months, _year(months))])


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
    columns = [*(f"M{m:02d} {MONTH_NAMES[m - 1]}" for m in MONTHS), f"FY{version.fiscal_year}"]
    return TargetGrid(version, measure, MEASURES[measure], columns, rows)
