"""Reads for open-to-buy: the OTB table by department x fiscal month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from otb.models import PurchaseOrder, PurchaseOrderLine
from otb.services import approved_budget_months, month_label

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class OTBRow:
    department_id: int
    month_key: int
    budget_retail: Decimal
    budget_cost: Decimal
    on_order_retail: Decimal
    on_order_cost: Decimal
    on_order_units: int
    received_retail: Decimal
    budget_units: int = 0
    received_cost: Decimal = Decimal("0.00")
    received_units: int = 0

    @property
    def otb_units(self) -> int:
        return self.budget_units - self.received_units - self.on_order_units

    @property
    def label(self) -> str:
        return month_label(self.month_key)

    @property
    def otb_retail(self) -> Decimal:
        """Planned receipts - received to date - on order (negative: over-bought). What was
        received was bought against the month too: receiving does not give OTB back."""
        return self.budget_retail - self.received_retail - self.on_order_retail

    @property
    def otb_cost(self) -> Decimal:
        return self.budget_cost - self.received_cost - self.on_order_cost

    @property
    def used_percent(self) -> Decimal | None:
        """Share of the budget bought so far; none for a month without a positive budget."""
        if self.budget_retail <= 0:
            return None
        spent = self.on_order_retail + self.received_retail
        return (100 * spent / self.budget_retail).quantize(Decimal("0.1"))


def otb_rows(department_id: int, month_keys: list[int]) -> list[OTBRow]:
    """One row per month: the approved budget, what released orders have open and received."""
    budget = approved_budget_months(department_id, month_keys)
    lines = (
        PurchaseOrderLine.objects.filter(
            order__department_id=department_id,
            order__status=PurchaseOrder.Status.RELEASED,
            month_key__in=month_keys,
        )
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .values("month_key")
        .annotate(
            open_retail=Sum((F("units") - F("received_units")) * F("unit_retail")),
            open_cost=Sum((F("units") - F("received_units")) * F("unit_cost")),
            units_open=Sum(F("units") - F("received_units")),
            received_retail=Sum(F("received_units") * F("unit_retail")),
            received_cost=Sum(F("received_units") * F("unit_cost")),
            units_received=Sum("received_units"),
        )
    )
    orders = {row["month_key"]: row for row in lines}
    rows = []
    for key in sorted(month_keys):
        month = budget.get(key)
        order = orders.get(key, {})
        rows.append(
            OTBRow(
                department_id=department_id,
                month_key=key,
                budget_retail=month.receipts_retail if month else Decimal("0.00"),
                budget_cost=month.receipts_cost if month else Decimal("0.00"),
                budget_units=month.receipts_units if month else 0,
                on_order_retail=Decimal(order.get("open_retail") or 0).quantize(_CENT),
                on_order_cost=Decimal(order.get("open_cost") or 0).quantize(_CENT),
                on_order_units=int(order.get("units_open") or 0),
                received_retail=Decimal(order.get("received_retail") or 0).quantize(_CENT),
                received_cost=Decimal(order.get("received_cost") or 0).quantize(_CENT),
                received_units=int(order.get("units_received") or 0),
            )
        )
    return rows
