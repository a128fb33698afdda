"""The checks of an .xlsx before openpyxl opens it. An .xlsx is a zip archive of XML parts; a 1 MB
"zip bomb" opens as a gigabyte of XML. `workbook_check` looks at:

- the zip directory alone: at most `MAX_PARTS` parts, stored or deflated, not encrypted; together
  they expand to at most the import's `max_expanded_bytes`, and no part of 1 MB or more expands
  more than `MAX_RATIO` times. The sizes are the declared ones: zipfile never returns more bytes
  for a part than declared (a part that lies fails its checksum);
- the parts openpyxl reads whole (all but the worksheets, which read-only mode streams): at most
  `MAX_PART_BYTES` each (shared strings `MAX_SHARED_STRINGS_BYTES`), `MAX_WHOLE_BYTES` together,
  UTF-8 and without a DOCTYPE (no entity expansion); a chart sheet (read whole) is refused;
- each worksheet's XML, streamed once through a byte search (`core.imports.sheet_scan`).
"""

from __future__ import annotations

import io
from xml.etree.ElementTree import fromstring
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import _find_workbook_part  # how openpyxl finds it: the same part
from openpyxl.reader.workbook import WorkbookParser
from openpyxl.xml.constants import (
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_STYLE,
    ARC_THEME,
    SHARED_STRINGS,
)

from core.imports.limits import (
    KB,
    MB,
    RESAVE,
    SPLIT,
    Limits,
    UploadRefusedError,
    UploadTooLargeError,
    size_text,
)
from core.imports.sheet_scan import SheetScan, check_prolog

MAX_PARTS = 1_000  # an import needs a dozen; a workbook of 200 sheets has about 500
MAX_DIRECTORY_BYTES = 1 * MB  # the zip's central directory, checked before zipfile reads it
MAX_RATIO = 100  # real sheets compress 10-30 times; bombs 250-1,000 times
RATIO_FROM_BYTES = 1 * MB  # smaller parts (styles, themes) may compress better: harmless
MAX_PART_BYTES = 10 * MB  # one part openpyxl reads whole (styles, the workbook part, relationships)
MAX_SHARED_STRINGS_BYTES = 32 * MB  # about a million distinct texts
MAX_WHOLE_BYTES = 48 * MB  # all the parts openpyxl reads whole, together


def workbook_check(content: bytes, limits: Limits) -> None:
    """The checks before openpyxl opens the workbook: its zip directory, the parts read whole,
    one pass over each worksheet's XML."""
    _check_directorysize_text(content)
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
                SheetScan(number, limits).run(stream)


def _check_directorysize_text(content: bytes) -> None:
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
        raise UploadTooLargeError(
            f"The workbook expands to {size_text(size)} when opened; the limit is "
            f"{size_text(limits.max_expanded_bytes)}: {SPLIT}",
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
        raise UploadTooLargeError(
            f"A part of the workbook expands {ratio:,} times when opened (to {size_text(part.file_size)}); "
            f"real workbooks expand at most {MAX_RATIO} times. {RESAVE}",
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
            raise UploadTooLargeError(
                f"A part of the workbook other than its sheets (its texts, styles or index) expands to "
                f"{size_text(size)}; the limit is {size_text(limit)}. {RESAVE}",
            )
        if self.total > MAX_WHOLE_BYTES:
            raise UploadTooLargeError(
                f"The parts of the workbook other than its sheets expand to {size_text(self.total)} "
                f"together; the limit is {size_text(MAX_WHOLE_BYTES)}. {RESAVE}",
            )
        with self.archive.open(name) as stream:
            check_prolog(stream.read(KB))
