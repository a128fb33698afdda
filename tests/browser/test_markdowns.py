"""A planner proposes a markdown from the candidates and submits it; a manager approves it in
the decision panel (HTMX) and the new price is in the price history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from otb.models import MarkdownProposal, PriceChange
from planning.models import PlanVersion, StyleColor
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.otb import conftest as otb_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shop = otb_fixtures.shop  # the same small retailer as the service tests
working = otb_fixtures.working


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def test_manager_approves_a_markdown_a_planner_submitted(
    live_server: Any, page: Any, shop: dict[str, Any], working: PlanVersion, planner: User, manager: User
) -> None:
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/otb/markdowns/candidates/{shop['tops'].pk}/")
    screenshot(page, "markdown-candidates")
    page.check(f'input[name="items"][value="{shop["a"].pk}"]')
    page.fill("#id_name", "Black tee clearance")
    page.fill("#id_percent_off", "25")
    page.click("text=Propose markdown")
    page.wait_for_selector('[data-testid="markdown-cost"]')
    assert page.locator('[data-testid="markdown-cost"]').inner_text() == "540.00"  # 6.00 x 90
    page.click("text=Submit for approval")
    page.wait_for_selector('[data-testid="markdown-status"]:has-text("Submitted")')
    proposal = MarkdownProposal.objects.get()
    page.context.clear_cookies()

    _login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/otb/markdowns/{proposal.pk}/")
    screenshot(page, "markdown-submitted")
    with page.expect_response(lambda response: "/decide/" in response.url):
        page.click("#decision button[value=approve]")
    page.wait_for_selector('[data-testid="markdown-status"]:has-text("Approved")')
    assert "approve by max.manager" in page.locator("#markdown-history").inner_text()
    screenshot(page, "markdown-approved")

    assert PriceChange.objects.get().new_price == Decimal("18.00")
    assert StyleColor.objects.get(pk=shop["a"].pk).retail_price == Decimal("18.00")
