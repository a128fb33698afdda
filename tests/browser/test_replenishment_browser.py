"""The replenishment worksheet in a real browser: a planner ticks a suggestion and changes its
units (the row answers in place, still ticked, and the totals follow), creates the purchase order
and follows its link; dismisses a suggestion and restores it; pages to a vendor on a later page;
pulls an open line forward from the open-order review; walks the replenishment tabs. A manager
saves a policy matrix cell: the table stays whole and the change log shows the percent."""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User

from otb.models import PurchaseOrder, Vendor
from replenishment.models import SegmentPolicy, Suggestion
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.replenishment.test_po_review import review_setup  # noqa: F401 (fixture)
from tests.replenishment.test_worksheet import build_sheet

_APP_OF = {"SegmentPolicy": "replenishment"}  # models that left otb

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def test_planner_edits_a_suggestion_and_orders_it(
    live_server: Any, page: Any, retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager)
    small, medium = sheet["s"].pk, sheet["m"].pk
    _login(page, live_server.url, planner.username)
    page.click("nav >> text=Replenishment")
    page.wait_for_selector('[data-testid="vendor-V1"]')
    assert page.locator('[data-testid="total-retail"]').inner_text() == "2,016.00"

    # Ticked first: the tick survives the row's re-render after each units change.
    page.check(f"#suggestion-{small} input[name=suggestion]")
    # 30 is not a multiple of 12: refused beside the input; 60 is taken and the row re-rendered.
    units = page.locator(f"#suggestion-{small} input[name=units]")
    units.fill("30")
    units.press("Tab")
    error = page.locator(f"#suggestion-{small} [data-testid=suggestion-error]")
    error.wait_for()
    assert error.inner_text() == "Order in multiples of 12 units, at least 24."
    # Readable beside the input: a line or two of 18em, not one word a line.
    assert error.bounding_box()["width"] >= 200
    assert error.bounding_box()["height"] < 60
    assert page.locator(f'[data-testid="retail-{small}"]').inner_text().split()[0] == "1,152.00"
    page.locator(f"#suggestion-{small} input[name=units]").fill("60")
    page.locator(f"#suggestion-{small} input[name=units]").press("Tab")
    page.wait_for_selector(f'[data-testid="retail-{small}"]:text-is("1,440.00")')
    assert Suggestion.objects.get(pk=small).units == 60
    assert page.is_checked(f"#suggestion-{small} input[name=suggestion]")
    # The totals follow in place: 60 + 36 units, 96 x 24.00 at retail; the tick: 60 x 9.60 at cost.
    assert page.locator('[data-testid="total-units"]').inner_text() == "96"
    assert page.locator('[data-testid="total-retail"]').inner_text() == "2,304.00"
    assert page.locator('[data-testid="total-ticked"]').inner_text() == "1 line · 60 units · 576.00 at cost"
    assert "96 units" in page.locator(f"#vendor-figures-{sheet['vendor'].pk}").inner_text()

    page.check(f"#suggestion-{medium} input[name=suggestion]")
    page.wait_for_selector('[data-testid="total-ticked"]:text-is("2 lines · 96 units · 921.60 at cost")')
    screenshot(page, "replenishment-worksheet")
    page.click("text=Create purchase orders")

    link = page.locator('[data-testid="created-order"]')
    link.wait_for()
    order = PurchaseOrder.objects.get()
    assert link.inner_text() == f"PO {order.number}"
    assert sorted(order.lines.values_list("sku__code", "units")) == [("ST-1-BLK-M", 36), ("ST-1-BLK-S", 60)]
    screenshot(page, "replenishment-ordered")
    link.click()
    page.wait_for_selector('[data-testid="order-lines"]')
    assert page.locator('[data-testid="order-status"]').inner_text() == "Released"


def test_planner_dismisses_and_restores_a_suggestion(
    live_server: Any, page: Any, retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager)
    small = sheet["s"].pk
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/replenishment/")
    page.click(f'[data-testid="dismiss-{small}"]')
    page.wait_for_selector(f'#suggestion-{small}[data-status="dismissed"]')
    page.wait_for_selector('[data-testid="total-count"]:text-is("1")')  # the totals follow the dismissal
    assert Suggestion.objects.get(pk=small).status == Suggestion.Status.DISMISSED
    assert page.locator(f"#suggestion-{small} input[name=suggestion]").count() == 0

    page.reload()
    page.wait_for_selector('[data-testid="vendor-V1"]')
    assert page.locator(f"#suggestion-{small}").count() == 0
    page.check("input[name=show_dismissed]")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_selector(f'[data-testid="restore-{small}"]')
    screenshot(page, "replenishment-dismissed")
    page.click(f'[data-testid="restore-{small}"]')
    page.wait_for_selector(f'[data-testid="dismiss-{small}"]')
    assert Suggestion.objects.get(pk=small).status == Suggestion.Status.OPEN


