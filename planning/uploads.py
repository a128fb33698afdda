"""The upload guard: every import (sales history, purchase orders, a plan's workbook) reads its file
through this module, which refuses a file beyond the import's limits before parsing it and while
reading it, so that no upload holds a web worker or its memory.

An .xlsx is a zip archive of XML parts; a 1 MB "zip bomb" opens as a gigabyte of XML. Before
openpyxl opens a workbook, `workbook_check` looks at:

- the zip directory alone: at most `MAX_PARTS` parts, stored or deflated, not encrypted; together
  they expand to at most the import's `max_expanded_bytes`, and no part of 1 MB or more expands
  more than `MAX_RATIO` times. The sizes are the declared ones: zipfile never returns more bytes
  for a part than declared (a part that lies fails its checksum);
- the parts openpyxl reads whole (all but the worksheets, which read-only mode streams): at most
  `MAX_PART_BYTES` each (shared strings `MAX_SHARED_STRINGS_BYTES`), `MAX_WHOLE_BYTES` together,
  UTF-8 and without a DOCTYPE (no entity expansion); a chart sheet (read whole) is refused;
- each worksheet's XML, streamed once through a byte search (`_SheetScan`).

Then `workbook_rows` opens it read-only, values only, without external links, and stops at the
first row past the limits on rows, columns, cells and characters in a cell. `csv_rows` applies
the same limits to a CSV file.

A refusal is an `UploadRefusedError` carrying the HTTP status to answer (413 for sizes, 422 for
shapes) and a message with the figures and the limit, never anything from the file: no cell value,
sheet or part name reaches a page. A file that is no readable workbook at all raises
`UnreadableWorkbookError`, which each import words for itself.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError, fromstring
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

from django.core.files.uploadedfile import UploadedFile
from openpyxl import load_workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import _find_workbook_part  # how openpyxl finds it: the same part
from openpyxl.reader.workbook import WorkbookParser
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import (
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_STYLE,
    ARC_THEME,
    SHARED_STRINGS,
    SHEET_MAIN_NS,
)

KB = 1024
MB = 1024 * KB
TOO_LARGE = 413
UNPROCESSABLE = 422


@dataclass(frozen=True)
class Limits:
    """What one kind of import accepts."""

    max_bytes: int  # the file as uploaded
    max_expanded_bytes: int  # a workbook's parts once unzipped, together
    max_rows: int  # of a sheet or a CSV file, blank rows included
    max_columns: int  # of a row, up to its last non-empty cell
    max_cells: int  # of all rows together
    max_cell_chars: int = 32_767  # Excel's own limit for a cell


# Sales history and purchase orders: up to Excel's 1,048,576 rows. 400 MB of XML holds the
# largest real workbook of 20 MB (Excel and openpyxl compress sheets 10-15 times).
TABLE_IMPORT = Limits(
    max_bytes=20 * MB,
    max_expanded_bytes=400 * MB,
    max_rows=1_048_576,
    max_columns=256,
    max_cells=10_000_000,
)
# A plan's exported grid: a 10,000-line plan has 150,000 rows of about 80 columns.
PLAN_WORKBOOK = Limits(
    max_bytes=10 * MB,
    max_expanded_bytes=200 * MB,
    max_rows=200_000,
    max_columns=2_000,
    max_cells=10_000_000,
)
MAX_PARTS = 1_000  # an import needs a dozen; a workbook of 200 sheets has about 500
MAX_DIRECTORY_BYTES = 1 * MB  # the zip's central directory, checked before zipfile reads it
MAX_RATIO = 100  # real sheets compress 10-30 times; bombs 250-1,000 times
RATIO_FROM_BYTES = 1 * MB  # smaller parts (styles, themes) may compress better: harmless
MAX_PART_BYTES = 10 * MB  # one part openpyxl reads whole (styles, the workbook part, relationships)
MAX_SHARED_STRINGS_BYTES = 32 * MB  # about a million distinct texts
MAX_WHOLE_BYTES = 48 * MB  # all the parts openpyxl reads whole, together
MAX_ROW_XML_BYTES = 2 * MB  # a row's XML; also the XML before the first row, and after the last
SCAN_CHUNK = 1 * MB
MAX_TAG_START = 80  # "</", a namespace prefix of up to 64 bytes, ":row" and one more byte
SPLIT = "split the file and import the parts one by one."
RESAVE = "Copy the data into a new workbook or save it as CSV UTF-8, and import that."
NOT_ORDINARY = (
    "The workbook is not saved the way spreadsheet programs save an Excel workbook (it may be Strict "
    "Open XML). Save it as an Excel Workbook (.xlsx) or as CSV UTF-8, and import that."
)
_ROW = re.compile(rb"row[\s/>]")  # a literal start: searched at memchr speed, then looked back from
_PREFIXED_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]{0,63}:)\Z")
_ROOT = re.compile(rb"<[A-Za-z_][^>]*>")
_ROOT_NAMESPACE = re.compile(rb"\sxmlns(?::([\w.-]+))?\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_NAMESPACE = re.compile(rb"\sxmlns(?::([A-Za-z_][\w.-]{0,63}))?[\s=]")  # fits in MAX_TAG_START
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml\s[^<>]*\?>)?\s*<[A-Za-z_]")
_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^<>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_UNREADABLE = (
    BadZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    OSError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    ParseError,
    RecursionError,
    zlib.error,
)


class UploadRefusedError(Exception):
    """The file is beyond what the import accepts: nothing was imported or recorded. Not a
    ValueError, so that code catching openpyxl's ValueErrors lets it through."""

    def __init__(self, message: str, status: int = UNPROCESSABLE) -> None:
        super().__init__(message)
        self.status = status


