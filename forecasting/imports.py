"""Sales history import: weekly sales by SKU and location from a CSV or Excel (.xlsx) file.

The file has a header row, then one row per SKU, location and fiscal week. Column names are
matched ignoring case, spaces, underscores and a "$" (see `ALIASES`):

    sku, location, week, units, retail   required
    cost                                 optional; empty: units x the style-color's unit cost
    markdown                             optional; empty: 0

`week` is a fiscal week key (2025-W14 or 202514) or a date, meaning the fiscal week that holds
it. Only closed weeks (ended before today) can be imported. Amounts have at most 2 decimals.
CSV is UTF-8 (with or without a byte order mark), comma, semicolon or tab separated; in a
semicolon file a comma is the decimal separator (12,50). Excel: the first sheet is read.

All or nothing: every row is checked first and every problem listed with the row number as the
file shows it (the header is usually row 1). A file with any problem writes nothing and is
recorded as rejected. A clean file is applied in one transaction: rows equal to the stored
ones are left alone, changed rows updated (`bulk_write.write_columns`), new rows inserted
(`bulk_create`), so loading the same file again changes nothing. Stored rows the file does not
mention are kept. Imports are serialised (an advisory lock on PostgreSQL; SQLite's BEGIN
IMMEDIATE), so two uploads of overlapping files never race.

Parsing works per distinct value (codes, weeks and amounts repeat a lot) with pandas and
numpy doing the per-row gathering; lookups are one query per table. Reading the file and
parsing numbers and amounts, the row errors and the all-or-nothing apply are the import kit's
(`core.imports`), shared with the purchase order import and the plan's workbook.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction

from core.audit import AuditEntry, audit_record_many
from core.imports import (
    TABLE_IMPORT,
    ImportResult,
    RowErrors,
    Table,
    apply_all_or_nothing,
    check_size,
    match_columns,
    read_table,
)
from core.imports.cells import cell_at, money, shown, text, week_key, week_label
from core.imports.cells import number as cell_number
from core.money import to_cents
from forecasting.models import SalesImport
from planning import calendar, clock
from planning.models import Department, FiscalWeek, Location, SalesHistory, Sku
from planning.plans.bulk_write import write_columns
from planning.tasks import plans_roll

LIMITS = TABLE_IMPORT  # read at each import (a test narrows it)
MAX_STORED_ERRORS = 200
EXPECTED = "sku, location, week, units and retail (cost and markdown are optional)"
WRITTEN_MEANWHILE = (
    "Some of these sales rows were written by another process during the import: nothing was "
    "imported. Load the file again."
)
REQUIRED = ("sku", "location", "week", "units", "retail")
OPTIONAL = ("cost", "markdown")
ALIASES: dict[str, str] = {
    alias: name
    for name, aliases in {
        "sku": ("sku", "sku code", "skus"),
        "location": ("location", "location code", "loc", "store", "store code"),
        "week": ("week", "fiscal week", "week key", "date", "week date", "week start", "week ending"),
        "units": ("units", "unit", "units sold", "sales units", "qty", "quantity"),
        "retail": (
            "retail", "retail $", "retail value", "retail value $", "sales retail", "sales retail $",
            "retail sales", "retail sales $", "sales $", "sales value", "sales value $",
        ),
        "cost": ("cost", "cost $", "cost value", "cost value $", "sales cost", "sales cost $", "cogs"),
        "markdown": (
            "markdown", "markdown $", "markdowns", "markdowns $", "markdown value", "markdown value $",
        ),
    }.items()
    for alias in aliases
}  # fmt: skip
BATCH_SIZE = 2000
# One audit event per stored sales row an import changed, on the import, with the row's key and
# values before and after (money as exact strings). New and unchanged rows are not audited.
SALES_ROW_CHANGE = "sales.import.row.change"
LOOKUP_FILTER_LIMIT = 5000  # narrow the read of stored rows by ids only while the list is short
ZERO = Decimal("0.00")
MAX_UNITS = 2**31 - 1
_LOCK_KEY = 7_340_215  # pg_advisory_xact_lock key shared by every sales import


@dataclass
class _Parsed:
    """A column parsed: values by row (None where not valid) and the problems by row."""

    values: np.ndarray
    messages: np.ndarray  # object: a message or None


def sales_import_apply(
    *, user: User, file_name: str, content: bytes, today: date | None = None
) -> SalesImport:
    """Check the whole file, then apply it whole or record it as rejected with its problems.

    Raises UploadRefusedError (`core.imports`) for a file beyond the import's limits (20 MB,
    its rows, columns, cells; a workbook's expanded size): nothing is recorded. Every other
    problem ends in a rejected SalesImport and no sales row written.
    """
    check_size(len(content), LIMITS)
    record = SalesImport(
        file_name=file_name[:255], sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user
    )

    def check(errors: RowErrors) -> _Rows | None:
        table = read_table(file_name, content, LIMITS)
        columns = match_columns(
            table,
            ALIASES,
            REQUIRED,
            expected=EXPECTED,
            no_rows="The file has a header row but no sales rows.",
        )
        record.rows_total = len(table.rows)
        editable = set(Department.objects.editable_by(user).values_list("id", flat=True))
        return _validate(table, columns, today or clock.today(), editable, errors)

    result = apply_all_or_nothing(
        check,
        lambda rows: _write(record, rows),
        limit=MAX_STORED_ERRORS,
        integrity_message=WRITTEN_MEANWHILE,
    )
    if not result.is_applied:
        _reject(record, result)
    return record


def _write(record: SalesImport, rows: _Rows | None) -> None:
    """Inside the import's transaction: serialised with every other sales import."""
    assert rows is not None  # noqa: S101 - the kit writes only when every row was checked good
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    record.status = SalesImport.Status.APPLIED
    record.save()
    record.rows_inserted, record.rows_updated, record.rows_unchanged = _upsert(rows, record)
    record.save(update_fields=["rows_inserted", "rows_updated", "rows_unchanged"])
    transaction.on_commit(_queue_plans_roll)


