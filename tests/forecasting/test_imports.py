"""Sales history import (`forecasting.imports.sales_import_apply`): parsing, checks, all or nothing.

The `retailer` fixture has one style-color (unit cost 9.60, retail 24.00) with SKUs ST-1-BLK-S
and ST-1-BLK-M, and the locations S001 (store), WEB and DC1. Fiscal weeks (NRF 4-5-4):
FY2024 W01 = 2024-02-04..2024-02-10, W02 = 2024-02-11..02-17; FY2025 W14 = 2025-05-04..05-10.
Costs left out of a file are units x 9.60: 3 units -> 28.80, 2 -> 19.20, 5 -> 48.00.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from core.audit import audit_for
from core.imports import UploadRefusedError
from forecasting import imports
from forecasting.imports import SALES_ROW_CHANGE, sales_import_apply
from forecasting.models import SalesImport
from planning import calendar
from planning.models import SalesHistory

D = Decimal
Retailer = dict[str, Any]

VALID = b"""SKU,Location,Week,Units,Retail $
ST-1-BLK-S,S001,2024-W01,3,72.00
ST-1-BLK-S,WEB,202401,2,45.50
ST-1-BLK-M,S001,2024-02-14,5,120
"""
VALID_ROWS = [
    ("ST-1-BLK-M", "S001", 202402, 5, D("120.00"), D("48.00"), D("0.00")),
    ("ST-1-BLK-S", "S001", 202401, 3, D("72.00"), D("28.80"), D("0.00")),
    ("ST-1-BLK-S", "WEB", 202401, 2, D("45.50"), D("19.20"), D("0.00")),
]


@pytest.fixture(autouse=True)
def _planners_plan_tops(retailer: Retailer, planner: User, manager: User) -> None:
    """Imports write only departments the importer plans: these users plan the SKUs' one."""
    retailer["tops"].planners.add(planner, manager)


def _rows() -> list[tuple[Any, ...]]:
    """Every stored sales row, readable and in a fixed order."""
    return list(
        SalesHistory.objects.order_by("sku__code", "location__code", "fiscal_week_id").values_list(
            "sku__code",
            "location__code",
            "fiscal_week_id",
            "units",
            "retail_value",
            "cost_value",
            "markdown_value",
        )
    )


def _counts(record: SalesImport) -> tuple[str, int, int, int, int]:
    return record.status, record.rows_total, record.rows_inserted, record.rows_updated, record.rows_unchanged


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet: Any = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_valid_csv_inserts_exact_rows(retailer: Retailer, planner: User) -> None:
    record = sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    assert _counts(record) == ("applied", 3, 3, 0, 0)
    assert record.errors == []
    assert record.uploaded_by == planner
    assert _rows() == VALID_ROWS
    assert set(SalesHistory.objects.values_list("is_promotion", flat=True)) == {False}


def test_sha256_is_the_files(retailer: Retailer, planner: User) -> None:
    record = sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    assert record.sha256 == hashlib.sha256(VALID).hexdigest()


def test_same_file_again_changes_nothing(retailer: Retailer, planner: User) -> None:
    sales_import_apply(user=planner, file_name="sales.csv", content=VALID)
    ids_before = sorted(SalesHistory.objects.values_list("id", flat=True))

    again = sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    assert _counts(again) == ("applied", 3, 0, 0, 3)
    assert _rows() == VALID_ROWS
    assert sorted(SalesHistory.objects.values_list("id", flat=True)) == ids_before
    assert SalesImport.objects.count() == 2


