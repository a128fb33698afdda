"""The open purchase order review: expedite, push back and cancel suggestions for open lines,
worked out by hand, and the changes made through the order services (OTB, row_version, 403).

Every policy has 10 units of weekly demand and an order-up-to of 60, so the excess threshold
is 60 + 4 x 10 = 100 units. Week j is the j-th week after the run's closed week; W = 26.
- S at DC1: 25 on hand, 40 units landing in week 5. Stock 25 -> 15 -> 5, and week 2 wants
  10 with 5 left: the stock runs out in week 2, so the line is pulled 3 weeks forward.
- M at DC1: 200 on hand, 50 units in week 1. 190 + 50 = 240 > 100 with 190 above 100 before it
  lands: the whole line is excess. Without it the stock is 200 - 10k at the start of week k,
  and 200 - 10k + 50 <= 100 first at k = 15: push back 14 weeks, to week 15.
- S at store S001: 1,000 on hand, 30 units in week 3: the whole line is excess and 1,000 -
  10k + 30 <= 100 only at k = 93, past the horizon: cancel the line.
- M at S001: 80 on hand, 50 units in week 1. 70 + 50 = 120: 20 units above 100; the other 30
  top the stock up to the threshold. Cancel 20 units: cut the line to 30.
- M at WEB: no policy in the run: counted in the notes, not reviewed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.audit import audit_for
from forecasting import selectors as forecast_selectors
from otb import services
from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, PurchaseOrderLine, Vendor
from otb.orders import LineRequest, purchase_order_create
from replenishment import po_review
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
RETAIL = Decimal("24.00")


@pytest.fixture
def review_setup(retailer: dict[str, Any], planner: User, manager: User) -> dict[str, Any]:
    retailer["tops"].planners.add(planner, manager)
    closed = forecast_selectors.latest_closed_week()
    weeks = forecast_selectors.weeks_after(closed, 26)
    budgets: dict[int, OTBBudget] = {}
    for key in sorted({services.month_key(week) for week in weeks}):
        year = key // 100
        if year not in budgets:
            budgets[year] = OTBBudget.objects.create(
                department=retailer["tops"],
                fiscal_year=year,
                status=OTBBudget.Status.APPROVED,
                created_by=manager,
            )
        OTBBudgetMonth.objects.create(
            budget=budgets[year], month_key=key, receipts_retail=Decimal("100000.00"),
            receipts_cost=Decimal("40000.00"),
        )  # fmt: skip
    run = ReplenishmentRun.objects.create(
        status=ReplenishmentRun.Status.DONE, as_of=closed, horizon=26, progress_done=5, progress_total=5
    )
    run.departments.set([retailer["tops"]])
    for size, location, on_hand in (
        ("s", "dc", 25),
        ("m", "dc", 200),
        ("s", "store", 1000),
        ("m", "store", 80),
    ):
        ItemPolicy.objects.create(
            run=run, sku=retailer[f"sku_{size}"], location=retailer[location], segment="AX", demand=10.0,
            demand_sd=3.0, lead_time=2.0, lead_time_sd=0.0, service_level=0.95, safety_stock=10.0,
            reorder_point=40.0, order_up_to=60.0, on_hand=on_hand,
        )  # fmt: skip
    Vendor.objects.create(code="V1", name="Mill & Co")
    order = purchase_order_create(
        user=planner,
        number="PO-1",
        vendor_code="V1",
        department_id=retailer["tops"].pk,
        lines=[
            LineRequest("ST-1-BLK-S", "DC1", 40, Decimal("9.60"), RETAIL, weeks[5].pk),
            LineRequest("ST-1-BLK-M", "DC1", 50, Decimal("9.60"), RETAIL, weeks[1].pk),
            LineRequest("ST-1-BLK-S", "S001", 30, Decimal("9.60"), RETAIL, weeks[3].pk),
            LineRequest("ST-1-BLK-M", "S001", 50, Decimal("9.60"), RETAIL, weeks[1].pk),
            LineRequest("ST-1-BLK-M", "WEB", 10, Decimal("9.60"), RETAIL, weeks[2].pk),
        ],
    )
    assert order.status == PurchaseOrder.Status.RELEASED
    expedite, push_back, cancel, cut, unmatched = order.lines.order_by("pk")
    return {
        **retailer, "run": run, "weeks": weeks, "order": order, "expedite": expedite, "push_back": push_back,
        "cancel": cancel, "cut": cut, "unmatched": unmatched, "budgets": budgets,
    }  # fmt: skip


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_review_finds_the_hand_worked_suggestions(review_setup: dict[str, Any], planner: User) -> None:
    weeks = review_setup["weeks"]
    review = po_review.open_order_review(planner)
    assert [run.pk for run in review.runs] == [review_setup["run"].pk]
    assert review.lines_reviewed == 4
    assert review.notes == ["1 open line has no policy in the run (SKU or DC not replenished)."]
    found = [
        (
            row.kind,
            row.line.pk,
            row.target_week,
            row.weeks,
            row.excess_units,
            row.keep_units,
            row.stockout_week,
        )
        for row in review.rows
    ]
    assert found == [
        ("expedite", review_setup["expedite"].pk, weeks[2], 3, 0, 40, weeks[2]),
        # The cut leaves 80 + 30 = 110 units: 70 at week 1, 90 at week 2, 110 - 10k at week k,
        # 0 at week 11: the stock-out the cut causes (week 13 with the whole line).
        ("cancel", review_setup["cut"].pk, None, 0, 20, 30, weeks[11]),
        ("cancel", review_setup["cancel"].pk, None, 0, 30, 0, None),
        ("push_back", review_setup["push_back"].pk, weeks[15], 14, 50, 50, weeks[25]),
    ]
    expedite, cut, cancel, push_back = review.rows
    assert (
        expedite.message == f"Move {weeks[5]} -> {weeks[2]}, 3 weeks earlier: stock runs out in {weeks[2]}."
    )
    assert push_back.message == (
        f"Push back {weeks[1]} -> {weeks[15]}, 14 weeks later: "
        "stock stays above order-up-to + 4 weeks of demand until then."
    )
    assert cancel.message == (
        "Cancel the whole line: above order-up-to + 4 weeks of demand, and the stock lasts the horizon "
        "without it."
    )
    assert cancel.is_whole_line
    assert cut.message == (
        "Cancel 20 of 50 open units: above order-up-to + 4 weeks of demand, the stock runs out in "
        f"{weeks[11]} without them."
    )
    assert not cut.is_whole_line


def test_a_moved_line_is_no_longer_suggested_and_the_change_is_audited(
    review_setup: dict[str, Any], planner: User
) -> None:
    weeks, line = review_setup["weeks"], review_setup["expedite"]
    moved = po_review.purchase_order_line_move(
        user=planner, line_id=line.pk, receipt_week_id=weeks[2].pk, expected_version=1
    )
    assert (moved.receipt_week_id, moved.units, moved.row_version) == (weeks[2].pk, 40, 2)
    [change] = audit_for(line, actions="po_line.change")
    assert ((change.old or {})["units"], (change.new or {})["units"]) == (line.units, 40)
    # 25 + 40 in week 2 lasts until week 6: no expedite left for the line.
    kinds = {(row.kind, row.line.pk) for row in po_review.open_order_review(planner).rows}
    assert ("expedite", line.pk) not in kinds


def test_a_push_back_over_the_months_otb_is_refused(review_setup: dict[str, Any], planner: User) -> None:
    weeks, line = review_setup["weeks"], review_setup["push_back"]
    OTBBudgetMonth.objects.filter(month_key=services.month_key(weeks[15])).update(
        receipts_retail=Decimal("100.00")
    )
    with pytest.raises(
        services.InsufficientOTBError, match=r"needs \$1,200\.00 at retail, \$100\.00 is left"
    ):
        po_review.purchase_order_line_move(
            user=planner, line_id=line.pk, receipt_week_id=weeks[15].pk, expected_version=1
        )
    line.refresh_from_db()
    assert (line.receipt_week_id, line.row_version) == (weeks[1].pk, 1)


def test_the_page_lists_the_rows_with_their_actions(review_setup: dict[str, Any], planner: User) -> None:
    response = _client(planner).get(reverse("replenishment:open-orders"))
    assert response.status_code == 200
    body = response.content.decode()
    weeks, order = review_setup["weeks"], review_setup["order"]
    assert f'href="{reverse("otb:order", args=[order.pk])}">PO-1</a>' in body
    assert f"Move to {weeks[2]}" in body
    assert f"Move to {weeks[15]}" in body
    assert "Cut to 30 units" in body
    assert body.count(">Cancel line</button>") == 3  # push back, cancel and cut rows
    assert [response.context["counts"][kind] for kind in ("expedite", "cancel", "push_back")] == [1, 2, 1]


def test_the_page_moves_cuts_and_cancels_lines(review_setup: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    weeks = review_setup["weeks"]
    expedite, cut, cancel = review_setup["expedite"], review_setup["cut"], review_setup["cancel"]
    moved = client.post(
        reverse("replenishment:line-move", args=[expedite.pk]),
        {"week": weeks[2].pk, "version": 1, "department": review_setup["tops"].pk},
        follow=True,
    )
    assert moved.redirect_chain[-1][0] == (
        f"{reverse('replenishment:open-orders')}?department={review_setup['tops'].pk}"
    )
    assert f"PO PO-1: ST-1-BLK-S moved to {weeks[2]}." in moved.content.decode()
    client.post(reverse("replenishment:line-cut", args=[cut.pk]), {"units": 30, "version": 1})
    client.post(reverse("replenishment:line-cancel", args=[cancel.pk]), {"version": 1})
    lines = {line.pk: line for line in PurchaseOrderLine.objects.all()}
    assert lines[expedite.pk].receipt_week_id == weeks[2].pk
    assert (lines[cut.pk].units, lines[cut.pk].row_version) == (30, 2)
    assert lines[cancel.pk].status == PurchaseOrderLine.Status.CANCELLED
    # A second click with the version read before: refused with the message, nothing changes.
    stale = client.post(
        reverse("replenishment:line-cut", args=[cut.pk]), {"units": 20, "version": 1}, follow=True
    )
    assert "Someone changed this line since you loaded it" in stale.content.decode()
    cut.refresh_from_db()
    assert cut.units == 30


def test_executives_read_the_review_but_cannot_act(review_setup: dict[str, Any], executive: User) -> None:
    client = _client(executive)
    response = client.get(reverse("replenishment:open-orders"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ST-1-BLK-S" in body
    assert "Move to" not in body
    assert "Cancel line" not in body
    line = review_setup["expedite"]
    week = review_setup["weeks"][2].pk
    assert (
        client.post(
            reverse("replenishment:line-move", args=[line.pk]), {"week": week, "version": 1}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("replenishment:line-cancel", args=[line.pk]), {"version": 1}).status_code == 403
    )
    assert (
        client.post(reverse("replenishment:line-cut", args=[line.pk]), {"units": 1, "version": 1}).status_code
        == 403
    )
    line.refresh_from_db()
    assert (line.receipt_week_id, line.status, line.row_version) == (
        review_setup["weeks"][5].pk,
        PurchaseOrderLine.Status.OPEN,
        1,
    )


def test_the_rest_review(review_setup: dict[str, Any], executive: User) -> None:
    client = APIClient()
    client.force_authenticate(executive)
    response = client.get("/api/v1/otb/replenishment/open-orders/", {"department": review_setup["tops"].pk})
    assert response.status_code == 200
    body = response.json()
    assert (body["runs"], body["lines_reviewed"]) == ([review_setup["run"].pk], 4)
    first = body["rows"][0]
    weeks = review_setup["weeks"]
    assert {
        key: first[key] for key in ("kind", "line_id", "order_number", "open_units", "weeks", "row_version")
    } == {
        "kind": "expedite",
        "line_id": review_setup["expedite"].pk,
        "order_number": "PO-1",
        "open_units": 40,
        "weeks": 3,
        "row_version": 1,
    }
    assert (first["receipt_week"], first["target_week"]) == (
        f"{weeks[5].year}-W{weeks[5].week:02d}",
        f"{weeks[2].year}-W{weeks[2].week:02d}",
    )
    assert [row["kind"] for row in body["rows"]] == ["expedite", "cancel", "cancel", "push_back"]
    other = client.get("/api/v1/otb/replenishment/open-orders/", {"department": review_setup["dresses"].pk})
    assert other.json() == {"runs": [], "lines_reviewed": 0, "notes": [], "rows": []}
    assert client.get("/api/v1/otb/replenishment/open-orders/", {"department": "x"}).status_code == 400


def test_departments_without_a_done_run_are_noted(review_setup: dict[str, Any], planner: User) -> None:
    ReplenishmentRun.objects.update(status=ReplenishmentRun.Status.FAILED)
    review = po_review.open_order_review(planner)
    assert review.rows == []
    assert review.notes == ["5 open lines are in departments no finished run covers: not reviewed."]


def test_the_review_reads_in_a_fixed_number_of_queries(
    review_setup: dict[str, Any], planner: User, django_assert_num_queries: Any
) -> None:
    # Visible departments, runs by department, the runs, open lines, lines of departments
    # without a run, policies, vendor terms, the run's weeks: whatever the number of lines.
    with django_assert_num_queries(8):
        review = po_review.open_order_review(planner)
    assert len(review.rows) == 4
    purchase_order_create(
        user=planner,
        number="PO-2",
        vendor_code="V1",
        department_id=review_setup["tops"].pk,
        lines=[
            LineRequest("ST-1-BLK-S", "DC1", 12, Decimal("9.60"), RETAIL, review_setup["weeks"][week].pk)
            for week in (7, 8, 9)
        ],
    )
    with django_assert_num_queries(8):
        review = po_review.open_order_review(planner)
    assert review.lines_reviewed == 7


def _terms(review_setup: dict[str, Any], moq: int, multiple: int) -> None:
    VendorItem.objects.create(
        vendor=Vendor.objects.get(code="V1"), style_color=review_setup["sku_s"].style_color,
        lead_time_weeks=Decimal("2"), moq=moq, order_multiple=multiple,
    )  # fmt: skip


def test_a_line_after_the_stock_out_and_above_need_is_expedited_only(
    review_setup: dict[str, Any], planner: User
) -> None:
    # S at DC1 now has 200 units landing in week 5. Stock 25 -> 15 -> 5 -> 0: it runs out in
    # week 2 and is 0 when the line lands, so 200 - 100 = 100 units land above the threshold.
    # Expedite wins: one row, the excess named in its message.
    line, weeks = review_setup["expedite"], review_setup["weeks"]
    PurchaseOrderLine.objects.filter(pk=line.pk).update(units=200)
    review = po_review.open_order_review(planner)
    rows = [row for row in review.rows if row.line.pk == line.pk]
    assert [(row.kind, row.target_week, row.excess_units, row.keep_units) for row in rows] == [
        ("expedite", weeks[2], 0, 200)
    ]
    assert rows[0].message == (
        f"Move {weeks[5]} -> {weeks[2]}, 3 weeks earlier: stock runs out in {weeks[2]}. "
        "100 of its units land above order-up-to + 4 weeks of demand: review its quantity once it is moved."
    )
    assert len({row.line.pk for row in review.rows}) == len(review.rows) == 4


def test_a_partial_cut_keeps_the_moq_in_whole_multiples(review_setup: dict[str, Any], planner: User) -> None:
    # M at S001: 20 of the 50 units are excess, 30 still needed; in multiples of 12 that is 36
    # (above the MOQ of 24): cut 14 units, keep 36. 80 + 36 = 116: 116 - 10k at the start of
    # week k >= 2, 6 at week 11 which wants 10: the stock runs out in week 11.
    _terms(review_setup, moq=24, multiple=12)
    review = po_review.open_order_review(planner)
    (row,) = [row for row in review.rows if row.line.pk == review_setup["cut"].pk]
    assert (row.kind, row.excess_units, row.keep_units, row.is_whole_line) == ("cancel", 14, 36, False)
    assert row.message == (
        "Cancel 14 of 50 open units: above order-up-to + 4 weeks of demand, the stock runs out in "
        f"{review_setup['weeks'][11]} without them (kept 36: MOQ 24, multiple 12)."
    )


def test_no_cut_below_the_moq_when_the_stock_needs_the_line(
    review_setup: dict[str, Any], planner: User
) -> None:
    # MOQ 60 > 50 units: no cut fits. Without the line the 80 units run out in week 8: keep it.
    _terms(review_setup, moq=60, multiple=12)
    review = po_review.open_order_review(planner)
    assert review_setup["cut"].pk not in {row.line.pk for row in review.rows}
    assert review.notes[-1] == (
        "1 open line carries units above need, but a cut would leave less than the vendor's MOQ (or "
        "break the order multiple) and the stock runs out without them: kept."
    )
    assert (review.lines_reviewed, len(review.rows), review.without_action) == (4, 3, 1)


def test_the_whole_line_goes_when_a_cut_breaks_the_moq_and_the_stock_lasts(
    review_setup: dict[str, Any], planner: User
) -> None:
    # M at S001: order-up-to 300 (threshold 340), 300 on hand, 60 units landing in week 1:
    # 290 + 60 = 350, 10 units excess, 50 needed; MOQ 60 keeps the line whole. 300 units cover
    # the horizon's 26 x 10 = 260 without it: cancel the whole line.
    line = review_setup["cut"]
    PurchaseOrderLine.objects.filter(pk=line.pk).update(units=60)
    ItemPolicy.objects.filter(sku=review_setup["sku_m"], location=review_setup["store"]).update(
        on_hand=300, order_up_to=300.0
    )
    _terms(review_setup, moq=60, multiple=12)
    review = po_review.open_order_review(planner)
    (row,) = [row for row in review.rows if row.line.pk == line.pk]
    assert (row.kind, row.excess_units, row.keep_units, row.is_whole_line) == ("cancel", 60, 0, True)
    assert row.message == (
        "Cancel the whole line: 10 of its 60 open units are above order-up-to + 4 weeks of demand, a "
        "cut to the rest would be below the vendor's MOQ of 60 (multiple 12), and the stock lasts "
        "the horizon without it."
    )


def test_the_page_counts_add_up_to_the_lines_reviewed(review_setup: dict[str, Any], planner: User) -> None:
    # With MOQ 60 the cut line is kept: 4 reviewed = 1 expedite + 1 cancel + 1 push back + 1 none.
    _terms(review_setup, moq=60, multiple=12)
    body = _client(planner).get(reverse("replenishment:open-orders")).content.decode()
    figures = {
        name: int(body.split(f'data-testid="count-{name}">')[1].split("<")[0].strip())
        for name in ("reviewed", "expedite", "cancel", "push_back", "no-action")
    }
    assert figures == {"reviewed": 4, "expedite": 1, "cancel": 1, "push_back": 1, "no-action": 1}
    assert body.count('<tr id="review-') == 3
    assert 'data-testid="replenishment-tabs"' in body


def _slow_seller(review_setup: dict[str, Any]) -> PurchaseOrderLine:
    """S at S001 now sells 1.6 a week from 21 on hand, order-up-to 5 (threshold 5 + 4 x 1.6 =
    11.4), and its line is 103 units landing in week 3. The stock is 21 - 4.8 = 16.2 > 11.4 when
    it lands: the whole line is excess, and 16.2 + 103 never fits under 11.4 in a later week: no
    push back. Without it 21 - 1.6k is 0.2 at the start of week 13, which wants 1.6: the stock
    runs out in week 13 of 26. The horizon wants 26 x 1.6 = 41.6 units, 20.6 more than on hand:
    the line is needed for 21 of its units."""
    line = review_setup["cancel"]
    PurchaseOrderLine.objects.filter(pk=line.pk).update(units=103)
    ItemPolicy.objects.filter(sku=review_setup["sku_s"], location=review_setup["store"]).update(
        on_hand=21, demand=1.6, order_up_to=5.0
    )
    return cast(PurchaseOrderLine, line)


def test_a_whole_line_above_the_threshold_the_stock_needs_is_cut_to_the_need(
    review_setup: dict[str, Any], planner: User
) -> None:
    # No terms: keep the 21 units the horizon needs, cancel 82. 21 + 21 = 42 >= 41.6: no
    # stock-out after the cut.
    line, weeks = _slow_seller(review_setup), review_setup["weeks"]
    review = po_review.open_order_review(planner)
    (row,) = [row for row in review.rows if row.line.pk == line.pk]
    found = (row.kind, row.excess_units, row.keep_units, row.is_whole_line, row.stockout_week)
    assert found == ("cancel", 82, 21, False, None)
    assert row.message == (
        "Cancel 82 of 103 open units: the stock is above order-up-to + 4 weeks of demand when it lands, "
        f"but runs out in {weeks[13]} without the line; the horizon needs 21 of its units."
    )
    body = _client(planner).get(reverse("replenishment:open-orders")).content.decode()
    assert "Cut to 21 units" in body
    assert "not needed within the horizon" not in body


def test_a_cut_to_the_need_keeps_the_moq_in_whole_multiples(
    review_setup: dict[str, Any], planner: User
) -> None:
    # MOQ 24, multiple 12: the 21 units needed become 24; cancel 103 - 24 = 79.
    line = _slow_seller(review_setup)
    _terms(review_setup, moq=24, multiple=12)
    review = po_review.open_order_review(planner)
    (row,) = [row for row in review.rows if row.line.pk == line.pk]
    assert (row.kind, row.excess_units, row.keep_units, row.stockout_week) == ("cancel", 79, 24, None)
    assert row.message.endswith("the horizon needs 21 of its units (kept 24: MOQ 24, multiple 12).")


def test_a_needed_line_the_terms_cannot_cut_is_kept(review_setup: dict[str, Any], planner: User) -> None:
    # MOQ 120 > 103: no cut fits, and the stock runs out in week 13 without the line: no action.
    # The MOQ is the style-color's: M at S001's 50-unit line (20 excess) is kept too.
    line = _slow_seller(review_setup)
    _terms(review_setup, moq=120, multiple=12)
    review = po_review.open_order_review(planner)
    assert line.pk not in {row.line.pk for row in review.rows}
    assert review.notes[-1].startswith("2 open lines carry units above need, ")


def test_a_needed_line_is_not_cancelled_on_the_strength_of_another(
    review_setup: dict[str, Any], planner: User
) -> None:
    # S at S001: 220 on hand, order-up-to 5 (threshold 45), two lines of 60 landing in week 3
    # (PO-1's and PO-2's, newer). 220 - 30 = 190 > 45 when they land: both are whole excess, and
    # 60 never fits under 45: no push back. The horizon wants 26 x 10 = 260. Either line alone
    # could go (220 + 60 = 280 lasts), not both: the newer one is cancelled, then the older one
    # is needed for 260 - 220 = 40 units: cut to 40 (cancel 20), and 260 just lasts.
    older = review_setup["cancel"]
    PurchaseOrderLine.objects.filter(pk=older.pk).update(units=60)
    ItemPolicy.objects.filter(sku=review_setup["sku_s"], location=review_setup["store"]).update(
        on_hand=220, order_up_to=5.0
    )
    newer = purchase_order_create(
        user=planner,
        number="PO-2",
        vendor_code="V1",
        department_id=review_setup["tops"].pk,
        lines=[LineRequest("ST-1-BLK-S", "S001", 60, Decimal("9.60"), RETAIL, review_setup["weeks"][3].pk)],
    ).lines.get()
    review = po_review.open_order_review(planner)
    found = {
        row.line.pk: (row.kind, row.excess_units, row.keep_units, row.stockout_week) for row in review.rows
    }
    assert found[newer.pk] == ("cancel", 60, 0, None)
    assert found[older.pk] == ("cancel", 20, 40, None)
