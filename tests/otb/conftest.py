"""Shared fixtures of the markdown tests: a small shop with sales, stock and a working plan,
and purchase orders on order (numbers documented in each fixture)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from forecasting import selectors as forecast_selectors
from otb.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Vendor,
)
from planning.models import (
    PlanVersion,
    SalesHistory,
    Sku,
    StockPosition,
    StyleColor,
)
from planning.plans.services import PlanSpec, plan_create


def _sale(sku: Sku, location: Any, week_id: int, units: int, markdown: str = "0") -> None:
    SalesHistory.objects.create(
        sku=sku,
        location=location,
        fiscal_week_id=week_id,
        units=units,
        retail_value=Decimal(units * 10),
        cost_value=Decimal(units * 4),
        markdown_value=Decimal(markdown),
    )


def _stock(sku: Sku, location: Any, week_id: int, on_hand: int) -> None:
    StockPosition.objects.create(sku=sku, location=location, fiscal_week_id=week_id, on_hand=on_hand)


def _item(
    retailer: dict[str, Any], code: str, retail: str, cost: str, **extra: Any
) -> tuple[StyleColor, Sku]:
    style = retailer["style_color"].style
    color = StyleColor.objects.create(
        style=style,
        code=code,
        color_code=code[-3:],
        color_name=code,
        retail_price=Decimal(retail),
        unit_cost=Decimal(cost),
        **extra,
    )
    return color, Sku.objects.create(style_color=color, code=f"{code}-M", size="M")


@pytest.fixture
def shop(retailer: dict[str, Any], planner: User, manager: User) -> dict[str, Any]:
    """As of the last closed week W, over the 8 weeks W-7..W:
    A ST-1-BLK (24.00 / 9.60): 10 sold; on hand 60 (S at the store, since W-10; 100 before
    that) + 30 (M on the web, since W-2) = 90. Sell-through 10/100 = 10 %, WOS 90/(10/8) = 72.
    B (50.00 / 20.00), launched 30 weeks before W ended: 40 sold, 20 on hand: 66.7 %, WOS 4.
    C (30.00 / 12.00): 40 sold, 10 on hand: 80 %, WOS 2, not aged: no candidate.
    D: nothing on hand: no candidate."""
    retailer["tops"].planners.add(planner, manager)
    closed = forecast_selectors.latest_closed_week()
    window = [week.id for week in forecast_selectors.weeks_up_to(closed, 21)]
    w = {offset: window[-1 - offset] for offset in range(21)}
    store, web = retailer["store"], retailer["web"]
    _sale(retailer["sku_s"], store, w[1], 5)
    _sale(retailer["sku_s"], store, w[3], 5)
    _sale(retailer["sku_s"], store, w[9], 50)  # before the window
    _stock(retailer["sku_s"], store, w[20], 100)
    _stock(retailer["sku_s"], store, w[10], 60)
    _stock(retailer["sku_m"], web, w[2], 30)
    b, b_sku = _item(
        retailer, "ST-1-BLU", "50.00", "20.00", launch_date=closed.end_date - timedelta(weeks=30)
    )
    _sale(b_sku, store, w[0], 40)
    _stock(b_sku, store, w[0], 20)
    c, c_sku = _item(retailer, "ST-1-RED", "30.00", "12.00", launch_date=closed.end_date - timedelta(weeks=4))
    _sale(c_sku, store, w[4], 40)
    _stock(c_sku, store, w[4], 10)
    _, d_sku = _item(retailer, "ST-1-WHT", "30.00", "12.00")
    _stock(d_sku, store, w[5], 0)
    open_weeks = forecast_selectors.weeks_after(closed, 6)
    return {"closed": closed, "open": open_weeks, "a": retailer["style_color"], "b": b, "c": c, **retailer}


@pytest.fixture
def working(shop: dict[str, Any], planner: User) -> PlanVersion:
    first, last = shop["open"][0], shop["open"][4]
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops ahead", department_id=shop["tops"].pk, first_week_id=first.id, last_week_id=last.id
        ),
    )
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


@pytest.fixture
def on_order(shop: dict[str, Any], planner: User) -> None:
    """Released: 40 units of A's S arriving in the effective week, 10 received -> 30 open; 25
    arriving after it. A draft order's 99 units do not count."""
    vendor = Vendor.objects.create(code="V1", name="Mill & Co")
    effective, later = shop["open"][0], shop["open"][3]
    for number, status, lines in (
        ("PO-1", PurchaseOrder.Status.RELEASED, [(effective, 40, 10), (later, 25, 0)]),
        ("PO-2", PurchaseOrder.Status.DRAFT, [(effective, 99, 0)]),
    ):
        order = PurchaseOrder.objects.create(
            number=number, vendor=vendor, department=shop["tops"], status=status, created_by=planner
        )
        for week, units, received in lines:
            PurchaseOrderLine.objects.create(
                order=order,
                sku=shop["sku_s"],
                location=shop["dc"],
                units=units,
                received_units=received,
                status=PurchaseOrderLine.Status.PARTLY_RECEIVED
                if received
                else PurchaseOrderLine.Status.OPEN,
                unit_cost=Decimal("9.60"),
                unit_retail=Decimal("24.00"),
                receipt_week=week,
                month_key=week.year * 100 + week.month,
            )
