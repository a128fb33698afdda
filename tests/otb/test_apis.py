"""REST API for open-to-buy: orders (created against OTB, 409 when short), receipts, the OTB
table, exceptions and their decisions, budgets; scoping by department and role.

Tops has an approved budget of 117,000.00 retail (52,650.00 cost) for the fiscal month M of
the week W three weeks out; the planner and the manager plan Tops, nobody plans Dresses
except the admin. Vendor V1. Lines are ST-1-BLK-S to DC1 at 45.00 cost, 100.00 retail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from otb.models import OTBException, PurchaseOrder, PurchaseOrderLine
from otb.orders import LineRequest, purchase_order_create

pytestmark = pytest.mark.django_db
API = "/api/v1/otb"


@pytest.fixture
def budget(approved_budget: dict[str, Any]) -> dict[str, Any]:
    """The approved Tops budget of the module docstring (tests/fixtures/budgets.py)."""
    return approved_budget


def _client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _body(budget: dict[str, Any], number: str, units: int, **extra: Any) -> dict[str, Any]:
    line = {
        "sku": "ST-1-BLK-S", "location": "DC1", "units": units, "unit_cost": "45.00", "unit_retail": "100.00",
        "receipt_week": budget["label"],
    }  # fmt: skip
    return {"number": number, "vendor": "V1", "department": budget["tops"].pk, "lines": [line], **extra}


def _post_order(user: User, body: dict[str, Any]) -> Any:
    return _client(user).post(f"{API}/orders/", body, format="json")


def _order(user: User, budget: dict[str, Any], number: str, units: int, **extra: Any) -> PurchaseOrder:
    return purchase_order_create(
        user=user,
        number=number,
        vendor_code="V1",
        department_id=budget["tops"].pk,
        lines=[
            LineRequest("ST-1-BLK-S", "DC1", units, Decimal("45.00"), Decimal("100.00"), budget["week"].pk)
        ],
        **extra,
    )


# --- orders -------------------------------------------------------------------------------
def test_post_an_order_within_otb_releases_it(planner: User, budget: dict[str, Any]) -> None:
    response = _post_order(planner, _body(budget, "PO-1", 450))

    assert response.status_code == 201
    body = response.json()
    order = PurchaseOrder.objects.get()
    assert body["id"] == order.pk
    assert (body["number"], body["vendor"], body["department"], body["status"]) == (
        "PO-1",
        "V1",
        "W-TOP",
        "released",
    )
    line = body["lines"][0]
    assert line["id"] == order.lines.get().pk
    fields = ("sku", "location", "units", "unit_cost", "unit_retail", "receipt_week")
    assert {key: line[key] for key in fields} == {
        "sku": "ST-1-BLK-S", "location": "DC1", "units": 450, "unit_cost": "45.00", "unit_retail": "100.00",
        "receipt_week": budget["label"],
    }  # fmt: skip
    assert (line["month_key"], line["open_units"], line["status"]) == (budget["key"], 450, "open")


def test_post_an_order_over_otb_is_a_409_with_what_is_short(planner: User, budget: dict[str, Any]) -> None:
    _order(planner, budget, "PO-1", 1000)  # 100,000 of 117,000

    response = _post_order(planner, _body(budget, "PO-2", 200))  # 20,000 > 17,000 left

    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("Insufficient OTB:")
    assert body["short"] == [
        {
            "month": budget["key"],
            "month_label": budget["month"],
            "requested": "20000.00",
            "available": "17000.00",
        }
    ]
    assert list(PurchaseOrder.objects.values_list("number", flat=True)) == ["PO-1"]


def test_post_with_request_exception_waits_for_a_manager(planner: User, budget: dict[str, Any]) -> None:
    response = _post_order(planner, _body(budget, "PO-BIG", 1500, request_exception=True))

    assert response.status_code == 201
    assert response.json()["status"] == "awaiting"
    exception = OTBException.objects.get()
    assert (exception.requested_retail, exception.available_retail) == (
        Decimal("150000.00"),
        Decimal("117000.00"),
    )


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"units": 0}, "lines[0].units: Ensure this value is greater than or equal to 1."),
        ({"unit_cost": "-1.00"}, "lines[0].unit_cost: Ensure this value is greater than or equal to 0."),
        ({"receipt_week": "202614"}, "lines[0].receipt_week: Give the week as YYYY-Www, e.g. 2025-W03."),
        ({"sku": "NOPE"}, "Line 1: unknown SKU 'NOPE'."),
        ({"location": "XX"}, "Line 1: unknown location 'XX'."),
    ],
)
def test_post_bad_lines_is_a_400_and_writes_nothing(
    planner: User, budget: dict[str, Any], change: dict[str, Any], detail: str
) -> None:
    body = _body(budget, "PO-1", 5)
    body["lines"][0].update(change)

    response = _post_order(planner, body)

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert not PurchaseOrder.objects.exists()


def test_post_needs_a_department_you_plan(planner: User, executive: User, budget: dict[str, Any]) -> None:
    dresses = _body(budget, "PO-1", 5)
    dresses["department"] = budget["dresses"].pk
    assert _post_order(planner, dresses).status_code == 403
    assert _post_order(executive, _body(budget, "PO-1", 5)).status_code == 403
    missing = _body(budget, "PO-1", 5)
    missing["department"] = 999_999
    assert _post_order(planner, missing).json()["detail"] == (
        "department: no department '999999'; give its id or its code (e.g. W01)."
    )
    assert _client().post(f"{API}/orders/", _body(budget, "PO-1", 5), format="json").status_code == 403
    assert not PurchaseOrder.objects.exists()


def test_list_orders_filters_by_department_and_status(
    planner: User, executive: User, nobody: User, budget: dict[str, Any]
) -> None:
    _order(planner, budget, "PO-1", 100)
    _order(planner, budget, "PO-2", 1500, request_exception=True)

    everything = _client(executive).get(f"{API}/orders/").json()
    awaiting = _client(planner).get(f"{API}/orders/", {"status": "awaiting"}).json()
    dresses = _client(planner).get(f"{API}/orders/", {"department": budget["dresses"].pk}).json()

    assert [order["number"] for order in everything["results"]] == ["PO-2", "PO-1"]
    assert everything["count"] == 2
    assert [(order["number"], order["lines"][0]["units"]) for order in awaiting["results"]] == [
        ("PO-2", 1500)
    ]
    assert dresses["count"] == 0
    assert _client(nobody).get(f"{API}/orders/").json()["count"] == 0
    assert _client(planner).get(f"{API}/orders/", {"status": "lost"}).status_code == 400


def test_order_detail_is_scoped(planner: User, nobody: User, budget: dict[str, Any]) -> None:
    order = _order(planner, budget, "PO-1", 100)

    response = _client(planner).get(f"{API}/orders/{order.pk}/")

    assert response.status_code == 200
    assert (response.json()["number"], response.json()["lines"][0]["units"]) == ("PO-1", 100)
    assert _client(nobody).get(f"{API}/orders/{order.pk}/").status_code == 404
    assert _client(planner).get(f"{API}/orders/{order.pk + 1}/").status_code == 404


def test_receive_units_against_a_line(planner: User, executive: User, budget: dict[str, Any]) -> None:
    order = _order(planner, budget, "PO-1", 450)
    line = order.lines.get()
    url = f"{API}/orders/{order.pk}/lines/{line.pk}/receive/"

    response = _client(planner).post(url, {"units": 150}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["received_units"], body["open_units"], body["status"]) == (150, 300, "partly")
    too_many = _client(planner).post(url, {"units": 301}, format="json")
    assert (too_many.status_code, too_many.json()["detail"]) == (400, "Receive between 1 and 300 units.")
    assert _client(executive).post(url, {"units": 1}, format="json").status_code == 403
    other = f"{API}/orders/{order.pk}/lines/{line.pk + 1}/receive/"
    assert _client(planner).post(other, {"units": 1}, format="json").status_code == 404
    assert PurchaseOrderLine.objects.get().received_units == 150


# --- OTB table and budgets ------------------------------------------------------------------
def test_otb_table_by_month(planner: User, budget: dict[str, Any]) -> None:
    _order(planner, budget, "PO-1", 450)  # 45,000 retail, 20,250 cost
    year = budget["week"].year

    response = _client(planner).get(f"{API}/otb/", {"department": budget["tops"].pk, "year": year})

    assert response.status_code == 200
    rows = response.json()
    assert [row["month"] for row in rows] == [year * 100 + month for month in range(1, 13)]
    row = next(row for row in rows if row["month"] == budget["key"])
    assert row == {
        "month": budget["key"], "month_label": budget["month"], "budget_retail": "117000.00",
        "budget_cost": "52650.00", "on_order_retail": "45000.00", "on_order_cost": "20250.00",
        "on_order_units": 450, "received_retail": "0.00", "otb_retail": "72000.00", "otb_cost": "32400.00",
        "used_percent": "38.5",
    }  # fmt: skip
    other = next(row for row in rows if row["month"] != budget["key"])
    assert (other["budget_retail"], other["used_percent"]) == ("0.00", None)
    missing = _client(planner).get(f"{API}/otb/", {"year": year})
    assert (missing.status_code, missing.json()["detail"]) == (400, "department: This field is required.")


def test_budgets_list_with_months(planner: User, nobody: User, budget: dict[str, Any]) -> None:
    response = _client(planner).get(f"{API}/budgets/", {"status": "approved"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["department"], row["fiscal_year"], row["status"]) == (
        budget["budget"].pk, "W-TOP", budget["week"].year, "approved",
    )  # fmt: skip
    assert row["months"] == [
        {
            "month": budget["key"], "month_label": budget["month"], "receipts_retail": "117000.00",
            "receipts_cost": "52650.00", "receipts_units": 0,
        }
    ]  # fmt: skip
    assert _client(planner).get(f"{API}/budgets/", {"status": "draft"}).json()["count"] == 0
    assert _client(nobody).get(f"{API}/budgets/").json()["count"] == 0


# --- exceptions -----------------------------------------------------------------------------
def test_exceptions_list_and_a_manager_decides(
    planner: User, manager: User, nobody: User, budget: dict[str, Any]
) -> None:
    order = _order(planner, budget, "PO-BIG", 1500, request_exception=True)  # 150,000 > 117,000
    exception = OTBException.objects.get()

    pending = _client(manager).get(f"{API}/exceptions/", {"status": "pending"}).json()

    [row] = pending["results"]
    fields = ("id", "order", "month", "requested_retail", "available_retail", "over_retail")
    assert {key: row[key] for key in fields} == {
        "id": exception.pk, "order": "PO-BIG", "month": budget["key"], "requested_retail": "150000.00",
        "available_retail": "117000.00", "over_retail": "33000.00",
    }  # fmt: skip
    assert _client(manager).get(f"{API}/exceptions/", {"status": "approved"}).json()["count"] == 0
    assert _client(nobody).get(f"{API}/exceptions/").json()["count"] == 0

    url = f"{API}/exceptions/{exception.pk}/decide/"
    assert _client(planner).post(url, {"approve": True, "reason": "demand"}, format="json").status_code == 403
    no_reason = _client(manager).post(url, {"approve": True}, format="json")
    assert no_reason.json()["detail"] == "Choose a reason code to approve an OTB exception."
    response = _client(manager).post(
        url, {"approve": True, "reason": "demand", "comment": "Strong sell-through"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"], response.json()["decided_by"]) == (
        "approved", "demand", "max.manager",
    )  # fmt: skip
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RELEASED
    assert (
        _client(manager)
        .post(f"{API}/exceptions/{exception.pk + 1}/decide/", {"approve": True}, format="json")
        .status_code
        == 404
    )


def test_the_requester_cannot_decide_their_own_exception(manager: User, budget: dict[str, Any]) -> None:
    _order(manager, budget, "PO-BIG", 1500, request_exception=True)
    exception = OTBException.objects.get()

    response = _client(manager).post(
        f"{API}/exceptions/{exception.pk}/decide/", {"approve": True, "reason": "demand"}, format="json"
    )

    assert response.status_code == 403  # separation of duties: the same refusal for every kind
    assert response.json()["detail"] == "You requested this exception: another manager must decide on it."
    assert OTBException.objects.get().status == OTBException.Status.PENDING


def test_schema_lists_the_otb_endpoints(planner: User) -> None:
    schema = _client(planner).get("/api/schema/").content.decode()

    for path in (
        "/api/v1/otb/orders/:",
        "/api/v1/otb/orders/{order_id}/:",
        "/api/v1/otb/orders/{order_id}/lines/{line_id}/receive/:",
        "/api/v1/otb/otb/:",
        "/api/v1/otb/exceptions/:",
        "/api/v1/otb/exceptions/{exception_id}/decide/:",
        "/api/v1/otb/budgets/:",
    ):
        assert path in schema
    for component in ("InsufficientOTB:", "ShortMonth:", "PurchaseOrder:", "OTBRow:", "OTBException:"):
        assert component in schema
