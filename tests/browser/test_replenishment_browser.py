"""The replenishment worksheet in a real browser: a planner changes a suggestion's units (the
row answers in place), ticks the suggestions and creates the purchase order, then follows its
link."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from otb.models import PurchaseOrder, Suggestion
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.replenishment.test_worksheet import build_sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def test_planner_edits_a_suggestion_and_orders_it(
    live_server: Any, page: Any, retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager)
    small, medium = sheet["s"].pk, sheet["m"].pk
    _login(page, live_server.url, planner.username)
    page.click("nav >> text=Replenishment")
    page.wait_for_selector('[data-testid="vendor-V1"]')
    assert page.locator('[data-testid="total-retail"]').inner_text() == "2,016.00"

    # 30 is not a multiple of 12: refused beside the input; 60 is taken and the row re-rendered.
    units = page.locator(f"#suggestion-{small} input[name=units]")
    units.fill("30")
    units.press("Tab")
    error = page.locator(f"#suggestion-{small} [data-testid=suggestion-error]")
    error.wait_for()
    assert error.inner_text() == "Order in multiples of 12 units, at least 24."
    page.locator(f"#suggestion-{small} input[name=units]").fill("60")
    page.locator(f"#suggestion-{small} input[name=units]").press("Tab")
    page.wait_for_selector(f'[data-testid="retail-{small}"]:text-is("1,440.00")')
    assert Suggestion.objects.get(pk=small).units == 60

    page.check(f"#suggestion-{small} input[name=suggestion]")
    page.check(f"#suggestion-{medium} input[name=suggestion]")
    screenshot(page, "replenishment-worksheet")
    page.click("text=Create purchase orders")

    link = page.locator('[data-testid="created-order"]')
    link.wait_for()
    order = PurchaseOrder.objects.get()
    assert link.inner_text() == f"PO {order.number}"
    assert sorted(order.lines.values_list("sku__code", "units")) == [("ST-1-BLK-M", 36), ("ST-1-BLK-S", 60)]
    screenshot(page, "replenishment-ordered")
    link.click()
    page.wait_for_selector('[data-testid="order-lines"]')
    assert page.locator('[data-testid="order-status"]').inner_text() == "Released"
