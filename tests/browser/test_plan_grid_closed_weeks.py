"""In season in a real browser: a closed week's cells hold this year's actuals and cannot be
edited (a click opens no editor), an open week's can; the header says how far the actuals go.

Plan: Tops over FY2025 W01-W06, rolled through W02 (roll_version with W02: this year's sales and
stock are empty, so the closed weeks hold 0).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import FiscalWeek, PlanLine, PlanVersion, PlanWeek, SalesHistory
from planning.plans.in_season import roll_version
from planning.plans.services import PlanSpec, plan_create
from tests.browser.test_plan_grid import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rolled(retailer: dict[str, Any], planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    for week, retail in enumerate([100, 80, 120, 90, 110, 70], start=1):
        SalesHistory.objects.create(
            sku=retailer["sku_s"], location=retailer["store"], fiscal_week_id=202400 + week,
            units=retail // 10, retail_value=Decimal(retail), cost_value=Decimal(retail) * Decimal("0.4"),
        )  # fmt: skip
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops spring", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202506
        ),
    )
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    assert roll_version(working, FiscalWeek.objects.get(id=202502), planner)
    return working


def test_a_closed_week_cannot_be_edited(
    live_server: Any, page: Any, rolled: PlanVersion, planner: User
) -> None:
    line = PlanLine.objects.get(version=rolled, merch_class__isnull=False)
    _login(page, live_server.url, planner)
    page.goto(f"{live_server.url}/planning/plans/versions/{rolled.pk}/")
    assert "Actuals through W02" in page.get_by_test_id("actuals-through").inner_text()

    closed = page.locator(f"#cell-{line.pk}-2025-W02-sales")
    assert "actual" in (closed.get_attribute("class") or "").split()
    assert "in" not in (closed.get_attribute("class") or "").split()
    assert closed.evaluate("cell => getComputedStyle(cell).fontStyle") == "italic"
    closed.click()
    closed.dblclick()
    page.keyboard.type("500")
    page.keyboard.press("Enter")
    assert page.locator(".cell-input").count() == 0
    assert PlanWeek.objects.get(line=line, fiscal_week_id=202502).sales == Decimal("0.00")

    open_week = page.locator(f"#cell-{line.pk}-2025-W03-sales")
    assert "in" in (open_week.get_attribute("class") or "").split()
    open_week.click()
    page.keyboard.type("1")
    assert page.locator(".cell-input").count() == 1  # an open week's editor, for comparison
