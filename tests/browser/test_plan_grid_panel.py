"""The side panel in a real browser: clicking a month or season total, or a plan-total cell,
shows how it is built and what changed under it (not "Give line, week and measure")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import PlanLine, PlanVersion, SalesHistory
from planning.plans.services import CellEdit, PlanSpec, plan_cells_update, plan_create
from tests.browser.conftest import screenshot
from tests.browser.test_plan_grid import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan_version(retailer: dict[str, Any], planner: User) -> PlanVersion:
    """Tops spring: Tees selling 100, 80, 120, 90 in FY2025 W01-W04 (last year's, no growth)."""
    retailer["tops"].planners.add(planner)
    for week, retail in enumerate([100, 80, 120, 90], start=1):
        SalesHistory.objects.create(
            sku=retailer["sku_s"], location=retailer["store"], fiscal_week_id=202400 + week,
            units=retail // 20, retail_value=Decimal(retail), cost_value=Decimal(retail) * Decimal("0.4"),
        )  # fmt: skip
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops spring", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202504
        ),
    )
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def test_planner_reads_how_totals_are_built(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = PlanLine.objects.get(version=plan_version, merch_class__isnull=False)
    total = PlanLine.objects.get(version=plan_version, merch_class__isnull=True)
    # FWOS 1 in W04: its EOP is W01's sales (wrap), 100.
    plan_cells_update(
        user=planner, version_id=plan_version.pk, edits=[CellEdit(line.pk, 202504, "target", "1")]
    )
    _login(page, live_server.url, planner)
    page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    panel = page.locator("#cell-panel")

    page.click(f"#cell-{line.pk}-M1-eop")
    page.wait_for_selector("#cell-panel [data-testid=explanation]")
    assert "EOP $ = EOP $ of W04 = 100" in panel.inner_text()
    assert "Give line, week and measure" not in panel.inner_text()

    page.click(f'td.in[data-line="{line.pk}"][data-period="season"][data-measure="sales"]')
    page.wait_for_selector("#cell-panel >> text=History of Sales $ in the season")
    assert "Sales $ = W01 100 + W02 80 + W03 120 + W04 90 = 390" in panel.inner_text()
    screenshot(page, "plan-grid-season-total-panel")

    page.click(f"#cell-{total.pk}-2025-W04-eop")
    page.wait_for_selector("#cell-panel >> text=EOP $ of the plan total in W04")
    assert "EOP $ = Tees 100 = 100" in panel.inner_text()
    page.click(f"#cell-{line.pk}-M1-sell_through")
    page.wait_for_selector("#cell-panel >> text=recomputed, not averaged")
    assert "%" in page.inner_text("#cell-panel [data-testid=explanation]")
    screenshot(page, "plan-grid-month-ratio-panel")
