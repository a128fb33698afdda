"""The OTB pages: the OTB table (budget 117,000 - on order 45,000 = OTB 72,000 at retail, the
DESIGN.md example), its drill to the order lines, budgets and their approval, purchase order
entry checked against OTB, receipts and OTB exceptions, and who may do what."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forecasting import selectors as forecast_selectors
from otb import ledger, services
from otb.models import OTBBudget, OTBBudgetMonth, OTBException, PurchaseOrder, PurchaseOrderLine, Vendor
from otb.orders import LineRequest, purchase_order_create, purchase_order_line_update
from planning.models import Department, FiscalWeek, MerchClass, Plan, PlanLine, PlanVersion, PlanWeek

pytestmark = pytest.mark.django_db


def _open_week() -> FiscalWeek:
    return forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 3)[2]


def _approved_budget(
    department: Department, user: User, week: FiscalWeek, retail: str, cost: str
) -> OTBBudget:
    budget = OTBBudget.objects.create(
        department=department, fiscal_year=week.year, status=OTBBudget.Status.APPROVED, created_by=user
    )
    OTBBudgetMonth.objects.create(
        budget=budget,
        month_key=services.month_key(week),
        receipts_retail=Decimal(retail),
        receipts_cost=Decimal(cost),
    )
    return budget


@pytest.fixture
def otb(retailer: dict[str, Any], planner: User, manager: User) -> dict[str, Any]:
    """Tops (planner and manager assigned) has an approved budget of 117,000 retail, 52,650 at
    cost (IMU 55%), in the month of a week three weeks out."""
    retailer["tops"].planners.add(planner, manager)
    week = _open_week()
    budget = _approved_budget(retailer["tops"], manager, week, "117000.00", "52650.00")
    Vendor.objects.create(code="V1", name="Mill & Co")
    return {"week": week, "key": services.month_key(week), "department": retailer["tops"], "budget": budget}


def _order(user: User, otb: dict[str, Any], number: str, units: int, **extra: Any) -> PurchaseOrder:
    return purchase_order_create(
        user=user,
        number=number,
        vendor_code="V1",
        department_id=otb["department"].pk,
        lines=[LineRequest("ST-1-BLK-S", "DC1", units, Decimal("45.00"), Decimal("100.00"), otb["week"].pk)],
        **extra,
    )


def _order_post(otb: dict[str, Any], number: str, units: int, **extra: str) -> dict[str, Any]:
    data = {
        "number": number,
        "vendor": "V1",
        "department": str(otb["department"].pk),
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-sku_code": "ST-1-BLK-S",
        "lines-0-location_code": "DC1",
        "lines-0-units": str(units),
        "lines-0-unit_cost": "45.00",
        "lines-0-unit_retail": "100.00",
        "lines-0-receipt_week": str(otb["week"].pk),
        # The spare second row is left blank: skipped.
        "lines-1-sku_code": "",
        "lines-1-location_code": "",
        "lines-1-units": "",
        "lines-1-unit_cost": "",
        "lines-1-unit_retail": "",
        "lines-1-receipt_week": "",
    }
    data.update(extra)
    return data


def _cell(html: str, department: Department, key: int, measure: str) -> str:
    match = re.search(
        rf'data-testid="cell-{department.pk}-{key}-{measure}">(.*?)</td>', html, flags=re.DOTALL
    )
    assert match is not None, measure
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# -- the OTB table ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["planner", "manager", "executive"])
def test_otb_page_shows_budget_on_order_and_otb(
    client: Client, request: pytest.FixtureRequest, otb: dict[str, Any], planner: User, role: str
) -> None:
    # DESIGN.md: planned receipts 117,000, on order 45,000 -> OTB 72,000 retail. At cost: budget
    # 52,650 - on order 450 x 45.00 = 20,250 -> 32,400.
    _order(planner, otb, "PO-1", 450)
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/otb/?year={otb['week'].year}")

    assert response.status_code == 200
    html = response.content.decode()
    tops, key = otb["department"], otb["key"]
    assert _cell(html, tops, key, "budget_retail") == "117,000"
    assert _cell(html, tops, key, "on_order_retail") == "45,000"
    assert _cell(html, tops, key, "otb_retail") == "72,000"
    assert _cell(html, tops, key, "budget_cost") == "52,650"
    assert _cell(html, tops, key, "on_order_cost") == "20,250"
    assert _cell(html, tops, key, "otb_cost") == "32,400"
    assert _cell(html, tops, key, "on_order_units") == "450"
    assert _cell(html, tops, key, "used_percent") == "38.5%"
    assert _cell(html, tops, key, "in_season_retail") == "45,000"
    assert "Company total" in html


def test_negative_otb_is_highlighted_and_totals_add_up(
    client: Client,
    otb: dict[str, Any],
    planner: User,
    manager: User,
    admin_user: User,
    retailer: dict[str, Any],
) -> None:
    # Dresses: budget 10,000, nothing on order. Tops: an approved over-OTB order of
    # 1,500 x 100 = 150,000 against 117,000 -> OTB -33,000.
    _approved_budget(retailer["dresses"], manager, otb["week"], "10000.00", "4500.00")
    _order(planner, otb, "PO-1", 1500, request_exception=True)  # Tops: 150,000 > 117,000
    services.otb_exception_decide(
        user=admin_user, exception_id=OTBException.objects.get().pk, approve=True, reason="demand"
    )
    client.force_login(manager)

    html = client.get(f"/otb/?year={otb['week'].year}").content.decode()

    cell = re.search(
        rf'data-testid="cell-{otb["department"].pk}-{otb["key"]}-otb_retail">(.*?)</td>',
        html,
        flags=re.DOTALL,
    )
    assert cell is not None
    assert 'class="badge failed"' in cell.group(1)
    assert "-33,000" in cell.group(1)
    # Company: 117,000 + 10,000 budget, 150,000 on order -> -23,000.
    total = re.search(r'data-testid="total-year-otb_retail">(.*?)</td>', html, flags=re.DOTALL)
    assert total is not None
    assert "-23,000" in total.group(1)


def test_otb_page_shows_the_working_plans_receipts_beside_the_budget(
    client: Client, otb: dict[str, Any], planner: User, retailer: dict[str, Any]
) -> None:
    # Working plan of Tops: class receipts 50,000 + 30,000 in the month = 80,000 (its total line,
    # 99,999, is not counted). On order 450 x 100 = 45,000 -> OTB against the working plan 35,000,
    # against the budget 117,000 - 45,000 = 72,000.
    week = otb["week"]
    plan = Plan.objects.create(
        name="Tops WP", department=otb["department"], first_week=week, last_week=week, created_by=planner
    )
    version = PlanVersion.objects.create(
        plan=plan, kind=PlanVersion.Kind.WORKING, name="WP", created_by=planner
    )
    line = PlanLine.objects.create(version=version, merch_class=retailer["class"])
    total = PlanLine.objects.create(version=version, merch_class=None)
    other = FiscalWeek.objects.filter(year=week.year, month=week.month).exclude(pk=week.pk).first()
    assert other is not None
    PlanWeek.objects.create(line=line, fiscal_week=week, period=1, receipts=Decimal("50000.00"))
    PlanWeek.objects.create(line=line, fiscal_week=other, period=2, receipts=Decimal("30000.00"))
    PlanWeek.objects.create(line=total, fiscal_week=week, period=1, receipts=Decimal("99999.00"))
    _order(planner, otb, "PO-1", 450)
    client.force_login(planner)

    html = client.get(f"/otb/?year={week.year}").content.decode()

    tops, key = otb["department"], otb["key"]
    assert "Planned receipts (working plan)" in html
    assert _cell(html, tops, key, "working_receipts_retail") == "80,000"
    assert _cell(html, tops, key, "working_otb_retail") == "35,000"
    assert _cell(html, tops, key, "otb_retail") == "72,000"
    year_total = re.search(r'data-testid="total-year-working_otb_retail">(.*?)</td>', html, flags=re.DOTALL)
    assert year_total is not None
    assert "35,000" in year_total.group(1)


def test_otb_page_queries_do_not_grow_with_departments(
    client: Client, otb: dict[str, Any], planner: User, manager: User, retailer: dict[str, Any]
) -> None:
    client.force_login(manager)
    url = f"/otb/?year={otb['week'].year}"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(12):
        department = Department.objects.create(
            code=f"W-X{number:02d}", name=f"Extra {number}", division=retailer["division"]
        )
        _approved_budget(department, manager, otb["week"], "1000.00", "450.00")
    _order(planner, otb, "PO-1", 10)

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('<tbody id="department-') == 14
    assert len(many) == len(few)
    # Budgets, orders, the working plans' receipts and closed weeks, the drift: a fixed number.
    assert len(many) <= 10


def test_drill_lists_the_lines_behind_on_order(client: Client, otb: dict[str, Any], planner: User) -> None:
    order = _order(planner, otb, "PO-1", 450)
    client.force_login(planner)

    url = f"/otb/drill/?department={otb['department'].pk}&month={otb['key']}"
    full = client.get(url)
    partial = client.get(url, headers={"HX-Request": "true"})

    assert full.status_code == partial.status_code == 200
    assert f'href="/otb/orders/{order.pk}/"' in partial.content.decode()
    assert "45,000.00" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert "<html" in full.content.decode()


def _drill_row(html: str, testid: str) -> list[str]:
    match = re.search(rf'data-testid="{testid}">(.*?)</tr>', html, flags=re.DOTALL)
    assert match is not None, testid
    return [
        re.sub(r"<[^>]+>|\s+", " ", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.DOTALL)
    ]


def test_drill_breaks_the_month_down_by_week_and_class(
    client: Client, otb: dict[str, Any], planner: User, retailer: dict[str, Any]
) -> None:
    # OP: 60,000 in the order's week, 57,000 in another week of the month, one class. On order
    # 450 x 100 = 45,000 in the order's week: week OTB 15,000, the other week 57,000; the class
    # 117,000 - 45,000 = 72,000.
    week = otb["week"]
    _approved_plan(otb["department"], planner, week, retailer["class"])
    _order(planner, otb, "PO-1", 450)
    weeks = list(FiscalWeek.objects.filter(year=week.year, month=week.month).order_by("id"))
    client.force_login(planner)
    url = f"/otb/drill/?department={otb['department'].pk}&month={otb['key']}"

    full = client.get(url).content.decode()
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert "<html" in full
    assert "<html" not in partial
    number = weeks.index(week) + 1
    assert _drill_row(partial, f"drill-week-{number}") == [
        f"FY{week.year} W{week.week:02d}",
        "0.00",
        "45,000.00",
        "450",
        "60,000.00",
        "15,000.00",
    ]
    other = next(index for index, each in enumerate(weeks, start=1) if each.pk != week.pk and index != number)
    rows = [_drill_row(partial, f"drill-week-{index}") for index in range(1, len(weeks) + 1)]
    assert sum(Decimal(row[4].replace(",", "")) for row in rows) == Decimal("117000.00")
    assert _drill_row(partial, f"drill-week-{other}")[2] == "0.00"
    assert _drill_row(partial, "drill-class-1") == [
        str(retailer["class"]),
        "0.00",
        "45,000.00",
        "450",
        "117,000.00",
        "72,000.00",
    ]


def test_drill_without_an_approved_plan_shows_on_order_only(
    client: Client, otb: dict[str, Any], planner: User, retailer: dict[str, Any]
) -> None:
    _order(planner, otb, "PO-1", 450)
    client.force_login(planner)

    html = client.get(
        f"/otb/drill/?department={otb['department'].pk}&month={otb['key']}", headers={"HX-Request": "true"}
    ).content.decode()

    assert _drill_row(html, "drill-class-1") == [
        str(retailer["class"]),
        "0.00",
        "45,000.00",
        "450",
        "no approved plan",
        "",
    ]


# -- purchase orders ----------------------------------------------------------------------


def test_order_entry_releases_an_order_within_otb(client: Client, otb: dict[str, Any], planner: User) -> None:
    client.force_login(planner)
    assert client.get("/otb/orders/new/").status_code == 200

    response = client.post("/otb/orders/new/", _order_post(otb, "PO-1", 450))

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/otb/orders/{order.pk}/"
    assert order.status == PurchaseOrder.Status.RELEASED
    line = order.lines.get()
    assert (line.units, line.unit_retail, line.month_key) == (450, Decimal("100.00"), otb["key"])
    page = client.get(response["Location"]).content.decode()
    assert "Released" in page


def test_an_order_over_otb_is_answered_with_what_is_left_and_nothing_is_written(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    _order(planner, otb, "PO-1", 1000)  # 100,000 of 117,000: 17,000 left
    client.force_login(planner)

    response = client.post("/otb/orders/new/", _order_post(otb, "PO-2", 200))  # 20,000

    assert response.status_code == 400
    html = response.content.decode()
    assert "Insufficient OTB" in html
    assert "17,000.00" in html  # left
    assert "3,000.00" in html  # over by
    assert "200 → 170 units" in html  # scale to fit: 200 x 17,000 / 20,000
    assert 'name="request_exception"' in html
    assert list(PurchaseOrder.objects.values_list("number", flat=True)) == ["PO-1"]
    assert PurchaseOrderLine.objects.count() == 1
    assert not OTBException.objects.exists()


def test_requesting_an_exception_keeps_the_order_awaiting(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    client.force_login(planner)

    response = client.post("/otb/orders/new/", _order_post(otb, "PO-BIG", 1500, request_exception="on"))

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert order.status == PurchaseOrder.Status.AWAITING_APPROVAL
    exception = OTBException.objects.get()
    assert (exception.requested_retail, exception.available_retail) == (
        Decimal("150000.00"),
        Decimal("117000.00"),
    )
    page = client.get(f"/otb/orders/{order.pk}/").content.decode()
    assert "Over OTB: awaiting approval" in page
    assert "33,000.00" in page
    assert "Waiting for a manager" in page  # the requester cannot decide


def test_bad_lines_are_shown_and_nothing_is_written(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    client.force_login(planner)

    response = client.post(
        "/otb/orders/new/", _order_post(otb, "PO-1", 5, **{"lines-0-sku_code": "NOPE", "lines-0-units": "-3"})
    )

    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1" in response.content.decode()
    response = client.post("/otb/orders/new/", _order_post(otb, "PO-1", 5, **{"lines-0-sku_code": "NOPE"}))
    assert response.status_code == 400
    assert "unknown SKU &#x27;NOPE&#x27;" in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_a_manager_approves_an_exception_on_the_order_page(
    client: Client, otb: dict[str, Any], planner: User, manager: User
) -> None:
    order = _order(planner, otb, "PO-BIG", 1500, request_exception=True)
    exception = OTBException.objects.get()
    client.force_login(manager)
    assert "Approve" in client.get(f"/otb/orders/{order.pk}/").content.decode()

    missing_reason = client.post(f"/otb/exceptions/{exception.pk}/decide/", {"decision": "approve"})
    exception.refresh_from_db()
    assert missing_reason.status_code == 302
    assert exception.status == OTBException.Status.PENDING
    assert "reason code" in client.get(f"/otb/orders/{order.pk}/").content.decode()

    client.post(f"/otb/exceptions/{exception.pk}/decide/", {"decision": "approve", "reason": "demand"})

    order.refresh_from_db()
    exception.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RELEASED
    assert (exception.status, exception.reason, exception.decided_by) == ("approved", "demand", manager)


def test_receive_a_line(client: Client, otb: dict[str, Any], planner: User) -> None:
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    client.force_login(planner)

    response = client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/receive/", {"units": "150"})

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.received_units, line.status) == (150, PurchaseOrderLine.Status.PARTLY_RECEIVED)
    too_many = client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/receive/", {"units": "301"})
    assert too_many.status_code == 302
    line.refresh_from_db()
    assert line.received_units == 150
    assert "Receive between 1 and 300 units" in client.get(f"/otb/orders/{order.pk}/").content.decode()


def _change_post(
    line: PurchaseOrderLine, units: int, version: int | None = None, **extra: str
) -> dict[str, str]:
    data = {
        "units": str(units),
        "unit_cost": str(line.unit_cost),
        "unit_retail": str(line.unit_retail),
        "receipt_week": str(line.receipt_week_id),
        "version": str(line.row_version if version is None else version),
    }
    data.update(extra)
    return data


def test_a_line_change_that_fits_is_saved_and_shown_on_the_otb_page(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    # 450 -> 1,000 units at 100.00: 100,000 of 117,000, fits (its own 45,000 is not counted twice).
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    client.force_login(planner)
    page = client.get(f"/otb/orders/{order.pk}/").content.decode()
    assert f'action="/otb/orders/{order.pk}/lines/{line.pk}/change/"' in page
    assert "Cancel line</button>" in page

    response = client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/change/", _change_post(line, 1000))

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.units, line.row_version) == (1000, 2)
    assert "Line ST-1-BLK-S changed: 1000 units" in client.get(f"/otb/orders/{order.pk}/").content.decode()
    html = client.get(f"/otb/?year={otb['week'].year}").content.decode()
    assert _cell(html, otb["department"], otb["key"], "on_order_retail") == "100,000"
    assert _cell(html, otb["department"], otb["key"], "otb_retail") == "17,000"


def test_a_line_change_over_otb_says_what_is_left_and_writes_nothing(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    # On order 450 + 600 = 105,000 of 117,000. Line 1 to 700 units needs 70,000; left for it
    # 117,000 - 105,000 + its own 45,000 = 57,000.
    order = _order(planner, otb, "PO-1", 450)
    _order(planner, otb, "PO-2", 600)
    line = order.lines.get()
    client.force_login(planner)

    partial = client.post(
        f"/otb/orders/{order.pk}/lines/{line.pk}/change/",
        _change_post(line, 700),
        headers={"HX-Request": "true"},
    )

    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith(f'<tr id="line-{line.pk}">')
    assert "Insufficient OTB" in html
    assert "$70,000.00" in html
    assert "$57,000.00 is left" in html
    assert 'value="700"' in html  # what the buyer typed stays in the form
    line.refresh_from_db()
    assert (line.units, line.row_version) == (450, 1)
    assert ledger.committed(otb["department"].pk, [otb["key"]]) == {otb["key"]: Decimal("105000.00")}

    redirected = client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/change/", _change_post(line, 700))
    assert redirected.status_code == 302
    assert "$57,000.00 is left" in client.get(f"/otb/orders/{order.pk}/").content.decode()


def test_a_stale_line_version_is_a_conflict_and_writes_nothing(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    purchase_order_line_update(
        user=planner,
        line_id=line.pk,
        units=500,
        unit_cost=line.unit_cost,
        unit_retail=line.unit_retail,
        receipt_week_id=line.receipt_week_id,
        expected_version=1,
    )  # someone else: now version 2
    client.force_login(planner)

    changed = client.post(
        f"/otb/orders/{order.pk}/lines/{line.pk}/change/",
        _change_post(line, 300, version=1),
        headers={"HX-Request": "true"},
    )
    cancelled = client.post(
        f"/otb/orders/{order.pk}/lines/{line.pk}/cancel/", {"version": "1"}, headers={"HX-Request": "true"}
    )

    for response in (changed, cancelled):
        html = response.content.decode()
        assert "Someone changed this line" in html
        assert re.search(r'name="version"\s+value="2"', html)  # the row is shown as it is now
        assert 'value="500"' in html
    line.refresh_from_db()
    assert (line.units, line.status, line.row_version) == (500, PurchaseOrderLine.Status.OPEN, 2)


def test_cancelling_a_line_gives_its_otb_back(client: Client, otb: dict[str, Any], planner: User) -> None:
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    client.force_login(planner)
    before = client.get(f"/otb/?year={otb['week'].year}").content.decode()
    assert _cell(before, otb["department"], otb["key"], "otb_retail") == "72,000"

    response = client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/cancel/", {"version": "1"})

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.row_version) == (PurchaseOrderLine.Status.CANCELLED, 2)
    page = client.get(f"/otb/orders/{order.pk}/").content.decode()
    assert "Line ST-1-BLK-S cancelled." in page
    assert "Cancel line</button>" not in page
    after = client.get(f"/otb/?year={otb['week'].year}").content.decode()
    assert _cell(after, otb["department"], otb["key"], "on_order_retail") == "0"
    assert _cell(after, otb["department"], otb["key"], "otb_retail") == "117,000"


def test_cancelling_a_partly_received_line_keeps_what_was_received(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    # 450 ordered at 100.00, 150 received: cancelling gives back the 300 open (30,000); the
    # 15,000 received stays bought, so OTB is 117,000 - 15,000 = 102,000.
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    client.force_login(planner)
    client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/receive/", {"units": "150"})

    response = client.post(
        f"/otb/orders/{order.pk}/lines/{line.pk}/cancel/", {"version": "2"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "150 received units stay" in response.content.decode()
    line.refresh_from_db()
    assert (line.units, line.received_units, line.status, line.row_version) == (
        150, 150, PurchaseOrderLine.Status.RECEIVED, 3,
    )  # fmt: skip
    page = client.get(f"/otb/?year={otb['week'].year}").content.decode()
    assert _cell(page, otb["department"], otb["key"], "on_order_retail") == "0"
    assert _cell(page, otb["department"], otb["key"], "received_retail") == "15,000"
    assert _cell(page, otb["department"], otb["key"], "otb_retail") == "102,000"
    assert ledger.committed(otb["department"].pk, [otb["key"]]) == {otb["key"]: Decimal("15000.00")}


def test_drill_queries_do_not_grow_with_lines_weeks_or_classes(
    client: Client, otb: dict[str, Any], planner: User, retailer: dict[str, Any]
) -> None:
    _approved_plan(otb["department"], planner, otb["week"], retailer["class"])
    _order(planner, otb, "PO-1", 10)
    client.force_login(planner)
    url = f"/otb/drill/?department={otb['department'].pk}&month={otb['key']}"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    for number in range(2, 8):
        _order(planner, otb, f"PO-{number}", 10)
    for number in range(4):
        MerchClass.objects.create(
            code=f"W-TOP-X{number}", name=f"Extra {number}", department=otb["department"]
        )

    with CaptureQueriesContext(connection) as many:
        response = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="drill-class-') == 5  # one row per class
    assert len(many) == len(few)


def test_a_bad_line_change_is_refused_with_a_message(
    client: Client, otb: dict[str, Any], planner: User
) -> None:
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    client.force_login(planner)

    response = client.post(
        f"/otb/orders/{order.pk}/lines/{line.pk}/change/",
        _change_post(line, 0, unit_retail="-1"),
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert "Units: Ensure this value is greater than or equal to 1." in html
    assert "Unit retail: Ensure this value is greater than or equal to 0." in html
    line.refresh_from_db()
    assert (line.units, line.unit_retail, line.row_version) == (450, Decimal("100.00"), 1)


def test_order_list_filters_by_status(client: Client, otb: dict[str, Any], planner: User) -> None:
    _order(planner, otb, "PO-1", 10)
    _order(planner, otb, "PO-BIG", 1500, request_exception=True)
    client.force_login(planner)

    html = client.get("/otb/orders/?status=awaiting").content.decode()

    assert "PO-BIG" in html
    assert "PO-1<" not in html


# -- budgets ------------------------------------------------------------------------------


def _approved_plan(department: Department, user: User, week: FiscalWeek, merch_class: Any) -> PlanVersion:
    """An original (approved) plan of one class: receipts 60,000 and 57,000 in two weeks of the
    week's month."""
    plan = Plan.objects.create(
        name="Tops plan", department=department, first_week=week, last_week=week, created_by=user
    )
    version = PlanVersion.objects.create(
        plan=plan,
        kind=PlanVersion.Kind.ORIGINAL,
        name="OP",
        status=PlanVersion.Status.APPROVED,
        created_by=user,
    )
    line = PlanLine.objects.create(version=version, merch_class=merch_class)
    PlanWeek.objects.create(line=line, fiscal_week=week, period=1, receipts=Decimal("60000.00"))
    other = FiscalWeek.objects.filter(year=week.year, month=week.month).exclude(pk=week.pk).first()
    assert other is not None
    PlanWeek.objects.create(line=line, fiscal_week=other, period=2, receipts=Decimal("57000.00"))
    return version


