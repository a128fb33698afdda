"""The grid's on order in a real browser: the "On order $" row shows the open purchase-order lines
of the plan (read-only), and its "lines" link lists them, an overdue one in the first open week.

Plan: Tops over FY2025 W01-W06, rolled through W02. PO-7 (released, unit retail 24.00): 10 S at
the store due W04 -> 240.00 on order in W04; 5 S due W02 (closed, open) -> overdue, 120.00 in W03.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from otb import open_to_buy
from otb.models import PurchaseOrder, PurchaseOrderLine, Vendor
from planning.models import FiscalWeek, PlanLine, PlanVersion
from planning.plans.in_season import roll_version
from planning.plans.services import PlanSpec, plan_create
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ordered(retailer: dict[str, Any], planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops spring", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202506
        ),
    )
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    assert roll_version(working, FiscalWeek.objects.get(id=202502), planner)
    order = PurchaseOrder.objects.create(
        number="PO-7", vendor=Vendor.objects.create(code="V7", name="Vendor seven"),
        department=retailer["tops"], status=PurchaseOrder.Status.RELEASED, created_by=planner,
    )  # fmt: skip
    for units, week in ((10, 202504), (5, 202502)):
        PurchaseOrderLine.objects.create(
            order=order, sku=retailer["sku_s"], location=retailer["store"], units=units,
            unit_cost=Decimal("10.00"), unit_retail=Decimal("24.00"), receipt_week_id=week,
            month_key=202501,
        )  # fmt: skip
    open_to_buy.orders_changed(retailer["tops"].pk)
    return working


def test_the_on_order_row_drills_to_the_order_lines(
    live_server: Any, page: Any, ordered: PlanVersion, planner: User
) -> None:
    line = PlanLine.objects.get(version=ordered, merch_class__isnull=False)
    _login(page, live_server.url, planner)
    page.goto(f"{live_server.url}/planning/plans/versions/{ordered.pk}/")
    row = page.locator(f"#line-{line.pk} tr[data-measure='on_order']")
    cells = row.locator("td")
    # W01 W02 W03 W04 ... : the overdue 120 in W03 (the first open week), 240 in W04; not typed.
    assert cells.nth(2).inner_text().strip() == "120"
    assert cells.nth(3).inner_text().strip() == "240"
    cells.nth(3).click()
    page.keyboard.type("5")
    assert page.locator(".cell-input").count() == 0
    screenshot(page, "plan-grid-on-order")

    row.get_by_test_id("on-order-drill").click()
    page.wait_for_url(f"**/otb/on-order/{ordered.pk}/?line={line.pk}")
    table = page.get_by_test_id("plan-on-order")
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert "FY2025 W03" in rows.nth(0).inner_text()
    assert "overdue" in rows.nth(0).inner_text()
    assert "FY2025 W04" in rows.nth(1).inner_text()
    assert "PO-7" in rows.nth(1).inner_text()
    assert page.get_by_test_id("on-order-total").inner_text() == "360.00"
    screenshot(page, "plan-on-order-drill")
