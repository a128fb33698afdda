"""Purchase order import: the file checked whole, orders created in one transaction or none.

The `retailer` of tests/conftest.py: Tops holds ST-1-BLK-S and ST-1-BLK-M; locations DC1, S001
and WEB. Tops has an approved OTB budget of 117,000.00 at retail for the fiscal month of the
week three weeks out (W below); vendors V1 and V2. A dress SKU DR-1-RED-M sits in Dresses,
which has no budget.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from forecasting import selectors as forecast_selectors
from otb import imports, selectors
from otb.models import OTBException, PurchaseOrder, PurchaseOrderLine
from planning.models import FiscalWeek
from tests.factories import (
    MerchClassFactory,
    SkuFactory,
    StyleColorFactory,
    StyleFactory,
    SubclassFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("otb:po-import")
HEADER = "po_number,vendor,department,sku,location,units,unit_cost,unit_retail,receipt_week"


@pytest.fixture
def budget(approved_budget: dict[str, Any], retailer: dict[str, Any], planner: User) -> dict[str, Any]:
    """The approved Tops budget (tests/fixtures/budgets.py) with vendors V1 and V2; the planner
    plans Dresses too, whose dress DR-1-RED-M (60.00 / 22.00) has no budget."""
    retailer["dresses"].planners.add(planner)
    VendorFactory(code="V2", name="Knit Ltd")
    dresses = MerchClassFactory(code="W-DRS-DAY", name="Day dresses", department=retailer["dresses"])
    midi = SubclassFactory(code="W-DRS-DAY-MID", name="Midi", merch_class=dresses)
    style = StyleFactory(code="DR-1", name="Midi dress", subclass=midi)
    item = StyleColorFactory(
        style=style, code="DR-1-RED", color_code="RED", color_name="Red",
        retail_price=Decimal("60.00"), unit_cost=Decimal("22.00"),
    )  # fmt: skip
    SkuFactory(style_color=item, code="DR-1-RED-M", size="M", size_order=2)
    return approved_budget


def _label(week: FiscalWeek) -> str:
    return f"{week.year}-W{week.week:02d}"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _valid(week: FiscalWeek) -> bytes:
    """PO-1001: 100 + 50 units at 100.00 retail; PO-1002: 20 units at 24.00, week as a date."""
    return _csv(
        f"PO-1001,V1,W-TOP,ST-1-BLK-S,DC1,100,45.00,100.00,{_label(week)}",
        f"PO-1001,V1,W-TOP,ST-1-BLK-M,S001,50,45.00,100.00,{week.pk}",
        f"PO-1002,v2,w-top,st-1-blk-s,WEB,20,9.60,24.00,{week.start_date.isoformat()}",
    )


def _apply(user: User, content: bytes, name: str = "orders.csv", **extra: Any) -> imports.POImportResult:
    return imports.po_import_apply(user=user, file_name=name, content=content, **extra)


def _lines() -> list[tuple[Any, ...]]:
    return list(
        PurchaseOrderLine.objects.order_by("order__number", "id").values_list(
            "order__number", "sku__code", "location__code", "units", "unit_cost", "unit_retail",
            "receipt_week_id", "status",
        )
    )  # fmt: skip


def test_a_valid_file_creates_its_orders_and_lines(planner: User, budget: dict[str, Any]) -> None:
    week = budget["week"]
    result = _apply(planner, _valid(week))

    assert result.errors == []
    assert [
        (order.number, order.status, order.lines, order.units, order.retail) for order in result.orders
    ] == [
        ("PO-1001", "released", 2, 150, Decimal("15000.00")),
        ("PO-1002", "released", 1, 20, Decimal("480.00")),
    ]
    orders = PurchaseOrder.objects.order_by("number").values_list(
        "number", "vendor__code", "department__code"
    )
    assert list(orders) == [("PO-1001", "V1", "W-TOP"), ("PO-1002", "V2", "W-TOP")]
    assert _lines() == [
        ("PO-1001", "ST-1-BLK-S", "DC1", 100, Decimal("45.00"), Decimal("100.00"), week.pk, "open"),
        ("PO-1001", "ST-1-BLK-M", "S001", 50, Decimal("45.00"), Decimal("100.00"), week.pk, "open"),
        ("PO-1002", "ST-1-BLK-S", "WEB", 20, Decimal("9.60"), Decimal("24.00"), week.pk, "open"),
    ]
    # On order: 150 x 100.00 + 20 x 24.00 = 15,480.00; OTB left 117,000 - 15,480 = 101,520.
    row = selectors.otb_rows(budget["tops"].pk, [budget["key"]])[0]
    assert (row.on_order_retail, row.otb_retail, row.on_order_units) == (
        Decimal("15480.00"), Decimal("101520.00"), 170,
    )  # fmt: skip


def test_the_same_file_twice_is_refused_as_duplicate_orders(planner: User, budget: dict[str, Any]) -> None:
    _apply(planner, _valid(budget["week"]))

    again = _apply(planner, _valid(budget["week"]))

    assert [(error.row, error.column) for error in again.errors] == [
        (2, "po_number"), (3, "po_number"), (4, "po_number"),
    ]  # fmt: skip
    assert "Order number PO-1001 exists already" in again.errors[0].message
    assert "Order number PO-1002 exists already" in again.errors[2].message
    assert again.orders == []
    assert PurchaseOrder.objects.count() == 2
    assert PurchaseOrderLine.objects.count() == 3


def test_every_bad_row_is_listed_and_nothing_is_written(planner: User, budget: dict[str, Any]) -> None:
    week, closed = budget["week"], forecast_selectors.latest_closed_week()
    content = _csv(
        f"PO-1,V1,W-TOP,ST-1-BLK-S,DC1,10,45.00,100.00,{_label(week)}",
        f"PO-1,V1,W-TOP,NOPE,DC1,10,45.00,100.00,{_label(week)}",
        f"PO-1,V1,W-TOP,ST-1-BLK-S,XX,-5,45.00,100.00,{_label(week)}",
        f"PO-1,V1,W-TOP,ST-1-BLK-S,DC1,10,-1.00,100.123,{_label(week)}",
        f"PO-1,V1,W-TOP,ST-1-BLK-S,DC1,10,45.00,100.00,{_label(closed)}",
        f"PO-2,V9,W-XXX,ST-1-BLK-S,DC1,10,45.00,100.00,{_label(week)}",
        f"PO-3,V1,W-TOP,DR-1-RED-M,DC1,10,45.00,100.00,{_label(week)}",
        f"PO-4,V1,W-DRS,DR-1-RED-M,DC1,10,22.00,60.00,{_label(week)}",
        f"PO-1,V2,W-TOP,ST-1-BLK-S,DC1,1,45.00,100.00,{_label(week)}",
        ",V1,W-TOP,ST-1-BLK-S,DC1,0,45.00,100.00,not-a-week",
    )

    result = _apply(planner, content)

    assert [(error.row, error.column) for error in result.errors] == [
        (3, "sku"),
        (4, "location"), (4, "units"),
        (5, "unit_cost"), (5, "unit_retail"),
        (6, "receipt_week"),
        (7, "vendor"), (7, "department"),
        (8, "sku"),
        (9, "receipt_week"),
        (10, "vendor"),
        (11, "po_number"), (11, "units"), (11, "receipt_week"),
    ]  # fmt: skip
    messages = [error.message for error in result.errors]
    assert messages[0] == "Unknown SKU “NOPE”."
    assert messages[1] == "Unknown location “XX”."
    assert messages[2] == "“-5” is negative: order at least 1 unit."
    assert messages[3] == "“-1.00” is negative: amounts cannot be below 0."
    assert messages[4] == "“100.123” has more than 2 decimals."
    assert "is in a closed period" in messages[5]
    assert messages[6] == "Unknown vendor “V9”."
    assert messages[7] == "Unknown department “W-XXX”."
    assert messages[8] == "SKU DR-1-RED-M is not in department W-TOP."
    assert messages[9] == f"W-DRS has no approved OTB budget for FY{week.year} M{week.month:02d}."
    assert messages[10] == "Order PO-1 has vendor V1 on row 2: one vendor per order."
    assert messages[11] == "Empty: enter the purchase order number."
    assert messages[12] == "Order at least 1 unit."
    assert result.rows_total == 10
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()


def test_a_department_the_user_does_not_plan_is_refused(
    planner: User, retailer: dict[str, Any], budget: dict[str, Any]
) -> None:
    retailer["tops"].planners.remove(planner)

    result = _apply(planner, _valid(budget["week"]))

    assert {(error.column, error.message) for error in result.errors} == {
        ("department", "You cannot buy for department W-TOP.")
    }
    assert not PurchaseOrder.objects.exists()


def test_an_order_over_otb_rolls_the_whole_file_back(planner: User, budget: dict[str, Any]) -> None:
    week = _label(budget["week"])
    # PO-1: 1,000 x 100.00 = 100,000 fits; PO-2: 200 x 100.00 = 20,000 > the 17,000 left.
    content = _csv(
        f"PO-1,V1,W-TOP,ST-1-BLK-S,DC1,1000,45.00,100.00,{week}",
        f"PO-2,V1,W-TOP,ST-1-BLK-M,DC1,200,45.00,100.00,{week}",
    )

    result = _apply(planner, content)

    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (3, "po_number")
    month = f"FY{budget['week'].year} M{budget['week'].month:02d}"
    assert f"Order PO-2 is over OTB ({month}: $20,000.00 at retail asked, $17,000.00 left)" in error.message
    assert result.orders == []
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()

    # Asking for exceptions: PO-1 released, PO-2 waits for a manager with the 3,000 over.
    result = _apply(planner, content, request_exceptions=True)

    assert [(order.number, order.status) for order in result.orders] == [
        ("PO-1", "released"),
        ("PO-2", "awaiting"),
    ]
    exception = OTBException.objects.get()
    assert (exception.order.number, exception.requested_retail, exception.available_retail) == (
        "PO-2", Decimal("20000.00"), Decimal("17000.00"),
    )  # fmt: skip


def test_an_excel_file_works(planner: User, budget: dict[str, Any]) -> None:
    week = budget["week"]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        [
            "PO Number",
            "Vendor",
            "Department",
            "SKU",
            "Location",
            "Units",
            "Unit cost",
            "Unit retail",
            "Receipt week",
        ]
    )
    sheet.append(["PO-X1", "V1", "W-TOP", "ST-1-BLK-S", "DC1", 12, 45, 99.5, week.start_date])
    sheet.append(["PO-X1", "V1", "W-TOP", "ST-1-BLK-M", "WEB", 8, 45.25, 100, _label(week)])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = _apply(planner, buffer.getvalue(), name="orders.xlsx")

    assert result.errors == []
    assert _lines() == [
        ("PO-X1", "ST-1-BLK-S", "DC1", 12, Decimal("45.00"), Decimal("99.50"), week.pk, "open"),
        ("PO-X1", "ST-1-BLK-M", "WEB", 8, Decimal("45.25"), Decimal("100.00"), week.pk, "open"),
    ]


def test_a_file_without_the_columns_is_refused(planner: User, budget: dict[str, Any]) -> None:
    result = _apply(planner, b"sku;units\nST-1-BLK-S;3\n")

    assert result.errors[0].row == 1
    assert result.errors[0].message.startswith(
        "Missing columns: po_number, vendor, department, location, unit_cost, unit_retail, receipt_week."
    )


# --- the page -----------------------------------------------------------------------------
def _client(user: User, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def _upload(client: Client, content: bytes, **extra: Any) -> Any:
    data = {"file": SimpleUploadedFile("orders.csv", content, content_type="text/csv"), **extra}
    return client.post(URL, data, follow=True)


def test_the_page_imports_and_lists_the_result(planner: User, budget: dict[str, Any]) -> None:
    client = _client(planner)
    page = client.get(URL)
    assert page.status_code == 200
    assert "No purchase order files imported in this session yet." in page.content.decode()

    response = _upload(client, _valid(budget["week"]))

    html = response.content.decode()
    assert response.redirect_chain == [(URL, 302)]
    assert "Imported orders.csv: 2 orders with 3 lines." in html
    assert "PO-1001" in html
    assert "15000.00" in html
    assert PurchaseOrder.objects.count() == 2

    response = _upload(client, _valid(budget["week"]))

    html = response.content.decode()
    assert "orders.csv was rejected: nothing was imported." in html
    assert html.count("exists already") == 3
    assert PurchaseOrder.objects.count() == 2


def test_the_exception_checkbox_reaches_the_import(planner: User, budget: dict[str, Any]) -> None:
    week = _label(budget["week"])
    content = _csv(f"PO-BIG,V1,W-TOP,ST-1-BLK-S,DC1,1500,45.00,100.00,{week}")

    response = _upload(_client(planner), content, request_exceptions="on")

    assert "1 awaiting a manager&#x27;s OTB approval" in response.content.decode()
    assert PurchaseOrder.objects.get().status == PurchaseOrder.Status.AWAITING_APPROVAL


def test_only_planners_managers_and_admins_import(
    executive: User, nobody: User, budget: dict[str, Any]
) -> None:
    assert _client(executive).get(URL).status_code == 403
    assert _upload(_client(nobody), _valid(budget["week"])).status_code == 403
    assert Client().get(URL).status_code == 302
    assert not PurchaseOrder.objects.exists()


def test_the_upload_needs_the_csrf_token(planner: User, budget: dict[str, Any]) -> None:
    client = _client(planner, enforce_csrf_checks=True)
    response = client.post(URL, {"file": SimpleUploadedFile("orders.csv", _valid(budget["week"]))})
    assert response.status_code == 403
    assert not PurchaseOrder.objects.exists()
