"""The weekly report as CSV, xlsx (openpyxl) and PDF (reportlab): no Django here.

- `cells`: one value as a spreadsheet cell (escaped) or as text (money, percent, number); file names;
- `tables`: the scope table's columns and the headline KPIs, shared by the formats;
- `csv`, `xlsx`, `pdf`: one module per format, each with its `report_*` entry point.
"""

from reports.exports.cells import (
    DASH,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    RATIO_FORMAT,
    UNITS_FORMAT,
    filename,
    money,
    number,
    percent,
    safe_cell,
)
from reports.exports.csv import report_csv
from reports.exports.pdf import chart_images, grouped_notes, report_pdf
from reports.exports.tables import KPI_HEADERS, Column, scope_columns
from reports.exports.xlsx import SHEET_NAMES, report_xlsx

__all__ = [
    "DASH",
    "KPI_HEADERS",
    "MONEY_FORMAT",
    "PERCENT_FORMAT",
    "RATIO_FORMAT",
    "SHEET_NAMES",
    "UNITS_FORMAT",
    "Column",
    "chart_images",
    "filename",
    "grouped_notes",
    "money",
    "number",
    "percent",
    "report_csv",
    "report_pdf",
    "report_xlsx",
    "safe_cell",
    "scope_columns",
]