def _queue_plans_roll() -> None:
    """Sales loaded: the weeks they close come into the plans (planning.plans.in_season)."""
    plans_roll.delay()


def _reject(record: SalesImport, result: ImportResult[None]) -> None:
    """Recorded as rejected with its problems; a write rolled back leaves nothing of its own."""
    record.pk = None
    record.rows_inserted = record.rows_updated = record.rows_unchanged = 0
    record.status = SalesImport.Status.REJECTED
    record.errors = [error.as_dict() for error in result.errors]
    record.save()


# --- checking -----------------------------------------------------------------------------
@dataclass
class _Rows:
    """The checked rows as columns, in file order."""

    sku_ids: list[int]
    location_ids: list[int]
    week_ids: list[int]
    units: list[int]
    retail: list[Decimal]
    cost: list[Decimal]
    markdown: list[Decimal]


def _validate(
    table: Table, columns: dict[str, int], today: date, editable: set[int], errors: RowErrors
) -> _Rows | None:
    """Every row checked: the rows, or None with every problem noted in `errors`."""
    raw = {name: [cell_at(values, index) for values in table.rows] for name, index in columns.items()}
    skus = {}
    department_of: dict[int, int] = {}
    for pk, code, unit_cost, department in Sku.objects.values_list(
        "id", "code", "style_color__unit_cost", "style_color__style__subclass__merch_class__department_id"
    ):
        skus[code.lower()] = (pk, unit_cost)
        department_of[pk] = department
    locations = {code.lower(): pk for pk, code in Location.objects.values_list("id", "code")}
    weeks = dict(FiscalWeek.objects.values_list("id", "end_date"))
    pattern = settings.MERCHPLAN_CALENDAR_PATTERN
    comma = table.decimal_comma
    sku_ids = {code: pk for code, (pk, _) in skus.items()}
    parsed = {
        "sku": _parse(raw["sku"], lambda value: _editable_sku(value, sku_ids, department_of, editable)),
        "location": _parse(raw["location"], lambda value: _lookup(value, "location", locations)),
        "week": _parse(raw["week"], lambda value: _week(value, weeks, today, pattern)),
        "units": _parse(raw["units"], lambda value: _units(value, comma)),
        "retail": _parse(raw["retail"], lambda value: money(value, comma, required=True)),
    }
    for name in OPTIONAL:
        if name in raw:
            parsed[name] = _parse(raw[name], lambda value: money(value, comma, required=False))
    parsed["duplicate"] = _duplicates(parsed, table.row_numbers)
    titles = {name: table.header[index] for name, index in columns.items()}
    titles["duplicate"] = " / ".join(titles[name] for name in ("sku", "location", "week"))
    if _note_problems(parsed, titles, table.row_numbers, errors):
        return None
    row_skus = parsed["sku"].values.astype(np.int64).tolist()
    units = parsed["units"].values.astype(np.int64).tolist()
    unit_costs = dict(skus.values())
    cost = parsed["cost"].values.tolist() if "cost" in parsed else [None] * len(units)
    markdown = parsed["markdown"].values.tolist() if "markdown" in parsed else [None] * len(units)
    rows = _Rows(
        sku_ids=row_skus,
        location_ids=parsed["location"].values.astype(np.int64).tolist(),
        week_ids=parsed["week"].values.astype(np.int64).tolist(),
        units=units,
        retail=parsed["retail"].values.tolist(),
        cost=[
            to_cents(unit_costs[sku] * count) if value is None else value
            for sku, count, value in zip(row_skus, units, cost, strict=True)
        ],
        markdown=[ZERO if value is None else value for value in markdown],
    )
    return rows