class UnreadableWorkbookError(Exception):
    """Not a readable .xlsx: a broken archive, a missing part, bad XML."""


class CsvError(csv.Error):
    """A malformed CSV file; `line` is where the record that could not be read starts."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Sheet:
    title: str
    rows: list[tuple[Any, ...]]  # without their trailing empty cells


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise UploadRefusedError(
            f"The file is {_size(size)}; the limit is {_size(limits.max_bytes)}: {SPLIT}", TOO_LARGE
        )


def upload_read(upload: UploadedFile, limits: Limits) -> bytes:
    """An uploaded file's bytes, refused by its size before they are read."""
    check_size(upload.size or 0, limits)
    content: bytes = upload.read(limits.max_bytes + 1)
    check_size(len(content), limits)
    return content


# --- xlsx ------------------------------------------------------------------------------------------
def workbook_rows(content: bytes, limits: Limits, *, first_sheet_only: bool = False) -> list[Sheet]:
    """The worksheets and their rows. Raises UploadRefusedError past a limit and
    UnreadableWorkbookError for a file that is not a readable workbook."""
    check_size(len(content), limits)
    try:
        workbook_check(content, limits)
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except _UNREADABLE as error:
        raise UnreadableWorkbookError from error
    try:
        budget = _Budget(limits)
        sheets = []
        worksheets = workbook.worksheets[:1] if first_sheet_only else workbook.worksheets
        for number, worksheet in enumerate(worksheets, 1):
            worksheet.reset_dimensions()  # a file's stated dimensions may be wrong: read it all
            rows = [budget.row(number, values) for values in worksheet.iter_rows(values_only=True)]
            sheets.append(Sheet(str(worksheet.title), rows))
    except _UNREADABLE as error:
        raise UnreadableWorkbookError from error
    finally:
        workbook.close()
    return sheets


class _Budget:
    """Rows, columns, cells and characters read so far, refused at the first one over."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0
        self.sheet = 0
        self.rows = 0

    def row(self, sheet: int, values: tuple[Any, ...]) -> tuple[Any, ...]:
        limits = self.limits
        if sheet != self.sheet:
            self.sheet, self.rows = sheet, 0
        self.rows += 1
        if self.rows > limits.max_rows:
            raise UploadRefusedError(f"Sheet {sheet} has more than {limits.max_rows:,} rows; {SPLIT}")
        end = len(values)
        while end and values[end - 1] is None:
            end -= 1  # openpyxl pads a row up to its last cell, empty (formatted) ones included
        if end > limits.max_columns:
            raise UploadRefusedError(
                f"Row {self.rows:,} of sheet {sheet} has values up to column {get_column_letter(end)} "
                f"({end:,} columns); the limit is {limits.max_columns:,} columns."
            )
        self.cells += end
        if self.cells > limits.max_cells:
            raise UploadRefusedError(_too_many_cells(limits))
        for index in range(end):
            value = values[index]
            if type(value) is str and len(value) > limits.max_cell_chars:
                raise UploadRefusedError(
                    f"Cell {get_column_letter(index + 1)}{self.rows} of sheet {sheet} holds more than "
                    f"{limits.max_cell_chars:,} characters, the most a cell may hold."
                )
        return tuple(values[:end])


def workbook_check(content: bytes, limits: Limits) -> None:
    """The checks before openpyxl opens the workbook: its zip directory, the parts read whole,
    one pass over each worksheet's XML."""
    _check_directory_size(content)
    with ZipFile(io.BytesIO(content)) as archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise UploadRefusedError(
                f"The workbook has {len(parts):,} parts; the limit is {MAX_PARTS:,}. {RESAVE}"
            )
        _check_expanded(sum(part.file_size for part in parts), limits)
        if sum(part.compress_size for part in parts) > len(content):
            raise BadZipFile("parts overlap")  # one compressed stream listed many times
        for part in parts:
            _check_part(part)
        sheets = _worksheets(archive)
        # openpyxl reads a sheet listed twice twice: count it twice
        _check_expanded(sum(archive.getinfo(name).file_size for name in sheets), limits)
        for number, name in enumerate(sheets, 1):
            with archive.open(name) as stream:
                _SheetScan(number, limits).run(stream)


