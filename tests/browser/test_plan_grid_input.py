"""Typing and pasting into the grid in a real browser: a block pasted across a month lands in
the weeks, a refused value says why next to the cell without covering the cell below, +10% edits
the current value, the side panel follows the edit, and after the Back button the next edit
does not conflict with the planner's own earlier one.

Plan: Tops over FY2025 W01-W06 (Feb W01-W04, then W05-W06 of Mar), no growth, Tees selling
last year's 100, 80, 120, 90, 110, 70.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import User

from planning.models import PlanLine, PlanVersion, PlanWeek, SalesHistory
from planning.plans.services import PlanSpec, plan_create
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, screenshot
from tests.browser.test_plan_grid import _login, _number

if TYPE_CHECKING:
    from playwright.sync_api import Dialog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_YEAR_SALES = [100, 80, 120, 90, 110, 70]


@pytest.fixture
def plan_version(retailer: dict[str, Any], planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    for week, retail in enumerate(LAST_YEAR_SALES, start=1):
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
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def _tees(version: PlanVersion) -> PlanLine:
    return PlanLine.objects.get(version=version, merch_class__isnull=False)


def _sales(line: PlanLine) -> list[Decimal]:
    return list(PlanWeek.objects.filter(line=line).order_by("period").values_list("sales", flat=True))


def _open_grid(page: Any, base: str, planner: User, version: PlanVersion) -> None:
    _login(page, base, planner)
    page.goto(f"{base}/planning/plans/versions/{version.pk}/")


def _paste(page: Any, selector: str, text: str) -> None:
    """What Ctrl+V does with a block copied from a spreadsheet (tab-separated lines)."""
    page.locator(selector).click()
    page.evaluate(
        """([selector, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector(selector).dispatchEvent(
                new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        [selector, text],
    )


def test_a_block_pasted_across_a_month_lands_in_the_weeks(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = _tees(plan_version)
    _open_grid(page, live_server.url, planner, plan_version)

    with page.expect_response(lambda response: "/cells/" in response.url) as answer:
        _paste(page, f"#cell-{line.pk}-2025-W03-sales", "300\t400\t500\t600\r\n")

    assert answer.value.status == 200
    # W03, W04, then over the Feb total to W05 and W06.
    assert _sales(line) == [Decimal(v) for v in ("100.00", "80.00", "300.00", "400.00", "500.00", "600.00")]
    page.wait_for_function(
        f"document.querySelector('#cell-{line.pk}-2025-W06-sales').textContent.trim() === '600'"
    )
    assert _number(page.inner_text(f"#cell-{line.pk}-M1-sales")) == 880  # 100 + 80 + 300 + 400
    assert _number(page.inner_text(f"#cell-{line.pk}-M2-sales")) == 1100  # 500 + 600
    screenshot(page, "plan-grid-paste-across-month")


def test_a_block_wider_than_the_weeks_left_is_refused_with_its_message(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = _tees(plan_version)
    _open_grid(page, live_server.url, planner, plan_version)

    _paste(page, f"#cell-{line.pk}-2025-W05-sales", "1\t2\t3")

    page.wait_for_selector("#grid-message.error")
    assert page.inner_text("#grid-message") == (
        "Nothing was pasted: the block is 3 weeks wide and only 2 weeks are from W05 to the plan's end."
    )
    _paste(page, f"#cell-{line.pk}-2025-W01-markdowns", "5\n7")  # the row below is calculated
    page.wait_for_function("document.querySelector('#grid-message').textContent.includes('W01 Receipts $')")
    assert page.inner_text("#grid-message") == (
        "Nothing was pasted: W01 Receipts $ is calculated. "
        "Copy rows of entered cells (yellow), or leave its cells empty."
    )
    assert _sales(line)[4] == Decimal("110.00")


def test_ten_percent_in_a_dollar_cell_is_refused_beside_the_cell(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = _tees(plan_version)
    _open_grid(page, live_server.url, planner, plan_version)
    page.uncheck("#toggle-compare")  # sales units right below sales

    page.locator(f"#cell-{line.pk}-2025-W02-sales").click()
    with page.expect_response(lambda response: "/cells/" in response.url) as answer:
        page.keyboard.type("10%")
        page.keyboard.press("Enter")

    assert answer.value.status == 400
    message = (
        "Sales $ takes an amount, not a percentage: type 10 to set it to 10, "
        "or +10% to raise its current value by 10%."
    )
    bubble = page.locator(f"#cell-{line.pk}-2025-W02-sales .cell-error")
    assert bubble.inner_text() == message
    assert page.inner_text("#grid-message") == message
    assert _sales(line)[1] == Decimal("80.00")
    screenshot(page, "plan-grid-refused-percent")
    # The bubble hangs over the cell below; it must not take the click meant for that cell.
    page.locator(f"#cell-{line.pk}-2025-W02-sales_units").click(timeout=3_000)
    assert "active" in (page.get_attribute(f"#cell-{line.pk}-2025-W02-sales_units", "class") or "")
    assert bubble.count() == 0


def test_plus_ten_percent_raises_the_current_value(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = _tees(plan_version)
    _open_grid(page, live_server.url, planner, plan_version)

    page.locator(f"#cell-{line.pk}-2025-W05-sales").click()
    with page.expect_response(lambda response: "/cells/" in response.url) as answer:
        page.keyboard.type("+10%")
        page.keyboard.press("Enter")

    assert answer.value.status == 200
    assert _sales(line)[4] == Decimal("121.00")  # 110 + 10%
    page.wait_for_function(
        f"document.querySelector('#cell-{line.pk}-2025-W05-sales').textContent.trim() === '121'"
    )
    page.keyboard.press("ArrowUp")  # back on the edited cell: its history has the change
    page.wait_for_selector("#cell-panel >> text=110 → 121")
    screenshot(page, "plan-grid-relative-edit")


def test_the_side_panel_refreshes_after_an_edit(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    line = _tees(plan_version)
    _open_grid(page, live_server.url, planner, plan_version)

    page.locator(f"#cell-{line.pk}-2025-W05-markdowns").click()
    page.wait_for_selector("#cell-panel >> text=Not changed since the plan was seeded.")
    with page.expect_response(lambda response: "/cells/" in response.url):
        page.keyboard.type("50")
        page.keyboard.press("Enter")  # saved; the receipts cell below is selected

    # The panel shows how the selected cell is calculated now, with the markdowns just typed,
    # not the history of the markdowns cell from before the save.
    page.wait_for_selector(f"#cell-{line.pk}-2025-W05-receipts.active")
    page.wait_for_selector("#cell-panel [data-testid=explanation]")
    assert "50" in page.inner_text("#cell-panel")
    screenshot(page, "plan-grid-panel-after-edit")


def _edit_back_and_edit_again(page: Any, base: str, planner: User, version: PlanVersion) -> None:
    line = _tees(version)
    _open_grid(page, base, planner, version)
    cell = f"#cell-{line.pk}-2025-W02-sales"
    page.locator(cell).click()
    with page.expect_response(lambda response: "/cells/" in response.url) as first:
        page.keyboard.type("555")
        page.keyboard.press("Enter")
    assert first.value.status == 200
    page.wait_for_function(f"document.querySelector('{cell}').textContent.trim() === '555'")

    page.click("nav[aria-label=Main] >> text=Plans")
    page.wait_for_url("**/planning/plans/")
    page.go_back()
    # The grid shows what the server has now: the row version after the planner's own edit.
    row_version = PlanWeek.objects.get(line=line, fiscal_week_id=202502).row_version
    page.wait_for_selector(f'{cell}[data-version="{row_version}"]', timeout=5_000)
    page.locator(cell).click()
    with page.expect_response(lambda response: "/cells/" in response.url) as second:
        page.keyboard.type("666")
        page.keyboard.press("Enter")

    assert second.value.status == 200
    assert _sales(line)[1] == Decimal("666.00")
    assert page.inner_text("#grid-message") == ""


def test_after_the_back_button_the_next_edit_does_not_conflict(
    live_server: Any, page: Any, plan_version: PlanVersion, planner: User
) -> None:
    _edit_back_and_edit_again(page, live_server.url, planner, plan_version)


def test_after_the_back_button_from_the_page_cache_the_next_edit_does_not_conflict(
    live_server: Any, browser: Any, plan_version: PlanVersion, planner: User
) -> None:
    """Playwright turns Chromium's back/forward cache off; a planner's browser has it on."""
    with_cache = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_FLAGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    try:
        page = with_cache.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(15_000)
        _edit_back_and_edit_again(page, live_server.url, planner, plan_version)
    finally:
        with_cache.close()


def test_negative_receipts_are_marked_listed_at_submission_and_shown_to_the_approver(
    live_server: Any, browser: Any, page: Any, plan_version: PlanVersion, planner: User, manager: User
) -> None:
    """No stock and FWOS 0 everywhere: receipts equal sales. FWOS 3 in W01 asks for an EOP of
    80 + 120 + 90 = 290, which W02 (FWOS 0, EOP 0) must get rid of: receipts 0 - 290 + 80 = -210."""
    line = _tees(plan_version)
    _open_grid(page, live_server.url, planner, plan_version)
    assert page.locator("#receipts-warning").is_hidden()

    page.locator(f"#cell-{line.pk}-2025-W01-target").click()
    with page.expect_response(lambda response: "/cells/" in response.url):
        page.keyboard.type("3")
        page.keyboard.press("Enter")

    receipts = page.locator(f"#cell-{line.pk}-2025-W02-receipts")
    page.wait_for_selector(f"#cell-{line.pk}-2025-W02-receipts.warn")
    assert receipts.inner_text() == "-210"
    assert receipts.get_attribute("title") == (
        "Negative receipts (-210): the stock target (EOP 0) is below what this week's sales leave "
        "(210 = BOP 290 - sales 80). Raise the target, or plan to return or move stock."
    )
    assert "warn" not in (page.get_attribute(f"#cell-{line.pk}-2025-W01-receipts", "class") or "")
    warning = page.locator("#receipts-warning")
    assert warning.is_visible()
    assert warning.inner_text().splitlines() == [
        "1 week plans negative receipts: its stock target cannot be reached by selling.",
        "W-TOP-TEE Tees: W02 -210",
    ]
    screenshot(page, "plan-grid-negative-receipts")

    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.click("text=Submit for approval")
    page.wait_for_selector("text=Submitted for approval.")
    assert asked == [
        "1 week plans negative receipts: its stock target cannot be reached by selling.\n"
        "W-TOP-TEE Tees: W02 -210\n\nSubmit for approval anyway? The approver sees this list."
    ]
    assert (
        page.locator(".messages >> text=Submitted with a warning: 1 week plans negative receipts").count()
        == 1
    )

    plan_version.plan.department.planners.add(manager)  # the manager of Tops
    manager_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(manager_page, live_server.url, manager)
    manager_page.goto(f"{live_server.url}/otb/approvals/")
    card = manager_page.locator("[data-testid=approval-warning]")
    assert card.inner_text().splitlines() == [
        "1 week plans negative receipts: its stock target cannot be reached by selling.",
        "W-TOP-TEE Tees: W02 -210",
    ]
    screenshot(manager_page, "approvals-negative-receipts")
    manager_page.goto(f"{live_server.url}/planning/plans/versions/{plan_version.pk}/")
    assert "Approving accepts the negative receipts below as planned" in manager_page.inner_text(
        "[data-testid=approve-warning]"
    )
    manager_page.context.close()
