"""Targets in a real browser: a manager sets a department-month target in the grid (HTMX
answers in place), submits; another manager approves and publishes; the planner reads the
reconciliation, which flags the variance, sees the targets as a row of the plan grid, edits a
class-season to meet them and the reconciliation shows the variance gone; the manager spreads
the targets into the other department's plan.

The division, last year and plans are tests/planning/targets/conftest.py's, imported here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import TargetCell, TargetVersion
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login
from tests.planning.targets.conftest import (  # noqa: F401 - the fixtures
    division,
    plans,
    second_target_manager,
    target_manager,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MINUS = "\u2212"


def _page(browser: Any, base: str, user: User) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    _login(page, base, user)
    return page


def test_set_a_target_approve_publish_reconcile_and_spread(
    live_server: Any,
    browser: Any,
    division: dict[str, Any],  # noqa: F811
    plans: Any,  # noqa: F811
    planner: User,
    target_manager: User,  # noqa: F811
    second_target_manager: User,  # noqa: F811
) -> None:
    base = live_server.url
    manager = _page(browser, base, target_manager)
    manager.goto(f"{base}/planning/targets/")
    manager.fill("input[name=growth_percent]", "10")
    manager.fill("input[name=fiscal_year]", "2027")
    manager.click("[data-testid=target-create] button[type=submit]")
    manager.wait_for_selector("[data-testid=target-grid]")
    version = TargetVersion.objects.get()

    # Knitwear's M01: 27,500 seeded (last year + 10 %), typed 30,000; the division follows.
    knit = division["knit"].pk
    cell = manager.locator(f"[data-testid=target-{knit}-1] input")
    assert cell.input_value() == "27500.00"
    cell.fill("30000")
    cell.press("Tab")
    manager.wait_for_selector('[data-testid=target-grid][data-version="2"]')
    assert manager.locator("[data-testid=target-division-1] input").input_value() == "112500.00"
    assert TargetCell.objects.get(version=version, department_id=knit, month=1).sales == Decimal("30000.00")
    screenshot(manager, "targets-grid")

    manager.click("button[value=submit]")
    manager.wait_for_selector("text=Targets submitted.")
    other = _page(browser, base, second_target_manager)
    other.goto(f"{base}/planning/targets/{version.pk}/")
    other.click("button[value=approve]")
    other.wait_for_selector("text=Targets approved.")
    other.click("button[value=publish]")
    other.wait_for_selector("[data-testid=target-published]")

    reader = _page(browser, base, planner)
    reader.goto(f"{base}/planning/targets/reconcile/?division={division['division'].pk}&year=2027")
    tops = division["tops"].pk
    variance = reader.locator(f"[data-testid=variance-department-{tops}-1]")
    assert variance.inner_text().split() == [f"{MINUS}2,000.00", "(-4.5%)"]
    dresses = reader.locator(f"[data-testid=variance-department-{division['dresses'].pk}-1]")
    assert "flagged" in (dresses.get_attribute("class") or "")
    assert reader.locator("[data-testid^=spread-]").count() == 0  # planners do not spread targets
    screenshot(reader, "reconcile-planner")
    # The planner's grid shows the published targets beside LY and OP.
    reader.goto(f"{base}/planning/plans/versions/{plans['W-TOP'].pk}/")
    target_row = reader.locator("tr", has_text="TG sales $").first
    assert "44,000" in target_row.inner_text()
    screenshot(reader, "plan-grid-with-targets")
    # The planner edits a class-season: Tees' season sales 31,000 -> 33,000 (spread over its
    # weeks); the reconciliation then shows Tops on target (44,000) and Tees at its 33,000.
    tees_line = plans["W-TOP"].lines.get(merch_class=division["tees"]).pk
    season = f'td.in[data-line="{tees_line}"][data-period="season"][data-measure="sales"]'
    reader.locator(season).click()
    with reader.expect_response(lambda response: "/cells/" in response.url) as answer:
        reader.keyboard.type("33000")
        reader.keyboard.press("Enter")
    assert answer.value.status == 200
    reader.wait_for_function(
        f"document.querySelector('#cell-{tees_line}-season-sales').textContent.trim() === '33,000'"
    )
    reader.goto(
        f"{base}/planning/targets/reconcile/?division={division['division'].pk}&year=2027&open={tops}"
    )
    assert reader.locator(f"[data-testid=variance-department-{tops}-1]").inner_text().split() == [
        "0.00",
        "(0.0%)",
    ]
    tees_variance = reader.locator(f"[data-testid=variance-class-{division['tees'].pk}-1]")
    assert tees_variance.inner_text().split() == ["0.00", "(0.0%)"]
    screenshot(reader, "reconcile-after-class-season-edit")

    manager.goto(f"{base}/planning/targets/reconcile/?division={division['division'].pk}&year=2027")
    # Dresses is still 30,000 against its 38,500: the manager spreads its targets into its plan.
    dresses_id = division["dresses"].pk
    manager.click(f"[data-testid=spread-{dresses_id}]")
    manager.wait_for_selector("text=Targets spread into")
    assert manager.locator(f"[data-testid=variance-department-{dresses_id}-1]").inner_text().split() == [
        "0.00",
        "(0.0%)",
    ]
    assert manager.locator(f"[data-testid=variance-department-{tops}-1]").inner_text().split() == [
        "0.00",
        "(0.0%)",
    ]
    manager.goto(
        f"{base}/planning/targets/reconcile/?division={division['division'].pk}&year=2027&open={tops}"
    )
    classes = manager.locator("tbody.level-class")
    assert classes.count() == 2  # Tops opened: its classes show, on target after the planner's edit
    for merch_class in (division["tees"], division["blouses"]):
        cell = manager.locator(f"[data-testid=variance-class-{merch_class.pk}-1]")
        assert cell.inner_text().split() == ["0.00", "(0.0%)"]
    screenshot(manager, "reconcile-after-spread")
