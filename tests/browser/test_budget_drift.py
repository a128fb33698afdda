"""Budget drift in a real browser: the manager's home says the working plan's receipts drift from
the approved budget (FY2026 M11 10,600 against 10,000: +6.0%; M12 9,300: -7.0%; the plan of
tests/otb/test_budget_drift.py), one click drafts the revision, and the budgets page lists it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from otb.models import OTBBudget
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.otb import test_budget_drift
from tests.otb.test_budget_drift import M10, M11, M12, _set_receipts

plan = test_budget_drift.plan  # the fixture: Tops' approved budget v1 and working plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_drafts_a_revised_budget_from_the_home_page(
    live_server: Any,
    page: Any,
    plan: dict[str, Any],
    manager: User,
) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "9300"})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    notice = page.locator(f'[data-testid="budget-drift-{plan["tops"].pk}"]')
    notice.wait_for()
    assert "by more than 5% in 2 months (FY2026 M11 +6.0%, M12 -7.0%)" in notice.inner_text()
    screenshot(page, "budget-drift-home")

    notice.get_by_role("button", name="Draft a revised budget").click()

    page.wait_for_selector("text=Draft budget FY2026 v2 created from the working plan's receipts")
    assert page.url == f"{live_server.url}/otb/budgets/"
    draft = OTBBudget.objects.get(number=2)
    assert (draft.status, draft.source_version_id) == (OTBBudget.Status.DRAFT, plan["working"].pk)
    assert page.locator(f"#budget-{draft.pk}").get_by_text("Draft", exact=True).count() == 1
    screenshot(page, "budget-drift-draft")
    # A draft does not count: the OTB page still says so, above the table.
    page.goto(f"{live_server.url}/otb/?year=2026")
    assert "FY2026 M11 +6.0%, M12 -7.0%" in notice.inner_text()
    screenshot(page, "budget-drift-otb")
