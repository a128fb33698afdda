"""The planner's main flow in a real browser: edit an FWOS target and watch EOP, receipts and OTB
change; a stale edit shows the conflict; a manager approves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import FiscalWeek, PlanLine, PlanVersion, PlanWeek, SalesHistory
from planning.plans.services import CellEdit, PlanSpec, plan_cells_update, plan_create
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_YEAR_SALES = [100, 80, 120, 90]  # FY2024 W01-W04, the restated comparables of FY2025 W01-W04


@pytest.fixture
def plan_version(retailer: dict[str, Any], planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    for week, retail in enumerate(LAST_YEAR_SALES, start=1):
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


def _login(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def _number(text: str) -> float:
    return float(text.strip().split()[0].replace(",", ""))


def test_planner_edits_fwos_and_sees_stock_receipts_and_otb(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = PlanLine.objects.get(version=plan_version, merch_class__isnull=False)
    _login(page, live_server.url, planner)
    page.click("text=Plans")
    page.click("text=Working plan")
    target = page.locator(f'td.in[data-line="{line.pk}"][data-period="2025-W03"][data-measure="target"]')
    target.click()
    with page.expect_response(lambda response: "/cells/" in response.url) as answer:
        page.keyboard.type("2.5")
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    page.wait_for_function(
        f"document.querySelector('#cell-{line.pk}-2025-W03-target').textContent.trim() === '2.5'"
    )
    # EOP of week 3 = sales of weeks 4, 1 (wrap) and half of week 2: 90 + 100 + 0.5 x 80
    assert _number(page.inner_text(f"#cell-{line.pk}-2025-W03-eop")) == 230
    bop = _number(page.inner_text(f"#cell-{line.pk}-2025-W03-bop"))
    receipts = _number(page.inner_text(f"#cell-{line.pk}-2025-W03-receipts"))
    assert receipts == pytest.approx(230 - bop + 120, abs=1)  # EOP - BOP + sales (no markdowns)
    assert _number(page.inner_text(f"#cell-{line.pk}-2025-W03-otb")) == receipts  # nothing on order
    page.locator(f"#cell-{line.pk}-2025-W03-eop").click()
    # The panel may still show the cell Enter moved to (FWOS, W03) until the EOP's explanation lands.
    explained = "FWOS 2.5: EOP = W04 90 + W01 (wrap) 100 + 0.5 x W02 (wrap) 80 = 230"
    page.wait_for_function(
        "text => document.querySelector('#cell-panel').innerText.includes(text)",
        arg=explained,
        timeout=10_000,
    )
    assert explained in page.inner_text("#cell-panel")
    page.wait_for_selector("[data-testid=recalculating]", state="detached", timeout=15_000)
    screenshot(page, "plan-grid-after-edit")


def test_a_stale_edit_shows_the_conflict_and_keeps_the_other_value(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = PlanLine.objects.get(version=plan_version, merch_class__isnull=False)
    _login(page, live_server.url, planner)
    page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    row = PlanWeek.objects.get(line=line, fiscal_week_id=202502)
    # Another planner saves the same cell after this page was read.
    colleague = User.objects.create_user("kim.colleague", password=PASSWORD)
    colleague.groups.add(*planner.groups.all())
    plan_version.plan.department.planners.add(colleague)
    plan_cells_update(
        user=colleague,
        version_id=plan_version.pk,
        edits=[CellEdit(line.pk, 202502, "sales", "555", row.row_version)],
    )

    page.locator(f'td.in[data-line="{line.pk}"][data-period="2025-W02"][data-measure="sales"]').click()
    with page.expect_response(lambda response: "/cells/" in response.url) as answer:
        page.keyboard.type("777")
        page.keyboard.press("Enter")
    assert answer.value.status == 409
    page.wait_for_selector("#grid-message.error")
    assert "kim.colleague changed this cell to 555" in page.inner_text("#grid-message")
    assert _number(page.inner_text(f"#cell-{line.pk}-2025-W02-sales")) == 555
    assert PlanWeek.objects.get(pk=row.pk).sales == Decimal("555.00")
    screenshot(page, "plan-grid-conflict")


def test_manager_approves_a_submitted_plan(
    live_server: Any, browser: Any, plan_version: PlanVersion, planner: User, manager: User
) -> None:
    plan_version.plan.department.planners.add(manager)  # Tops's manager decides
    planner_page = browser.new_context().new_page()
    _login(planner_page, live_server.url, planner)
    planner_page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    planner_page.click("text=Submit for approval")
    planner_page.wait_for_selector("text=Submitted for approval.")

    manager_page = browser.new_context().new_page()
    _login(manager_page, live_server.url, manager)
    manager_page.goto(f"{live_server.url}/planning/plans/")
    manager_page.click("text=Waiting for your approval >> .. >> a")
    manager_page.click("[data-testid=approve]")
    manager_page.wait_for_selector("text=Approved: it is now the original plan (OP).")
    assert manager_page.locator("nav.versions >> text=Original plan").count() == 1
    original = PlanVersion.objects.get(plan=plan_version.plan, kind=PlanVersion.Kind.ORIGINAL)
    assert original.is_frozen
    assert FiscalWeek.objects.filter(id=202501).exists()
    screenshot(manager_page, "plan-approved")
