"""Bombs posted to each import page (sales history, purchase orders, a plan's Excel import): the
page answers with the refusal's status and message, which repeats nothing from the file, and
nothing is written or recorded. An ordinary file still imports. (No import has an API upload.)"""

from __future__ import annotations

import html
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from forecasting.models import SalesImport
from otb.models import PurchaseOrder
from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek, SalesHistory
from planning.plans.services import PlanSpec, plan_create
from tests.security import bombs

Retailer = dict[str, Any]
RESAVE = "Copy the data into a new workbook or save it as CSV UTF-8, and import that."
COLUMNS = "Row 1 of sheet 1 has values up to column XFD (16,384 columns); the limit is {} columns."
LONG_CELL = "Cell A1 of sheet 1 holds more than 32,767 characters, the most a cell may hold."
HUGE_ROW = (
    f"Sheet 1 has a row (or data before or after its rows) larger than 2 MB of XML, the limit. {RESAVE}"
)
RATIO = "A part of the workbook expands "
EXPANDED = "The workbook expands to 256.0 MB when opened; the limit is 200 MB"
LONG_FIELD = "A field on line 2 holds more than 32,767 characters, the most a spreadsheet cell may hold."
# bomb, status, the message's start for the sales and purchase order imports, for the plan import
WORKBOOK_BOMBS = {
    "sheet-xml": (
        bombs.sheet_bomb,
        413,
        "A part of the workbook expands ",
        "The workbook expands to 256.0 MB",
    ),
    "shared-strings": (
        bombs.strings_bomb,
        413,
        "A part of the workbook expands ",
        "The workbook expands to 256",
    ),
    "columns": (bombs.wide_row, 422, COLUMNS.format(256), COLUMNS.format("2,000")),
    "long-cell": (bombs.long_cell, 422, LONG_CELL, LONG_CELL),
    "huge-row": (bombs.huge_row, 413, HUGE_ROW, HUGE_ROW),
}
CSV_BOMBS = {
    "rows": (bombs.csv_tall, "The file has more than 1,048,576 lines; split the file and import the parts"),
    "columns": (bombs.csv_wide, "Line 2 has 300 columns; the limit is 256 columns."),
    "long-field": (bombs.csv_long_field, LONG_FIELD),
    "huge-field": (bombs.csv_huge_field, LONG_FIELD),
}


@pytest.fixture
def importer(retailer: Retailer, planner: User) -> Client:
    retailer["tops"].planners.add(planner)
    client = Client()
    client.force_login(planner)
    return client


def _post(client: Client, url: str, content: bytes, name: str) -> Any:
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def _page_error(response: Any) -> str:
    """The refusal shown under the form (role=alert), unescaped."""
    page: str = response.content.decode()
    start = page.index('<p class="form-error" role="alert">')
    return html.unescape(page[start : page.index("</p>", start)].split(">", 1)[1]).strip()


def _assert_refused_on_the_page(response: Any, status: int, message: str) -> None:
    assert response.status_code == status
    assert _page_error(response).startswith(f"Nothing was imported: {message}")
    assert bombs.SECRET not in response.content.decode()


# --- sales history -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(WORKBOOK_BOMBS))
def test_a_workbook_bomb_posted_to_the_sales_import_is_refused(importer: Client, kind: str) -> None:
    bomb, status, message, _ = WORKBOOK_BOMBS[kind]

    response = _post(importer, reverse("forecasting:imports"), bomb(), "sales.xlsx")

    _assert_refused_on_the_page(response, status, message)
    assert SalesImport.objects.count() == SalesHistory.objects.count() == 0


@pytest.mark.parametrize("kind", list(CSV_BOMBS))
def test_a_csv_bomb_posted_to_the_sales_import_is_refused(importer: Client, kind: str) -> None:
    bomb, message = CSV_BOMBS[kind]

    response = _post(importer, reverse("forecasting:imports"), bomb(), "sales.csv")

    _assert_refused_on_the_page(response, 422, message)
    assert SalesImport.objects.count() == SalesHistory.objects.count() == 0


@pytest.mark.parametrize("name", ["sales.csv", "sales.xlsx"])
def test_an_ordinary_sales_file_still_imports(importer: Client, name: str) -> None:
    rows: list[list[Any]] = [
        ["sku", "location", "week", "units", "retail"],
        ["ST-1-BLK-S", "S001", "2024-W01", 3, 72],
    ]
    if name.endswith(".csv"):
        content = "\n".join(",".join(map(str, row)) for row in rows).encode()
    else:
        book = Workbook()
        sheet: Any = book.active
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()

    response = _post(importer, reverse("forecasting:imports"), content, name)

    assert response.status_code == 302
    assert list(SalesImport.objects.values_list("status", "rows_inserted")) == [("applied", 1)]
    assert list(SalesHistory.objects.values_list("units", flat=True)) == [3]


# --- purchase orders ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(WORKBOOK_BOMBS))
def test_a_workbook_bomb_posted_to_the_purchase_order_import_is_refused(importer: Client, kind: str) -> None:
    bomb, status, message, _ = WORKBOOK_BOMBS[kind]

    response = _post(importer, reverse("otb:po-import"), bomb(), "orders.xlsx")

    _assert_refused_on_the_page(response, status, message)
    assert PurchaseOrder.objects.count() == 0
    assert "otb_po_imports" not in importer.session


@pytest.mark.parametrize("kind", list(CSV_BOMBS))
def test_a_csv_bomb_posted_to_the_purchase_order_import_is_refused(importer: Client, kind: str) -> None:
    bomb, message = CSV_BOMBS[kind]

    response = _post(importer, reverse("otb:po-import"), bomb(), "orders.csv")

    _assert_refused_on_the_page(response, 422, message)
    assert PurchaseOrder.objects.count() == 0
    assert "otb_po_imports" not in importer.session


# --- a plan's Excel import ---------------------------------------------------------------------
@pytest.fixture
def version(retailer: Retailer, planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    spec = PlanSpec(
        name="W01 FY2026",
        department_id=retailer["tops"].pk,
        first_week_id=202601,
        last_week_id=202605,
        method=PlanLine.Method.WOS,
    )
    return plan_create(user=planner, spec=spec).versions.get(kind=PlanVersion.Kind.WORKING)


def _plan_state(version: PlanVersion) -> list[tuple[Any, ...]]:
    weeks = PlanWeek.objects.filter(line__version=version).order_by("id")
    return list(weeks.values_list("id", "sales", "target", "eop", "receipts", "row_version"))


@pytest.mark.parametrize("kind", list(WORKBOOK_BOMBS))
def test_a_workbook_bomb_posted_to_the_plan_import_is_refused(
    importer: Client, version: PlanVersion, kind: str
) -> None:
    bomb, _, _, message = WORKBOOK_BOMBS[kind]
    before = _plan_state(version)
    url = reverse("planning:plan-import", args=[version.pk])

    response = _post(importer, url, bomb(), "plan.xlsx")

    assert response.status_code == 302
    assert response["Location"] == reverse("planning:plan-version", args=[version.pk])
    assert list(get_messages(response.wsgi_request)) == []  # shown next to the form, not as a message
    page = importer.get(response["Location"])
    assert _page_error(page).startswith(f"Nothing was imported: {message}")
    assert bombs.SECRET not in page.content.decode()
    assert _plan_state(version) == before
    assert not PlanCellChange.objects.filter(source=PlanCellChange.Source.IMPORT).exists()
