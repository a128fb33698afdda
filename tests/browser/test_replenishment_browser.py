"""The replenishment worksheet in a real browser: a planner ticks a suggestion and changes its
units (the row answers in place, still ticked), creates the purchase order and follows its link;
dismisses a suggestion and restores it; and pulls an open line forward from the open-order
review."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from otb.models import PurchaseOrder, Suggestion
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.replenishment.test_po_review import review_setup  # noqa: F401 (fixture)
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

    # Ticked first: the tick survives the row's re-render after each units change.
    page.check(f"#suggestion-{small} input[name=suggestion]")
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
    assert page.is_checked(f"#suggestion-{small} input[name=suggestion]")

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


def test_planner_dismisses_and_restores_a_suggestion(
    live_server: Any, page: Any, retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager)
    small = sheet["s"].pk
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/otb/replenishment/")
    page.click(f'[data-testid="dismiss-{small}"]')
    page.wait_for_selector(f'#suggestion-{small}[data-status="dismissed"]')
    assert Suggestion.objects.get(pk=small).status == Suggestion.Status.DISMISSED
    assert page.locator(f"#suggestion-{small} input[name=suggestion]").count() == 0

    page.reload()
    page.wait_for_selector('[data-testid="vendor-V1"]')
    assert page.locator(f"#suggestion-{small}").count() == 0
    page.check("input[name=show_dismissed]")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_selector(f'[data-testid="restore-{small}"]')
    screenshot(page, "replenishment-dismissed")
    page.click(f'[data-testid="restore-{small}"]')
    page.wait_for_selector(f'[data-testid="dismiss-{small}"]')
    assert Suggestion.objects.get(pk=small).status == Suggestion.Status.OPEN


def test_planner_expedites_a_line_from_the_review(
    live_server: Any,
    page: Any,
    review_setup: dict[str, Any],  # noqa: F811
    planner: User,
) -> None:
    line, weeks = review_setup["expedite"], review_setup["weeks"]
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/otb/replenishment/")
    page.click("text=Open-order review")
    page.wait_for_selector('[data-testid="open-order-review"]')
    screenshot(page, "replenishment-open-orders")
    page.click(f"#review-expedite-{line.pk} >> text=Move to {weeks[2]}")
    page.wait_for_selector("text=PO PO-1: ST-1-BLK-S moved.")
    line.refresh_from_db()
    assert line.receipt_week_id == weeks[2].pk
    assert page.locator(f"#review-expedite-{line.pk}").count() == 0
    assert page.locator('[data-testid="count-expedite"]').inner_text() == "0"
