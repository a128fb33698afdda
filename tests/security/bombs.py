"""Hostile upload files, built in the test: workbooks written part by part through a streamed zip
writer (a 256 MB sheet never sits in memory), and CSV texts. Shared by the upload guard's tests
and its benchmark (benchmarks/upload_guard.py). Every bomb carries the word SECRET in its sheet
name and cells, so a test can check that no refusal message repeats the file's content."""

from __future__ import annotations

import functools
import io
import random
import zipfile
from collections.abc import Iterable, Iterator

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SECRET = "SECRET"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
{strings}</Types>"""
STRINGS_TYPE = """<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
"""
PACKAGE_RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{DOCUMENT}" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">
<sheets><sheet name="{{title}}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{WORKSHEET}" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{STRINGS}" Target="sharedStrings.xml"/></Relationships>"""
SHEET_START = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


def workbook(
    sheet: Iterable[bytes],
    *,
    strings: Iterable[bytes] | None = None,
    title: str = SECRET,
    extra: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """An .xlsx of one worksheet whose XML is `sheet` (written piece by piece), with a shared
    strings part when `strings` is given (its XML, piece by piece), and `extra` parts (a name
    of the package replaces its part)."""
    extra = extra or {}
    buffer = io.BytesIO()
    fixed = {
        "[Content_Types].xml": CONTENT_TYPES.format(
            strings=STRINGS_TYPE if strings is not None else ""
        ).encode(),
        "_rels/.rels": PACKAGE_RELATIONSHIPS.encode(),
        "xl/workbook.xml": WORKBOOK.format(title=title).encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELATIONSHIPS.encode(),
    }
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in {**fixed, **extra}.items():
            archive.writestr(name, content)
        _stream(archive, "xl/worksheets/sheet1.xml", sheet)
        if strings is not None:
            _stream(archive, "xl/sharedStrings.xml", strings)
    return buffer.getvalue()


def _stream(archive: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> None:
    with archive.open(name, "w") as part:
        for piece in pieces:
            part.write(piece)


def sheet_xml(rows: Iterable[bytes], *, start: str = SHEET_START, end: str = SHEET_END) -> Iterator[bytes]:
    yield start.encode()
    yield from rows
    yield end.encode()


def repeated(block: bytes, total: int) -> Iterator[bytes]:
    """`block` repeated to `total` bytes, a megabyte at a time."""
    piece = block * max(1, (1 << 20) // len(block))
    for _ in range(total // len(piece)):
        yield piece


def cells(values: Iterable[str]) -> bytes:
    return b"".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>'.encode() for value in values)


# --- the bombs --------------------------------------------------------------------------------
@functools.cache
def sheet_bomb() -> bytes:
    """About 0.8 MB expanding to 256 MB of identical rows (over 300 times)."""
    row = f'<row><c t="inlineStr"><is><t>{SECRET}</t></is></c><c t="n"><v>1</v></c></row>'.encode()
    return workbook(sheet_xml(repeated(row, 256 << 20)))


@functools.cache
def strings_bomb() -> bytes:
    """A table of texts that expands to 256 MB; the sheet itself is one cell."""
    strings = [
        f'<sst xmlns="{MAIN}">'.encode(),
        *repeated(f"<si><t>{SECRET}</t></si>".encode(), 256 << 20),
        b"</sst>",
    ]
    return workbook(sheet_xml([b'<row><c t="s"><v>0</v></c></row>']), strings=strings)


@functools.cache
def wide_row(columns: int = 16_384) -> bytes:
    """One row with a value in every column Excel has."""
    return workbook(sheet_xml([b"<row>" + b'<c t="n"><v>7</v></c>' * columns + b"</row>"]))


@functools.cache
def long_cell(chars: int = 40_000) -> bytes:
    """A cell of more characters than Excel lets a cell hold."""
    return workbook(sheet_xml([b"<row>" + cells([SECRET * (chars // len(SECRET) + 1)]) + b"</row>"]))


@functools.cache
def tall_sheet(rows: int) -> bytes:
    """`rows` rows of one numbered cell each (compresses about 10 times, as real sheets do)."""
    lines = (f'<row r="{n}"><c r="A{n}" t="n"><v>{n}</v></c></row>'.encode() for n in range(1, rows + 1))
    return workbook(sheet_xml(lines))


@functools.cache
def huge_row(size: int = 3 << 20) -> bytes:
    """One row of `size` bytes of XML of varied numbers: compresses less than 10 times, so only
    the scan of the sheet's XML sees it."""
    generator = random.Random(16)
    values = (f'<c t="n"><v>{generator.randrange(10**9)}</v></c>'.encode() for _ in range(size // 24))
    return workbook(sheet_xml([b"<row>", *values, b"</row>"]))


def csv_tall(rows: int = 1_100_000) -> bytes:
    """A header, then more blank lines than the import takes rows."""
    return b"sku,location,week,units,retail\n" + b"\n" * rows


def csv_wide(columns: int = 300) -> bytes:
    return b"sku,location,week,units,retail\n" + b",".join([SECRET.encode()] * columns) + b"\n"


def csv_long_field(chars: int = 40_000) -> bytes:
    return b"sku,location,week,units,retail\n" + SECRET.encode() * (chars // len(SECRET) + 1) + b",S001\n"


def csv_huge_field(chars: int = 5_000_000) -> bytes:
    """A quoted field longer than the csv module's own limit."""
    return b'sku,location\n"' + SECRET.encode() * (chars // len(SECRET)) + b'",S001\n'


BOMBS = {
    "sheet XML of repeated rows": sheet_bomb,
    "a huge table of texts": strings_bomb,
    "16,384 columns": wide_row,
    "a 40,000-character cell": long_cell,
    "a 3 MB row": huge_row,
}
CSV_BOMBS = {
    "1.1 million rows": csv_tall,
    "300 columns": csv_wide,
    "a 40,000-character field": csv_long_field,
    "a 5 MB field": csv_huge_field,
}
