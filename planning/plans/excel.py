"""A plan version's grid as an Excel workbook, and what the import reads back (the layout).

The sheet has a header block (plan, version, department, scope, when, and the version's
`values_version`), then one row per line and measure as in the grid: A "Line" (class code or
TOTAL), B "Measure" (the machine name), C "Label", a column per week ("2026-W05") and the
month, quarter and season totals ("Total Feb", grey), which the import ignores.

The import (`planning.plans.excel_import`) is all or nothing and refuses a file exported before
the latest change of the version's entered values. The edits carry the row versions read here,
so a change made between this read and the write fails the write with a conflict instead of
being overwritten.

`plan_snapshot` reads the version (three queries); `workbook_build` is pure: bytes out, no
database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import numpy as np
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from planning import clock
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.grid import VALUE_FIELDS
from planning.plans.grid_cells import PERCENT
from planning.plans.grid_columns import Column, _aggregate, columns_for
from planning.plans.measures import RECEIPTS, TARGET_LABELS, Measure, grid_measures

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTAL_CODE = "TOTAL"
HEADER_LABELS = (
    "Plan",
    "Version",
    "Department",
    "Scope",
    "Exported at",
    "Values version",
    "Totals version",
    "Version id",
)
TABLE_HEADER = ("Line", "Measure", "Label")
TABLE_ROW = len(HEADER_LABELS) + 2  # a note between the header block and the table
FIRST_VALUE_COLUMN = len(TABLE_HEADER) + 1  # D
NOTE = (
    "Change the yellow cells (entered values) and import this file back. Grey cells are "
    "calculated; the total columns and the TOTAL line are ignored."
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_BOLD = Font(bold=True)
_ENTERED_FILL = PatternFill("solid", fgColor="FFF2CC")
_DERIVED_FILL = PatternFill("solid", fgColor="F2F2F2")
_TOTAL_FILL = PatternFill("solid", fgColor="D9D9D9")
_UNLOCKED = Protection(locked=False)
_LINE_BORDER = Border(top=Side(style="thin", color="999999"))


# --- reading the version --------------------------------------------------------------------
@dataclass
class SheetLine:
    line_id: int
    code: str  # the class code, or TOTAL
    method: str
    is_total: bool
    values: dict[str, list[Decimal | None]] = field(default_factory=dict)  # measure -> by period
    row_versions: list[int] = field(default_factory=list)

    def measures(self) -> list[Measure]:
        """The line's rows in grid order; on the total line everything is calculated."""
        if self.is_total:
            return [RECEIPTS if m.name == "receipts_entered" else m for m in grid_measures("receipts")]
        return grid_measures(self.method)

    def is_entered(self, measure: Measure) -> bool:
        return measure.is_entered and not self.is_total

    def label(self, measure: Measure) -> str:
        return TARGET_LABELS.get(self.method, "Target") if measure.name == "target" else measure.label


@dataclass
class Snapshot:
    version_id: int
    plan_name: str
    version_name: str
    department: str
    scope: str
    values_version: int
    totals_version: int
    is_editable: bool
    columns: list[Column]
    week_ids: list[int]  # by period
    lines: list[SheetLine]


def plan_snapshot(version: PlanVersion) -> Snapshot:
    """Everything the export writes and the import compares against, in three queries."""
    weeks = list(
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=True)
        .order_by("period")
        .values_list(
            "fiscal_week_id", "period", "fiscal_week__month", "fiscal_week__quarter", "fiscal_week__end_date"
        )
    )
    lines = {
        line_id: SheetLine(line_id, code or TOTAL_CODE, method, code is None)
        for line_id, code, method in PlanLine.objects.filter(version=version)
        .order_by("position", "id")
        .values_list("id", "merch_class__code", "method")
    }
    periods = len(weeks)
    for line in lines.values():
        line.values = {name: [None] * periods for name in VALUE_FIELDS}
        line.row_versions = [0] * periods
    rows = PlanWeek.objects.filter(line__version=version).values_list(
        "line_id", "period", "row_version", *VALUE_FIELDS
    )
    for line_id, period, row_version, *values in rows:
        line = lines[line_id]
        line.row_versions[period] = row_version
        for name, value in zip(VALUE_FIELDS, values, strict=True):
            line.values[name][period] = None if value is None else Decimal(value)
    plan = version.plan
    return Snapshot(
        version_id=version.pk,
        plan_name=plan.name,
        version_name=version.name,
        department=str(plan.department),
        scope=plan.scope_label,
        values_version=version.values_version,
        totals_version=version.totals_version,
        is_editable=version.is_editable,
        columns=columns_for(weeks, clock.today()),
        week_ids=[week[0] for week in weeks],
        lines=list(lines.values()),
    )


