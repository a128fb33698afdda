"""A table file (CSV or Excel .xlsx) read into a header and its data rows, and its columns
matched by name.

CSV is UTF-8 (with or without a byte order mark), comma, semicolon or tab separated; in a
semicolon file a comma is the decimal separator (12,50). Excel: the first sheet is read. Blank
rows are dropped and the first row left is the header; row numbers are kept as the file shows
them. The file's size and shape are checked before and while it is read (`core.imports.rows`):
a file beyond the limits raises UploadRefusedError; a file that is no table, FileRejectedError.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from core.imports.limits import TABLE_IMPORT, CsvError, Limits, UnreadableWorkbookError
from core.imports.results import FileRejectedError
from core.imports.rows import csv_rows, workbook_rows

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class Table:
    header: list[str]  # as written
    header_row: int
    row_numbers: list[int]  # of the data rows, as the file shows them
    rows: list[list[Any]]
    decimal_comma: bool

    def title(self, columns: dict[str, int], name: str) -> str:
        """The header of a matched column, as the file writes it."""
        return self.header[columns[name]]


def read_table(file_name: str, content: bytes, limits: Limits = TABLE_IMPORT) -> Table:
    if not content.strip():
        raise FileRejectedError("The file is empty.")
    if content.startswith(_XLS_MAGIC):
        raise FileRejectedError("This is an old Excel file (.xls): save it as .xlsx or as CSV UTF-8.")
    if content.startswith(_XLSX_MAGIC):
        return _read_xlsx(content, limits)
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejectedError("The file is not an Excel workbook (.xlsx).")
    return _read_csv(content, limits)


def _read_csv(content: bytes, limits: Limits) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejectedError(
            f"The file is not UTF-8 text (byte {error.start + 1}): save it as “CSV UTF-8” or as .xlsx."
        ) from None
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        numbers, cells = csv_rows(text, delimiter, limits)
    except CsvError as error:
        raise FileRejectedError(f"The file cannot be read as CSV: {error}.", error.line) from None
    return _table(numbers, cells, decimal_comma=delimiter == ";")


def _read_xlsx(content: bytes, limits: Limits) -> Table:
    not_excel = FileRejectedError("The file is not a readable Excel workbook (.xlsx).")
    try:
        sheets = workbook_rows(content, limits, first_sheet_only=True)
    except UnreadableWorkbookError:
        raise not_excel from None
    if not sheets:
        raise not_excel
    cells = [
        [value.strip() if isinstance(value, str) else value for value in values] for values in sheets[0].rows
    ]
    return _table(list(range(1, len(cells) + 1)), cells, decimal_comma=False)


def _table(numbers: list[int], cells: list[list[Any]], *, decimal_comma: bool) -> Table:
    """Drop blank rows; the first row left is the header."""
    kept = [(number, values) for number, values in zip(numbers, cells, strict=True) if not _is_blank(values)]
    if not kept:
        raise FileRejectedError("The file is empty.")
    header_row, header = kept[0]
    return Table(
        header=["" if value is None else str(value).strip() for value in header],
        header_row=header_row,
        row_numbers=[number for number, _ in kept[1:]],
        rows=[values for _, values in kept[1:]],
        decimal_comma=decimal_comma,
    )


def _is_blank(values: list[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def normalise_title(name: str) -> str:
    """A column title as the aliases are written: lower case, words apart, "$" a word."""
    return " ".join(re.sub(r"[^a-z0-9$]+", " ", name.lower().replace("$", " $ ")).split())


def match_columns(
    table: Table, aliases: dict[str, str], required: tuple[str, ...], *, expected: str, no_rows: str
) -> dict[str, int]:
    """Column name -> index in the row, by `aliases` (normalised title -> name). A column of the
    user's own is ignored; FileRejectedError names two columns giving one name, or every
    required one missing (`expected` says what the header row must name), or no data rows."""
    columns: dict[str, int] = {}
    for index, title in enumerate(table.header):
        name = aliases.get(normalise_title(title))
        if name is None:
            continue
        if name in columns:
            first = table.header[columns[name]]
            raise FileRejectedError(
                f"The columns “{first}” and “{title}” both give {name}: keep one.", table.header_row
            )
        columns[name] = index
    missing = [name for name in required if name not in columns]
    if missing:
        found = ", ".join(f"“{title}”" for title in table.header if title) or "none"
        raise FileRejectedError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. The header row must "
            f"name {expected}; found {found}.",
            table.header_row,
        )
    if not table.rows:
        raise FileRejectedError(no_rows)
    return columns
