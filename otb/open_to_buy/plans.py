"""A plan version's purchases: what `planning.plans.purchases` stores in its weeks (the provider
`plan_purchases`, registered in `otb.apps`), and its months with their OTB at retail and cost."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from otb.open_to_buy.queries import (
    CLASS_PATH,
    OPEN_COST,
    OPEN_RETAIL,
    RECEIVED_COST,
    RECEIVED_RETAIL,
    ZERO,
    cents,
    first_open_week,
    plan_lines,
)
from otb.open_to_buy.rows import VersionMonth
from planning.engine.rounding import half_up
from planning.models import PlanVersion, PlanWeek
from planning.plans import purchases


def plan_purchases(version: PlanVersion, open_from: int) -> dict[tuple[int, int], purchases.Bought]:
    """(class, week) -> on order and received at retail for the version's plan scope and span;
    lines due before `open_from` (the first open week) and still open count in it."""
    rows = (
        plan_lines(version.plan)
        .values(CLASS_PATH, "receipt_week_id")
        .annotate(on_order=OPEN_RETAIL, received=RECEIVED_RETAIL)
        .order_by()
    )
    on_order: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    received: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        class_id, week_id = row[CLASS_PATH], row["receipt_week_id"]
        on_order[class_id, max(week_id, open_from)] += cents(row["on_order"])
        received[class_id, week_id] += cents(row["received"])
    return {
        key: purchases.Bought(on_order.get(key, ZERO), received.get(key, ZERO))
        for key in {*on_order, *received}
    }


def _order_costs(version: PlanVersion, open_from: int) -> dict[int, list[Decimal]]:
    """Open week -> [received, on order] at the orders' unit costs, at the plan's scope and span;
    overdue lines on order in the first open week (as `plan_purchases` has them at retail)."""
    rows = (
        plan_lines(version.plan)
        .values("receipt_week_id")
        .annotate(on_order=OPEN_COST, received=RECEIVED_COST)
        .order_by()
    )
    costs: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in rows:
        week_id = row["receipt_week_id"]
        if week_id >= open_from:  # a closed week's received is its actual receipts
            costs[week_id][0] += cents(row["received"])
        costs[max(week_id, open_from)][1] += cents(row["on_order"])
    return costs


def version_months(version: PlanVersion) -> list[VersionMonth]:
    """The version's months from its stored weeks (the class lines, as the grid's total sums);
    TY's only as far as its actuals go (the grid shows nothing after them)."""
    weeks = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
    if version.kind == PlanVersion.Kind.ACTUAL:
        weeks = weeks.filter(fiscal_week_id__lte=version.actuals_through_id or 0)
    rows = (
        weeks.values("fiscal_week_id", "fiscal_week__year", "fiscal_week__month")
        .annotate(**{name: Sum(name) for name in ("receipts", "received", "on_order", "otb")})
        .order_by("fiscal_week_id")
    )
    complement = Decimal(version.plan.cost_complement)
    through = version.actuals_through_id or 0
    costs = _order_costs(version, first_open_week(version))
    months: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        key = row["fiscal_week__year"] * 100 + row["fiscal_week__month"]
        month = months.setdefault(key, defaultdict(lambda: ZERO))
        for name in ("receipts", "received", "on_order", "otb"):
            month[name] += cents(row[name])
        receipts = cents(row["receipts"])
        month["receipts_cost"] += receipts * complement
        if row["fiscal_week_id"] <= through:  # closed: its actual receipts, nothing left to buy
            month["received_cost"] += cents(row["received"]) * complement
            continue
        received, on_order = costs.get(row["fiscal_week_id"], [ZERO, ZERO])
        month["received_cost"] += received
        month["on_order_cost"] += on_order
        month["otb_cost"] += receipts * complement - received - on_order
    cost_names = ("receipts_cost", "received_cost", "on_order_cost", "otb_cost")
    return [
        VersionMonth(
            key,
            month["receipts"],
            month["received"],
            month["on_order"],
            month["otb"],
            *(half_up(month[name], 2) for name in cost_names),
        )
        for key, month in months.items()
    ]
