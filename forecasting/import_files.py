"""Reading an import file (CSV or Excel .xlsx) into a table of rows, and parsing its cells:
shared by the sales history import (`forecasting.imports`) and the purchase order import
(`otb.imports`).

CSV is UTF-8 (with or without a byte order mark), comma, semicolon or tab separated; in a
semicolon file a comma is the decimal separator (12,50). Excel: the first sheet is read. Blank
rows are dropped and the first row left is the header; row numbers are kept as the file shows
them. The file's size and shape are checked by the upload guard (`planning.uploads`,
`TABLE_IMPORT`) before and while it is read: a file beyond its limits raises UploadRefusedError.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from planning import uploads

MAX_FILE_MEGABYTES = uploads.TABLE_IMPORT.max_bytes // uploads.MB
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # DecimalField(max_digits=14, decimal_places=2)
FLOAT_NOISE = Decimal("0.000001")
_WEEK_KEY = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_YEAR_WEEK = re.compile(r"(\d{4})(\d{2})")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class _FileError(Exception):
    """A problem with the file as a whole (not a sales file, no header, missing columns)."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


@dataclass
class _Table:
    header: list[str]  # as written
    header_row: int
    row_numbers: list[int]  # of the data rows, as the file shows them
    rows: list[list[Any]]
    decimal_comma: bool


# --- reading ------------------------------------------------------------------------------
def _read_table(file_name: str, content: bytes) -> _Table:
    if not content.strip():
        raise _FileError("The file is empty.")
    if content.startswith(_XLS_MAGIC):
        raise _FileError("This is an old Excel file (.xls): save it as .xlsx or as CSV UTF-8.")
    if content.startswith(_XLSX_MAGIC):
        return _read_xlsx(content)
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise _FileError("The file is not an Excel workbook (.xlsx).")
    return _read_csv(content)


def _read_csv(content: bytes) -> _Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _FileError(
            f"The file is not UTF-8 text (byte {error.start + 1}): save it as “CSV UTF-8” or as .xlsx."
        ) from None
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        numbers, cells = uploads.csv_rows(text, delimiter, uploads.TABLE_IMPORT)
    except uploads.CsvError as error:
        raise _FileError(f"The file cannot be read as CSV: {error}.", error.line) from None
    return _table(numbers, cells, decimal_comma=delimiter == ";")


def _read_xlsx(content: bytes) -> _Table:
    not_excel = _FileError("The file is not a readable Excel workbook (.xlsx).")
    try:
        sheets = uploads.workbook_rows(content, uploads.TABLE_IMPORT, first_sheet_only=True)
    except uploads.UnreadableWorkbookError:
        raise not_excel from None
    if not sheets:
        raise not_excel
    cells = [
        [value.strip() if isinstance(value, str) else value for value in values] for values in sheets[0].rows
    ]
    return _table(list(range(1, len(cells) + 1)), cells, decimal_comma=False)


def _table(numbers: list[int], cells: list[list[Any]], *, decimal_comma: bool) -> _Table:
    """Drop blank rows; the first row left is the header."""
    kept = [(number, values) for number, values in zip(numbers, cells, strict=True) if not _is_blank(values)]
    if not kept:
        raise _FileError("The file is empty.")
    header_row, header = kept[0]
    return _Table(
        header=["" if value is None else str(value).strip() for value in header],
        header_row=header_row,
        row_numbers=[number for number, _ in kept[1:]],
        rows=[values for _, values in kept[1:]],
        decimal_comma=decimal_comma,
    )


def _is_blank(values: list[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _normalise(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9$]+", " ", name.lower().replace("$", " $ ")).split())


# --- cells ---------------------------------------------------------------------------------
def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _shown(value: Any) -> str:
    text = _text(value)
    return "“" + (text if len(text) <= 40 else text[:40] + "…") + "”"


def _number(value: Any, decimal_comma: bool) -> Decimal:
    """A number from a cell: Excel numbers as they are; text such as 1200, 1,200.50, $12 or, in a
    semicolon file, 12,50."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{_shown(value)} is not a number.")
    if isinstance(value, float):
        if not np.isfinite(value):
            raise ValueError(f"{_shown(value)} is not a number.")
        return Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    text = value.strip().replace(" ", "").replace("\u00a0", "").replace("$", "")
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "").replace(",", ".")
    elif "," in text:
        if decimal_comma and text.count(",") == 1:
            text = text.replace(",", ".")
        elif _GROUPED.fullmatch(text):
            text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{_shown(value)} is not a number.")
    return Decimal(text)


def _money(value: Any, decimal_comma: bool, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValueError("Empty: enter the amount (0 for none).")
        return None
    amount = _number(value, decimal_comma)
    if amount < 0:
        raise ValueError(f"{_shown(value)} is negative: amounts cannot be below 0.")
    if amount >= MAX_AMOUNT:
        raise ValueError(f"{_shown(value)} is too large.")
    rounded = amount.quantize(CENT)
    if isinstance(value, float) and abs(rounded - amount) < FLOAT_NOISE:
        return rounded  # 12.300000000000001: binary floating point noise from a spreadsheet
    if rounded != amount:
        raise ValueError(f"{_shown(value)} has more than 2 decimals.")
    return rounded
