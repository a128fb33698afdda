"""Promoting a what-if in a real browser: the manager's inbox card shows the cell the scenario and
the working plan both changed since the branch, the manager picks the scenario's value for it and
approves, and the working plan's grid shows the picked value.

The plan (tests/browser/test_plan_grid.py): Tops FY2025 W01..W04, sales 100, 80, 120, 90. The
scenario sets W02 sales to 300 and W03 to 150; the working plan meanwhile sets W02 to 280."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.services import CellEdit, plan_cells_update, scenario_branch, version_submit
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login, _number, plan_version  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _edit(version: PlanVersion, user: User, week: int, value: str) -> None:
    line = PlanLine.objects.get(version=version, merch_class__isnull=False)
    plan_cells_update(user=user, version_id=version.pk, edits=[CellEdit(line.pk, week, "sales", value)])


def test_the_manager_resolves_a_conflict_and_approves(
    live_server: Any,
    page: Any,
    plan_version: PlanVersion,  # noqa: F811 - the fixture
    planner: User,
    manager: User,
) -> None:
    plan_version.plan.department.planners.add(manager)  # Tops's manager decides
    scenario = scenario_branch(user=planner, version_id=plan_version.pk, name="Hot summer")
    _edit(scenario, planner, 202502, "300")
    _edit(scenario, planner, 202503, "150")
    _edit(plan_version, planner, 202502, "280")
    version_submit(user=planner, version_id=scenario.pk)
    line = PlanLine.objects.get(version=plan_version, merch_class__isnull=False)
    key = f"{line.merch_class_id}:202502:sales"

    _login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/otb/approvals/")
    card = page.locator(f"#approval-plan-{scenario.pk}")
    assert "1 change from the scenario applies to the working plan" in card.inner_text()
    assert card.locator("[data-testid=promotion-changes] tbody tr").inner_text().split("\t") == [
        "W-TOP-TEE Tees", "FY2025 W03", "Sales $", "120.00", "150.00",
    ]  # fmt: skip
    conflict = card.locator(f'[data-testid=promotion-conflicts] tr[data-key="{key}"]')
    assert [text.strip() for text in conflict.inner_text().split("\t")] == [
        "W-TOP-TEE Tees", "FY2025 W02", "Sales $", "80.00", "300.00", "280.00",
    ]  # fmt: skip
    screenshot(page, "scenario-promotion-conflict")

    # "All conflicts: working plan wins" picks that side in every row; the row is then changed.
    card.locator("input[name=resolve_all][value=working]").check()
    assert conflict.locator("input[value=working]").is_checked()
    conflict.locator("input[value=scenario]").check()
    with page.expect_response(lambda response: "/otb/approvals/plan/" in response.url) as answer:
        card.locator("button[value=approve]").click()
    assert answer.value.status == 200
    page.wait_for_selector("text=The decision is in the audit trail.")
    screenshot(page, "scenario-promotion-approved")

    page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    assert _number(page.inner_text(f"#cell-{line.pk}-2025-W02-sales")) == 300  # the pick
    assert _number(page.inner_text(f"#cell-{line.pk}-2025-W03-sales")) == 150  # the scenario's change
    screenshot(page, "scenario-promotion-working-plan")
    assert sorted(
        PlanCellChange.objects.filter(line=line, source="promote").values_list("fiscal_week_id", "new_value")
    ) == [(202502, Decimal("300")), (202503, Decimal("150"))]
    assert PlanWeek.objects.get(line=line, fiscal_week_id=202502).sales == Decimal("300.00")


def test_an_unresolved_conflict_is_refused_on_the_card(
    live_server: Any,
    page: Any,
    plan_version: PlanVersion,  # noqa: F811 - the fixture
    planner: User,
    manager: User,
) -> None:
    plan_version.plan.department.planners.add(manager)
    scenario = scenario_branch(user=planner, version_id=plan_version.pk, name="Hot summer")
    _edit(scenario, planner, 202502, "300")
    _edit(scenario, planner, 202504, "95")
    _edit(plan_version, planner, 202502, "280")
    version_submit(user=planner, version_id=scenario.pk)

    _login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/otb/approvals/")
    card = page.locator(f"#approval-plan-{scenario.pk}")
    with page.expect_response(lambda response: "/otb/approvals/plan/" in response.url) as answer:
        card.locator("button[value=approve]").click()
    assert answer.value.status == 409
    page.wait_for_selector("[role=alert]:has-text('changed in both Hot summer and the working plan')")
    scenario.refresh_from_db()
    assert scenario.status == PlanVersion.Status.SUBMITTED
    # The card links to every change and conflict.
    page.click("[data-testid=promotion-all]")
    page.wait_for_selector("text=1 conflict: pick the winner on the approval card")
    rows = page.locator("[data-testid=promotion-changes] tbody tr")
    assert rows.inner_text().split("\t") == ["W-TOP-TEE Tees", "FY2025 W04", "Sales $", "90.00", "95.00"]
    screenshot(page, "scenario-promotion-all-changes")