def test_changed_value_updates_only_that_row(retailer: Retailer, planner: User) -> None:
    sales_import_apply(user=planner, file_name="sales.csv", content=VALID)
    changed = VALID.replace(b"ST-1-BLK-S,WEB,202401,2,45.50", b"ST-1-BLK-S,WEB,202401,2,44.00")
    new_row = b"ST-1-BLK-M,WEB,2024-W02,1,24.00\n"

    record = sales_import_apply(user=planner, file_name="sales-fixed.csv", content=changed + new_row)

    assert _counts(record) == ("applied", 4, 1, 1, 2)
    assert _rows() == [
        ("ST-1-BLK-M", "S001", 202402, 5, D("120.00"), D("48.00"), D("0.00")),
        ("ST-1-BLK-M", "WEB", 202402, 1, D("24.00"), D("9.60"), D("0.00")),
        ("ST-1-BLK-S", "S001", 202401, 3, D("72.00"), D("28.80"), D("0.00")),
        ("ST-1-BLK-S", "WEB", 202401, 2, D("44.00"), D("19.20"), D("0.00")),
    ]


def test_stored_rows_not_in_the_file_are_kept(retailer: Retailer, planner: User) -> None:
    SalesHistory.objects.create(
        sku=retailer["sku_m"], location=retailer["web"], fiscal_week_id=202310, units=7,
        retail_value=D("168.00"), cost_value=D("67.20"), is_promotion=True,
    )  # fmt: skip

    sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    assert ("ST-1-BLK-M", "WEB", 202310, 7, D("168.00"), D("67.20"), D("0.00")) in _rows()
    assert SalesHistory.objects.get(fiscal_week_id=202310).is_promotion is True


def test_cost_and_markdown_columns_blank_cells_take_the_defaults(retailer: Retailer, planner: User) -> None:
    content = b"""sku,location,week,units,retail,cost,markdown
ST-1-BLK-S,S001,2024-W01,3,72.00,30.15,6.00
ST-1-BLK-S,WEB,2024-W01,2,45.50,,
ST-1-BLK-M,S001,2024-W01,0,0,0,0
"""
    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert _counts(record) == ("applied", 3, 3, 0, 0)
    assert _rows() == [
        ("ST-1-BLK-M", "S001", 202401, 0, D("0.00"), D("0.00"), D("0.00")),
        ("ST-1-BLK-S", "S001", 202401, 3, D("72.00"), D("30.15"), D("6.00")),
        ("ST-1-BLK-S", "WEB", 202401, 2, D("45.50"), D("19.20"), D("0.00")),
    ]


def test_bad_rows_reject_the_file_list_every_error_and_write_nothing(
    retailer: Retailer, planner: User
) -> None:
    SalesHistory.objects.create(
        sku=retailer["sku_s"], location=retailer["store"], fiscal_week_id=202401, units=1,
        retail_value=D("24.00"), cost_value=D("9.60"),
    )  # fmt: skip
    before = _rows()
    content = b"""sku,location,week,units,retail
ST-1-BLK-S,S001,2024-W01,3,72.00
NOPE,S001,2024-W01,1,10

ST-1-BLK-S,X9,2024-W02,1,10
ST-1-BLK-S,S001,2024-W99,1,10
ST-1-BLK-S,S001,2024-W03,-2,10.123
ST-1-BLK-M,WEB,2024-W04,2.5,abc
st-1-blk-s,s001,2024-02-07,4,96.00
ST-1-BLK-M,S001,,1,
ST-1-BLK-M,DC1,2024-W05,1,"1,024.50"
"""
    record = sales_import_apply(user=planner, file_name="bad.csv", content=content)

    assert _counts(record) == ("rejected", 9, 0, 0, 0)
    assert record.errors == [
        {"row": 3, "column": "sku", "message": "Unknown SKU “NOPE”."},
        {"row": 5, "column": "location", "message": "Unknown location “X9”."},
        {"row": 6, "column": "week", "message": "Week 2024-W99 is not in the fiscal calendar."},
        {"row": 7, "column": "units", "message": "“-2” is negative: units sold cannot be below 0."},
        {"row": 7, "column": "retail", "message": "“10.123” has more than 2 decimals."},
        {"row": 8, "column": "units", "message": "“2.5” is not a whole number of units."},
        {"row": 8, "column": "retail", "message": "“abc” is not a number."},
        {"row": 9, "column": "sku / location / week", "message": "Same SKU, location and week as row 2."},
        {
            "row": 10,
            "column": "week",
            "message": "Empty: enter a week such as 2025-W14, 202514 or a date such as 2025-05-04.",
        },
        {"row": 10, "column": "retail", "message": "Empty: enter the amount (0 for none)."},
    ]
    assert _rows() == before