def test_budget_create_submit_and_approve_through_the_pages(
    client: Client, retailer: dict[str, Any], planner: User, manager: User, admin_user: User
) -> None:
    retailer["tops"].planners.add(planner, manager)
    week = _open_week()
    version = _approved_plan(retailer["tops"], planner, week, retailer["class"])
    client.force_login(planner)

    assert client.post("/otb/budgets/", {"version": version.pk}).status_code == 302
    budget = OTBBudget.objects.get()
    assert budget.status == OTBBudget.Status.DRAFT
    # Cost through the plan's cost complement 0.45: 117,000 x 0.45 = 52,650.
    assert list(budget.months.values_list("month_key", "receipts_retail", "receipts_cost")) == [
        (services.month_key(week), Decimal("117000.00"), Decimal("52650.00"))
    ]
    assert "117,000" in client.get("/otb/budgets/").content.decode()
    client.post(f"/otb/budgets/{budget.pk}/submit/")
    budget.refresh_from_db()
    assert budget.status == OTBBudget.Status.SUBMITTED
    # A planner cannot decide.
    assert client.post(f"/otb/budgets/{budget.pk}/decide/", {"decision": "approve"}).status_code == 403

    client.force_login(manager)
    assert "Approve" in client.get("/otb/budgets/").content.decode()
    rejected = client.post(f"/otb/budgets/{budget.pk}/decide/", {"decision": "reject"})
    assert rejected.status_code == 302
    budget.refresh_from_db()
    assert budget.status == OTBBudget.Status.SUBMITTED
    assert "Say why the budget is rejected" in client.get("/otb/budgets/").content.decode()
    client.post(f"/otb/budgets/{budget.pk}/decide/", {"decision": "approve", "comment": "Fits the plan"})

    budget.refresh_from_db()
    assert (budget.status, budget.decided_by, budget.comment) == ("approved", manager, "Fits the plan")


