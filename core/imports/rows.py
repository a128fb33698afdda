"""Reading a file into rows within an import's limits: `workbook_rows` opens an .xlsx read-only,
values only, without external links, after `workbook_check`, and stops at the first row past the
limits on rows, columns, cells and characters in a cell; `csv_rows` applies the same limits to a
CSV text. `read_table` turns either into a header and its data rows.
"""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.imports.limits import (
    SPLIT,
    CsvError,
    Limits,
    UnreadableWorkbookError,
    UploadRefusedError,
    check_size,
    too_many_cells,
)
from core.imports.workbook_guard import workbook_check

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


@dataclass
class Sheet:
    title: str
    rows: list[tuple[Any, ...]]  # without their trailing empty cells


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
            raise UploadRefusedError(too_many_cells(limits))
        for index in range(end):
            value = values[index]
            if type(value) is str and len(value) > limits.max_cell_chars:
                raise UploadRefusedError(
                    f"Cell {get_column_letter(index + 1)}{self.rows} of sheet {sheet} holds more than "
                    f"{limits.max_cell_chars:,} characters, the most a cell may hold."
                )
        return tuple(values[:end])


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
                raise UploadRefusedError(too_many_cells(limits))
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
