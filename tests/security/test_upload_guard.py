"""The upload guard (`core.imports`): bombs and hostile workbooks are refused with their status
and a message that repeats nothing from the file; workbooks as Excel, openpyxl and the Open XML
SDK write them, and plain CSV, are read as before."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core import imports
from core.imports import TABLE_IMPORT, Limits, UploadRefusedError
from core.imports.sheet_scan import SCAN_CHUNK
from planning.plans.excel_import import PLAN_WORKBOOK
from tests.security import bombs
from tests.security.bombs import MAIN, SECRET, sheet_xml, workbook

RATIO = "real workbooks expand at most 100 times"
NOT_ORDINARY = "The workbook is not saved the way spreadsheet programs save an Excel workbook"


def _refused(content: bytes, limits: Limits = TABLE_IMPORT) -> UploadRefusedError:
    with pytest.raises(UploadRefusedError) as refused:
        imports.workbook_rows(content, limits)
    assert SECRET not in str(refused.value)
    return refused.value


def _rows(content: bytes, limits: Limits = TABLE_IMPORT) -> list[tuple[Any, ...]]:
    sheets = imports.workbook_rows(content, limits)
    assert len(sheets) == 1
    return sheets[0].rows


def _openpyxl(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- bombs ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bomb", "limits", "status", "message"),
    [
        (bombs.sheet_bomb, TABLE_IMPORT, 413, "A part of the workbook expands "),
        (bombs.sheet_bomb, PLAN_WORKBOOK, 413, "The workbook expands to 256.0 MB when opened; the limit is "
         "200 MB"),
        (bombs.strings_bomb, TABLE_IMPORT, 413, "A part of the workbook expands "),
        (bombs.wide_row, TABLE_IMPORT, 422, "Row 1 of sheet 1 has values up to column XFD (16,384 columns); "
         "the limit is 256 columns."),
        (bombs.wide_row, PLAN_WORKBOOK, 422, "Row 1 of sheet 1 has values up to column XFD (16,384 columns); "
         "the limit is 2,000 columns."),
        (bombs.long_cell, TABLE_IMPORT, 422, "Cell A1 of sheet 1 holds more than 32,767 characters, the most "
         "a cell may hold."),
        (bombs.huge_row, PLAN_WORKBOOK, 413, "Sheet 1 has a row (or data before or after its rows) larger "
         "than 2 MB of XML, the limit."),
    ],
    ids=["sheet-xml", "sheet-xml-plan", "shared-strings", "columns", "columns-plan", "long-cell", "huge-row"],
)  # fmt: skip
def test_a_bomb_is_refused_with_its_status_and_a_message_of_figures_only(
    bomb: Callable[[], bytes], limits: Limits, status: int, message: str
) -> None:
    refused = _refused(bomb(), limits)

    assert refused.status == status
    assert str(refused).startswith(message)


def test_the_ratio_message_gives_the_ratio_and_the_expanded_size() -> None:
    message = str(_refused(bombs.sheet_bomb()))

    found = re.fullmatch(
        r"A part of the workbook expands ([\d,]+) times when opened \(to 256.0 MB\); real workbooks expand "
        r"at most 100 times. Copy the data into a new workbook or save it as CSV UTF-8, and import that.",
        message,
    )
    assert found is not None, message
    assert int(found.group(1).replace(",", "")) > 250


def test_rows_past_the_limit_are_refused_by_the_scan_of_the_sheet() -> None:
    refused = _refused(bombs.tall_sheet(200_001), PLAN_WORKBOOK)

    assert (refused.status, str(refused)) == (
        422,
        "Sheet 1 has more than 200,000 rows; split the file and import the parts one by one.",
    )
    assert len(_rows(bombs.tall_sheet(1_000), PLAN_WORKBOOK)) == 1_000


def test_expanded_size_cells_and_rows_follow_the_import_s_limits() -> None:
    content = bombs.tall_sheet(20_000)  # about 1 MB of XML
    small = replace(TABLE_IMPORT, max_expanded_bytes=512 * 1024)

    assert str(_refused(content, small)).startswith(
        "The workbook expands to 1.1 MB when opened; the limit is 512 KB"
    )
    assert str(_refused(content, replace(TABLE_IMPORT, max_cells=19_999))).startswith(
        "The file has more than 19,999 cells, the limit."
    )
    assert str(_refused(content, replace(TABLE_IMPORT, max_rows=19_999))) == (
        "Sheet 1 has more than 19,999 rows; split the file and import the parts one by one."
    )


def test_a_sheet_listed_twice_counts_twice() -> None:
    twice = bombs.WORKBOOK.replace(
        '<sheet name="{title}" sheetId="1" r:id="rId1"/>',
        '<sheet name="A" sheetId="1" r:id="rId1"/><sheet name="B" sheetId="2" r:id="rId1"/>',
    )
    content = workbook(sheet_xml([b"<row/>"] * 30_000), extra={"xl/workbook.xml": twice.encode()})
    one_sheet = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml").file_size

    refused = _refused(content, replace(TABLE_IMPORT, max_expanded_bytes=one_sheet * 3 // 2))

    assert str(refused).startswith("The workbook expands to ")


def test_too_many_parts_and_other_compressions_are_refused() -> None:
    many = {f"xl/media/{number}.bin": b"" for number in range(1_001)}

    assert str(_refused(workbook(sheet_xml([]), extra=many))) == (
        "The workbook has more than 1,000 parts. Copy the data into a new workbook or save it as CSV "
        "UTF-8, and import that."
    )
    assert str(_refused(workbook(sheet_xml([]), compression=zipfile.ZIP_BZIP2))).startswith(
        "The workbook is compressed in a way Excel does not write."
    )


# --- what openpyxl would not stream -----------------------------------------------------------
@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ([b"<row><c><v>1</v></c></row>", b"<x/>", b"<row/>"], "Sheet 1 has data between its rows"),
        ([b"<row><c><v>1</v></c></row>", b"<!-- <row> -->", b"<row/>"], "Sheet 1 holds XML that spreadsheet"),
        ([b"<row/><![CDATA[</row><row>]]><row/>"], "Sheet 1 holds XML that spreadsheet programs"),
        ([b"<row/><?pi x?><row/>"], "Sheet 1 holds XML that spreadsheet programs"),
        ([b'<row xmlns="urn:other"><c><v>1</v></c></row>', b"<row/>"], NOT_ORDINARY),
    ],
    ids=["markup-between-rows", "comment", "cdata", "instruction", "row-in-another-namespace"],
)
def test_markup_that_openpyxl_would_keep_in_memory_is_refused(sheet: list[bytes], message: str) -> None:
    assert str(_refused(workbook(sheet_xml(sheet)))).startswith(message)


@pytest.mark.parametrize(
    "start",
    [
        '<?xml version="1.0"?><worksheet xmlns="urn:other"><sheetData>',  # rows in another namespace
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData xmlns="urn:other">',  # rebound
        f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet xmlns="{MAIN}"><sheetData>',
        f'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet xmlns="{MAIN}"><sheetData>',
        f'<?xml version="1.0"?><!-- before --><worksheet xmlns="{MAIN}"><sheetData>',
    ],
    ids=["other-namespace", "namespace-rebound", "doctype", "other-encoding", "comment-first"],
)
def test_a_sheet_that_is_not_an_ordinary_workbook_sheet_is_refused(start: str) -> None:
    content = workbook(sheet_xml([b"<row><c><v>1</v></c></row>"], start=start))

    assert str(_refused(content)).startswith(NOT_ORDINARY)


def test_a_sheet_in_utf_16_is_refused() -> None:
    xml = f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{MAIN}"><sheetData/></worksheet>'

    assert str(_refused(workbook([xml.encode("utf-16")]))).startswith(NOT_ORDINARY)


def test_a_doctype_in_a_part_read_whole_is_refused() -> None:
    styles = (
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="&b;"/></numFmts>'
        "</styleSheet>"
    )

    refused = _refused(workbook(sheet_xml([b"<row/>"]), extra={"xl/styles.xml": styles.encode()}))

    assert str(refused).startswith(NOT_ORDINARY)


def test_a_large_part_read_whole_is_refused() -> None:
    styles = f'<styleSheet xmlns="{MAIN}">'.encode() + b" " * (11 * imports.MB) + b"</styleSheet>"
    content = workbook(
        sheet_xml([b"<row/>"]), extra={"xl/styles.xml": styles}, compression=zipfile.ZIP_STORED
    )

    refused = _refused(content)

    assert refused.status == 413
    assert str(refused) == (
        "A part of the workbook other than its sheets (its texts, styles or index) expands to 11.0 MB; the "
        "limit is 10 MB. Copy the data into a new workbook or save it as CSV UTF-8, and import that."
    )


def test_a_broken_archive_is_unreadable_not_refused() -> None:
    content = _openpyxl([["sku"]])
    with pytest.raises(imports.UnreadableWorkbookError):
        imports.workbook_rows(content[: len(content) // 2], TABLE_IMPORT)
    with pytest.raises(imports.UnreadableWorkbookError):
        imports.workbook_rows(b"PK\x03\x04broken", TABLE_IMPORT)


# --- ordinary workbooks --------------------------------------------------------------------------
def test_a_workbook_written_by_openpyxl_reads_as_written() -> None:
    rows: list[list[Any]] = [
        ["sku", "units", "retail"],
        ["ST-1-BLK-S", 12, 288.5],
        [],
        ["ST-1-BLK-M", 3, None],
    ]

    assert _rows(_openpyxl(rows)) == [
        ("sku", "units", "retail"),
        ("ST-1-BLK-S", 12, 288.5),
        (),
        ("ST-1-BLK-M", 3),
    ]


EXCEL_SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
<worksheet xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" \
xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" \
xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" \
xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" \
xr:uid="{{00000000-0001-0000-0000-000000000000}}"><dimension ref="A1:B3"/><sheetViews>\
<sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15" \
x14ac:dyDescent="0.25"/><cols><col min="1" max="1" width="12.7109375" customWidth="1"/></cols><sheetData>\
<row r="1" spans="1:2" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>\
<row r="2" spans="1:2" x14ac:dyDescent="0.25"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>12.5</v></c></row>\
<row r="3" ht="20.25" customHeight="1" x14ac:dyDescent="0.3"/>\
<row r="4" spans="1:2"><c r="B4"><v>3</v></c></row></sheetData><pageMargins left="0.7" right="0.7" \
top="0.75" bottom="0.75" header="0.3" footer="0.3"/><extLst>\
<ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings/>\
</ext></extLst></worksheet>"""
EXCEL_STRINGS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>sku</t></si><si><t>units</t></si>\
<si><t>ST-1</t></si></sst>"""


@pytest.mark.filterwarnings("ignore:.*extension is not supported and will be removed")
def test_a_sheet_as_excel_writes_it_reads_as_written() -> None:
    """Excel's namespaces and revision ids on the root, a formatted empty row (<row .../>), and
    extensions declaring namespaces after the last row."""
    content = workbook([EXCEL_SHEET.encode()], strings=[EXCEL_STRINGS.encode()])

    assert _rows(content) == [("sku", "units"), ("ST-1", 12.5), (), (None, 3)]


def test_a_sheet_with_prefixed_tags_as_the_open_xml_sdk_writes_it_reads_as_written() -> None:
    start = f'<?xml version="1.0" encoding="utf-8"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
    rows = [
        b'<x:row r="1"><x:c r="A1" t="str"><x:v>sku</x:v></x:c>'
        b'<x:c r="B1" t="str"><x:v>units</x:v></x:c></x:row>',
        b'<x:row r="2"><x:c r="A2" t="str"><x:v>ST-1</x:v></x:c><x:c r="B2"><x:v>4</x:v></x:c></x:row>',
    ]
    content = workbook(sheet_xml(rows, start=start, end="</x:sheetData></x:worksheet>"))

    assert _rows(content) == [("sku", "units"), ("ST-1", 4)]


def test_a_prefix_bound_elsewhere_is_refused() -> None:
    start = f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}" xmlns:y="urn:other"><x:sheetData>'
    rows = [b"<x:row/>", b"<y:row><y:c/></y:row>"]

    content = workbook(sheet_xml(rows, start=start, end="</x:sheetData></x:worksheet>"))

    assert str(_refused(content)).startswith(NOT_ORDINARY)


def test_row_tags_cut_between_two_chunks_of_the_scan_are_found() -> None:
    """Rows of every length around the 1 MB chunk: each tag's bytes land across a boundary once."""
    rows = [
        f'<row r="{n}"><c r="A{n}" t="n"><v>{"1" * (n % 97)}</v></c></row>'.encode() for n in range(1, 60_001)
    ]

    assert len(_rows(workbook(sheet_xml(rows)))) == 60_000
    assert str(_refused(workbook(sheet_xml(rows)), replace(TABLE_IMPORT, max_rows=59_999))) == (
        "Sheet 1 has more than 59,999 rows; split the file and import the parts one by one."
    )


