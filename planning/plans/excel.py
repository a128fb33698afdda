"""A plan version's grid as an Excel workbook, and the entered values read back from one.

The sheet has a header block (plan, version, department, scope, when, and the version's
`values_version`), then one row per line and measure as in the grid: A "Line" (class code or
TOTAL), B "Measure" (the machine name), C "Label", a column per week ("2026-W05") and the
month, quarter and season totals ("Total Feb", grey), which the import ignores.

The import is all or nothing and refuses a file exported before the latest change of the
version's entered values (its `values_version` moved on): an edit made since the export would
otherwise be overwritten by the stale file without anyone noticing. Re-export and re-apply.
The edits carry the row versions read here, so a change made between this read and the write
fails the write with a conflict instead of being overwritten.

`plan_snapshot` reads the version (three queries); `workbook_build` and `workbook_edits` are
pure: bytes in or out, no database. The file is read through the upload guard
(`planning.uploads.PLAN_WORKBOOK`: 10 MB, 200,000 rows, 2,000 columns), which raises
UploadRefusedError for a file beyond it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

import numpy as np
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from planning import clock, uploads
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.cell_input import CellInputError, parse_cell_input
from planning.plans.grid import PERCENT, VALUE_FIELDS, Column, _aggregate, columns_for
from planning.plans.measures import RECEIPTS, TARGET_LABELS, TARGET_PLACES, Measure, grid_measures, validate
from planning.plans.services import CellEdit

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
WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DERIVED_TOLERANCE = Decimal("0.00005")  # half the finest stored precision (ratios: 4 places)

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


# --- import ---------------------------------------------------------------------------------
class ImportRejectedError(Exception):
    """The file cannot be imported; `errors` says every reason. Nothing was changed."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the workbook")
        self.errors = errors


@dataclass
class _Sheet:
    title: str
    header: dict[str, Any]
    table_row: int  # 1-based row of the "Line / Measure / Label" header, 0 if none
    rows: list[tuple[Any, ...]]  # every row from row 1


def workbook_edits(content: bytes, snapshot: Snapshot) -> list[CellEdit]:
    """Every entered cell whose value differs from the version's, as cell edits that name the
    row version read here; raises ImportRejectedError listing every problem found."""
    sheet = _choose_sheet(_read_sheets(content), snapshot)
    errors: list[str] = []
    weeks = _week_columns(sheet, snapshot, errors)
    lines = {line.code: line for line in snapshot.lines}
    check_total = _int(sheet.header.get("Totals version")) == snapshot.totals_version
    seen: dict[tuple[str, str], int] = {}
    edits: list[CellEdit] = []
    for number, values in enumerate(sheet.rows[sheet.table_row :], start=sheet.table_row + 1):
        code, measure_name = _text(_at(values, 0)), _text(_at(values, 1))
        if not code and not measure_name:
            continue
        line = lines.get(code)
        if line is None:
            errors.append(f"{_where(number, 1, 'Line')}: unknown line code {code!r}.")
            continue
        measure = next((m for m in line.measures() if m.name == measure_name), None)
        if measure is None:
            errors.append(f"{_where(number, 2, 'Measure')}: {measure_name!r} is not a measure of {code}.")
            continue
        if (code, measure_name) in seen:
            other = seen[code, measure_name]
            errors.append(f"{_where(number, 2, 'Measure')}: {code} {measure_name} is also on row {other}.")
            continue
        seen[code, measure_name] = number
        if line.is_total and not check_total:
            continue  # the totals were recalculated since the export: their old values are not edits
        for index, (key, period) in weeks.items():
            where = _where(number, index + 1, key)
            raw = _at(values, index)
            if line.is_entered(measure):
                edit = _entered_edit(line, measure, period, raw, snapshot.week_ids[period], where, errors)
                if edit is not None:
                    edits.append(edit)
            elif not _matches(raw, line.values[measure.name][period]):
                errors.append(
                    f"{where}: {line.label(measure)} is calculated, not entered; "
                    "change the entered values instead."
                )
    if errors:
        raise ImportRejectedError(errors)
    return edits


def _read_sheets(content: bytes) -> list[_Sheet]:
    """Every sheet, read through the upload guard (UploadRefusedError past its limits)."""
    try:
        sheets = uploads.workbook_rows(content, uploads.PLAN_WORKBOOK)
    except uploads.UnreadableWorkbookError:
        raise ImportRejectedError(
            ["The file is not an Excel workbook (.xlsx): export the plan again."]
        ) from None
    return [_parse_header(sheet.title, sheet.rows) for sheet in sheets]


def _parse_header(title: str, rows: list[tuple[Any, ...]]) -> _Sheet:
    header: dict[str, Any] = {}
    for number, values in enumerate(rows[: TABLE_ROW + 20], start=1):
        label = _text(_at(values, 0))
        if label == TABLE_HEADER[0] and _text(_at(values, 1)) == TABLE_HEADER[1]:
            return _Sheet(title, header, number, rows)
        if label in HEADER_LABELS:
            header[label] = _at(values, 1)
    return _Sheet(title, header, 0, rows)