def _note_problems(
    parsed: dict[str, _Parsed], titles: dict[str, str], row_numbers: list[int], errors: RowErrors
) -> bool:
    """Note the problems of the first rows in file order (column by column within a row) up to
    what the import stores, and count the rest; whether there was any."""
    order = [name for name in (*REQUIRED, *OPTIONAL, "duplicate") if name in parsed]
    messages = np.column_stack([parsed[name].messages for name in order])
    has_message = pd.notna(messages)
    error_count = int(has_message.sum())
    listed = 0
    for row in np.flatnonzero(has_message.any(axis=1)):
        for position in np.flatnonzero(has_message[row]):
            errors.add(row_numbers[row], titles[order[position]], str(messages[row, position]))
            listed += 1
        if listed >= MAX_STORED_ERRORS:
            break
    errors.add_unlisted(error_count - listed)
    return error_count > 0


def _parse(values: list[Any], parse: Callable[[Any], Any]) -> _Parsed:
    """Parse each distinct value once, then gather by row. Distinct by type too: in a workbook
    the number 1 and the text "1" or TRUE are different cells."""
    positions: dict[tuple[type, Any], int] = {}
    index = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        key = (value.__class__, value)
        position = positions.get(key)
        if position is None:
            position = positions[key] = len(positions)
        index[row] = position
    results = np.empty(len(positions), dtype=object)
    problems = np.empty(len(positions), dtype=object)
    for (_, value), position in positions.items():
        try:
            results[position] = parse(value)
        except ValueError as error:
            problems[position] = str(error)
    return _Parsed(results[index], problems[index])


def _duplicates(parsed: dict[str, _Parsed], row_numbers: list[int]) -> _Parsed:
    """A message on each row with the same SKU, location and week as an earlier row."""
    keys = pd.DataFrame({name: parsed[name].values for name in ("sku", "location", "week")})
    keys["row"] = row_numbers
    keys = keys.dropna()
    messages = np.empty(len(row_numbers), dtype=object)
    repeated = keys.duplicated(subset=["sku", "location", "week"], keep="first")
    if repeated.any():
        first = keys.groupby(["sku", "location", "week"])["row"].transform("first")
        positions = keys.index[repeated.to_numpy()]
        for position, row in zip(positions, first[repeated].tolist(), strict=True):
            messages[position] = f"Same SKU, location and week as row {row}."
    return _Parsed(messages, messages)  # no values: only the messages count


def _editable_sku(value: Any, ids: dict[str, int], department_of: dict[int, int], editable: set[int]) -> int:
    sku = _lookup(value, "SKU", ids)
    if department_of[sku] not in editable:
        raise ValueError(f"SKU {shown(text(value))} belongs to a department you do not plan.")
    return sku


def _lookup(value: Any, label: str, ids: dict[str, int]) -> int:
    code = text(value)
    if not code:
        raise ValueError(f"Empty: enter a {label} code.")
    found = ids.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown {label} {shown(code)}.")
    return found