def test_a_namespace_declaration_cut_between_two_chunks_of_the_scan_is_found() -> None:
    """A row tag long enough to be cut, its declaration straddling the first megabyte's end."""
    start = bombs.SHEET_START.encode()
    filler = b"<row/>" * ((SCAN_CHUNK - len(start) - 200) // 6)
    head = start + filler + b'<row a="'
    padding = b"a" * (SCAN_CHUNK - 4 - len(head))  # ' xmlns' starts 3 bytes before the end
    rebound = head + padding + b'" xmlns="urn:other"><c><v>1</v></c></row><row/>'
    assert rebound.rindex(b" xmlns") == SCAN_CHUNK - 3

    content = workbook([rebound, bombs.SHEET_END.encode()], compression=zipfile.ZIP_STORED)

    assert str(_refused(content)).startswith(NOT_ORDINARY)


# --- CSV and the upload ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        (bombs.csv_tall, "The file has more than 1,048,576 lines; split the file and import the parts one "
         "by one."),
        (bombs.csv_wide, "Line 2 has 300 columns; the limit is 256 columns."),
        (bombs.csv_long_field, "A field on line 2 holds more than 32,767 characters, the most a spreadsheet "
         "cell may hold."),
        (bombs.csv_huge_field, "A field on line 2 holds more than 32,767 characters, the most a spreadsheet "
         "cell may hold."),
    ],
    ids=["rows", "columns", "long-field", "huge-field"],
)  # fmt: skip
def test_a_csv_bomb_is_refused(bomb: Callable[[], bytes], message: str) -> None:
    with pytest.raises(UploadRefusedError) as refused:
        imports.csv_rows(bomb().decode(), ",", TABLE_IMPORT)

    assert (refused.value.status, str(refused.value)) == (422, message)


def test_a_csv_file_reads_with_the_line_each_record_starts_on() -> None:
    text = 'sku,note\r\nST-1,"two\nlines"\r\n\r\nST-2,x\r\n'

    assert imports.csv_rows(text, ",", TABLE_IMPORT) == (
        [1, 2, 4, 5],
        [["sku", "note"], ["ST-1", "two\nlines"], [], ["ST-2", "x"]],
    )


def test_an_upload_over_the_size_is_refused_before_it_is_read() -> None:
    class Unread(SimpleUploadedFile):
        def read(self, *args: Any, **kwargs: Any) -> bytes:
            raise AssertionError("read")

    upload = Unread("big.xlsx", b"")
    upload.size = 20 * imports.MB + 1

    with pytest.raises(UploadRefusedError) as refused:
        imports.upload_read(upload, TABLE_IMPORT)

    assert (refused.value.status, str(refused.value)) == (
        413,
        "The file is 20.0 MB; the limit is 20 MB: split the file and import the parts one by one.",
    )
