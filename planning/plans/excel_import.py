"""A plan version's workbook read back: the entered cells that changed, as cell edits
(`workbook_edits`, pure: bytes in, no database; the layout is `planning.plans.excel`'s).

All or nothing, and a file exported before the latest change of the version's entered values
(its `values_version` moved on) is refused: an edit made since the export would otherwise be
overwritten by the stale file. The file is read through the import kit's upload guard
(`core.imports`, within `PLAN_WORKBOOK`: 10 MB, 200,000 rows, 2,000 columns), which raises
UploadRefusedError for a file beyond it; every problem of the file is a `RowError` (row, column
as "D (2026-W01)", message), raised together as ImportRejectedError.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

from core.imports import (
    MB,
    FileRejectedError,
    ImportRejectedError,
    Limits,
    RowErrors,
    UnreadableWorkbookError,
)
from core.imports import workbook_rows as guarded_workbook_rows
from core.money import to_cents, to_places, to_units
from planning.plans.cell_input import CellInputError, parse_cell_input
from planning.plans.excel import HEADER_LABELS, TABLE_HEADER, TABLE_ROW, SheetLine, Snapshot, unescape_text
from planning.plans.measures import TARGET_PLACES, Measure, validate
from planning.plans.services import CellEdit

# A plan's exported grid: a 10,000-line plan has 150,000 rows of about 80 columns.
PLAN_WORKBOOK = Limits(
    max_bytes=10 * MB,
    max_expanded_bytes=200 * MB,
    max_rows=200_000,
    max_columns=2_000,
    max_cells=10_000_000,
)
MAX_ERRORS = 50  # listed next to the form; the rest counted
WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
DERIVED_TOLERANCE = Decimal("0.00005")  # half the finest stored precision (ratios: 4 places)


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
    errors = RowErrors()
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
            errors.add(*_where(number, 1, "Line"), f"unknown line code {code!r}.")
            continue
        measure = next((m for m in line.measures() if m.name == measure_name), None)
        if measure is None:
            errors.add(*_where(number, 2, "Measure"), f"{measure_name!r} is not a measure of {code}.")
            continue
        if (code, measure_name) in seen:
            other = seen[code, measure_name]
            errors.add(*_where(number, 2, "Measure"), f"{code} {measure_name} is also on row {other}.")
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
                errors.add(
                    *where,
                    f"{line.label(measure)} is calculated, not entered; change the entered values instead.",
                )
    if errors:
        raise ImportRejectedError(errors.listed)
    return edits


def _read_sheets(content: bytes) -> list[_Sheet]:
    """Every sheet, read through the upload guard (UploadRefusedError past its limits)."""
    try:
        sheets = guarded_workbook_rows(content, PLAN_WORKBOOK)
    except UnreadableWorkbookError:
        raise FileRejectedError("The file is not an Excel workbook (.xlsx): export the plan again.") from None
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
        raise FileRejectedError(
            "The workbook is not a Merchplan plan export (no sheet with the plan header and a "
            "Line / Measure table): export the plan and edit that file."
        )
    sheet = next((s for s in exports if _int(s.header.get("Version id")) == snapshot.version_id), None)
    if sheet is None:
        other = exports[0].header
        raise FileRejectedError(
            f"The workbook was exported from {_text(other.get('Plan'))} · {_text(other.get('Version'))}, "
            f"not from {snapshot.plan_name} · {snapshot.version_name}: nothing was imported."
        )
    exported = _int(sheet.header.get("Values version"))
    if exported != snapshot.values_version:
        raise FileRejectedError(
            f"The plan changed since this file was exported (values version {exported}, now "
            f"{snapshot.values_version}): nothing was imported. Export it again and re-enter your "
            "changes there, so that no one's newer values are overwritten."
        )
    return sheet


def _week_columns(sheet: _Sheet, snapshot: Snapshot, errors: RowErrors) -> dict[int, tuple[str, int]]:
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
            errors.add(*where, f"week {key} is not in this plan.")
        elif key in seen:
            errors.add(*where, f"week {key} is also in column {get_column_letter(seen[key] + 1)}.")
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
    where: tuple[int, str],
    errors: RowErrors,
) -> CellEdit | None:
    current = line.values[measure.name][period]
    try:
        value = _entered_number(raw, measure.name, line.method)
    except ValueError as error:
        errors.add(*where, str(error))
        return None
    if value is None:
        if current is not None:
            errors.add(*where, f"{line.label(measure)} is empty; enter a number (0 for none).")
        return None
    problem = validate(measure.name, value, line.method)
    if problem:
        errors.add(*where, problem)
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
        return to_units(value)
    return to_places(value, TARGET_PLACES) if measure == "target" else to_cents(value)


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


def _where(row: int, column: int, title: str) -> tuple[int, str]:
    """A cell's row, and its column as the error table shows it: "D (2026-W01)"."""
    return row, f"{get_column_letter(column)} ({title})"


def _at(values: tuple[Any, ...], index: int) -> Any:
    return values[index] if index < len(values) else None


def _text(value: Any) -> str:
    return "" if value is None else unescape_text(str(value).strip())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