def _week(value: Any, end_dates: dict[int, date], today: date, pattern: str) -> int:
    """The fiscal week key of a week key or a date; the week must exist and be closed."""
    key = week_key(value, lambda day: calendar.fiscal_week_of(day, pattern).key, end_dates, year=2025)
    label = week_label(key)
    end = end_dates.get(key)
    if end is None:
        raise ValueError(f"Week {label} is not in the fiscal calendar.")
    if end >= today:
        raise ValueError(
            f"Week {label} is not over yet (it ends {end:%Y-%m-%d}): only closed weeks can be imported."
        )
    return key


def _units(value: Any, decimal_comma: bool) -> int:
    if value is None or value == "":
        raise ValueError("Empty: enter the units sold (0 for none).")
    units = cell_number(value, decimal_comma)
    if units != units.to_integral_value():
        raise ValueError(f"{shown(value)} is not a whole number of units.")
    if units < 0:
        raise ValueError(f"{shown(value)} is negative: units sold cannot be below 0.")
    if units > MAX_UNITS:
        raise ValueError(f"{shown(value)} is too large.")
    return int(units)


# --- writing ------------------------------------------------------------------------------
def _upsert(rows: _Rows, record: SalesImport) -> tuple[int, int, int]:
    """Insert new rows, update changed ones (keeping their old values in the audit), leave
    equal ones alone; returns the three counts."""
    stored = _stored(rows)
    inserts: list[SalesHistory] = []
    updates: list[tuple[int, int, Decimal, Decimal, Decimal]] = []
    changes: list[AuditEntry] = []
    unchanged = 0
    for sku_id, location_id, week_id, units, retail, cost, markdown in zip(
        rows.sku_ids, rows.location_ids, rows.week_ids, rows.units, rows.retail, rows.cost, rows.markdown,
        strict=True,
    ):  # fmt: skip
        values = (units, retail, cost, markdown)
        current = stored.get((sku_id, location_id, week_id))
        if current is None:
            inserts.append(
                SalesHistory(
                    sku_id=sku_id, location_id=location_id, fiscal_week_id=week_id, units=units,
                    retail_value=retail, cost_value=cost, markdown_value=markdown,
                )
            )  # fmt: skip
        elif current[1:] == values:
            unchanged += 1
        else:
            updates.append((current[0], *values))
            key = {"sku": sku_id, "location": location_id, "week": week_id}
            changes.append(
                AuditEntry(
                    record,
                    {**key, "units": current[1], "retail": current[2], "cost": current[3],
                     "markdown": current[4]},
                    {**key, "units": units, "retail": retail, "cost": cost, "markdown": markdown},
                )
            )  # fmt: skip
    SalesHistory.objects.bulk_create(inserts, batch_size=BATCH_SIZE)
    if updates:
        # Not bulk_update: its CASE WHEN per column costs minutes at 100,000 rows (see bulk_write).
        ids, units, retail, cost, markdown = zip(*updates, strict=True)
        columns = {"units": units, "retail_value": retail, "cost_value": cost, "markdown_value": markdown}
        write_columns(SalesHistory, ids, columns)
        audit_record_many(record.uploaded_by, SALES_ROW_CHANGE, changes)
    return len(inserts), len(updates), unchanged


def _stored(rows: _Rows) -> dict[tuple[int, int, int], tuple[int, int, Decimal, Decimal, Decimal]]:
    """The stored rows of the file's weeks (narrowed by SKU and location while the lists are
    short), by (sku, location, week): (id, units, retail, cost, markdown)."""
    queryset = SalesHistory.objects.filter(fiscal_week_id__in=sorted(set(rows.week_ids)))
    for field, ids in (("sku_id", rows.sku_ids), ("location_id", rows.location_ids)):
        distinct = set(ids)
        if len(distinct) <= LOOKUP_FILTER_LIMIT:
            queryset = queryset.filter(**{f"{field}__in": sorted(distinct)})
    return {
        (sku_id, location_id, week_id): (pk, units, retail, cost, markdown)
        for pk, sku_id, location_id, week_id, units, retail, cost, markdown in queryset.values_list(
            "id", "sku_id", "location_id", "fiscal_week_id", "units", "retail_value", "cost_value",
            "markdown_value",
        )
    }  # fmt: skip
