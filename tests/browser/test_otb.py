"""Open to buy in a real browser: a planner enters a purchase order over OTB, reads what is
left, requests an OTB exception; a manager of the department approves it with a reason code
on the order's page, and the order is released."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from otb import services
from otb.models import OTBException, PurchaseOrder
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def budget(approved_budget: dict[str, Any]) -> dict[str, Any]:
    """Tops: an approved budget of 117,000 at retail in the month of a week three weeks out
    (tests/fixtures/budgets.py)."""
    return approved_budget


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def test_planner_orders_over_otb_and_a_manager_approves_the_exception(
    live_server: Any, page: Any, budget: dict[str, Any], planner: User, manager: User
) -> None:
    _login(page, live_server.url, planner.username)
    page.click("text=Open to buy")
    page.wait_for_selector('[data-testid="otb-table"]')
    page.click("text=Purchase orders")
    page.click("text=New purchase order")
    page.fill("#id_number", "PO-BIG")
    page.select_option("#id_vendor", "V1")
    page.select_option("#id_department", str(budget["department"].pk))
    page.fill("#id_lines-0-sku_code", "ST-1-BLK-S")
    page.fill("#id_lines-0-location_code", "DC1")
    page.fill("#id_lines-0-units", "1500")
    page.fill("#id_lines-0-unit_cost", "45.00")
    page.fill("#id_lines-0-unit_retail", "100.00")
    page.select_option("#id_lines-0-receipt_week", str(budget["week"].pk))
    page.click("text=Save purchase order")

    # 150,000 does not fit 117,000: the page says what is left and what would fit, nothing saved.
    answer = page.locator('[data-testid="insufficient-otb"]')
    answer.wait_for()
    assert page.locator('[data-testid="otb-left"]').inner_text() == "117,000.00"
    assert "1,500 → 1,170 units" in page.locator('[data-testid="scale-to-fit"]').inner_text()
    assert not PurchaseOrder.objects.exists()
    screenshot(page, "otb-insufficient")

    page.check("#id_request_exception")
    page.click("text=Save purchase order")
    status = page.locator('[data-testid="order-status"]')
    status.wait_for()
    assert status.inner_text() == "Over OTB: awaiting approval"
    order = PurchaseOrder.objects.get()
    exception = OTBException.objects.get()

    _login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/otb/orders/{order.pk}/")
    row = page.locator(f"#exception-{exception.pk}")
    row.locator('select[name="reason"]').select_option("demand")
    row.locator('input[name="comment"]').fill("Sold out early")
    row.locator("button[value=approve]").click()

    page.wait_for_selector("text=approved.")
    assert page.locator('[data-testid="order-status"]').inner_text() == "Released"
    assert "Approved by" in page.locator(f"#exception-{exception.pk}").inner_text()
    screenshot(page, "otb-exception-approved")
    order.refresh_from_db()
    exception.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RELEASED
    assert (exception.status, exception.reason, exception.decided_by_id) == ("approved", "demand", manager.pk)

    # The OTB page now shows the month over-bought: 117,000 - 150,000 = -33,000, marked red.
    key = services.month_key(budget["week"])
    page.goto(f"{live_server.url}/otb/?year={budget['week'].year}")
    cell = page.locator(f'[data-testid="cell-{budget["department"].pk}-{key}-otb_retail"]')
    assert cell.inner_text() == "-33,000"
    assert cell.locator(".badge.failed").count() == 1
    screenshot(page, "otb-table")