def test_a_non_original_version_is_refused_with_a_message(
    client: Client, retailer: dict[str, Any], planner: User
) -> None:
    retailer["tops"].planners.add(planner)
    client.force_login(planner)

    response = client.post("/otb/budgets/", {"version": "999999"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not OTBBudget.objects.exists()


# -- who may do what ----------------------------------------------------------------------


def test_executives_read_but_do_not_change(
    client: Client, otb: dict[str, Any], planner: User, executive: User
) -> None:
    order = _order(planner, otb, "PO-1", 450)
    line = order.lines.get()
    client.force_login(executive)

    for url in ("/otb/", "/otb/budgets/", "/otb/orders/", f"/otb/orders/{order.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Receive</button>" not in response.content.decode()
        assert "Cancel line</button>" not in response.content.decode()
        assert "New purchase order" not in response.content.decode()
    assert client.get("/otb/orders/new/").status_code == 403
    assert client.post("/otb/orders/new/", _order_post(otb, "PO-2", 1)).status_code == 403
    assert client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/receive/", {"units": "1"}).status_code == 403
    assert client.post(f"/otb/budgets/{otb['budget'].pk}/submit/").status_code == 403
    assert client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/cancel/", {"version": "1"}).status_code == 403
    assert (
        client.post(f"/otb/orders/{order.pk}/lines/{line.pk}/change/", _change_post(line, 1)).status_code
        == 403
    )
    assert PurchaseOrder.objects.count() == 1
    line.refresh_from_db()
    assert (line.received_units, line.units, line.status) == (0, 450, PurchaseOrderLine.Status.OPEN)


def test_scope_other_departments_403_unknown_404(
    client: Client, otb: dict[str, Any], planner: User, manager: User, nobody: User, retailer: dict[str, Any]
) -> None:
    order = _order(planner, otb, "PO-BIG", 1500, request_exception=True)
    exception = OTBException.objects.get()
    otb["department"].planners.remove(manager)  # a manager of no department here
    client.force_login(manager)
    assert (
        client.post(
            f"/otb/exceptions/{exception.pk}/decide/", {"decision": "approve", "reason": "demand"}
        ).status_code
        == 403
    )
    assert client.get("/otb/orders/999999/").status_code == 404
    unknown = client.get(f"/otb/drill/?department=999999&month={otb['key']}")
    assert unknown.status_code == 400
    assert "There is no department &#x27;999999&#x27;" in unknown.content.decode()

    client.force_login(nobody)
    assert client.get(f"/otb/orders/{order.pk}/").status_code == 404
    assert client.get(f"/otb/drill/?department={otb['department'].pk}&month={otb['key']}").status_code == 404
    exception.refresh_from_db()
    assert exception.status == OTBException.Status.PENDING


def test_posts_need_the_csrf_token(otb: dict[str, Any], planner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)

    response = client.post("/otb/orders/new/", _order_post(otb, "PO-1", 10))

    assert response.status_code == 403
    assert not PurchaseOrder.objects.exists()


def test_anonymous_users_are_sent_to_login(client: Client) -> None:
    response = client.get("/otb/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_admin_reads_an_order_but_does_not_change_it(
    client: Client, otb: dict[str, Any], planner: User, admin_user: User
) -> None:
    order = _order(planner, otb, "PO-1", 450)
    client.force_login(admin_user)

    page = client.get(f"/admin/otb/purchaseorder/{order.pk}/change/")

    assert page.status_code == 200
    assert "ST-1-BLK-S" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/otb/vendor/add/").status_code == 200
