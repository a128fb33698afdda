"""What an import accepts, and how it refuses a file: the limits of one kind of import (`Limits`), the
refusals (`UploadRefusedError`, 422, and `UploadTooLargeError`, 413: application errors of
`core.errors`), and the upload read refused by its size before its bytes are read.

A refusal's message gives the figures and the limit, never anything from the file: no cell value,
sheet or part name reaches a page. A file that is no readable workbook at all raises
`UnreadableWorkbookError`, which each import words for itself.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

from core.errors import RuleViolation

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


# A table of rows (sales history, purchase orders): up to Excel's 1,048,576 rows. 400 MB of XML holds the
# largest real workbook of 20 MB (Excel and openpyxl compress sheets 10-15 times).
TABLE_IMPORT = Limits(
    max_bytes=20 * MB,
    max_expanded_bytes=400 * MB,
    max_rows=1_048_576,
    max_columns=256,
    max_cells=10_000_000,
)
SPLIT = "split the file and import the parts one by one."
RESAVE = "Copy the data into a new workbook or save it as CSV UTF-8, and import that."
NOT_ORDINARY = (
    "The workbook is not saved the way spreadsheet programs save an Excel workbook (it may be Strict "
    "Open XML). Save it as an Excel Workbook (.xlsx) or as CSV UTF-8, and import that."
)


class UploadRefusedError(RuleViolation):
    """The file is beyond what the import accepts (a shape: rows, columns, a cell; or a workbook
    not saved the ordinary way): nothing was imported or recorded. Not a ValueError, so that code
    catching openpyxl's ValueErrors lets it through."""

    status = UNPROCESSABLE
    code = "upload_refused"


class UploadTooLargeError(UploadRefusedError):
    """The file, or a workbook once unzipped, is larger than the import accepts."""

    status = TOO_LARGE
    code = "upload_too_large"


class UnreadableWorkbookError(Exception):
    """Not a readable .xlsx: a broken archive, a missing part, bad XML."""


class CsvError(csv.Error):
    """A malformed CSV file; `line` is where the record that could not be read starts."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise UploadTooLargeError(
            f"The file is {size_text(size)}; the limit is {size_text(limits.max_bytes)}: {SPLIT}"
        )


def upload_read(upload: UploadedFile, limits: Limits) -> bytes:
    """An uploaded file's bytes, refused by its size before they are read."""
    check_size(upload.size or 0, limits)
    content: bytes = upload.read(limits.max_bytes + 1)
    check_size(len(content), limits)
    return content


# --- messages --------------------------------------------------------------------------------------
def size_text(size: int) -> str:
    """1.5 MB, 20 MB (exactly), 20.0 MB (a little more), 512 KB, 300 bytes."""
    for unit, name in ((1024 * MB, "GB"), (MB, "MB"), (KB, "KB")):
        if size >= unit:
            return f"{size // unit} {name}" if size % unit == 0 else f"{size / unit:.1f} {name}"
    return f"{size:,} bytes"


def too_many_cells(limits: Limits) -> str:
    return (
        f"The file has more than {limits.max_cells:,} cells, the limit. Remove the columns the import "
        f"does not use, or {SPLIT}"
    )