def test_xlsx_with_numbers_dates_and_float_noise(retailer: Retailer, planner: User) -> None:
    content = _xlsx(
        [
            ["SKU", "Location", "Week", "Units", "Retail $", "Cost"],
            ["ST-1-BLK-S", "S001", 202401, 3, 72, 28.8],
            [],
            ["ST-1-BLK-M", "WEB", datetime(2024, 2, 14), 2, 48.5, None],
            ["ST-1-BLK-M", "S001", "2024-W03", 1.0, 24.000000000000004, None],
        ]
    )
    record = sales_import_apply(user=planner, file_name="sales.xlsx", content=content)

    assert _counts(record) == ("applied", 3, 3, 0, 0)
    assert _rows() == [
        ("ST-1-BLK-M", "S001", 202403, 1, D("24.00"), D("9.60"), D("0.00")),
        ("ST-1-BLK-M", "WEB", 202402, 2, D("48.50"), D("19.20"), D("0.00")),
        ("ST-1-BLK-S", "S001", 202401, 3, D("72.00"), D("28.80"), D("0.00")),
    ]


def test_xlsx_errors_give_the_sheet_row(retailer: Retailer, planner: User) -> None:
    content = _xlsx(
        [
            [],
            ["sku", "location", "week", "units", "sales_retail"],
            ["ST-1-BLK-S", "S001", 202401, 3, 72],
            [],
            ["ST-1-BLK-S", "S001", date(2024, 2, 12), 3, 12.345],
            ["ST-1-BLK-S", "S001", True, "x", "12"],
        ]
    )
    record = sales_import_apply(user=planner, file_name="sales.xlsx", content=content)

    assert _counts(record) == ("rejected", 3, 0, 0, 0)
    assert record.errors == [
        {"row": 5, "column": "sales_retail", "message": "“12.345” has more than 2 decimals."},
        {
            "row": 6,
            "column": "week",
            "message": "“True” is not a week: write 2025-W14, 202514 or a date such as 2025-05-04.",
        },
        {"row": 6, "column": "units", "message": "“x” is not a number."},
    ]
    assert SalesHistory.objects.count() == 0


def test_semicolon_csv_with_bom_and_decimal_commas(retailer: Retailer, planner: User) -> None:
    content = "\ufeffsku;location;week;units;retail_value;markdown\r\n".encode() + (
        b"ST-1-BLK-S;S001;2024-W01;3;72,00;1,50\r\nST-1-BLK-S;WEB;2024-W01;2;1.045,50;0\r\n"
    )
    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert _counts(record) == ("applied", 2, 2, 0, 0)
    assert _rows() == [
        ("ST-1-BLK-S", "S001", 202401, 3, D("72.00"), D("28.80"), D("1.50")),
        ("ST-1-BLK-S", "WEB", 202401, 2, D("1045.50"), D("19.20"), D("0.00")),
    ]


def test_week_as_any_date_of_the_fiscal_week(retailer: Retailer, planner: User) -> None:
    # FY2025 W14 runs Sunday 2025-05-04 to Saturday 2025-05-10; 2025-05-11 is W15.
    content = b"""sku,location,week,units,retail
ST-1-BLK-S,S001,2025-05-04,1,24.00
ST-1-BLK-S,WEB,2025-05-10,1,24.00
ST-1-BLK-M,S001,2025-05-11T00:00:00,1,24.00
"""
    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert _counts(record) == ("applied", 3, 3, 0, 0)
    assert [row[:3] for row in _rows()] == [
        ("ST-1-BLK-M", "S001", 202515),
        ("ST-1-BLK-S", "S001", 202514),
        ("ST-1-BLK-S", "WEB", 202514),
    ]


