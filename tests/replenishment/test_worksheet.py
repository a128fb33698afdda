"""The replenishment worksheet: editing a suggestion's units (vendor MOQ and multiple, version
conflicts, permissions) and turning suggestions into purchase orders checked against OTB."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from core.audit import audit_for
from core.errors import Conflict
from core.models import AuditEvent
from forecasting import selectors as forecast_selectors
from otb import services
from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, Vendor
from replenishment import worksheet
from replenishment.models import ItemPolicy, ReplenishmentRun, Suggestion, VendorItem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def build_sheet(
    retailer: dict[str, Any], planner: User, manager: User, *, budget: str = "117000.00"
) -> dict[str, Any]:
    """A done run for Tops with two open suggestions from V1 (MOQ 24, multiple 12) to DC1,
    arriving in a week three weeks out, whose month has `budget` of approved OTB at retail:
    S: 48 units (60 suggested, cut for OTB) x 24.00 = 1,152.00; M: 36 x 24.00 = 864.00."""
    retailer["tops"].planners.add(planner, manager)
    closed = forecast_selectors.latest_closed_week()
    order_week, _, arrival = forecast_selectors.weeks_after(closed, 3)
    approved = OTBBudget.objects.create(
        department=retailer["tops"],
        fiscal_year=arrival.year,
        status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )
    OTBBudgetMonth.objects.create(
        budget=approved,
        month_key=services.month_key(arrival),
        receipts_retail=Decimal(budget),
        receipts_cost=Decimal(budget) / 2,
    )
    vendor = Vendor.objects.create(code="V1", name="Mill & Co")
    VendorItem.objects.create(
        vendor=vendor,
        style_color=retailer["style_color"],
        lead_time_weeks=Decimal("2"),
        moq=24,
        order_multiple=12,
    )
    run = ReplenishmentRun.objects.create(
        status=ReplenishmentRun.Status.DONE, as_of=closed, horizon=26, progress_done=5, progress_total=5
    )
    run.departments.set([retailer["tops"]])
    suggestions = {}
    for size, units, suggested, on_hand in (("s", 48, 60, 10), ("m", 36, 36, 4)):
        policy = ItemPolicy.objects.create(
            run=run, sku=retailer[f"sku_{size}"], location=retailer["dc"], segment="AX", demand=20.0,
            demand_sd=5.0, lead_time=2.0, lead_time_sd=0.5, service_level=0.95, safety_stock=14.2,
            reorder_point=54.2, order_up_to=74.6, on_hand=on_hand, first_stockout_week=arrival,
        )  # fmt: skip
        suggestions[size] = Suggestion.objects.create(
            run=run, policy=policy, vendor=vendor, department=retailer["tops"], order_week=order_week,
            arrival_week=arrival, month_key=services.month_key(arrival), suggested_units=suggested,
            units=units, cut_reason="OTB" if units < suggested else "", unit_cost=Decimal("9.60"),
            unit_retail=Decimal("24.00"),
        )  # fmt: skip
    return {"run": run, "vendor": vendor, "arrival": arrival, "budget": approved, **suggestions, **retailer}


@pytest.fixture
def sheet(retailer: dict[str, Any], planner: User, manager: User) -> dict[str, Any]:
    return build_sheet(retailer, planner, manager)


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# -- suggestion_update -----------------------------------------------------------------------


@pytest.mark.parametrize("units", [12, 30, 50])
def test_units_must_meet_the_moq_and_the_multiple(sheet: dict[str, Any], planner: User, units: int) -> None:
    with pytest.raises(
        worksheet.ReplenishmentError, match=r"^Order in multiples of 12 units, at least 24\.$"
    ):
        worksheet.suggestion_update(
            user=planner, suggestion_id=sheet["s"].pk, units=units, expected_version=1
        )
    sheet["s"].refresh_from_db()
    assert (sheet["s"].units, sheet["s"].row_version) == (48, 1)


def test_a_valid_change_bumps_the_version_and_is_audited(sheet: dict[str, Any], planner: User) -> None:
    changed = worksheet.suggestion_update(
        user=planner, suggestion_id=sheet["s"].pk, units=72, expected_version=1
    )
    assert (changed.units, changed.row_version) == (72, 2)
    decision = audit_for(sheet["s"]).get()
    assert (decision.action, decision.old, decision.new, decision.user) == (
        "suggestion.change",
        {"units": 48},
        {"units": 72},
        planner,
    )
    # 0 drops the line, whatever the MOQ.
    dropped = worksheet.suggestion_update(
        user=planner, suggestion_id=sheet["s"].pk, units=0, expected_version=2
    )
    assert dropped.units == 0


def test_a_stale_version_is_a_conflict(sheet: dict[str, Any], planner: User, manager: User) -> None:
    worksheet.suggestion_update(user=manager, suggestion_id=sheet["s"].pk, units=24, expected_version=1)
    with pytest.raises(Conflict, match="it is now 24 units"):
        worksheet.suggestion_update(user=planner, suggestion_id=sheet["s"].pk, units=96, expected_version=1)
    sheet["s"].refresh_from_db()
    assert (sheet["s"].units, sheet["s"].row_version) == (24, 2)


def test_only_open_suggestions_of_editable_departments_change(
    sheet: dict[str, Any], planner: User, executive: User
) -> None:
    with pytest.raises(worksheet.ReplenishmentError):
        worksheet.suggestion_update(user=executive, suggestion_id=sheet["s"].pk, units=24, expected_version=1)
    Suggestion.objects.filter(pk=sheet["s"].pk).update(status=Suggestion.Status.ORDERED)
    with pytest.raises(worksheet.ReplenishmentError, match="Only open suggestions"):
        worksheet.suggestion_update(user=planner, suggestion_id=sheet["s"].pk, units=24, expected_version=1)


def test_smallest_order_rounds_the_moq_up_to_the_multiple() -> None:
    assert worksheet.smallest_order(20, 12) == 24
    assert worksheet.units_problem(30, 20, 1) == ""
    assert worksheet.units_problem(10, 20, 1) == "Order at least 20 units."


# -- suggestions_to_orders ------------------------------------------------------------------


def test_conversion_releases_one_order_with_the_suggestions_lines(
    sheet: dict[str, Any], planner: User
) -> None:
    result = worksheet.suggestions_to_orders(user=planner, suggestion_ids=[sheet["s"].pk, sheet["m"].pk])
    assert result.refused == []
    assert result.skipped == []
    [created] = result.created
    order = PurchaseOrder.objects.get(pk=created.order_id)
    assert order.number == f"RP-{sheet['run'].pk}-V1-W-TOP"
    assert (order.status, order.vendor.code, order.department.code) == (
        PurchaseOrder.Status.RELEASED,
        "V1",
        "W-TOP",
    )
    lines = sorted(
        order.lines.values_list(
            "sku__code", "location__code", "units", "unit_cost", "unit_retail", "receipt_week_id"
        )
    )
    arrival = sheet["arrival"].pk
    assert lines == [
        ("ST-1-BLK-M", "DC1", 36, Decimal("9.60"), Decimal("24.00"), arrival),
        ("ST-1-BLK-S", "DC1", 48, Decimal("9.60"), Decimal("24.00"), arrival),
    ]
    assert (created.units, created.retail) == (84, Decimal("2016.00"))
    for key in ("s", "m"):
        sheet[key].refresh_from_db()
        assert (sheet[key].status, sheet[key].purchase_order_id, sheet[key].row_version) == (
            Suggestion.Status.ORDERED,
            order.pk,
            2,
        )
    # Ordered suggestions are not ordered twice.
    again = worksheet.suggestions_to_orders(user=planner, suggestion_ids=[sheet["s"].pk])
    assert again.created == []
    assert again.skipped == ["The suggestion for ST-1-BLK-S at DC1 is ordered already."]


def test_a_taken_number_gets_a_suffix(sheet: dict[str, Any], planner: User) -> None:
    PurchaseOrder.objects.create(
        number=f"RP-{sheet['run'].pk}-V1-W-TOP",
        vendor=sheet["vendor"],
        department=sheet["tops"],
        created_by=planner,
    )
    [created] = worksheet.suggestions_to_orders(user=planner, suggestion_ids=[sheet["s"].pk]).created
    assert created.number == f"RP-{sheet['run'].pk}-V1-W-TOP-2"


def test_over_otb_is_refused_and_the_suggestions_stay_open(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager, budget="1000.00")
    result = worksheet.suggestions_to_orders(user=planner, suggestion_ids=[sheet["s"].pk, sheet["m"].pk])
    assert result.created == []
    [refusal] = result.refused
    assert (refusal.vendor, refusal.department) == ("V1", "W-TOP")
    assert refusal.message.startswith("Insufficient OTB: ")
    assert "needs $2,016.00 at retail, $1,000.00 is left" in refusal.message
    assert not PurchaseOrder.objects.exists()
    assert set(Suggestion.objects.values_list("status", "row_version")) == {(Suggestion.Status.OPEN, 1)}


def test_zero_unit_lines_are_skipped(sheet: dict[str, Any], planner: User) -> None:
    Suggestion.objects.filter(pk=sheet["m"].pk).update(units=0)
    result = worksheet.suggestions_to_orders(user=planner, suggestion_ids=[sheet["s"].pk, sheet["m"].pk])
    [created] = result.created
    assert created.units == 48
    assert result.skipped == [
        "The suggestion for ST-1-BLK-M at DC1 has 0 units (dropped): not ordered; give it units to order it."
    ]


# -- pages ------------------------------------------------------------------------------------


def test_the_worksheet_shows_the_open_suggestions_by_vendor(sheet: dict[str, Any], planner: User) -> None:
    response = _client(planner).get(reverse("replenishment:worksheet"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="vendor-V1"' in body
    assert "ST-1-BLK-S" in body
    assert "ST-1-BLK-M" in body
    assert response.context["totals"] == {
        "count": 2,
        "units": 84,
        "suggested": 96,
        "cost": Decimal("806.40"),
        "retail": Decimal("2016.00"),
    }
    [group] = response.context["groups"]
    assert [
        (row["suggestion"].pk, row["retail"], row["reorder_point"], row["order_up_to"])
        for row in group["rows"]
    ] == [
        (sheet["m"].pk, Decimal("864.00"), 54, 75),
        (sheet["s"].pk, Decimal("1152.00"), 54, 75),
    ]
    assert "Create purchase orders" in body
    assert "Showing 1\u20132 of 2 lines, 1 vendor." in _squeezed(body)
    runs_page = _client(planner).get(reverse("replenishment:runs"))
    assert runs_page.status_code == 200
    assert "Start a run" in runs_page.content.decode()


def test_executives_read_the_worksheet_but_cannot_change_it(sheet: dict[str, Any], executive: User) -> None:
    client = _client(executive)
    response = client.get(reverse("replenishment:worksheet"))
    assert response.status_code == 200
    assert "Create purchase orders" not in response.content.decode()
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    assert client.post(change, {"units": 24, "version": 1}).status_code == 403
    assert client.post(reverse("replenishment:order"), {"suggestion": [sheet["s"].pk]}).status_code == 403
    assert client.post(reverse("replenishment:run-start"), {"horizon": 26}).status_code == 403
    sheet["s"].refresh_from_db()
    assert (sheet["s"].units, sheet["s"].status) == (48, Suggestion.Status.OPEN)


def test_the_change_endpoint_answers_the_row_or_the_refusal(sheet: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    refused = client.post(change, {"units": 30, "version": 1}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "Order in multiples of 12 units, at least 24." in refused.content.decode()
    assert 'value="30"' in refused.content.decode()  # what the buyer typed stays in the input
    changed = client.post(change, {"units": 60, "version": 1}, headers={"HX-Request": "true"})
    assert changed.status_code == 200
    assert f'data-testid="retail-{sheet["s"].pk}">1,440.00<' in changed.content.decode()
    assert 'value="60"' in changed.content.decode()
    stale = client.post(change, {"units": 72, "version": 1}, headers={"HX-Request": "true"})
    assert stale.status_code == 409
    assert "Someone changed this suggestion" in stale.content.decode()


def test_the_order_button_creates_orders_and_lists_them(sheet: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    response = client.post(
        reverse("replenishment:order"), {"suggestion": [sheet["s"].pk, sheet["m"].pk]}, follow=True
    )
    order = PurchaseOrder.objects.get()
    body = response.content.decode()
    assert f'href="{reverse("otb:order", args=[order.pk])}"' in body
    assert f"PO {order.number}</a> (84 units)" in body
    assert response.context["totals"]["count"] == 0


def test_the_order_button_reports_a_refusal(retailer: dict[str, Any], planner: User, manager: User) -> None:
    sheet = build_sheet(retailer, planner, manager, budget="1000.00")
    response = _client(planner).post(
        reverse("replenishment:order"), {"suggestion": [sheet["s"].pk]}, follow=True
    )
    body = response.content.decode()
    assert "V1 / W-TOP not ordered: Insufficient OTB" in body
    assert response.context["totals"]["count"] == 2


def test_starting_a_run_queues_it(sheet: dict[str, Any], planner: User) -> None:
    # The task is queued on commit; the test's transaction never commits, so the run stays queued.
    client = _client(planner)
    response = client.post(
        reverse("replenishment:run-start"),
        {"departments": [sheet["tops"].pk], "horizon": 13},
        follow=True,
    )
    run = ReplenishmentRun.objects.exclude(pk=sheet["run"].pk).get()
    assert (run.horizon, list(run.departments.all()), run.status) == (13, [sheet["tops"]], "queued")
    assert f"Run {run.pk} started: its status and progress show below." in response.content.decode()
    polled = client.get(reverse("replenishment:runs"), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polled.content.decode()
    assert "HX-Refresh" not in polled


def test_bad_units_come_back_beside_the_input_with_422(sheet: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    response = client.post(change, {"units": "abc", "version": 1}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="suggestion-{sheet["s"].pk}"')
    error = '<p class="form-error" role="alert" data-testid="suggestion-error">'
    assert f"{error}Enter whole units: 0 drops the line.</p>" in body
    assert 'value="abc"' in body
    missing = client.post(
        reverse("replenishment:suggestion-dismiss", args=[sheet["s"].pk]),
        {},
        headers={"HX-Request": "true"},
    )
    assert missing.status_code == 422
    assert "The suggestion&#x27;s version is missing: reload the page." in missing.content.decode()
    sheet["s"].refresh_from_db()
    assert (sheet["s"].units, sheet["s"].status, sheet["s"].row_version) == (48, Suggestion.Status.OPEN, 1)


# -- pages of vendors and the totals ----------------------------------------------------------------


def _squeezed(body: str) -> str:
    return re.sub(r"\s+", " ", body)


def _second_vendor(sheet: dict[str, Any]) -> Suggestion:
    """V2 "Zed Knits" with one open line: 24 units x 10.00 cost / 25.00 retail."""
    vendor = Vendor.objects.create(code="V2", name="Zed Knits")
    return Suggestion.objects.create(
        run=sheet["run"], policy=sheet["s"].policy, vendor=vendor, department=sheet["tops"],
        order_week=sheet["s"].order_week, arrival_week=sheet["arrival"], month_key=sheet["s"].month_key,
        suggested_units=24, units=24, unit_cost=Decimal("10.00"), unit_retail=Decimal("25.00"),
    )  # fmt: skip


def test_every_vendor_is_reachable_page_by_page(
    sheet: dict[str, Any], planner: User, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    from replenishment import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    zed = _second_vendor(sheet)
    client = _client(planner)
    with django_assert_max_num_queries(16):
        first = client.get(reverse("replenishment:worksheet"))
    body = first.content.decode()
    assert 'data-testid="vendor-V1"' in body
    assert 'data-testid="vendor-V2"' not in body
    assert "Showing 1\u20132 of 3 lines, 2 vendors." in _squeezed(body)
    # The vendor list names every vendor with the page its lines start on.
    assert [(item["totals"].code, item["lines"], item["page"]) for item in first.context["vendors"]] == [
        ("V1", 2, 1),
        ("V2", 1, 2),
    ]
    assert 'href="?page=2#vendor-V2">V2 Zed Knits</a>' in body
    assert 'href="?page=2" rel="next">Next</a>' in body
    # Totals are the whole filter's, not the page's: 84 + 24 units; 806.40 + 240.00 at cost.
    assert first.context["totals"] == {
        "count": 3,
        "units": 108,
        "suggested": 120,
        "cost": Decimal("1046.40"),
        "retail": Decimal("2616.00"),
    }
    second = client.get(reverse("replenishment:worksheet"), {"page": 2})
    body = second.content.decode()
    assert 'data-testid="vendor-V1"' not in body
    assert f'id="suggestion-{zed.pk}"' in body
    assert "Showing 3\u20133 of 3 lines, 2 vendors." in _squeezed(body)
    assert second.context["totals"]["count"] == 3
    # The filter link of a vendor shows its lines alone.
    only = client.get(reverse("replenishment:worksheet"), {"vendor": zed.vendor_id})
    assert [row["suggestion"].pk for group in only.context["groups"] for row in group["rows"]] == [zed.pk]
    assert "Showing 1\u20131 of 1 line, 1 vendor." in _squeezed(only.content.decode())


def test_a_vendor_split_over_pages_says_so(
    sheet: dict[str, Any], planner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replenishment import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = _client(planner)
    first = client.get(reverse("replenishment:worksheet")).content.decode()
    assert "Mill &amp; Co continues on the next page." in first
    second = client.get(reverse("replenishment:worksheet"), {"page": 2})
    [group] = second.context["groups"]
    assert (group["is_continued"], group["continues"]) == (True, False)
    assert [row["suggestion"].pk for row in group["rows"]] == [sheet["s"].pk]
    assert client.get(reverse("replenishment:worksheet"), {"page": "99"}).context["page"].number == 2


def _oob(body: str, element_id: str) -> str:
    """The out-of-band element with this id, which must sit in a <template> after the row."""
    row_end = body.index("</tr>")
    start = body.index(f'id="{element_id}"')
    assert start > row_end
    assert body.rfind("<template>", 0, start) > row_end
    return body[start : body.index("</template>", start)]


def test_a_row_edit_answers_the_totals_out_of_band(sheet: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    vendor = sheet["vendor"].pk
    query = f"vendor={vendor}"
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    changed = client.post(
        change,
        {"units": 60, "version": 1, "suggestion": [sheet["s"].pk], "query": query},
        headers={"HX-Request": "true"},
    )
    assert changed.status_code == 200
    body = changed.content.decode()
    assert body.lstrip().startswith(f'<tr id="suggestion-{sheet["s"].pk}"')
    totals = _oob(body, "worksheet-totals")
    # S now 60 + M 36 = 96 units; 96 x 9.60 = 921.60 at cost; 96 x 24.00 = 2,304.00 at retail.
    assert 'hx-swap-oob="true"' in totals
    assert re.search(r'data-testid="total-units">\s*96\s*<', totals)
    assert re.search(r'data-testid="total-cost">\s*921.60\s*<', totals)
    assert re.search(r'data-testid="total-retail">\s*2,304.00\s*<', totals)
    assert re.search(r'data-testid="total-ticked">\s*1 line · 60 units · 576.00 at cost\s*<', totals)
    figures = _oob(body, f"vendor-figures-{vendor}")
    assert "V1 · 2 open lines · 96 units · 921.60 at cost · 2,304.00 at retail" in figures
    index_row = _oob(body, f"vendor-index-{vendor}")
    assert re.match(rf'id="vendor-index-{vendor}"\s+hx-swap-oob="true"', index_row)
    assert f'name="query" value="{query}"' in body  # the row's dismiss form keeps the filter

    dismissed = client.post(
        reverse("replenishment:suggestion-dismiss", args=[sheet["m"].pk]),
        {"version": 1, "suggestion": [sheet["s"].pk], "query": query},
        headers={"HX-Request": "true"},
    )
    totals = _oob(dismissed.content.decode(), "worksheet-totals")
    assert re.search(r'data-testid="total-count">\s*1\s*<', totals)
    assert re.search(r'data-testid="total-units">\s*60\s*<', totals)
    restored = client.post(
        reverse("replenishment:suggestion-restore", args=[sheet["m"].pk]),
        {"version": 2, "query": query},
        headers={"HX-Request": "true"},
    )
    totals = _oob(restored.content.decode(), "worksheet-totals")
    assert re.search(r'data-testid="total-units">\s*96\s*<', totals)
    assert re.search(r'data-testid="total-ticked">\s*0 lines · 0 units · 0.00 at cost\s*<', totals)


def test_ticking_lines_refreshes_the_totals(sheet: dict[str, Any], planner: User) -> None:
    response = _client(planner).get(
        reverse("replenishment:totals"),
        {"suggestion": [sheet["s"].pk, sheet["m"].pk], "query": f"run={sheet['run'].pk}"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="worksheet-totals"')
    # 48 + 36 = 84 units x 9.60 = 806.40 at cost.
    assert re.search(r'data-testid="total-ticked">\s*2 lines · 84 units · 806.40 at cost\s*<', body)


def test_the_replenishment_pages_share_the_tabs(sheet: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    tabs = {
        "replenishment:worksheet": "Worksheet",
        "replenishment:runs": "Runs",
        "replenishment:open-orders": "Open-order review",
        "replenishment:policy-matrix": "Policy matrix",
        "replenishment:fwos:page": "FWOS proposals",
        "replenishment:inventory-health": "Inventory health",
        "replenishment:vendor-reliability": "Vendor reliability",
    }
    for name, label in tabs.items():
        body = client.get(reverse(name)).content.decode()
        assert 'data-testid="replenishment-tabs"' in body, name
        for other in tabs:
            assert f'href="{reverse(other)}"' in body, (name, other)
        assert f'href="{reverse(name)}" aria-current="page">{label}</a>' in body, name


# -- dismiss and restore ----------------------------------------------------------------------


def test_dismiss_and_restore_are_audited_and_versioned(sheet: dict[str, Any], planner: User) -> None:
    dismissed = worksheet.suggestion_dismiss(user=planner, suggestion_id=sheet["s"].pk, expected_version=1)
    assert (dismissed.status, dismissed.row_version, dismissed.units) == (Suggestion.Status.DISMISSED, 2, 48)
    with pytest.raises(worksheet.ReplenishmentError, match="Only open suggestions can change"):
        worksheet.suggestion_update(user=planner, suggestion_id=sheet["s"].pk, units=24, expected_version=2)
    result = worksheet.suggestions_to_orders(user=planner, suggestion_ids=[sheet["s"].pk])
    assert result.skipped == ["The suggestion for ST-1-BLK-S at DC1 is dismissed already."]
    with pytest.raises(Conflict, match=r"it is now 48 units \(dismissed\)"):
        worksheet.suggestion_restore(user=planner, suggestion_id=sheet["s"].pk, expected_version=1)
    restored = worksheet.suggestion_restore(user=planner, suggestion_id=sheet["s"].pk, expected_version=2)
    assert (restored.status, restored.row_version) == (Suggestion.Status.OPEN, 3)
    assert list(audit_for(sheet["s"]).order_by("id").values_list("action", "comment", "user__username")) == [
        ("suggestion.dismiss", "48 units", "pat.planner"),
        ("suggestion.restore", "48 units", "pat.planner"),
    ]


def test_dismissed_rows_are_hidden_unless_asked_for(sheet: dict[str, Any], planner: User) -> None:
    worksheet.suggestion_dismiss(user=planner, suggestion_id=sheet["s"].pk, expected_version=1)
    client = _client(planner)
    response = client.get(reverse("replenishment:worksheet"))
    body = response.content.decode()
    assert f'id="suggestion-{sheet["s"].pk}"' not in body
    assert "Show dismissed (1)" in body
    # Totals count the open suggestion only: M, 36 x 24.00.
    assert response.context["totals"] == {
        "count": 1,
        "units": 36,
        "suggested": 36,
        "cost": Decimal("345.60"),
        "retail": Decimal("864.00"),
    }
    shown = client.get(reverse("replenishment:worksheet"), {"show_dismissed": "on"})
    body = shown.content.decode()
    assert f'data-testid="restore-{sheet["s"].pk}"' in body
    assert f'data-testid="dismiss-{sheet["m"].pk}"' in body
    assert shown.context["totals"]["count"] == 1
    [group] = shown.context["groups"]
    assert (group["index"]["totals"].units, group["index"]["totals"].retail) == (36, Decimal("864.00"))
    assert [row["suggestion"].pk for row in group["rows"]] == [sheet["m"].pk, sheet["s"].pk]


def test_the_dismiss_button_answers_the_row(sheet: dict[str, Any], planner: User, executive: User) -> None:
    client = _client(planner)
    dismiss = reverse("replenishment:suggestion-dismiss", args=[sheet["s"].pk])
    response = client.post(dismiss, {"version": 1}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="dismissed"' in body
    assert f'data-testid="restore-{sheet["s"].pk}"' in body
    assert 'name="suggestion"' not in body  # a dismissed row cannot be ticked
    stale = client.post(dismiss, {"version": 1}, headers={"HX-Request": "true"})
    assert stale.status_code == 409
    restore = reverse("replenishment:suggestion-restore", args=[sheet["s"].pk])
    restored = client.post(restore, {"version": 2}, follow=True)  # without HTMX: a message and back
    assert f"Suggestion for {sheet['s'].policy.sku.code} restored." in restored.content.decode()
    assert Suggestion.objects.get(pk=sheet["s"].pk).status == Suggestion.Status.OPEN
    assert _client(executive).post(dismiss, {"version": 3}).status_code == 403
    assert Suggestion.objects.get(pk=sheet["s"].pk).row_version == 3


def test_a_units_change_keeps_the_tick(sheet: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    ticked = client.post(
        change, {"units": 60, "version": 1, "suggestion": sheet["s"].pk}, headers={"HX-Request": "true"}
    )
    assert ticked.status_code == 200
    assert re.search(r'id="tick-\d+"[^>]*\bchecked\b', ticked.content.decode())
    unticked = client.post(change, {"units": 72, "version": 2}, headers={"HX-Request": "true"})
    assert not re.search(r'id="tick-\d+"[^>]*\bchecked\b', unticked.content.decode())
    refused = client.post(
        change, {"units": 30, "version": 3, "suggestion": sheet["s"].pk}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422
    assert re.search(r'id="tick-\d+"[^>]*\bchecked\b', refused.content.decode())


# -- an OTB exception for a refused group --------------------------------------------------------


def test_a_refused_group_can_be_ordered_awaiting_a_manager(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager, budget="1000.00")
    ids = [sheet["s"].pk, sheet["m"].pk]
    refused = worksheet.suggestions_to_orders(user=planner, suggestion_ids=ids)
    assert [refusal.is_over_otb for refusal in refused.refused] == [True]
    result = worksheet.suggestions_to_orders(user=planner, suggestion_ids=ids, request_exception=True)
    [created] = result.created
    order = PurchaseOrder.objects.get()
    assert (created.order_id, created.status, created.units, created.retail) == (
        order.pk,
        PurchaseOrder.Status.AWAITING_APPROVAL,
        84,
        Decimal("2016.00"),
    )
    assert order.status == PurchaseOrder.Status.AWAITING_APPROVAL
    [exception] = order.exceptions.all()
    assert (exception.requested_retail, exception.available_retail) == (
        Decimal("2016.00"),
        Decimal("1000.00"),
    )
    assert set(Suggestion.objects.values_list("status", "purchase_order_id", "row_version")) == {
        (Suggestion.Status.ORDERED, order.pk, 2)
    }
    assert AuditEvent.objects.filter(
        action="suggestion.order",
        comment=f"48 units on PO {order.number} (over OTB: awaiting approval)",
    ).exists()


def test_no_budget_is_refused_without_the_exception_offer(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager)
    OTBBudgetMonth.objects.all().delete()
    result = worksheet.suggestions_to_orders(
        user=planner, suggestion_ids=[sheet["s"].pk], request_exception=True
    )
    [refusal] = result.refused
    assert refusal.is_over_otb is False
    assert "has no approved OTB budget" in refusal.message
    assert not PurchaseOrder.objects.exists()


def test_the_refusal_offers_an_exception_request(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    sheet = build_sheet(retailer, planner, manager, budget="1000.00")
    client = _client(planner)
    order_url = reverse("replenishment:order")
    refused = client.post(order_url, {"suggestion": [sheet["s"].pk]}, follow=True).content.decode()
    assert "V1 / W-TOP not ordered: Insufficient OTB" in refused
    assert 'data-testid="exception-offer"' in refused
    assert f'<input type="hidden" name="suggestion" value="{sheet["s"].pk}">' in refused
    assert 'name="request_exception" value="1"' in refused
    response = client.post(order_url, {"suggestion": [sheet["s"].pk], "request_exception": "1"}, follow=True)
    order = PurchaseOrder.objects.get()
    body = response.content.decode()
    assert f"PO {order.number}</a> (48 units) is over OTB and waits for a manager's approval" in body
    assert order.status == PurchaseOrder.Status.AWAITING_APPROVAL
    assert Suggestion.objects.get(pk=sheet["s"].pk).purchase_order_id == order.pk
    assert response.context["totals"]["count"] == 1


def test_the_main_nav_marks_replenishment_on_its_pages_outside_its_prefix(planner: User) -> None:
    client = _client(planner)
    for url in (
        reverse("replenishment:policy-matrix"),
        reverse("replenishment:inventory-health"),
        reverse("replenishment:vendor-reliability"),
    ):
        body = client.get(url).content.decode()
        assert (
            f'<a href="{reverse("replenishment:worksheet")}" aria-current="page">Replenishment</a>' in body
        ), url
        assert f'<a href="{reverse("otb:otb")}" aria-current="page">' not in body, url
    otb_page = client.get(reverse("otb:otb")).content.decode()
    assert f'<a href="{reverse("otb:otb")}" aria-current="page">Open to buy</a>' in otb_page


# -- late arrivals, 0-unit lines, the ticks note, a refused quantity ----------------------------


def _stockout_before_the_arrival(sheet: dict[str, Any]) -> Any:
    """S's policy now runs out in the week between the order week and the arrival (its 10 on
    hand against 20 a week): the suggestion ordered in week 1 lands in week 3, a week late."""
    _order_week, stockout, _arrival = forecast_selectors.weeks_after(sheet["run"].as_of, 3)
    ItemPolicy.objects.filter(pk=sheet["s"].policy_id).update(first_stockout_week=stockout)
    return stockout


def test_a_suggestion_landing_after_the_stock_out_is_marked_late(
    sheet: dict[str, Any], planner: User
) -> None:
    stockout = _stockout_before_the_arrival(sheet)
    body = _squeezed(_client(planner).get(reverse("replenishment:worksheet")).content.decode())
    text = (
        f"arrives {sheet['arrival']}, after the projected stock-out in {stockout}: expedite with the vendor "
        "or transfer stock"
    )
    assert (
        f'<span class="late-arrival" data-testid="late-{sheet["s"].pk}">'
        f'<span class="badge failed">Late</span> {text}</span>' in body
    )
    # M runs out in the arrival week itself: the arrival counts in that week, not late.
    assert f'data-testid="late-{sheet["m"].pk}"' not in body
    # The row answered after an edit keeps the mark.
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    answer = _client(planner).post(change, {"units": 60, "version": 1}, headers={"HX-Request": "true"})
    assert text in answer.content.decode()


def test_a_later_suggestion_of_a_policy_covered_in_time_is_not_late(
    sheet: dict[str, Any], planner: User
) -> None:
    # Another suggestion of S lands in week 1, before the stock-out in week 2: the week-3 one
    # is the next cycle's order, not late. Dismissed, the week-1 one no longer counts.
    stockout = _stockout_before_the_arrival(sheet)
    order_week = sheet["s"].order_week
    early = Suggestion.objects.create(
        run=sheet["run"], policy=sheet["s"].policy, vendor=sheet["vendor"], department=sheet["tops"],
        order_week=order_week, arrival_week=order_week, month_key=services.month_key(order_week),
        suggested_units=24, units=24, unit_cost=Decimal("9.60"), unit_retail=Decimal("24.00"),
    )  # fmt: skip
    rows = list(worksheet.suggestion_rows(planner, run_id=sheet["run"].pk))
    assert worksheet.late_arrivals(rows) == {}
    Suggestion.objects.filter(pk=early.pk).update(status=Suggestion.Status.DISMISSED)
    rows = list(worksheet.suggestion_rows(planner, run_id=sheet["run"].pk))
    assert list(worksheet.late_arrivals(rows)) == [sheet["s"].pk]
    assert f"after the projected stock-out in {stockout}" in worksheet.late_arrivals(rows)[sheet["s"].pk]


def test_a_zero_unit_line_cannot_be_ticked(sheet: dict[str, Any], planner: User) -> None:
    Suggestion.objects.filter(pk=sheet["m"].pk).update(units=0)
    body = _client(planner).get(reverse("replenishment:worksheet")).content.decode()
    medium = body[body.index(f'<tr id="suggestion-{sheet["m"].pk}"') :]
    medium = medium[: medium.index("</tr>")]
    assert 'title="0 units: nothing to order. Set its units to tick it."' in medium
    assert "disabled" in medium
    assert 'name="suggestion"' not in medium
    small = body[body.index(f'<tr id="suggestion-{sheet["s"].pk}"') :]
    assert 'name="suggestion"' in small[: small.index("</tr>")]


def test_the_order_button_says_ticks_stay_on_their_page(
    sheet: dict[str, Any], planner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replenishment import views

    note = "Ticks apply to this page: convert before moving to another page."
    assert note not in _client(planner).get(reverse("replenishment:worksheet")).content.decode()  # one page
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    assert note in _client(planner).get(reverse("replenishment:worksheet")).content.decode()


def test_a_refused_quantity_says_which_units_the_retail_value_is_for(
    sheet: dict[str, Any], planner: User
) -> None:
    # 30 typed and refused: the input keeps 30, the retail value is still the saved 48 x 24.00.
    change = reverse("replenishment:suggestion-change", args=[sheet["s"].pk])
    refused = _client(planner).post(change, {"units": 30, "version": 1}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'value="30"' in body
    assert (
        f'data-testid="retail-{sheet["s"].pk}">1,152.00<small class="muted retail-note">'
        "for the 48 units saved</small></td>" in body
    )
