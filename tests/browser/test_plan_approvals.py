"""Approvals in a real browser: a planner withdraws a submission (it leaves the manager's
inbox), submits again; the manager approves from the inbox with a comment, which the plan's
trail shows; a manager of another department is refused with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from planning.models import PlanTransition, PlanVersion
from planning.roles import MANAGER
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login, plan_version  # noqa: F401 - the fixture
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_withdraw_then_approve_with_a_comment(
    live_server: Any,
    browser: Any,
    plan_version: PlanVersion,  # noqa: F811 - the fixture
    planner: User,
    manager: User,
    retailer: dict[str, Any],
) -> None:
    retailer["tops"].planners.add(manager)
    url = f"{live_server.url}/planning/plans/versions/{plan_version.pk}/"
    planner_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(planner_page, live_server.url, planner)
    planner_page.goto(url)
    planner_page.click("text=Submit for approval")
    planner_page.wait_for_selector("text=Submitted for approval.")
    screenshot(planner_page, "plan-submitted")
    manager_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(manager_page, live_server.url, manager)
    manager_page.goto(f"{live_server.url}/otb/approvals/")
    assert manager_page.locator("text=Tops spring · Working plan").count() == 1

    planner_page.fill("input[name=reason]", "Forgot the W03 promotion")
    planner_page.click("[data-testid=withdraw]")
    planner_page.wait_for_selector("text=Withdrawn: the plan is a draft again")
    first_step = planner_page.locator("[data-testid=trail] tbody tr").first
    assert first_step.inner_text().split("\t")[2:] == ["Withdrawn", "pat.planner", "Forgot the W03 promotion"]
    screenshot(planner_page, "plan-withdrawn")
    manager_page.reload()
    assert manager_page.locator("text=Nothing waits for your decision.").count() == 1

    planner_page.click("text=Submit for approval")
    planner_page.wait_for_selector("text=Submitted for approval.")
    manager_page.goto(url)
    screenshot(manager_page, "plan-submitted-manager")
    manager_page.goto(f"{live_server.url}/otb/approvals/")
    manager_page.fill("input[name=comment]", "Receipts look right")
    manager_page.click("button[value=approve]")
    manager_page.wait_for_selector("text=The decision is in the audit trail.")
    manager_page.goto(url)
    step = manager_page.locator("[data-testid=trail] tbody tr").first
    assert step.inner_text().split("\t")[1:] == [
        "Working plan",
        "Approved",
        "max.manager",
        "Receipts look right",
    ]
    screenshot(manager_page, "plan-approved-with-comment")
    assert PlanTransition.objects.filter(version=plan_version, action="approve").get().reason == (
        "Receipts look right"
    )


def test_a_manager_of_another_department_is_refused(
    live_server: Any,
    page: Any,
    plan_version: PlanVersion,  # noqa: F811 - the fixture
    planner: User,
    retailer: dict[str, Any],
) -> None:
    from planning.plans.services import version_submit

    version_submit(user=planner, version_id=plan_version.pk)
    other = User.objects.create_user(username="dana.dresses", password=PASSWORD)
    other.groups.add(Group.objects.get(name=MANAGER))
    retailer["dresses"].planners.add(other)
    _login(page, live_server.url, other)
    page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    assert page.locator("[data-testid=approve]").count() == 0

    # A hand-made POST (a stale tab, a script): the same refusal as the service's.
    page.evaluate(
        """(url) => { const form = document.createElement('form'); form.method = 'post'; form.action = url;
        const token = document.querySelector('input[name=csrfmiddlewaretoken]')
          || Object.assign(document.createElement('input'), {name: 'csrfmiddlewaretoken',
               value: JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']});
        form.appendChild(token); document.body.appendChild(form); form.submit(); }""",
        f"/planning/plans/versions/{plan_version.pk}/approve/",
    )
    page.wait_for_selector("[data-testid=refused]")
    assert "You do not manage W-TOP Tops: only its managers approve or reject its plans." in page.inner_text(
        "[data-testid=refused]"
    )
    screenshot(page, "plan-approve-refused")
    plan_version.refresh_from_db()
    assert plan_version.status == PlanVersion.Status.SUBMITTED
