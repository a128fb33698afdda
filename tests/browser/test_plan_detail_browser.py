"""A class's detail in a real browser (issue 19): the planner opens Tees by subclass and
channel, types the crew neck's e-commerce season and sees the leaf rows and the class line
follow. Numbers: tests/planning/detail/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.detail.seed import detail_create
from planning.models import PlanVersion
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login
from tests.planning.detail.conftest import regions  # noqa: F401 - the fixture
from tests.planning.plans.conftest import history, line_of, plan, spec, working  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_a_class_by_subclass_and_channel_and_type_a_season(
    live_server: Any,
    page: Any,
    working: PlanVersion,  # noqa: F811
    planner: User,
    regions: Any,  # noqa: F811
    history: Any,  # noqa: F811
) -> None:
    detail_create(user=planner, version_id=working.pk)
    tees = line_of(working, history["tees"])
    _login(page, live_server.url, planner)
    page.goto(f"{live_server.url}/planning/plans/versions/{working.pk}/")
    page.click(f"#line-{tees.pk} .detail-open")
    selector = f'#line-{tees.pk} td.in[data-node="W-TOP-TEE-CRW"][data-location="ECOM"][data-period="season"]'
    cell = page.locator(selector)
    cell.wait_for()
    assert cell.inner_text() == "502"
    cell.click()
    with page.expect_response(lambda response: "/detail/" in response.url) as answer:
        page.keyboard.type("1000")
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    page.wait_for_function(f"document.querySelector('{selector}').textContent.trim() === '1,000'")
    # The class line follows: 1,755.60 - 501.60 + 1,000 = 2,254.
    assert page.inner_text(f"#cell-{tees.pk}-season-sales").strip() == "2,254"
    assert page.locator(f"#line-{tees.pk} tr.detail").count() == 6  # 2 subclasses, each with 2 channels
    screenshot(page, "plan-grid-detail")