def _choose_sheet(sheets: list[_Sheet], snapshot: Snapshot) -> _Sheet:
    exports = [sheet for sheet in sheets if sheet.table_row and _int(sheet.header.get("Version id"))]
    if not exports:
        raise ImportRejectedError(
            [
                "The workbook is not a Merchplan plan export (no sheet with the plan header and a "
                "Line / Measure table): export the plan and edit that file."
            ]
        )
    sheet = next((s for s in exports if _int(s.header.get("Version id")) == snapshot.version_id), None)
    if sheet is None:
        other = exports[0].header
        raise ImportRejectedError(
            [
                f"The workbook was exported from {_text(other.get('Plan'))} · {_text(other.get('Version'))}, "
                f"not from {snapshot.plan_name} · {snapshot.version_name}: nothing was imported."
            ]
        )
    exported = _int(sheet.header.get("Values version"))
    if exported != snapshot.values_version:
        raise ImportRejectedError(
            [
                f"The plan changed since this file was exported (values version {exported}, now "
                f"{snapshot.values_version}): nothing was imported. Export it again and re-enter your "
                "changes there, so that no one's newer values are overwritten."
            ]
        )
    return sheet


def _week_columns(sheet: _Sheet, snapshot: Snapshot, errors: list[str]) -> dict[int, tuple[str, int]]:
    """0-based column index -> (week key, period) of the week columns; totals are skipped."""
    period_of = {week_id: period for period, week_id in enumerate(snapshot.week_ids)}
    titles = sheet.rows[sheet.table_row - 1]
    columns: dict[int, tuple[str, int]] = {}
    seen: dict[str, int] = {}
    for index in range(len(TABLE_HEADER), len(titles)):
        key = _text(titles[index])
        match = WEEK_KEY.match(key)
        if match is None:
            continue  # a total, a blank or the planner's own column: not imported
        where = _where(sheet.table_row, index + 1, key)
        period = period_of.get(int(match.group(1)) * 100 + int(match.group(2)))
        if period is None:
            errors.append(f"{where}: week {key} is not in this plan.")
        elif key in seen:
            errors.append(f"{where}: week {key} is also in column {get_column_letter(seen[key] + 1)}.")
        else:
            seen[key] = index
            columns[index] = (key, period)
    return columns


def _entered_edit(
    line: SheetLine,
    measure: Measure,
    period: int,
    raw: Any,
    week_id: int,
    where: str,
    errors: list[str],
) -> CellEdit | None:
    current = line.values[measure.name][period]
    try:
        value = _entered_number(raw, measure.name, line.method)
    except ValueError as error:
        errors.append(f"{where}: {error}")
        return None
    if value is None:
        if current is not None:
            errors.append(f"{where}: {line.label(measure)} is empty; enter a number (0 for none).")
        return None
    problem = validate(measure.name, value, line.method)
    if problem:
        errors.append(f"{where}: {problem}")
        return None
    stored = _as_stored(measure.name, value)
    if stored == current:
        return None
    return CellEdit(
        line_id=line.line_id,
        week_id=week_id,
        measure=measure.name,
        value=str(stored),
        row_version=line.row_versions[period],
    )


def _entered_number(raw: Any, measure: str, method: str) -> Decimal | None:
    """An entered cell's number. Text is read as the grid reads what is typed (cell_input):
    "1,250" and "$1,250" are fine, "10%" only in a sell-through target; an import states
    values, so a change such as "+10%" is refused."""
    if not isinstance(raw, str):
        return _number(raw)
    text = unescape_text(raw).strip()
    if not text:
        return None
    try:
        entry = parse_cell_input(text, measure=measure, method=method)
    except CellInputError as error:
        raise ValueError(f"{text!r} is not a number." if error.is_not_a_number else str(error)) from None
    if entry.is_change:
        raise ValueError(f"{text!r} is a change; an import takes the value itself (e.g. 1,250).")
    return entry.number


def _as_stored(measure: str, value: Decimal) -> Decimal:
    """The value as the cell edit stores it (units whole, targets to 10 places, money to cents)."""
    if measure == "sales_units":
        return value.quantize(Decimal("1"))
    return value.quantize(TARGET_PLACES if measure == "target" else Decimal("0.01"))


def _matches(raw: Any, stored: Decimal | None) -> bool:
    """Whether a calculated cell still holds what was exported."""
    try:
        value = _number(raw)
    except ValueError:
        return False
    if value is None or stored is None:
        return value is None and stored is None
    return abs(value - stored) <= DERIVED_TOLERANCE


def _number(raw: Any) -> Decimal | None:
    """A cell's number; None when empty. Text such as "1,200", "$15" or "25%" is read too."""
    if raw is None:
        return None
    if isinstance(raw, bool | date):
        raise ValueError(f"{_shown(raw)} is not a number.")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(f"{_shown(raw)} is not a number.")
        return Decimal(repr(raw))
    text = unescape_text(str(raw)).strip()
    if not text:
        return None
    scale = Decimal("0.01") if text.endswith("%") else Decimal("1")
    try:
        value = Decimal(text.replace(",", "").replace("$", "").removesuffix("%").strip()) * scale
    except InvalidOperation:
        raise ValueError(f"{_shown(raw)} is not a number.") from None
    if not value.is_finite():
        raise ValueError(f"{_shown(raw)} is not a number.")
    return value


def _shown(raw: Any) -> str:
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _where(row: int, column: int, title: str) -> str:
    return f"row {row}, column {get_column_letter(column)} ({title})"


def _at(values: tuple[Any, ...], index: int) -> Any:
    return values[index] if index < len(values) else None


def _text(value: Any) -> str:
    return "" if value is None else unescape_text(str(value).strip())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
