"""The honest-numbers pages in a real browser: an allocation preview in packs of 6 lists the
stores needing less than half a pack with their reason; the replenishment worksheet shows an
order skipped for its minimum apart from the suggestions; inventory health calls a two-week-old
item new instead of obsolete. Numbers from the fixtures' docstrings."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from replenishment import runs
from tests.allocation.conftest import world  # noqa: F401 (a fixture)
from tests.browser.conftest import screenshot
from tests.browser.test_allocation_browser import _login
from tests.replenishment.test_health_young import young_shop  # noqa: F401 (a fixture)
from tests.replenishment.test_runs import supplied  # noqa: F401 (a fixture)
from tests.replenishment.test_runs_moq_skip import slow  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_run_in_packs_of_six_lists_the_stores_below_half_a_pack(
    live_server: Any,
    page: Any,
    world: dict[str, Any],  # noqa: F811
    planner: User,
) -> None:
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/allocation/")
    page.select_option("#id_department", label="W-TOP Tops")
    page.select_option("#id_dc", label="DC1 Central DC")
    page.fill("#id_style_colors", "ST-1-BLK")
    page.fill("#id_pack_size", "6")
    page.click("text=Start allocation")
    page.wait_for_selector('[data-testid="short-reasons"]')
    listed = page.locator('[data-testid="below-half-pack"]').inner_text()
    assert "Need 2 in packs of 6: less than half a pack, rounded to none." in listed
    assert "S002" in listed
    screenshot(page, "allocation-below-half-a-pack")


def test_the_worksheet_shows_a_skipped_minimum_order(
    live_server: Any,
    page: Any,
    slow: dict[str, Any],  # noqa: F811
    manager: User,
) -> None:
    runs.start_run(user=manager, department_ids=[slow["department"].pk])
    _login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/replenishment/")
    skipped = page.locator('[data-testid="skipped-lines"]')
    assert "ST-1-SLO-M" in skipped.inner_text()
    assert "(MOQ 48), is" in skipped.inner_text()  # (its policy numbers: tests/replenishment)
    assert "1 line skipped" in page.locator('[data-testid="skipped-note"]').inner_text()
    screenshot(page, "replenishment-skipped-moq")


def test_health_calls_a_young_item_new(
    live_server: Any,
    page: Any,
    young_shop: dict[str, Any],  # noqa: F811
    planner: User,
) -> None:
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/replenishment/health/?department={young_shop['tops'].pk}")
    assert page.locator('[data-testid="new-BIG-M"]').inner_text() == "New: launched 2 weeks ago"
    assert "none in its 12 weeks on sale" in page.locator("#health-no-move").inner_text()
    assert page.locator('[data-testid="total-obsolete"]').inner_text() == "0.00"
    screenshot(page, "health-young-items")
