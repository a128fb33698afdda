"""Factories of the open-to-buy tables: vendors, budgets with their months, purchase orders with
their lines. Rows only: tests of the order rules create orders through `otb.orders`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, PurchaseOrderLine, Vendor
from tests.factories.planning import (
    DcFactory,
    DepartmentFactory,
    SkuFactory,
    UserFactory,
    fiscal_week,
)

D = Decimal


class VendorFactory(DjangoModelFactory[Vendor]):
    class Meta:
        model = Vendor
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"V{n + 1}")
    name = factory.LazyAttribute(lambda o: f"Vendor {o.code}")


class OTBBudgetFactory(DjangoModelFactory[OTBBudget]):
    """A budget version; `months={month_key: (retail, cost)}` adds its months."""

    class Meta:
        model = OTBBudget
        skip_postgeneration_save = True

    department = factory.SubFactory(DepartmentFactory)
    fiscal_year = 2026
    number = 1
    status = OTBBudget.Status.DRAFT
    created_by = factory.SubFactory(UserFactory)

    class Params:
        approved = factory.Trait(status=OTBBudget.Status.APPROVED)

    @factory.post_generation
    def months(self, create: bool, months: Any, **_: Any) -> None:
        if create and months:
            for key, (retail, cost) in months.items():
                OTBBudgetMonthFactory(
                    budget=self, month_key=key, receipts_retail=D(retail), receipts_cost=D(cost)
                )


class OTBBudgetMonthFactory(DjangoModelFactory[OTBBudgetMonth]):
    class Meta:
        model = OTBBudgetMonth

    budget = factory.SubFactory(OTBBudgetFactory)
    month_key = factory.LazyAttribute(lambda o: o.budget.fiscal_year * 100 + 1)
    receipts_retail = D("0.00")
    receipts_cost = D("0.00")


class PurchaseOrderFactory(DjangoModelFactory[PurchaseOrder]):
    class Meta:
        model = PurchaseOrder
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"PO-{n + 1}")
    vendor = factory.SubFactory(VendorFactory)
    department = factory.SubFactory(DepartmentFactory)
    status = PurchaseOrder.Status.DRAFT
    created_by = factory.SubFactory(UserFactory)


class PurchaseOrderLineFactory(DjangoModelFactory[PurchaseOrderLine]):
    """A line to a DC; its month is the receipt week's fiscal month; the status follows the
    received units (open, partly received, received) unless given."""

    class Meta:
        model = PurchaseOrderLine

    order = factory.SubFactory(PurchaseOrderFactory)
    sku = factory.SubFactory(SkuFactory)
    location = factory.SubFactory(DcFactory)
    units = 10
    received_units = 0
    unit_cost = factory.LazyAttribute(lambda o: o.sku.style_color.unit_cost)
    unit_retail = factory.LazyAttribute(lambda o: o.sku.style_color.retail_price)
    receipt_week = factory.LazyFunction(lambda: fiscal_week(2026, 48))
    month_key = factory.LazyAttribute(lambda o: o.receipt_week.year * 100 + o.receipt_week.month)
    status = factory.LazyAttribute(
        lambda o: (
            PurchaseOrderLine.Status.OPEN
            if not o.received_units
            else PurchaseOrderLine.Status.RECEIVED
            if o.received_units >= o.units
            else PurchaseOrderLine.Status.PARTLY_RECEIVED
        )
    )
