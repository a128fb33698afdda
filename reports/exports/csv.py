"""The weekly report's scope table over one period as CSV, every text cell escaped."""

from __future__ import annotations

import csv
import io
from typing import Any

from planning.engine import rounding
from reports.exports.cells import PERCENT, RATIO, safe_cell
from reports.exports.tables import scope_columns
from reports.report_types import WeeklyReport


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind in (PERCENT, RATIO):
        return float(rounding.shown_ratio(value, 4))  # half up, from the unrounded share
    return safe_cell(value)


def report_csv(report: WeeklyReport, period: str = "week") -> str:
    """The scope table over a period: one row per scope with every column, escaped."""
    columns = scope_columns(period)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(column.header) for column in columns])
    for row in report.rows:
        writer.writerow([_csv_value(column.value(row), column.kind) for column in columns])
    return buffer.getvalue()
