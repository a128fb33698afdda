"""Plan history in a real browser: an old OP revision's page says what it is and links to the
current one; the grid's Compare button lists the cells that differ; the manager's approval card
shows the plan by month against the current OP and LY."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans import selectors
from planning.plans.services import (
    CellEdit,
    plan_cells_update,
    version_approve,
    version_recompute,
    version_submit,
)
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login, plan_version  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_old_revision_compare_and_the_approval_card(
    live_server: Any,
    page: Any,
    plan_version: PlanVersion,  # noqa: F811 - the fixture
    planner: User,
    manager: User,
    retailer: dict[str, Any],
) -> None:
    retailer["tops"].planners.add(manager)
    version_submit(user=planner, version_id=plan_version.pk)
    version_approve(user=manager, version_id=plan_version.pk)
    first = selectors.current_original(plan_version.plan)
    assert first is not None
    line = PlanLine.objects.get(version=plan_version, merch_class__isnull=False)
    row = PlanWeek.objects.get(line=line, fiscal_week_id=202502)
    plan_cells_update(
        user=planner,
        version_id=plan_version.pk,
        edits=[CellEdit(line.pk, 202502, "sales", str(row.sales + 100), row.row_version)],
    )
    version_recompute(plan_version.pk)
    version_submit(user=planner, version_id=plan_version.pk)

    _login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/otb/approvals/")
    card = page.locator("[data-testid=plan-months]")
    assert "vs OP r1 (the current OP)" in card.inner_text()
    screenshot(page, "plan-approval-card-months")

    page.goto(f"{live_server.url}/planning/plans/versions/{first.pk}/")
    banner = page.locator("[data-testid=revision]").inner_text()
    assert banner.startswith("OP r1 · approved by max.manager on 2026-12-07 12:00 · read-only")
    screenshot(page, "plan-op-revision-r1")

    page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    page.click("[data-testid=compare]")
    page.select_option("select[name=b]", str(first.pk))
    page.click("form[data-testid=compare-form] button[type=submit]")
    count = page.locator("[data-testid=compare-count]").inner_text()
    assert count.endswith("between Working plan and OP r1")
    assert page.locator("[data-testid=compare-cells] tbody tr").count() > 0
    screenshot(page, "plan-compare")
