"""One pass over a worksheet's XML before openpyxl streams it (`SheetScan`), and the check of an
XML part's start (`check_prolog`) shared with the checks of the parts read whole
(`core.imports.workbook_guard`)."""

from __future__ import annotations

import re
from typing import IO

from openpyxl.xml.constants import SHEET_MAIN_NS

from core.imports.limits import (
    MB,
    NOT_ORDINARY,
    RESAVE,
    SPLIT,
    Limits,
    UploadRefusedError,
    UploadTooLargeError,
    size_text,
)

MAX_ROW_XML_BYTES = 2 * MB  # a row's XML; also the XML before the first row, and after the last
SCAN_CHUNK = 1 * MB
MAX_TAG_START = 80  # "</", a namespace prefix of up to 64 bytes, ":row" and one more byte
_ROW = re.compile(rb"row[\s/>]")  # a literal start: searched at memchr speed, then looked back from
_PREFIXED_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]{0,63}:)\Z")
_ROOT = re.compile(rb"<[A-Za-z_][^>]*>")
_ROOT_NAMESPACE = re.compile(rb"\sxmlns(?::([\w.-]+))?\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_NAMESPACE = re.compile(rb"\sxmlns(?::([A-Za-z_][\w.-]{0,63}))?[\s=]")  # fits in MAX_TAG_START
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml\s[^<>]*\?>)?\s*<[A-Za-z_]")
_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^<>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


def check_prolog(head: bytes) -> None:
    """A part starts with its root element, after at most an XML declaration that names no
    encoding but UTF-8: no DOCTYPE (entities that expand), no encoding a byte search misreads."""
    encoding = _ENCODING.match(head)
    if not _PROLOG.match(head) or (encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8")):
        raise UploadRefusedError(NOT_ORDINARY)


class SheetScan:
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
        check_prolog(head)
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
        raise UploadTooLargeError(
            f"Sheet {self.number} has a row (or data before or after its rows) larger than "
            f"{size_text(MAX_ROW_XML_BYTES)} of XML, the limit. {RESAVE}",
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
