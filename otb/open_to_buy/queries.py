"""The reads every OTB figure starts from: the purchase-order lines the company has bought (and
their grouped sums), a plan's scope among them, and the weeks the working plans have closed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, Q, Sum

from core.money import to_cents
from otb.models import PurchaseOrder, PurchaseOrderLine
from planning.models import FiscalWeek, Plan, PlanVersion

ZERO = Decimal("0.00")
CLASS_PATH = "sku__style_color__style__subclass__merch_class_id"

OPEN_RETAIL = Sum((F("units") - F("received_units")) * F("unit_retail"))
OPEN_COST = Sum((F("units") - F("received_units")) * F("unit_cost"))
OPEN_UNITS = Sum(F("units") - F("received_units"))
RECEIVED_RETAIL = Sum(F("received_units") * F("unit_retail"))
RECEIVED_COST = Sum(F("received_units") * F("unit_cost"))
RECEIVED_UNITS = Sum("received_units")


def released_lines() -> Any:
    """Lines of released orders that are not cancelled: what the company has bought."""
    return PurchaseOrderLine.objects.filter(order__status=PurchaseOrder.Status.RELEASED).exclude(
        status=PurchaseOrderLine.Status.CANCELLED
    )


def cents(value: Any) -> Decimal:
    """A grouped sum (None when no row) as money."""
    return to_cents(Decimal(value or 0))


def scope_filter(plan: Plan) -> Q:
    """The purchase-order lines of a plan's scope (total company: every location)."""
    if plan.region_id:
        return Q(location__region_id=plan.region_id)
    if plan.channel_id:
        return Q(location__channel_id=plan.channel_id)
    return Q()


def plan_lines(plan: Plan) -> Any:
    """Released lines of the plan's department and scope, due within its span."""
    return (
        released_lines()
        .filter(scope_filter(plan), order__department_id=plan.department_id)
        .filter(receipt_week_id__gte=plan.first_week_id, receipt_week_id__lte=plan.last_week_id)
    )


def first_open_week(version: PlanVersion) -> int:
    """The first week after the version's actuals (its plan's first week before any closed)."""
    through = version.actuals_through_id
    return week_after(through) if through else version.plan.first_week_id


def week_after(week_id: int) -> int:
    following = FiscalWeek.objects.filter(id__gt=week_id).order_by("id").values_list("id", flat=True).first()
    return following if following is not None else week_id + 1


def closed_through(department_ids: list[int]) -> dict[int, int]:
    """Department -> the last closed week its working plans hold actuals through (0: none)."""
    through: dict[int, int] = {}
    for department_id, week_id in PlanVersion.objects.filter(
        kind=PlanVersion.Kind.WORKING, plan__department_id__in=department_ids, actuals_through__isnull=False
    ).values_list("plan__department_id", "actuals_through_id"):
        through[department_id] = max(through.get(department_id, 0), week_id)
    return through