def test_planner_expedites_a_line_from_the_review(
    live_server: Any,
    page: Any,
    review_setup: dict[str, Any],  # noqa: F811
    planner: User,
) -> None:
    line, weeks = review_setup["expedite"], review_setup["weeks"]
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/replenishment/")
    page.click("text=Open-order review")
    page.wait_for_selector('[data-testid="open-order-review"]')
    screenshot(page, "replenishment-open-orders")
    page.click(f"#review-expedite-{line.pk} >> text=Move to {weeks[2]}")
    page.wait_for_selector(f"text=PO PO-1: ST-1-BLK-S moved to {weeks[2]}.")
    line.refresh_from_db()
    assert line.receipt_week_id == weeks[2].pk
    assert page.locator(f"#review-expedite-{line.pk}").count() == 0
    assert page.locator('[data-testid="count-expedite"]').inner_text() == "0"


def test_planner_pages_to_a_vendor_and_walks_the_tabs(
    live_server: Any,
    page: Any,
    retailer: dict[str, Any],
    planner: User,
    manager: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from replenishment import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # V1's two lines fill page 1; V2 is on page 2
    sheet = build_sheet(retailer, planner, manager)
    zed = Suggestion.objects.create(
        run=sheet["run"], policy=sheet["s"].policy, vendor=Vendor.objects.create(code="V2", name="Zed Knits"),
        department=sheet["tops"], order_week=sheet["s"].order_week, arrival_week=sheet["arrival"],
        month_key=sheet["s"].month_key, suggested_units=24, units=24, unit_cost=sheet["s"].unit_cost,
        unit_retail=sheet["s"].unit_retail,
    )  # fmt: skip
    _login(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/replenishment/")
    assert " ".join(page.locator('[data-testid="showing"]').inner_text().split()) == (
        "Showing 1\u20132 of 3 lines, 2 vendors."
    )
    assert page.locator('[data-testid="vendor-V2"]').count() == 0
    page.click('[data-testid="vendor-index"] >> text=V2 Zed Knits')
    page.wait_for_selector(f"#suggestion-{zed.pk}")
    assert page.locator('[data-testid="vendor-V1"]').count() == 0
    assert page.locator('[data-testid="total-count"]').inner_text() == "3"  # the filter's, not the page's
    # Ticks stay on their page: the order button says so. The header row sticks to the top of the
    # table's scroll box, which scrolls both ways.
    assert page.locator('[data-testid="ticks-note"]').inner_text() == (
        "Ticks apply to this page: convert before moving to another page."
    )
    header = page.locator(".worksheet-scroll table.worksheet thead th").first
    assert header.evaluate("th => getComputedStyle(th).position") == "sticky"
    assert header.evaluate("th => getComputedStyle(th).top") == "0px"
    assert header.evaluate("th => getComputedStyle(th).backgroundColor") == "rgb(238, 242, 246)"
    box = page.locator(".worksheet-scroll").first
    assert box.evaluate("box => getComputedStyle(box).overflowY") == "auto"
    screenshot(page, "replenishment-page-2")
    for label, heading in (
        ("Runs", "Replenishment runs"),
        ("Open-order review", "Replenishment"),
        ("Policy matrix", "Replenishment policy matrix"),
        ("Inventory health", "Inventory health"),
        ("Vendor reliability", "Vendor reliability"),
        ("FWOS proposals", "FWOS targets from replenishment policies"),
        ("Worksheet", "Replenishment"),
    ):
        page.click(f'[data-testid="replenishment-tabs"] >> text="{label}"')
        page.wait_for_selector(f'h1:text-is("{heading}")')
        assert page.locator('[data-testid="replenishment-tabs"] [aria-current="page"]').inner_text() == label
    page.click('[data-testid="replenishment-tabs"] >> text="Runs"')
    button = page.locator("form.run-start button[type=submit]")
    assert button.bounding_box()["width"] < 200  # a button, not a bar across the form


def test_manager_saves_a_policy_cell_and_the_table_stays_whole(
    live_server: Any, page: Any, manager: User
) -> None:
    # A transactional test empties the tables its predecessors used: the migration's cells again.
    # The migration's seed asks for otb's historical model; today's model lives in replenishment.
    seed = importlib.import_module("otb.migrations.0003_replenishment").seed
    today = SimpleNamespace(get_model=lambda app, name: django_apps.get_model(_APP_OF.get(name) or app, name))
    seed(today, None)
    _login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/replenishment/policies/")
    page.fill("#sl-BY", "98")
    page.click("#cell-BY button[type=submit]")
    page.wait_for_selector("#cell-BY >> text=Saved.")
    page.wait_for_selector("#policy-changes >> text=98.0%")
    assert page.locator("table.policy-matrix > tbody > tr").count() == 3
    assert page.locator("table.policy-matrix td.policy-cell").count() == 9
    assert page.locator("table.policy-matrix section, table.policy-matrix template").count() == 0
    assert page.locator("section#policy-changes").count() == 1
    assert SegmentPolicy.objects.get(cell="BY").service_level == Decimal("0.980")
    # Bad input comes back beside its field and saves nothing.
    page.fill("#fwos-AZ", "six")
    page.click("#cell-AZ button[type=submit]")
    page.wait_for_selector("#cell-AZ .form-error")
    assert page.locator("#cell-AZ .form-error").inner_text() == "Enter a number of weeks, e.g. 6 or 6.5."
    assert page.locator("table.policy-matrix td.policy-cell").count() == 9
    screenshot(page, "replenishment-policy-matrix")
