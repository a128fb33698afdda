"""What a plan version has bought, week by week: on order and received (DESIGN.md 11).

- On order: open lines of released purchase orders of the plan's department, classes and scope
  locations, at retail, in their expected receipt week; lines overdue (due in a closed week, still
  open) count in the first open week, where they are now expected.
- Received: an open week, the purchase-order receipts recorded against it; a closed week, its
  actual receipts (the stock identity's: EOP - BOP + sales + markdowns), so a closed week has
  nothing left to buy.
- OTB = planned receipts - received - on order in an open week, 0 in a closed week; totals sum.

Purchase orders live in another app: it supplies the facts by `set_provider` at start-up
(planning never imports it). `refresh` writes them into the version's weeks with their OTB, so the
grid, its totals and every reader of PlanWeek show one number; `refresh` is idempotent and rewrites
only the weeks that changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.bulk_write import write_rows

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bought:
    """A class-week's purchase-order facts at retail: open units due and units received."""

    on_order: Decimal = ZERO
    received: Decimal = ZERO


# (version, first open week id) -> {(class id, week id): Bought} for the version's plan scope.
Provider = Callable[[PlanVersion, int], dict[tuple[int, int], Bought]]
_provider: Provider | None = None


def set_provider(provider: Provider | None) -> None:
    global _provider
    _provider = provider


def versions_to_refresh(plan_ids: list[int]) -> list[PlanVersion]:
    """The versions that follow purchases: working plans, draft scenarios and TY (frozen
    approved plans keep what they had when they were approved)."""
    kind = PlanVersion.Kind
    return list(
        PlanVersion.objects.filter(plan_id__in=plan_ids, kind__in=(kind.WORKING, kind.SCENARIO, kind.ACTUAL))
        .exclude(kind=kind.SCENARIO, status__in=(PlanVersion.Status.SUBMITTED, PlanVersion.Status.APPROVED))
        .select_related("plan")
        .order_by("pk")
    )


@transaction.atomic
def refresh(version: PlanVersion) -> int:
    """Write the version's on order, received and OTB from the provider's facts; returns how
    many class-weeks changed. Without a provider (planning alone) only closed weeks change.

    Locks as an edit does, the version first (edits, rolls and refreshes of a version take turns,
    never deadlock), then its total line as the roll-up task does (a roll-up never writes back
    totals read before this refresh)."""
    PlanVersion.objects.select_for_update().filter(pk=version.pk).first()
    rows = list(
        PlanWeek.objects.select_for_update()
        .filter(line__version=version, line__merch_class__isnull=False)
        .select_related("line")
        .order_by("pk")
    )
    if not rows:
        return 0
    through = version.actuals_through_id or 0
    open_weeks = sorted({row.fiscal_week_id for row in rows if row.fiscal_week_id > through})
    facts = _provider(version, open_weeks[0]) if _provider is not None and open_weeks else {}
    changed = []
    for row in rows:
        closed = row.fiscal_week_id <= through
        if closed:
            bought = Bought(ZERO, row.receipts)
        else:
            bought = facts.get((row.line.merch_class_id or 0, row.fiscal_week_id), Bought())
        otb = ZERO if closed else row.receipts - bought.received - bought.on_order
        if (row.on_order, row.received, row.otb) != (bought.on_order, bought.received, otb):
            row.on_order, row.received, row.otb = bought.on_order, bought.received, otb
            changed.append(row)
    write_rows(PlanWeek, changed, ["on_order", "received", "otb"])
    if changed:
        _refresh_total(version)
    return len(changed)


def _refresh_total(version: PlanVersion) -> None:
    """The total line's on order, received and OTB: its class lines' sums, week by week."""
    total = PlanLine.objects.select_for_update().filter(version=version, merch_class__isnull=True).first()
    if total is None:
        return
    sums = {
        row["period"]: row
        for row in PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
        .values("period")
        .order_by("period")
        .annotate(on_order=Sum("on_order"), received=Sum("received"), otb=Sum("otb"))
    }
    weeks = list(PlanWeek.objects.select_for_update().filter(line=total).order_by("period"))
    for week in weeks:
        row = sums.get(week.period, {})
        week.on_order = row.get("on_order") or ZERO
        week.received = row.get("received") or ZERO
        week.otb = row.get("otb") or ZERO
    write_rows(PlanWeek, weeks, ["on_order", "received", "otb"])


def refresh_plans(plan_ids: list[int]) -> int:
    """Refresh every version of the plans that follows purchases; returns class-weeks changed."""
    return sum(refresh(version) for version in versions_to_refresh(plan_ids))
