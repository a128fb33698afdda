"""Weeks whose planned receipts are negative: the stock target asks for less stock than the
week's sales leave, so it could be reached only by sending stock back. A warning, not an error
(the OTB keeps the sign and says the month is over-bought), shown wherever the plan is judged:
each receipts cell of the grid, the plan's header, the submission and the manager's approval
card (plan page and approvals inbox). One read path: `negative_receipts`.

Example (tests/planning/plans/conftest.py's plan): Tees W04 opens with 1,854.60, sells 198.00
and marks down 66.00, which leaves 1,590.60; its FWOS target of 2.7 asks for an EOP of 1,320.00,
so receipts are 1,320.00 - 1,590.60 = -270.60.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import to_units
from core.weeks import iso_week_label, short_week_label
from planning.models import PlanVersion, PlanWeek

# Actuals versions hold what happened: returns to vendors there are facts, not a plan to judge.
_ACTUALS = (PlanVersion.Kind.LAST_YEAR, PlanVersion.Kind.ACTUAL)
MAX_LISTED_CLASSES = 10  # the header lists this many classes, then "and N more classes"


@dataclass(frozen=True)
class NegativeWeek:
    line_id: int
    class_name: str  # "W-TOP-TEE Tees", as the grid names the line
    week_id: int  # 202504
    receipts: Decimal
    eop: Decimal
    bop: Decimal
    sales: Decimal
    markdowns: Decimal
    shrink: Decimal

    @property
    def week(self) -> str:
        """ "W04", as the grid's column says."""
        return short_week_label(self.week_id)

    @property
    def week_key(self) -> str:
        """ "2025-W04", the grid column's key (the cell's data-period)."""
        return iso_week_label(self.week_id)

    @property
    def left_by_sales(self) -> Decimal:
        return self.bop - self.sales - self.markdowns - self.shrink

    @property
    def note(self) -> str:
        """The tooltip on the receipts cell: why it is negative and what to do."""
        taken = f"sales {_amount(self.sales)}"
        if self.markdowns:
            taken += f" - markdowns {_amount(self.markdowns)}"
        if self.shrink:
            taken += f" - shrink {_amount(self.shrink)}"
        return (
            f"Negative receipts ({_amount(self.receipts)}): the stock target (EOP {_amount(self.eop)}) "
            f"is below what this week's sales leave ({_amount(self.left_by_sales)} = BOP "
            f"{_amount(self.bop)} - {taken}). Raise the target, or plan to return or move stock."
        )


@dataclass(frozen=True)
class NegativeReceipts:
    """A version's weeks of negative planned receipts, by line and week."""

    weeks: list[NegativeWeek] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.weeks)

    @property
    def count(self) -> int:
        return len(self.weeks)

    @property
    def by_class(self) -> list[tuple[str, list[NegativeWeek]]]:
        grouped: dict[int, tuple[str, list[NegativeWeek]]] = {}
        for week in self.weeks:
            grouped.setdefault(week.line_id, (week.class_name, []))[1].append(week)
        return list(grouped.values())

    @property
    def summary(self) -> str:
        """ "3 weeks plan negative receipts: their stock target cannot be reached by selling." """
        if not self.weeks:
            return ""
        if self.count == 1:
            return "1 week plans negative receipts: its stock target cannot be reached by selling."
        classes = len(self.by_class)
        where = f" in {classes} classes" if classes > 1 else ""
        targets = "targets" if classes > 1 else "target"
        return (
            f"{self.count} weeks{where} plan negative receipts: "
            f"their stock {targets} cannot be reached by selling."
        )

    @property
    def lines(self) -> list[str]:
        """One line per class, for the header, the submission message and the approval card:
        "W-TOP-TEE Tees: W04 -271, W05 -12"; long lists end with "and N more classes"."""
        listed = [
            f"{name}: " + ", ".join(f"{week.week} {_amount(week.receipts)}" for week in weeks)
            for name, weeks in self.by_class
        ]
        if len(listed) > MAX_LISTED_CLASSES:
            rest = len(listed) - MAX_LISTED_CLASSES
            listed = [*listed[:MAX_LISTED_CLASSES], f"and {rest} more class{'es' if rest > 1 else ''}"]
        return listed

    @property
    def cells(self) -> dict[tuple[int, str], NegativeWeek]:
        """(line id, week key) -> the week: how the grid finds the cells to mark."""
        return {(week.line_id, week.week_key): week for week in self.weeks}


def negative_receipts(version_ids: Iterable[int]) -> dict[int, NegativeReceipts]:
    """Each version's weeks of negative planned receipts, class lines only (the plan total is
    their sum), in the grid's order; versions without any map to an empty result. One query."""
    ids = list(version_ids)
    found: dict[int, list[NegativeWeek]] = {version_id: [] for version_id in ids}
    rows = (
        PlanWeek.objects.filter(line__version_id__in=ids, line__merch_class__isnull=False, receipts__lt=0)
        .exclude(line__version__kind__in=_ACTUALS)
        .order_by("line__version_id", "line__position", "line_id", "period")
        .values_list(
            "line__version_id", "line_id", "line__merch_class__code", "line__merch_class__name",
            "fiscal_week_id", "receipts", "eop", "bop", "sales", "markdowns", "shrink",
        )
    )  # fmt: skip
    for version_id, line_id, code, name, week_id, receipts, eop, bop, sales, markdowns, shrink in rows:
        found[version_id].append(
            NegativeWeek(line_id, f"{code} {name}", week_id, receipts, eop, bop, sales, markdowns, shrink)
        )
    return {version_id: NegativeReceipts(weeks) for version_id, weeks in found.items()}


def version_negative_receipts(version: PlanVersion) -> NegativeReceipts:
    return negative_receipts([version.pk])[version.pk]


def _amount(value: Decimal) -> str:
    """Whole dollars, half up, as the grid shows them: "-271"."""
    return f"{to_units(value):,}"
