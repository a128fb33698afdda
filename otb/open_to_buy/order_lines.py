"""The open purchase-order lines behind an on-order figure, by the week they are expected: what
the plan grid's on-order row and the OTB page's on-order cell drill to."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q

from core.money import to_cents
from core.weeks import month_key as fiscal_month_key
from core.weeks import split_month_key, week_label
from otb.models import PurchaseOrderLine
from otb.open_to_buy.queries import (
    CLASS_PATH,
    closed_through,
    first_open_week,
    plan_lines,
    released_lines,
    week_after,
)
from planning.models import FiscalWeek, PlanVersion


@dataclass(frozen=True)
class OrderLine:
    """A purchase-order line behind a plan's on order: open units due in `expected_week_id`."""

    line: PurchaseOrderLine
    open_units: int
    open_retail: Decimal
    expected_week_id: int

    @property
    def expected_label(self) -> str:
        return week_label(self.expected_week_id)

    @property
    def is_overdue(self) -> bool:
        return self.expected_week_id != self.line.receipt_week_id


def plan_order_lines(version: PlanVersion, class_id: int | None = None) -> list[OrderLine]:
    """The open lines behind the version's on order (one class's, or all), by expected week: what
    the grid's on-order row drills to. Same selection as `plan_purchases`."""
    open_from = first_open_week(version)
    lines = (
        plan_lines(version.plan)
        .filter(units__gt=F("received_units"))
        .select_related("order", "order__vendor", "sku", "location", "receipt_week")
        .order_by("receipt_week_id", "order__number", "id")
    )
    if class_id is not None:
        lines = lines.filter(**{CLASS_PATH: class_id})
    found = []
    for line in lines:
        units = line.units - line.received_units
        retail = to_cents(units * line.unit_retail)
        found.append(OrderLine(line, units, retail, max(line.receipt_week_id, open_from)))
    return sorted(found, key=lambda row: (row.expected_week_id, row.line.order.number, row.line.pk))


def department_order_lines(department_id: int, month_key: int) -> list[OrderLine]:
    """The open lines behind a department-month's on order on the OTB page: lines due in its
    open weeks, and overdue lines (due in a closed week) when it holds the first open week."""
    through = closed_through([department_id]).get(department_id, 0)
    open_from = week_after(through) if through else 0
    year, month = split_month_key(month_key)
    weeks = FiscalWeek.objects.filter(year=year, month=month)
    lines = (
        released_lines()
        .filter(order__department_id=department_id, units__gt=F("received_units"))
        .select_related("order", "order__vendor", "sku", "location", "receipt_week")
    )
    if weeks.filter(id=open_from).exists():  # the month the overdue lines (of its year) are expected in
        first, after = fiscal_month_key(year, 0), fiscal_month_key(year + 1, 0)
        overdue = Q(receipt_week_id__lte=through, month_key__gt=first, month_key__lt=after)
        lines = lines.filter(Q(month_key=month_key, receipt_week_id__gt=through) | overdue)
    else:
        lines = lines.filter(month_key=month_key, receipt_week_id__gt=through)
    found = [
        OrderLine(
            line,
            line.units - line.received_units,
            to_cents((line.units - line.received_units) * line.unit_retail),
            max(line.receipt_week_id, open_from),
        )
        for line in lines
    ]
    return sorted(found, key=lambda row: (row.expected_week_id, row.line.order.number, row.line.pk))