def test_week_not_yet_closed_is_rejected(retailer: Retailer, planner: User) -> None:
    current = calendar.fiscal_week_of(timezone.localdate())
    content = f"sku,location,week,units,retail\nST-1-BLK-S,S001,{current.year}-W{current.week:02d},1,24\n"

    record = sales_import_apply(user=planner, file_name="sales.csv", content=content.encode())

    assert record.status == "rejected"
    assert record.errors == [
        {
            "row": 2,
            "column": "week",
            "message": f"Week {current.year}-W{current.week:02d} is not over yet (it ends "
            f"{current.end:%Y-%m-%d}): only closed weeks can be imported.",
        }
    ]
    assert SalesHistory.objects.count() == 0


def test_a_week_is_closed_the_day_after_it_ends(retailer: Retailer, planner: User) -> None:
    content = b"sku,location,week,units,retail\nST-1-BLK-S,S001,2024-W01,1,24\n"  # ends Sat 2024-02-10

    on_last_day = sales_import_apply(
        user=planner, file_name="a.csv", content=content, today=date(2024, 2, 10)
    )
    next_day = sales_import_apply(user=planner, file_name="a.csv", content=content, today=date(2024, 2, 11))

    assert on_last_day.errors[0]["message"].startswith("Week 2024-W01 is not over yet (it ends 2024-02-10)")
    assert _counts(next_day) == ("applied", 1, 1, 0, 0)


def test_duplicate_rows_in_the_file(retailer: Retailer, planner: User) -> None:
    content = b"""sku,location,week,units,retail
ST-1-BLK-S,S001,2024-W01,3,72.00
ST-1-BLK-S,S001,2024-W02,3,72.00
ST-1-BLK-S,S001,202401,1,24.00
ST-1-BLK-S,S001,2024-02-04,2,48.00
"""
    record = sales_import_apply(user=planner, file_name="dup.csv", content=content)

    assert record.status == "rejected"
    assert record.errors == [
        {"row": 4, "column": "sku / location / week", "message": "Same SKU, location and week as row 2."},
        {"row": 5, "column": "sku / location / week", "message": "Same SKU, location and week as row 2."},
    ]
    assert SalesHistory.objects.count() == 0


def test_missing_columns_is_one_file_error(retailer: Retailer, planner: User) -> None:
    content = b"sku,store,week,qty\nST-1-BLK-S,S001,2024-W01,3\n"

    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert _counts(record) == ("rejected", 0, 0, 0, 0)
    assert record.errors == [
        {
            "row": 1,
            "column": "",
            "message": "Missing column: retail. The header row must name sku, location, week, units and "
            "retail (cost and markdown are optional); found “sku”, “store”, “week”, “qty”.",
        }
    ]


def test_two_columns_for_the_same_field(retailer: Retailer, planner: User) -> None:
    content = b"sku,location,week,units,retail,Retail $\nST-1-BLK-S,S001,2024-W01,3,72,72\n"

    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert record.errors == [
        {"row": 1, "column": "", "message": "The columns “retail” and “Retail $” both give retail: keep one."}
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
        (b"sku,location,week,units,retail\n\n", "The file has a header row but no sales rows."),
        (b"\xd0\xcf\x11\xe0rest", "This is an old Excel file (.xls): save it as .xlsx or as CSV UTF-8."),
        (b"PK\x03\x04broken", "The file is not a readable Excel workbook (.xlsx)."),
        (
            b"sku,location\n\xff\xfe",
            "The file is not UTF-8 text (byte 14): save it as “CSV UTF-8” or as .xlsx.",
        ),
    ],
)
def test_unreadable_or_empty_files_are_rejected(
    retailer: Retailer, planner: User, content: bytes, message: str
) -> None:
    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert record.status == "rejected"
    assert [error["message"] for error in record.errors] == [message]
    assert SalesHistory.objects.count() == 0


def test_file_over_the_cap_raises_and_records_nothing(
    retailer: Retailer, planner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "LIMITS", replace(imports.LIMITS, max_bytes=len(VALID) - 1))

    message = f"The file is {len(VALID)} bytes; the limit is {len(VALID) - 1} bytes: split"
    with pytest.raises(UploadRefusedError, match=message) as refused:
        sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    assert refused.value.status == 413
    assert SalesImport.objects.count() == 0