def _check_directory_size(content: bytes) -> None:
    """zipfile turns the whole central directory into objects: bound it from the end record."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 22 - 65_535))
    if end < 0 or len(content) < end + 22:
        return  # no end record: zipfile raises BadZipFile
    entries = int.from_bytes(content[end + 10 : end + 12], "little")
    directory = int.from_bytes(content[end + 12 : end + 16], "little")
    zip64 = end - 20 - 56  # the zip64 end record, just before its locator, as zipfile reads it
    if (
        (entries == 0xFFFF or directory == 0xFFFFFFFF)
        and zip64 >= 0
        and content.startswith(b"PK\x06\x06", zip64)
    ):
        entries = int.from_bytes(content[zip64 + 32 : zip64 + 40], "little")
        directory = int.from_bytes(content[zip64 + 40 : zip64 + 48], "little")
    if entries > MAX_PARTS or directory > MAX_DIRECTORY_BYTES:
        raise UploadRefusedError(f"The workbook has more than {MAX_PARTS:,} parts. {RESAVE}")


def _check_expanded(size: int, limits: Limits) -> None:
    if size > limits.max_expanded_bytes:
        raise UploadRefusedError(
            f"The workbook expands to {_size(size)} when opened; the limit is "
            f"{_size(limits.max_expanded_bytes)}: {SPLIT}",
            TOO_LARGE,
        )


def _check_part(part: ZipInfo) -> None:
    if part.flag_bits & 0x1:
        raise UploadRefusedError(
            "The workbook is password-protected: remove the password, save it and import it."
        )
    if part.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
        # bzip2 and lzma decompress without an output bound per read; Excel writes neither
        raise UploadRefusedError(f"The workbook is compressed in a way Excel does not write. {RESAVE}")
    if part.file_size >= RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
        ratio = part.file_size // max(part.compress_size, 1)
        raise UploadRefusedError(
            f"A part of the workbook expands {ratio:,} times when opened (to {_size(part.file_size)}); "
            f"real workbooks expand at most {MAX_RATIO} times. {RESAVE}",
            TOO_LARGE,
        )


def _worksheets(archive: ZipFile) -> list[str]:
    """The worksheets openpyxl will stream, found the way openpyxl finds them. Each part it reads
    whole is checked on the way: [Content_Types].xml, the workbook part and its relationships
    before they are read here; the shared strings, styles, theme, properties and each sheet's
    relationships, which openpyxl reads when it opens the workbook."""
    names = set(archive.namelist())
    whole = _WholeParts(archive)
    whole.check(ARC_CONTENT_TYPES)
    manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))  # noqa: S314 - checked
    workbook = _find_workbook_part(manifest).PartName[1:]
    whole.check(workbook)
    whole.check(get_rels_path(workbook))
    parser = WorkbookParser(archive, workbook, keep_links=False)
    parser.parse()
    sheets = []
    for _, relationship in parser.find_sheets():
        if relationship.target not in names:
            continue  # openpyxl skips it too
        if "chartsheet" in str(relationship.Type):
            raise UploadRefusedError(f"The workbook has a chart sheet. {RESAVE}")
        sheets.append(relationship.target)
    strings = manifest.find(SHARED_STRINGS)
    if strings is not None:
        whole.check(strings.PartName[1:], MAX_SHARED_STRINGS_BYTES)
    for name in (ARC_STYLE, ARC_THEME, ARC_CORE, ARC_CUSTOM, *(get_rels_path(sheet) for sheet in sheets)):
        whole.check(name)
    return sheets


class _WholeParts:
    """The parts openpyxl reads whole: each within its limit, all within MAX_WHOLE_BYTES, each
    starting with its root element after at most an XML declaration."""

    def __init__(self, archive: ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        self.checked: set[str] = set()
        self.total = 0

    def check(self, name: str, limit: int = MAX_PART_BYTES) -> None:
        if name not in self.names or name in self.checked:
            return  # a missing part openpyxl needs makes the file unreadable
        self.checked.add(name)
        size = self.archive.getinfo(name).file_size
        self.total += size
        if size > limit:
            raise UploadRefusedError(
                f"A part of the workbook other than its sheets (its texts, styles or index) expands to "
                f"{_size(size)}; the limit is {_size(limit)}. {RESAVE}",
                TOO_LARGE,
            )
        if self.total > MAX_WHOLE_BYTES:
            raise UploadRefusedError(
                f"The parts of the workbook other than its sheets expand to {_size(self.total)} together; "
                f"the limit is {_size(MAX_WHOLE_BYTES)}. {RESAVE}",
                TOO_LARGE,
            )
        with self.archive.open(name) as stream:
            _check_prolog(stream.read(KB))


def _check_prolog(head: bytes) -> None:
    """A part starts with its root element, after at most an XML declaration that names no
    encoding but UTF-8: no DOCTYPE (entities that expand), no encoding a byte search misreads."""
    encoding = _ENCODING.match(head)
    if not _PROLOG.match(head) or (encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8")):
        raise UploadRefusedError(NOT_ORDINARY)


class _SheetScan:
    """One pass over a worksheet's XML, a megabyte at a time, finding its row tags by their bytes
    (no XML parsing: several hundred MB a second). openpyxl's read-only reader holds one row in
    memory at a time, but keeps whatever is not a row: the scan refuses, before it is read,

    - comments, CDATA and processing instructions (text in them would look like tags), so that
      every "<" is the start of a tag;
    - row tags whose namespace prefix the root element does not bind to the spreadsheet namespace,
      or that a later declaration rebinds (openpyxl would not see rows, and keep them all);
    - a row, or the XML before the first or after the last, longer than MAX_ROW_XML_BYTES;
    - any markup between one row and the next;
    - more than `max_rows` rows.
    """

    def __init__(self, number: int, limits: Limits) -> None:
        self.number = number
        self.limits = limits
        self.namespaces: dict[bytes, bytes] = {}  # prefix -> namespace, from the root element
        self.root_end = 0  # where the root element's start tag ends
        self.rebound: dict[bytes, int] = {}  # prefix -> where a later declaration first binds it
        self.prefix: bytes | None = None  # of the row tags, with its colon; b"" for none
        self.rows = 0
        self.last_tag = -1  # where the last row tag starts
        self.marks = 0  # "<" since the last row tag, its own included
        self.tail = b""  # the end of the bytes scanned last: a declaration cut in two is found whole

    def run(self, stream: IO[bytes]) -> None:
        data = stream.read(SCAN_CHUNK)
        self._root(data)
        offset = 0  # where `data` starts in the sheet
        while True:
            chunk = stream.read(SCAN_CHUNK)
            # cut before a "<" near the end: the bytes scanned hold no row tag cut in two
            cut = data.rfind(b"<", max(0, len(data) - MAX_TAG_START)) if chunk else -1
            cut = len(data) if cut < 0 else cut
            self._scan(data[:cut], offset)
            offset += cut
            if offset - max(self.last_tag, 0) > MAX_ROW_XML_BYTES:
                self._too_long()
            if not chunk:
                return
            data = data[cut:] + chunk

    def _root(self, head: bytes) -> None:
        _check_prolog(head)
        root = _ROOT.search(head)
        if root is None:
            raise UploadRefusedError(NOT_ORDINARY)  # its start tag does not end in the first megabyte
        self.root_end = root.end()
        for match in _ROOT_NAMESPACE.finditer(root.group(0)):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            self.namespaces[match.group(1) or b""] = value

    def _scan(self, data: bytes, offset: int) -> None:
        after_root = max(0, self.root_end - offset)
        if b"<!" in data or data.find(b"<?", after_root) >= 0:
            raise UploadRefusedError(
                f"Sheet {self.number} holds XML that spreadsheet programs do not write (comments, CDATA "
                f"or instructions). {RESAVE}"
            )
        # namespace declarations after the root element's: searched from the end of the last bytes
        # scanned (a declaration cut in two), or from the end of the root element's start tag
        tail = len(self.tail)
        for match in _NAMESPACE.finditer(self.tail + data, tail + after_root if after_root else 0):
            self.rebound.setdefault(match.group(1) or b"", offset - tail + match.start())
        self.tail = data[-MAX_TAG_START:]
        counted = 0  # "<" counted in data up to here
        for match in _ROW.finditer(data):
            tag = _row_tag(data, match.start())
            if tag is None:
                continue
            start, closing, prefix = tag
            self.marks += data.count(b"<", counted, start)
            counted = start
            self._row_tag(offset + start, closing=closing, prefix=prefix)
        self.marks += data.count(b"<", counted)

    def _row_tag(self, position: int, *, closing: bool, prefix: bytes) -> None:
        if self.prefix is None:
            if self.namespaces.get(prefix[:-1]) != SHEET_MAIN_NS.encode():
                raise UploadRefusedError(NOT_ORDINARY)
            self.prefix = prefix
        if prefix != self.prefix or self.rebound.get(prefix[:-1], position) < position:
            raise UploadRefusedError(NOT_ORDINARY)
        if position - max(self.last_tag, 0) > MAX_ROW_XML_BYTES:
            self._too_long()
        if not closing and self.last_tag >= 0 and self.marks > 1:
            # nothing but the last row's own tag since it: its end, or it was empty (<row .../>)
            raise UploadRefusedError(
                f"Sheet {self.number} has data between its rows that spreadsheet programs do not write. "
                f"{RESAVE}"
            )
        if not closing:
            self.rows += 1
            if self.rows > self.limits.max_rows:
                raise UploadRefusedError(
                    f"Sheet {self.number} has more than {self.limits.max_rows:,} rows; {SPLIT}"
                )
        self.last_tag = position
        self.marks = 0

    def _too_long(self) -> None:
        raise UploadRefusedError(
            f"Sheet {self.number} has a row (or data before or after its rows) larger than "
            f"{_size(MAX_ROW_XML_BYTES)} of XML, the limit. {RESAVE}",
            TOO_LARGE,
        )


def _row_tag(data: bytes, at: int) -> tuple[int, bool, bytes] | None:
    """Where the row tag whose name is at `at` starts, whether it closes a row, its namespace
    prefix (b"" or b"x:"); None if "row" is part of other text ("arrow", a cell's text)."""
    if data[at - 1 : at] == b"<":
        return at - 1, False, b""
    if data[at - 2 : at] == b"</":
        return at - 2, True, b""
    if data[at - 1 : at] != b":":
        return None
    tag = _PREFIXED_TAG.search(data, max(0, at - MAX_TAG_START), at)
    return None if tag is None else (tag.start(), tag.group(1) == b"/", tag.group(2))


# --- CSV -------------------------------------------------------------------------------------------
def csv_rows(text: str, delimiter: str, limits: Limits) -> tuple[list[int], list[list[str]]]:
    """The records of a CSV text and the line each starts on. Raises UploadRefusedError past a
    limit and CsvError for a malformed file. csv's own field limit (131,072 characters, a
    process-wide setting left alone here) is above `max_cell_chars`, which is checked per field."""
    if text.count("\n") > limits.max_rows:  # each record takes a line at least: refused at once
        raise UploadRefusedError(f"The file has more than {limits.max_rows:,} lines; {SPLIT}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbers: list[int] = []
    rows: list[list[str]] = []
    cells = 0
    line = 1  # where the next record starts
    try:
        for values in reader:
            if len(rows) >= limits.max_rows:
                raise UploadRefusedError(f"The file has more than {limits.max_rows:,} rows; {SPLIT}")
            if len(values) > limits.max_columns:
                raise UploadRefusedError(
                    f"Line {line:,} has {len(values):,} columns; the limit is {limits.max_columns:,} columns."
                )
            cells += len(values)
            if cells > limits.max_cells:
                raise UploadRefusedError(_too_many_cells(limits))
            if values and max(map(len, values)) > limits.max_cell_chars:
                _long_field(line, limits)
            numbers.append(line)
            rows.append(values)
            line = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            _long_field(line, limits)
        raise CsvError(str(error), line) from None
    return numbers, rows


def _long_field(line: int, limits: Limits) -> None:
    raise UploadRefusedError(
        f"A field on line {line:,} holds more than {limits.max_cell_chars:,} characters, the most a "
        "spreadsheet cell may hold."
    )


# --- messages --------------------------------------------------------------------------------------
def _size(size: int) -> str:
    """1.5 MB, 20 MB (exactly), 20.0 MB (a little more), 512 KB, 300 bytes."""
    for unit, name in ((1024 * MB, "GB"), (MB, "MB"), (KB, "KB")):
        if size >= unit:
            return f"{size // unit} {name}" if size % unit == 0 else f"{size / unit:.1f} {name}"
    return f"{size:,} bytes"


def _too_many_cells(limits: Limits) -> str:
    return (
        f"The file has more than {limits.max_cells:,} cells, the limit. Remove the columns the import "
        f"does not use, or {SPLIT}"
    )