# --- export ---------------------------------------------------------------------------------
def file_name(snapshot: Snapshot) -> str:
    """`W01-FY2026-working-plan.xlsx`: the plan's name as written, the version's in lower case."""
    plan = re.sub(r"[^A-Za-z0-9]+", "-", snapshot.plan_name).strip("-") or "plan"
    version = re.sub(r"[^a-z0-9]+", "-", snapshot.version_name.lower()).strip("-") or "version"
    return f"{plan}-{version}.xlsx"


def escape_text(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unescape_text(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def number_format(measure: str) -> str:
    if measure in PERCENT:
        return "0.0%"
    if measure == "target":
        return "0.00"
    if measure in ("wos", "fwos", "turn"):
        return "0.0"
    return "#,##0"


def _total_header(column: Column) -> str:
    return "Total season" if column.kind == "season" else f"Total {column.label}"


def workbook_build(snapshot: Snapshot, *, exported_at: datetime) -> bytes:
    """The version's sheet as xlsx bytes: entered cells unlocked and yellow, the rest locked."""
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", snapshot.version_name)[:31] or "Plan"
    header: dict[str, Any] = {
        "Plan": escape_text(snapshot.plan_name),
        "Version": escape_text(snapshot.version_name),
        "Department": escape_text(snapshot.department),
        "Scope": escape_text(snapshot.scope),
        "Exported at": timezone.localtime(exported_at).strftime("%Y-%m-%d %H:%M %Z"),
        "Values version": snapshot.values_version,
        "Totals version": snapshot.totals_version,
        "Version id": snapshot.version_id,
    }
    for row, label in enumerate(HEADER_LABELS, start=1):
        sheet.cell(row, 1, label).font = _BOLD
        sheet.cell(row, 2, header[label]).alignment = Alignment(horizontal="left")
    sheet.cell(TABLE_ROW - 1, 1, NOTE).font = Font(italic=True, color="666666")

    titles = [*TABLE_HEADER, *(c.key if c.kind == "week" else _total_header(c) for c in snapshot.columns)]
    for index, title in enumerate(titles, start=1):
        cell = sheet.cell(TABLE_ROW, index, title)
        cell.font = _BOLD
        cell.alignment = Alignment(horizontal="center" if index >= FIRST_VALUE_COLUMN else "left")
        if index >= FIRST_VALUE_COLUMN and snapshot.columns[index - FIRST_VALUE_COLUMN].kind != "week":
            cell.fill = _TOTAL_FILL

    row = TABLE_ROW + 1
    for line in snapshot.lines:
        arrays = {
            name: np.array([np.nan if v is None else float(v) for v in values], dtype=float)
            for name, values in line.values.items()
        }
        for position, measure in enumerate(line.measures()):
            _write_row(sheet, row, line, measure, arrays, snapshot, is_first=position == 0)
            row += 1

    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 24
    for index in range(FIRST_VALUE_COLUMN, len(titles) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = sheet.cell(TABLE_ROW + 1, FIRST_VALUE_COLUMN).coordinate
    # Locked cells mean something only on a protected sheet; formatting stays allowed.
    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_row(
    sheet: Any,
    row: int,
    line: SheetLine,
    measure: Measure,
    arrays: dict[str, np.ndarray],
    snapshot: Snapshot,
    *,
    is_first: bool,
) -> None:
    for index, text in enumerate((line.code, measure.name, line.label(measure)), start=1):
        cell = sheet.cell(row, index, escape_text(text))
        if is_first:
            cell.border = _LINE_BORDER
        if line.is_total:
            cell.font = _BOLD
    is_entered = line.is_entered(measure) and snapshot.is_editable
    fmt = number_format(measure.name)
    for offset, column in enumerate(snapshot.columns):
        if column.kind == "week":
            stored = line.values[measure.name][column.periods[0]]
            value: float | None = None if stored is None else float(stored)
        else:
            total = _aggregate(measure.name, arrays, column.periods)
            value = None if np.isnan(total) else float(total)
        cell = sheet.cell(row, FIRST_VALUE_COLUMN + offset, value)
        cell.number_format = fmt
        if column.kind != "week":
            cell.fill = _TOTAL_FILL
        elif is_entered:
            cell.fill = _ENTERED_FILL
            cell.protection = _UNLOCKED
        else:
            cell.fill = _DERIVED_FILL
        if is_first:
            cell.border = _LINE_BORDER
