"""The replenishment REST API: runs, suggestions, units changes with row_version, ordering."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from core.audit import audit_for
from otb.models import OTBException, PurchaseOrder
from replenishment.models import ReplenishmentRun, Suggestion
from tests.replenishment.test_worksheet import build_sheet, sheet  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/otb/replenishment"


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_suggestions_list_the_latest_done_run(sheet: dict[str, Any], planner: User) -> None:  # noqa: F811
    response = _api(planner).get(f"{BASE}/suggestions/", {"vendor": "V1", "status": "open"})
    assert response.status_code == 200
    rows = {row["sku"]: row for row in response.json()["results"]}
    assert set(rows) == {"ST-1-BLK-S", "ST-1-BLK-M"}
    small = rows["ST-1-BLK-S"]
    assert (small["units"], small["suggested_units"], small["cut_reason"], small["retail_value"]) == (
        48,
        60,
        "OTB",
        "1152.00",
    )
    assert (small["location"], small["segment"], small["reorder_point"], small["row_version"]) == (
        "DC1",
        "AX",
        54.2,
        1,
    )
    assert _api(planner).get(f"{BASE}/suggestions/", {"vendor": "NOPE"}).json()["count"] == 0
    assert _api(planner).get(f"{BASE}/suggestions/", {"status": "bogus"}).status_code == 400


def test_patch_checks_the_terms_and_the_version(sheet: dict[str, Any], planner: User) -> None:  # noqa: F811
    client = _api(planner)
    url = f"{BASE}/suggestions/{sheet['s'].pk}/"
    bad = client.patch(url, {"units": 30, "row_version": 1}, format="json")
    assert (bad.status_code, bad.json()["detail"]) == (400, "Order in multiples of 12 units, at least 24.")
    good = client.patch(url, {"units": 96, "row_version": 1}, format="json")
    assert good.status_code == 200
    assert (good.json()["units"], good.json()["row_version"], good.json()["retail_value"]) == (
        96,
        2,
        "2304.00",
    )
    stale = client.patch(url, {"units": 24, "row_version": 1}, format="json")
    assert stale.status_code == 409
    assert "it is now 96 units" in stale.json()["detail"]
    assert (
        client.patch(
            f"{BASE}/suggestions/999999/", {"units": 24, "row_version": 1}, format="json"
        ).status_code
        == 404
    )


def test_order_creates_a_released_po_and_reports_refusals(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    made = build_sheet(retailer, planner, manager)
    client = _api(planner)
    response = client.post(
        f"{BASE}/suggestions/order/", {"suggestion_ids": [made["s"].pk, made["m"].pk]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    order = PurchaseOrder.objects.get()
    assert order.status == PurchaseOrder.Status.RELEASED
    assert body["created"] == [
        {
            "order_id": order.pk,
            "number": f"RP-{made['run'].pk}-V1-W-TOP",
            "vendor": "V1",
            "department": "W-TOP",
            "suggestion_ids": sorted([made["s"].pk, made["m"].pk]),
            "units": 84,
            "retail": "2016.00",
            "status": "released",
            "is_awaiting_approval": False,
        }
    ]
    assert body["refused"] == []
    assert body["skipped"] == []
    assert set(Suggestion.objects.values_list("status", flat=True)) == {Suggestion.Status.ORDERED}


def test_order_over_otb_is_refused_with_the_message(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    made = build_sheet(retailer, planner, manager, budget="1000.00")
    response = _api(planner).post(
        f"{BASE}/suggestions/order/", {"suggestion_ids": [made["s"].pk]}, format="json"
    )
    assert response.status_code == 200
    [refusal] = response.json()["refused"]
    assert refusal["message"].startswith("Insufficient OTB: ")
    assert "needs $1,152.00 at retail, $1,000.00 is left" in refusal["message"]
    assert refusal["is_over_otb"] is True
    assert response.json()["created"] == []
    assert Suggestion.objects.get(pk=made["s"].pk).status == Suggestion.Status.OPEN
    assert (
        _api(planner).post(f"{BASE}/suggestions/order/", {"suggestion_ids": []}, format="json").status_code
        == 400
    )


def test_executives_read_but_get_403_on_writes(sheet: dict[str, Any], executive: User) -> None:  # noqa: F811
    client = _api(executive)
    assert client.get(f"{BASE}/suggestions/").json()["count"] == 2
    patch = client.patch(
        f"{BASE}/suggestions/{sheet['s'].pk}/", {"units": 24, "row_version": 1}, format="json"
    )
    assert patch.status_code == 403
    order = client.post(f"{BASE}/suggestions/order/", {"suggestion_ids": [sheet["s"].pk]}, format="json")
    assert order.status_code == 403
    run = client.post(f"{BASE}/runs/", {"departments": [sheet["tops"].pk], "horizon": 13}, format="json")
    assert run.status_code == 403
    assert not PurchaseOrder.objects.exists()


def test_runs_list_create_and_detail(sheet: dict[str, Any], planner: User) -> None:  # noqa: F811
    client = _api(planner)
    created = client.post(f"{BASE}/runs/", {"departments": [sheet["tops"].pk], "horizon": 13}, format="json")
    assert created.status_code == 201
    run = ReplenishmentRun.objects.get(pk=created.json()["id"])
    assert (created.json()["status"], created.json()["horizon"], created.json()["departments"]) == (
        "queued",
        13,
        ["W-TOP"],
    )
    assert [row["id"] for row in client.get(f"{BASE}/runs/").json()["results"]] == [run.pk, sheet["run"].pk]
    detail = client.get(f"{BASE}/runs/{sheet['run'].pk}/").json()
    assert (detail["status"], detail["progress_done"], detail["progress_total"]) == ("done", 5, 5)
    assert client.get(f"{BASE}/runs/999999/").status_code == 404
    too_short = client.post(f"{BASE}/runs/", {"departments": [sheet["tops"].pk], "horizon": 2}, format="json")
    assert too_short.status_code == 400
    assert too_short.json()["detail"].startswith("horizon")


def test_order_with_request_exception_keeps_the_po_awaiting_a_manager(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    made = build_sheet(retailer, planner, manager, budget="1000.00")
    response = _api(planner).post(
        f"{BASE}/suggestions/order/",
        {"suggestion_ids": [made["s"].pk, made["m"].pk], "request_exception": True},
        format="json",
    )
    assert response.status_code == 200
    order = PurchaseOrder.objects.get()
    [created] = response.json()["created"]
    assert (created["order_id"], created["status"], created["is_awaiting_approval"], created["retail"]) == (
        order.pk,
        "awaiting",
        True,
        "2016.00",
    )
    assert response.json()["refused"] == []
    [exception] = OTBException.objects.filter(order=order)
    assert (exception.requested_retail, exception.available_retail) == (
        Decimal("2016.00"),
        Decimal("1000.00"),
    )
    assert set(Suggestion.objects.values_list("status", "purchase_order_id")) == {
        (Suggestion.Status.ORDERED, order.pk)
    }


def test_dismiss_and_restore_with_the_row_version(sheet: dict[str, Any], planner: User) -> None:  # noqa: F811
    client = _api(planner)
    url = f"{BASE}/suggestions/{sheet['s'].pk}"
    dismissed = client.post(f"{url}/dismiss/", {"row_version": 1}, format="json")
    assert dismissed.status_code == 200
    assert (dismissed.json()["status"], dismissed.json()["row_version"]) == ("dismissed", 2)
    assert audit_for(sheet["s"]).get().action == "suggestion.dismiss"
    again = client.post(f"{url}/dismiss/", {"row_version": 2}, format="json")
    assert (again.status_code, again.json()["detail"]) == (
        400,
        "Only open suggestions can be dismissed; this one is dismissed.",
    )
    stale = client.post(f"{url}/restore/", {"row_version": 1}, format="json")
    assert stale.status_code == 409
    assert client.get(f"{BASE}/suggestions/", {"status": "dismissed"}).json()["count"] == 1
    restored = client.post(f"{url}/restore/", {"row_version": 2}, format="json")
    assert (restored.json()["status"], restored.json()["row_version"]) == ("open", 3)
    assert client.post(f"{url}/dismiss/", {}, format="json").status_code == 400


def test_executives_cannot_dismiss(sheet: dict[str, Any], executive: User) -> None:  # noqa: F811
    response = _api(executive).post(
        f"{BASE}/suggestions/{sheet['s'].pk}/dismiss/", {"row_version": 1}, format="json"
    )
    assert response.status_code == 403
    sheet["s"].refresh_from_db()
    assert (sheet["s"].status, sheet["s"].row_version) == (Suggestion.Status.OPEN, 1)


def test_department_filters_take_an_id_or_a_code(sheet: dict[str, Any], planner: User) -> None:  # noqa: F811
    client = _api(planner)
    tops = sheet["tops"]
    by_id = client.get(f"{BASE}/suggestions/", {"department": tops.pk})
    by_code = client.get(f"{BASE}/suggestions/", {"department": "W-TOP"})
    assert by_id.status_code == by_code.status_code == 200
    assert by_code.json() == by_id.json()
    assert by_code.json()["count"] == 2
    assert client.get(f"{BASE}/suggestions/", {"department": "W-DRS"}).json()["count"] == 0
    unknown = client.get(f"{BASE}/suggestions/", {"department": "W99"})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "department: no department 'W99'; give its id or its code (e.g. W01)."
    review = client.get(f"{BASE}/open-orders/", {"department": "w-top"})
    assert review.status_code == 200
    assert review.json() == client.get(f"{BASE}/open-orders/", {"department": tops.pk}).json()
    assert client.get(f"{BASE}/open-orders/", {"department": "999999"}).status_code == 400
