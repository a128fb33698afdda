"""Every factory makes a row that passes the model's own validation (full_clean: field rules,
codes unique ignoring case, location rules) and the database's constraints, alone and twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from otb.models import PurchaseOrderLine
from planning.models import Location
from tests import factories as f

pytestmark = pytest.mark.django_db

FACTORIES: list[Any] = [
    f.DivisionFactory,
    f.DepartmentFactory,
    f.MerchClassFactory,
    f.SubclassFactory,
    f.StyleFactory,
    f.StyleColorFactory,
    f.SkuFactory,
    f.ChannelFactory,
    f.RegionFactory,
    f.DcFactory,
    f.StoreFactory,
    f.WebFactory,
    f.SaleFactory,
    f.StockFactory,
    f.PlanFactory,
    f.PlanVersionFactory,
    f.PlanLineFactory,
    f.PlanWeekFactory,
    f.VendorFactory,
    f.OTBBudgetFactory,
    f.OTBBudgetMonthFactory,
    f.PurchaseOrderFactory,
    f.PurchaseOrderLineFactory,
    f.ForecastRunFactory,
    f.ReplenishmentRunFactory,
    f.VendorItemFactory,
]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_each_factory_makes_valid_rows(factory: Any) -> None:
    first, second = factory(), factory()

    for row in (first, second):
        assert isinstance(row, models.Model)
        assert row.pk is not None
        row.full_clean()


def test_a_hierarchy_chains_codes_and_a_store_sits_in_its_channel() -> None:
    sku = f.SkuFactory.create(size="S")
    store = f.StoreFactory.create()
    department = sku.style_color.style.subclass.merch_class.department

    assert sku.style_color.style.subclass.merch_class.code.startswith(department.code)
    assert sku.code == f"{sku.style_color.code}-S"
    assert store.kind == Location.Kind.STORE
    assert store.region is not None
    assert store.channel == store.region.channel
    assert store.grade == "A"


def test_item_makes_a_class_with_a_style_color_per_size() -> None:
    department = f.DepartmentFactory.create()

    merch_class, small, medium = f.item(department, "W-TOP-BLS", "Blouses", "30.00")

    assert merch_class.department == department
    assert [small.code, medium.code] == ["W-TOP-BLS-S", "W-TOP-BLS-M"]
    assert small.style_color == medium.style_color
    assert small.style_color.retail_price == Decimal("30.00")
    assert small.style_color.unit_cost == Decimal("12.00")


def test_sales_default_to_units_times_price_and_cost_forty_percent() -> None:
    sale = f.SaleFactory.create(units=3)

    assert sale.retail_value == Decimal("72.00")
    assert sale.cost_value == Decimal("28.80")


def test_a_budget_takes_its_months_and_a_line_follows_its_receipts() -> None:
    budget = f.OTBBudgetFactory.create(approved=True, months={202610: ("117000.00", "52650.00")})
    partly = f.PurchaseOrderLineFactory.create(units=40, received_units=10)

    assert budget.status == "approved"
    assert list(budget.months.values_list("month_key", "receipts_retail")) == [(202610, Decimal("117000.00"))]
    assert partly.status == PurchaseOrderLine.Status.PARTLY_RECEIVED
    assert partly.month_key == partly.receipt_week.year * 100 + partly.receipt_week.month


def test_fiscal_week_reads_the_calendar() -> None:
    week = f.fiscal_week(2024, 1)

    assert week.pk == 202401
    assert f.fiscal_week_of(week.start_date) == week
