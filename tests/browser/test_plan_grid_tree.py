"""The plan grid as a tree in a real browser (issue 19): a 14-line plan over the fiscal year
opens collapsed at this week; the planner finds a line, opens it, edits a week, undoes the edit,
collapses the line and picks another measure for the collapsed lines."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from planning import calendar, clock
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.services import PlanSpec, plan_create
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login, _number
from tests.planning.plans.conftest import make_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def year_plan(retailer: dict[str, Any], planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    for number in range(13):
        make_class(retailer["tops"], f"W-TOP-X{number:02d}", f"Extra {number:02d}", "10.00")
    year = calendar.fiscal_week_of(clock.today()).year
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops year", department_id=retailer["tops"].pk,
            first_week_id=year * 100 + 1, last_week_id=year * 100 + 52,
        ),
    )  # fmt: skip
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def test_find_open_edit_undo_collapse(
    live_server: Any, page: Any, year_plan: PlanVersion, planner: User
) -> None:
    base = live_server.url
    tees = PlanLine.objects.get(version=year_plan, merch_class__code="W-TOP-TEE")
    week = calendar.fiscal_week_of(clock.today())
    key = f"{week.year}-W{week.week:02d}"
    _login(page, base, planner)
    page.goto(f"{base}/planning/plans/versions/{year_plan.pk}/")

    assert page.locator("tbody.line.collapsed").count() == 14
    assert page.inner_text("[data-testid=line-count]") == "14 lines"
    # The grid opens at this week: scrolled right, the week's header in view.
    assert page.evaluate("document.querySelector('.grid-wrap').scrollLeft") > 0
    assert page.locator(f'thead th.current[data-key="{key}"]').is_visible()

    page.fill("#line-search", "tee")
    assert page.inner_text("[data-testid=line-count]") == "1 of 14 lines"
    assert page.locator("tbody.line.collapsed:visible").count() == 1

    page.click(f"#line-{tees.pk} .tree-toggle")
    cell = page.locator(f'td.in[data-line="{tees.pk}"][data-period="{key}"][data-measure="sales"]')
    cell.wait_for()
    before = PlanWeek.objects.get(line=tees, fiscal_week_id=week.key).sales
    cell.click()
    with page.expect_response(lambda response: "/cells/" in response.url) as answer:
        page.keyboard.type("999")
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    page.wait_for_function(
        f"document.querySelector('#cell-{tees.pk}-{key}-sales').textContent.trim() === '999'"
    )
    assert PlanWeek.objects.get(line=tees, fiscal_week_id=week.key).sales == 999
    screenshot(page, "plan-grid-tree-open")

    with page.expect_response(lambda response: "/undo/" in response.url) as undone:
        page.click("#undo-last")
    assert undone.value.status == 200
    page.wait_for_selector("text=Your last edit was undone.")
    assert PlanWeek.objects.get(line=tees, fiscal_week_id=week.key).sales == before
    assert _number(page.inner_text(f"#cell-{tees.pk}-{key}-sales")) == round(float(before))

    page.click(f"#line-{tees.pk} .tree-toggle")
    page.wait_for_selector(f"#line-{tees.pk}.collapsed")
    page.select_option("#summary-measure", "eop")
    page.wait_for_url("**measure=eop**")
    assert page.locator("#summary-measure").input_value() == "eop"
    assert page.locator("tbody.line.collapsed").count() == 14
    screenshot(page, "plan-grid-tree")
