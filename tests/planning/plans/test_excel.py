"""Excel export and import of the grid: layout, round trip, all-or-nothing errors, permissions.

The plan "W01 FY2026" covers FY2026 W01..W05 for Tops, one class (W-TOP-TEE), weeks of supply
(WOS: EOP = target x sales), growth 0%, seeded from last year's history (FY2025 W01..W05):

  sales  1,000.00  1,200.00  800.00  600.00  500.00    units 40, 48, 32, 24, 20
  no stock anywhere, so the seeded WOS targets are 0.0 and every EOP is 0.

The sheet (hand-laid): header block rows 1..8, a note on row 9, the table header on row 10;
the TOTAL line first (14 measure rows: 11..24), then W-TOP-TEE (15 rows: 25..39; sales on
25, EOP on 30, received 31, on order 32, target on 34). Columns: A Line, B Measure, C Label,
D..G W01..W04, H "Total Feb", I W05, J "Total Mar", K "Total Q1", L "Total season".
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek, SalesHistory
from planning.plans.excel import CONTENT_TYPE
from planning.plans.services import CellEdit, PlanSpec, plan_cells_update, plan_create

Retailer = dict[str, Any]
D = Decimal

TEES_SALES, TEES_EOP, TEES_TARGET = 25, 30, 34
WEEK_COLUMN = {"2026-W01": "D", "2026-W02": "E", "2026-W03": "F", "2026-W04": "G", "2026-W05": "I"}


@pytest.fixture
def excel_version(retailer: Retailer, planner: User) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    for week, units, retail in (
        (202501, 40, "1000.00"),
        (202502, 48, "1200.00"),
        (202503, 32, "800.00"),
        (202504, 24, "600.00"),
        (202505, 20, "500.00"),
    ):
        SalesHistory.objects.create(
            sku=retailer["sku_s"], location=retailer["store"], fiscal_week_id=week, units=units,
            retail_value=D(retail), cost_value=D(retail) * D("0.4"),
        )  # fmt: skip
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="W01 FY2026",
            department_id=retailer["tops"].pk,
            first_week_id=202601,
            last_week_id=202605,
            method=PlanLine.Method.WOS,
        ),
    )
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def _tees(version: PlanVersion, week_id: int) -> PlanWeek:
    return PlanWeek.objects.get(
        line__version=version, line__merch_class__isnull=False, fiscal_week_id=week_id
    )


def _state(version: PlanVersion) -> list[tuple[Any, ...]]:
    """Every stored value of the version, to show that a refused import changed nothing."""
    return list(
        PlanWeek.objects.filter(line__version=version)
        .order_by("id")
        .values_list("id", "sales", "sales_units", "target", "eop", "receipts", "row_version")
    )


def _export(client: Client, version: PlanVersion) -> Any:
    response = client.get(f"/planning/plans/versions/{version.pk}/export.xlsx")
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


def _upload(client: Client, version: PlanVersion, content: bytes, name: str = "plan.xlsx") -> Any:
    return client.post(
        f"/planning/plans/versions/{version.pk}/import/",
        {"file": SimpleUploadedFile(name, content, content_type=CONTENT_TYPE)},
    )


def _bytes(workbook: Any) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def _cell_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _import_problems(client: Client, version: PlanVersion) -> list[str]:
    """What the version's page shows next to the import form after a refused import: the line
    above the errors table (or the refusal alone), then each problem as "row R, column C: ..."
    (a problem of the whole file: its message). Shown once: the next visit shows nothing."""
    page = client.get(f"/planning/plans/versions/{version.pk}/").content.decode()
    start = page.find('data-testid="excel-import"')
    if start < 0:
        return []
    section = page[start : page.index("</section>", start)]
    error = re.search(r'<p class="form-error" role="alert">(.*?)</p>', section, re.S)
    assert error is not None
    shown = [_cell_text(error[1])]
    for row in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[-1], re.S):
        number, column, message = (_cell_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
        shown.append(message if number == "\u2013" else f"row {number}, column {column}: {message}")
    assert (
        'data-testid="excel-import"'
        not in client.get(f"/planning/plans/versions/{version.pk}/").content.decode()
    )
    return shown


# --- export ---------------------------------------------------------------------------------


def test_export_is_an_xlsx_attachment_named_after_plan_and_version(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)

    response = client.get(f"/planning/plans/versions/{excel_version.pk}/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="W01-FY2026-working-plan.xlsx"'


def test_export_has_the_header_the_week_columns_the_lines_and_the_values(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)

    sheet = _export(client, excel_version).active

    assert sheet.title == "Working plan"
    header = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(1, 9)}
    assert header["Plan"] == "W01 FY2026"
    assert header["Version"] == "Working plan"
    assert header["Department"] == "W-TOP Tops"
    assert header["Scope"] == "Total company"
    assert header["Values version"] == 1
    assert header["Version id"] == excel_version.pk
    assert [cell.value for cell in sheet[10]] == [
        "Line", "Measure", "Label",
        "2026-W01", "2026-W02", "2026-W03", "2026-W04", "Total Feb",
        "2026-W05", "Total Mar", "Total Q1", "Total season",
    ]  # fmt: skip
    codes = [sheet.cell(row, 1).value for row in (11, 24, 25, 39)]
    assert codes == ["TOTAL", "TOTAL", "W-TOP-TEE", "W-TOP-TEE"]
    assert sheet.max_row == 39
    assert [sheet.cell(25, column).value for column in range(2, 4)] == ["sales", "Sales $"]
    assert [sheet.cell(34, column).value for column in range(2, 4)] == ["target", "WOS target"]
    assert [sheet[f"{c}25"].value for c in "DEFGHIJKL"] == [1000, 1200, 800, 600, 3600, 500, 500, 4100, 4100]
    assert [sheet[f"{c}26"].value for c in "DEFGI"] == [40, 48, 32, 24, 20]  # units
    assert [sheet[f"{c}11"].value for c in "DEFGI"] == [1000, 1200, 800, 600, 500]  # the total line
    assert sheet.freeze_panes == "D11"


def test_export_marks_entered_cells_unlocked_yellow_and_the_rest_locked_grey(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)

    sheet = _export(client, excel_version).active

    sales, eop, total_sales, feb = sheet["D25"], sheet["D30"], sheet["D11"], sheet["H25"]
    assert (sales.fill.fgColor.rgb, sales.protection.locked) == ("00FFF2CC", False)
    assert sales.number_format == "#,##0"
    assert (eop.fill.fgColor.rgb, eop.protection.locked) == ("00F2F2F2", True)
    assert total_sales.protection.locked is True  # the plan total is calculated from the lines
    assert (feb.fill.fgColor.rgb, feb.protection.locked) == ("00D9D9D9", True)
    assert sheet["H10"].fill.fgColor.rgb == "00D9D9D9"
    assert sheet["D34"].number_format == "0.00"  # target
    assert sheet["D38"].number_format == "0.0%"  # sell-through
    assert sheet.protection.sheet is True


def test_export_escapes_text_a_spreadsheet_would_run_as_a_formula(
    client: Client, planner: User, retailer: Retailer, excel_version: PlanVersion
) -> None:
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="=HYPERLINK(1)", department_id=retailer["tops"].pk, first_week_id=202601, last_week_id=202602
        ),
    )
    client.force_login(planner)

    sheet = _export(client, plan.versions.get(kind=PlanVersion.Kind.WORKING)).active

    assert sheet["B1"].value == "'=HYPERLINK(1)"
    assert sheet["B1"].data_type == "s"


def test_executive_exports_but_sees_no_import_form(
    client: Client, executive: User, excel_version: PlanVersion
) -> None:
    client.force_login(executive)

    html = client.get(f"/planning/plans/versions/{excel_version.pk}/").content.decode()

    assert f'href="/planning/plans/versions/{excel_version.pk}/export.xlsx"' in html
    assert "/import/" not in html
    assert _export(client, excel_version).active["A25"].value == "W-TOP-TEE"


def test_grid_page_has_the_export_link_and_a_multipart_import_form(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)

    html = client.get(f"/planning/plans/versions/{excel_version.pk}/").content.decode()

    assert f'href="/planning/plans/versions/{excel_version.pk}/export.xlsx"' in html
    assert f'action="/planning/plans/versions/{excel_version.pk}/import/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<input type="file" name="file"' in html


# --- import ---------------------------------------------------------------------------------


def test_round_trip_saves_the_two_changed_cells_audits_them_and_recomputes(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    workbook = _export(client, excel_version)
    sheet = workbook.active
    sheet[f"E{TEES_TARGET}"] = 3  # W02 WOS target 0 -> 3: EOP 3 x 1,200 = 3,600
    sheet[f"G{TEES_SALES}"] = 750.5  # W04 sales 600 -> 750.50
    before_w01 = _tees(excel_version, 202601).row_version

    response = _upload(client, excel_version, _bytes(workbook))

    assert response.status_code == 302
    assert response["Location"] == f"/planning/plans/versions/{excel_version.pk}/"
    assert _messages(response) == [
        ("success", "Imported 2 changed cells on 1 line; the lines are recalculated.")
    ]
    week2, week3, week4 = (_tees(excel_version, week) for week in (202602, 202603, 202604))
    assert week2.target == D("3.000")
    assert week2.eop == D("3600.00")
    assert week2.receipts == D("4800.00")  # EOP - BOP + sales = 3,600 - 0 + 1,200
    assert week3.bop == D("3600.00")
    assert week3.receipts == D("-2800.00")  # 0 - 3,600 + 800
    assert week4.sales == D("750.50")
    assert week4.receipts == D("750.50")  # 0 - 0 + 750.50
    assert _tees(excel_version, 202601).row_version == before_w01
    changes = sorted(
        PlanCellChange.objects.filter(line__version=excel_version).values_list(
            "fiscal_week_id", "measure", "old_value", "new_value", "source", "changed_by"
        )
    )
    assert changes == [
        (202602, "target", D("0"), D("3"), "import", planner.pk),
        (202604, "sales", D("600"), D("750.5"), "import", planner.pk),
    ]
    excel_version.refresh_from_db()
    assert excel_version.values_version == 2


def test_import_with_text_and_a_changed_calculated_cell_lists_every_error_and_changes_nothing(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    workbook = _export(client, excel_version)
    sheet = workbook.active
    sheet[f"D{TEES_SALES}"] = "lots"  # text in an entered cell
    sheet[f"E{TEES_SALES}"] = 1300  # a good change: not saved either (all or nothing)
    sheet[f"F{TEES_EOP}"] = 999  # a calculated cell changed
    sheet[f"I{TEES_TARGET}"] = 200  # WOS target out of range
    sheet["H25"] = 1  # a total column: ignored
    sheet["A39"] = "W-TOP-XXX"  # unknown line
    sheet["B38"] = "magic"  # unknown measure
    before = _state(excel_version)

    response = _upload(client, excel_version, _bytes(workbook))

    assert response.status_code == 302
    assert _messages(response) == []  # a table next to the form, not messages
    assert _import_problems(client, excel_version) == [
        "The import changed nothing: 5 problems in the workbook.",
        "row 25, column D (2026-W01): 'lots' is not a number.",
        "row 30, column F (2026-W03): EOP $ is calculated, not entered; change the entered values instead.",
        "row 34, column I (2026-W05): WOS target must be between 0 and 104.",
        "row 38, column B (Measure): 'magic' is not a measure of W-TOP-TEE.",
        "row 39, column A (Line): unknown line code 'W-TOP-XXX'.",
    ]
    assert _state(excel_version) == before
    assert not PlanCellChange.objects.filter(line__version=excel_version).exists()


def test_import_reads_text_cells_as_the_grid_reads_typing(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    """Text cells go through the grid's parser: "10%" in a $ cell is refused (it was read as
    0.10), a change is refused (an import states values), "$1,300" is 1,300."""
    client.force_login(planner)
    workbook = _export(client, excel_version)
    sheet = workbook.active
    sheet[f"D{TEES_SALES}"] = "10%"
    sheet[f"E{TEES_SALES}"] = "+10%"
    before = _state(excel_version)

    _upload(client, excel_version, _bytes(workbook))

    assert _import_problems(client, excel_version) == [
        "The import changed nothing: 2 problems in the workbook.",
        "row 25, column D (2026-W01): Sales $ takes an amount, not a percentage: type 10 to set "
        "it to 10, or +10% to raise its current value by 10%.",
        "row 25, column E (2026-W02): '+10%' is a change; an import takes the value itself (e.g. 1,250).",
    ]
    assert _state(excel_version) == before
    workbook = _export(client, excel_version)
    workbook.active[f"E{TEES_SALES}"] = "$1,300"

    _upload(client, excel_version, _bytes(workbook))

    assert _tees(excel_version, 202602).sales == D("1300.00")


def test_import_caps_the_listed_errors_at_fifty(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    workbook = _export(client, excel_version)
    sheet = workbook.active
    for row in range(24, 38):  # every week cell of the class line: 14 rows x 5 weeks = 70 errors
        for letter in WEEK_COLUMN.values():
            sheet[f"{letter}{row}"] = "x"

    _upload(client, excel_version, _bytes(workbook))

    shown = _import_problems(client, excel_version)
    assert len(shown) == 52  # the line above the table, 50 problems, the count of the rest
    assert shown[0] == "The import changed nothing: 70 problems in the workbook."
    assert shown[-1] == "… and 20 more problems."


def test_import_of_a_file_that_is_not_xlsx_says_so_and_changes_nothing(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    before = _state(excel_version)

    response = _upload(client, excel_version, b"line,measure\nW-TOP-TEE,sales\n", name="plan.csv")

    assert response.status_code == 302
    assert _import_problems(client, excel_version) == [
        "The file is not an Excel workbook (.xlsx): export the plan again."
    ]
    assert _state(excel_version) == before


def test_import_without_a_file_asks_for_one(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)

    response = client.post(f"/planning/plans/versions/{excel_version.pk}/import/")

    assert response.status_code == 302
    assert _import_problems(client, excel_version) == ["Choose an Excel file (.xlsx) to import."]


def test_import_refuses_a_file_exported_before_a_later_change(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    workbook = _export(client, excel_version)
    workbook.active[f"D{TEES_SALES}"] = 1111
    week = _tees(excel_version, 202602)
    plan_cells_update(
        user=planner,
        version_id=excel_version.pk,
        edits=[CellEdit(week.line_id, 202602, "sales", "1250", week.row_version)],
    )
    before = _state(excel_version)

    _upload(client, excel_version, _bytes(workbook))

    assert _import_problems(client, excel_version) == [
        "The plan changed since this file was exported (values version 1, now 2): nothing was "
        "imported. Export it again and re-enter your changes there, so that no one's newer values "
        "are overwritten."
    ]
    assert _state(excel_version) == before
    assert _tees(excel_version, 202601).sales == D("1000.00")


def test_import_of_another_versions_export_is_refused(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    last_year = PlanVersion.objects.get(plan=excel_version.plan, kind=PlanVersion.Kind.LAST_YEAR)
    workbook = _export(client, last_year)

    _upload(client, excel_version, _bytes(workbook))

    assert _import_problems(client, excel_version) == [
        "The workbook was exported from W01 FY2026 · Last year, not from W01 FY2026 · Working plan: "
        "nothing was imported."
    ]


def test_import_of_an_unchanged_export_changes_nothing(
    client: Client, planner: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    content = client.get(f"/planning/plans/versions/{excel_version.pk}/export.xlsx").content
    before = _state(excel_version)

    response = _upload(client, excel_version, content)

    assert _messages(response) == [("info", "The workbook has the plan's values: nothing to import.")]
    assert _state(excel_version) == before


def test_executive_cannot_import(
    client: Client, planner: User, executive: User, excel_version: PlanVersion
) -> None:
    client.force_login(planner)
    workbook = _export(client, excel_version)
    workbook.active[f"D{TEES_SALES}"] = 1111
    before = _state(excel_version)
    client.force_login(executive)

    response = _upload(client, excel_version, _bytes(workbook))

    assert response.status_code == 403
    assert _state(excel_version) == before


def test_import_needs_post(client: Client, planner: User, excel_version: PlanVersion) -> None:
    client.force_login(planner)

    assert client.get(f"/planning/plans/versions/{excel_version.pk}/import/").status_code == 405


def test_import_needs_the_csrf_token(planner: User, excel_version: PlanVersion) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    content = client.get(f"/planning/plans/versions/{excel_version.pk}/export.xlsx").content

    response = _upload(client, excel_version, content)

    assert response.status_code == 403
