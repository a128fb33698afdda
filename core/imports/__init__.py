"""The tabular import kit: every import (sales history, purchase orders, a plan's workbook) reads
its file, refuses it past its limits and reports its row errors through this package.

    limits          `Limits` of one kind of import, `TABLE_IMPORT`; the refusals
                    `UploadRefusedError` (422) / `UploadTooLargeError` (413); `upload_read`
    workbook_guard  zip-bomb checks of an .xlsx before openpyxl opens it
    sheet_scan      one streamed pass over each worksheet's XML
    rows            `workbook_rows`, `csv_rows`: rows within the limits
    table           `read_table`: a CSV or .xlsx as a header and data rows; `match_columns`
    cells           parsing cells: `text`, `number`, `money`, `week_key`
    results         `RowError`, `RowErrors`, `Repeats`, `ImportResult`, `apply_all_or_nothing`

The rows with problems are shown by one partial, templates/includes/import_errors.html.
"""

from core.imports.limits import (
    KB,
    MB,
    TABLE_IMPORT,
    CsvError,
    Limits,
    UnreadableWorkbookError,
    UploadRefusedError,
    UploadTooLargeError,
    check_size,
    upload_read,
)
from core.imports.results import (
    MAX_ERRORS,
    FileRejectedError,
    ImportRejectedError,
    ImportResult,
    Repeats,
    RowError,
    RowErrors,
    apply_all_or_nothing,
)
from core.imports.rows import Sheet, csv_rows, workbook_rows
from core.imports.table import Table, match_columns, read_table
from core.imports.workbook_guard import workbook_check

__all__ = [
    "KB",
    "MAX_ERRORS",
    "MB",
    "TABLE_IMPORT",
    "CsvError",
    "FileRejectedError",
    "ImportRejectedError",
    "ImportResult",
    "Limits",
    "Repeats",
    "RowError",
    "RowErrors",
    "Sheet",
    "Table",
    "UnreadableWorkbookError",
    "UploadRefusedError",
    "UploadTooLargeError",
    "apply_all_or_nothing",
    "check_size",
    "csv_rows",
    "match_columns",
    "read_table",
    "upload_read",
    "workbook_check",
    "workbook_rows",
]
