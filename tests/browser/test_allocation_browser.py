"""Allocation in a real browser: a planner starts a run for the world's style-color from the form
(tests/allocation/conftest.py: needs S 3 at S001 and 2 at S002, M 2 at S001; DC1 holds 10 S and
2 M), sees the preview grid, gives S002 more by hand (the SKU's total follows in place), releases
the run and sees its transfers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from allocation.models import AllocationLine, AllocationRun, Transfer
from tests.allocation.conftest import put_stock, world  # noqa: F401 (world: a fixture)
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def test_planner_allocates_edits_and_releases(
    live_server: Any,
    page: Any,
    world: dict[str, Any],  # noqa: F811
    planner: User,
) -> None:
    _login(page, live_server.url, planner.username)
    page.click("nav >> text=Allocation")
    page.wait_for_selector('[data-testid="run-form"]')
    page.select_option("#id_department", label="W-TOP Tops")
    page.select_option("#id_dc", label="DC1 Central DC")
    page.fill("#id_style_colors", "ST-1-BLK")
    page.fill("#id_name", "Tees week 1")
    screenshot(page, "allocation-runs")
    page.click("text=Start allocation")

    page.wait_for_selector('[data-testid="grid-ST-1-BLK"]')
    run = AllocationRun.objects.get()
    assert run.status == AllocationRun.Status.PREVIEW
    assert page.locator('[data-testid="run-status"]').first.inner_text() == "Preview"
    # S: 10 at the DC, needs 3 + 2 all given, 5 left; M: 2 for a need of 2
    assert page.locator('[data-testid="allocated-ST-1-BLK-S"]').inner_text() == "5"
    assert page.locator('[data-testid="left-ST-1-BLK-S"]').inner_text() == "5"
    assert page.locator('[data-testid="allocated-ST-1-BLK-M"]').inner_text() == "2"
    s001 = page.locator('[data-testid="cell-ST-1-BLK-S-S001"]')
    assert s001.locator("input[name=units]").input_value() == "3"
    assert "/ 3" in s001.inner_text()
    screenshot(page, "allocation-run-preview")

    # 8 for S002 is more than the 2 + 5 left: refused in the cell; 7 is taken and the totals follow.
    cell = page.locator('[data-testid="cell-ST-1-BLK-S-S002"]')
    cell.locator("input[name=units]").fill("8")
    cell.locator("input[name=units]").press("Tab")
    error = page.locator('[data-testid="cell-ST-1-BLK-S-S002"] [data-testid="cell-error"]')
    error.wait_for()
    assert "only 7 units of ST-1-BLK-S can go to this store" in error.inner_text()
    screenshot(page, "allocation-run-refused")
    page.locator('[data-testid="cell-ST-1-BLK-S-S002"] input[name=units]').fill("7")
    page.locator('[data-testid="cell-ST-1-BLK-S-S002"] input[name=units]').press("Tab")
    page.wait_for_selector('[data-testid="allocated-ST-1-BLK-S"]:text-is("10")')
    assert page.locator('[data-testid="left-ST-1-BLK-S"]').inner_text() == "0"
    assert page.locator('[data-testid="foot-ST-1-BLK-S"]').inner_text() == "10 / 5"
    assert page.locator('[data-testid="cell-ST-1-BLK-S-S002"] [data-testid="cell-error"]').count() == 0
    assert (
        AllocationLine.objects.get(run=run, item__sku__code="ST-1-BLK-S", store__code="S002").allocated == 7
    )
    screenshot(page, "allocation-run-edited")

    # A second edit sends the run's new version (answered out of band): no conflict.
    m_cell = page.locator('[data-testid="cell-ST-1-BLK-M-S001"] input[name=units]')
    m_cell.fill("1")
    m_cell.press("Tab")
    page.wait_for_selector('[data-testid="allocated-ST-1-BLK-M"]:text-is("1")')

    page.once("dialog", lambda dialog: dialog.accept())
    page.click('[data-testid="release"]')
    page.wait_for_selector("text=Released: 3 transfers, 11 units.")
    assert page.locator('[data-testid="run-status"]').first.inner_text() == "Released"
    transfers = page.locator('[data-testid="run-transfers"]').inner_text()
    assert "ST-1-BLK-S\tS002\t7" in transfers
    screenshot(page, "allocation-run-released")
    assert sorted(
        Transfer.objects.filter(run=run).values_list("sku__code", "to_location__code", "units")
    ) == [
        ("ST-1-BLK-M", "S001", 1),
        ("ST-1-BLK-S", "S001", 3),
        ("ST-1-BLK-S", "S002", 7),
    ]

    page.click('[data-testid="allocation-tabs"] >> text=Transfers')
    page.wait_for_selector('[data-testid="transfers"]')
    assert page.locator('[data-testid="transfers"] tbody tr').count() == 3
    page.select_option("#id_store", label="S002 Outlet Park")
    page.click('[data-testid="transfer-filter"] button')
    page.wait_for_selector('[data-testid="transfers"] tbody tr >> nth=0')
    assert page.locator('[data-testid="transfers"] tbody tr').count() == 1
    screenshot(page, "allocation-transfers")


def test_planner_accepts_a_rebalancing_move(
    live_server: Any,
    page: Any,
    world: dict[str, Any],  # noqa: F811
    planner: User,
) -> None:
    # S001 holds 30 of S at 2 a week (15 weeks, over the 8-week mark); S002 none: it takes 2.
    put_stock(world["sku_s"], world["store"], world["week"], 30)
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/allocation/")
    page.click('[data-testid="allocation-tabs"] >> text=Rebalancing')
    row = page.locator('[data-testid="move-ST-1-BLK-S-S001-S002"]')
    row.wait_for()
    assert "15.0 → 14.0" in row.inner_text()
    row.locator("input[name=move]").check()
    screenshot(page, "allocation-rebalance")
    page.click('[data-testid="accept"]')
    page.wait_for_selector("text=1 transfer created, 2 units.")
    assert list(
        Transfer.objects.values_list("kind", "from_location__code", "to_location__code", "units")
    ) == [("rebalance", "S001", "S002", 2)]