def test_only_the_first_200_errors_are_stored(retailer: Retailer, planner: User) -> None:
    content = b"sku,location,week,units,retail\n" + b"NOPE,S001,2024-W01,1,24\n" * 250

    record = sales_import_apply(user=planner, file_name="sales.csv", content=content)

    assert len(record.errors) == 201
    assert record.errors[0] == {"row": 2, "column": "sku", "message": "Unknown SKU “NOPE”."}
    assert record.errors[199]["row"] == 201
    assert record.errors[200] == {"row": None, "column": "", "message": "… and 50 more problems."}


def test_queries_do_not_grow_with_the_rows(retailer: Retailer, planner: User) -> None:
    weeks = [week.key for week in calendar.iter_weeks(2022, 2023)]  # 52 + 53 weeks: 630 rows
    lines = [
        f"{sku},{location},{week},1,24.00"
        for sku in ("ST-1-BLK-S", "ST-1-BLK-M")
        for location in ("S001", "WEB", "DC1")
        for week in weeks
    ]
    big = ("sku,location,week,units,retail\n" + "\n".join(lines)).encode()
    assert _counts(sales_import_apply(user=planner, file_name="big.csv", content=big)) == (
        "applied",
        630,
        630,
        0,
        0,
    )
    sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    with CaptureQueriesContext(connection) as small_run:
        sales_import_apply(user=planner, file_name="sales.csv", content=VALID)
    with CaptureQueriesContext(connection) as big_run:
        record = sales_import_apply(user=planner, file_name="big.csv", content=big)

    assert _counts(record) == ("applied", 630, 0, 0, 630)
    # Departments the user plans, SKUs, locations, weeks, savepoint, (PostgreSQL: the import
    # lock), the record, stored rows, the record's counts, release
    expected = 9 + (connection.vendor == "postgresql")
    assert len(small_run.captured_queries) == len(big_run.captured_queries) == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers by itself")
def test_two_imports_of_the_same_new_file_at_once_do_not_collide(retailer: Retailer, planner: User) -> None:
    results: list[SalesImport] = []
    start = threading.Barrier(2)

    def upload() -> None:
        try:
            start.wait()
            results.append(sales_import_apply(user=planner, file_name="sales.csv", content=VALID))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(_counts(record) for record in results) == [("applied", 3, 0, 0, 3), ("applied", 3, 3, 0, 0)]
    assert _rows() == VALID_ROWS


def test_rows_of_departments_the_importer_does_not_plan_are_refused(
    retailer: Retailer, planner: User
) -> None:
    retailer["tops"].planners.remove(planner)

    record = sales_import_apply(user=planner, file_name="sales.csv", content=VALID)

    assert record.status == SalesImport.Status.REJECTED
    assert {error["message"] for error in record.errors} == {
        "SKU “ST-1-BLK-S” belongs to a department you do not plan.",
        "SKU “ST-1-BLK-M” belongs to a department you do not plan.",
    }
    assert SalesHistory.objects.count() == 0


def test_changed_rows_keep_their_old_values_in_the_audit(retailer: Retailer, planner: User) -> None:
    first = sales_import_apply(user=planner, file_name="sales.csv", content=VALID)
    lines = VALID.decode().splitlines()
    changed = "\n".join([lines[0], lines[1].replace(",3,", ",5,").replace(",72.00", ",120.00"), *lines[2:]])
    second = sales_import_apply(user=planner, file_name="fixed.csv", content=changed.encode())

    assert (second.rows_updated, second.rows_inserted) == (1, 0)
    assert not audit_for(first).exists()
    change = audit_for(second, actions=SALES_ROW_CHANGE).get()
    assert change.user == planner
    assert change.old is not None
    assert change.new is not None
    assert (change.old["units"], change.new["units"]) == (3, 5)
    assert (change.old["retail"], change.new["retail"]) == ("72.00", "120.00")
    assert (Decimal(change.old["retail"]), Decimal(change.new["retail"])) == (
        Decimal("72.00"),
        Decimal("120.00"),
    )
