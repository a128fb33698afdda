"""Two versions of one plan side by side, cell by cell: which class x week values differ.

Any two versions of a plan compare (working plan, any OP revision, scenarios, LY, TY): their
weeks are the plan's fiscal weeks and their lines its classes (plus the plan-total line), so a
cell is (class, week, measure). `diff_cells` is the pure part; `compare_versions` reads each
version in one query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from planning.models import MerchClass, PlanVersion, PlanWeek

# The entered measures and the main derived ones, in the grid's order.
MEASURES = ("sales", "sales_units", "markdowns", "receipts", "eop", "otb")
MEASURE_LABELS = {
    "sales": "Sales $",
    "sales_units": "Sales units",
    "markdowns": "Markdowns $",
    "receipts": "Receipts $",
    "eop": "EOP $",
    "otb": "OTB $",
}

Key = tuple[int | None, int]  # (merch class id, None for the plan total; fiscal week id)
Values = Mapping[Key, Mapping[str, Decimal | None]]


@dataclass(frozen=True)
class CellDiff:
    class_id: int | None
    week_id: int
    measure: str
    a: Decimal | None  # None: the version has no such cell (a class only one of them plans)
    b: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """B - A; None when either side has no value."""
        return None if self.a is None or self.b is None else self.b - self.a


def diff_cells(a: Values, b: Values, measures: tuple[str, ...] = MEASURES) -> list[CellDiff]:
    """The cells whose values differ between `a` and `b`, by class (the plan total first),
    week and measure. A cell only one side has counts as different; equal cells are left out."""
    keys = sorted(set(a) | set(b), key=lambda key: (key[0] is not None, key[0] or 0, key[1]))
    cells = []
    for key in keys:
        row_a, row_b = a.get(key), b.get(key)
        for measure in measures:
            value_a = None if row_a is None else row_a.get(measure)
            value_b = None if row_b is None else row_b.get(measure)
            if value_a != value_b:
                cells.append(CellDiff(key[0], key[1], measure, value_a, value_b))
    return cells


def version_values(version_id: int) -> dict[Key, dict[str, Decimal | None]]:
    """Every class line x week of a version, MEASURES only (one query), and the plan total as
    their exact sums (every measure compared adds up over classes): the stored total line is
    rolled up in floats and may differ by a cent where no class does."""
    rows = PlanWeek.objects.filter(line__version_id=version_id, line__merch_class__isnull=False).values_list(
        "line__merch_class_id", "fiscal_week_id", *MEASURES
    )
    values: dict[Key, dict[str, Decimal | None]] = {}
    totals: dict[Key, dict[str, Decimal | None]] = {}
    for row in rows:
        cell = {
            name: None if value is None else Decimal(value)
            for name, value in zip(MEASURES, row[2:], strict=True)
        }
        values[row[0], row[1]] = cell
        total = totals.setdefault((None, row[1]), dict.fromkeys(MEASURES, Decimal("0")))
        for name, value in cell.items():
            if value is not None and total[name] is not None:
                total[name] += value  # type: ignore[operator]
    return {**totals, **values}


@dataclass(frozen=True)
class Comparison:
    a: PlanVersion
    b: PlanVersion
    cells: list[CellDiff]
    class_names: dict[int | None, str]

    @property
    def count(self) -> int:
        return len(self.cells)

    def by_measure(self) -> dict[str, int]:
        counts = dict.fromkeys(MEASURES, 0)
        for cell in self.cells:
            counts[cell.measure] += 1
        return {measure: count for measure, count in counts.items() if count}


def compare_versions(a: PlanVersion, b: PlanVersion) -> Comparison:
    """The cells that differ between two versions of the same plan (B - A): one query per
    version and one for the class names."""
    if a.plan_id != b.plan_id:
        raise ValueError("Compare two versions of the same plan.")
    cells = diff_cells(version_values(a.pk), version_values(b.pk))
    ids = {cell.class_id for cell in cells if cell.class_id is not None}
    names: dict[int | None, str] = {None: "Plan total"}
    names.update(
        {
            pk: f"{code} {name}"
            for pk, code, name in MerchClass.objects.filter(pk__in=ids).values_list("pk", "code", "name")
        }
    )
    return Comparison(a=a, b=b, cells=cells, class_names=names)
