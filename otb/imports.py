"""Purchase order import: orders and their lines from a CSV or Excel (.xlsx) file.

The file has a header row, then one row per order line; rows with the same `po_number` make
one order. Column names are matched ignoring case, spaces and underscores (see `ALIASES`):

    po_number, vendor, department, sku, location, units, unit_cost, unit_retail, receipt_week

`vendor`, `department`, `sku` and `location` are codes. `receipt_week` is a fiscal week key
(2026-W14 or 202614) or a date, meaning the fiscal week that holds it; the week must not be
over yet, and the department needs an approved OTB budget for the week's fiscal month. Units are
whole and at least 1, cost and retail at most 2 decimals, none negative. A row identical to an
earlier one (same order, SKU, location, units, cost, retail and week) is reported, not added to
the order twice. The file is read by the import kit (`core.imports`), like the sales history
import: UTF-8 CSV with or without a byte order mark, comma, semicolon or tab separated, or the
first sheet of a workbook, within the limits of `TABLE_IMPORT` (20 MB, 1,048,576 rows, 256
columns).

All or nothing (`core.imports.apply_all_or_nothing`): every row is checked first and every
problem listed with the row number as the file shows it and the column. A clean file is
applied in one transaction through
`purchase_order_create`, order by order; an order over OTB (or any other refusal) rolls the
whole file back and is reported with its number and what is left. With `request_exceptions`,
an order over OTB is kept awaiting a manager's approval instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.utils import timezone

from core.imports import (
    MAX_ERRORS,
    MB,
    TABLE_IMPORT,
    ImportRejectedError,
    Repeats,
    RowError,
    RowErrors,
    Table,
    apply_all_or_nothing,
    check_size,
    match_columns,
    read_table,
)
from core.imports.cells import cell_at, money, shown, text, week_key, week_label
from core.imports.cells import number as cell_number
from core.weeks import month_key, month_label
from otb import ledger, open_to_buy, services
from otb.models import PurchaseOrder, Vendor
from otb.orders import LineRequest, purchase_order_create
from planning import calendar, clock
from planning.models import Department, FiscalWeek, Location, Sku

LIMITS = TABLE_IMPORT  # read at each import (a test narrows it)
MAX_MEGABYTES = LIMITS.max_bytes // MB
MAX_NUMBER_LENGTH = PurchaseOrder._meta.get_field("number").max_length or 30
MAX_UNITS = 2**31 - 1
COLUMNS = (
    "po_number", "vendor", "department", "sku", "location", "units", "unit_cost", "unit_retail",
    "receipt_week",
)  # fmt: skip
ALIASES: dict[str, str] = {
    alias: name
    for name, aliases in {
        "po_number": ("po number", "po", "po no", "order", "order number", "purchase order", "number"),
        "vendor": ("vendor", "vendor code", "supplier", "supplier code"),
        "department": ("department", "department code", "dept", "dept code"),
        "sku": ("sku", "sku code"),
        "location": ("location", "location code", "loc", "store", "destination"),
        "units": ("units", "unit", "qty", "quantity", "order units"),
        "unit_cost": ("unit cost", "unit cost $", "cost", "cost $"),
        "unit_retail": ("unit retail", "unit retail $", "retail", "retail $", "price"),
        "receipt_week": ("receipt week", "week", "receipt date", "expected receipt week", "due week"),
    }.items()
    for alias in aliases
}  # fmt: skip


@dataclass
class ImportedOrder:
    number: str
    status: str  # PurchaseOrder.Status value
    lines: int
    units: int
    retail: Decimal


@dataclass
class POImportResult:
    """What an import did: the orders written, or the problems that stopped it (nothing written)."""

    file_name: str
    rows_total: int = 0
    orders: list[ImportedOrder] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    at: datetime = field(default_factory=timezone.now)

    @property
    def is_applied(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, for the session."""
        return {
            "file_name": self.file_name,
            "rows_total": self.rows_total,
            "is_applied": self.is_applied,
            "orders": [
                {
                    "number": order.number,
                    "status": order.status,
                    "status_label": PurchaseOrder.Status(order.status).label,
                    "lines": order.lines,
                    "units": order.units,
                    "retail": f"{order.retail:.2f}",
                }
                for order in self.orders
            ],
            "errors": [error.as_dict() for error in self.errors],
            "at": self.at.isoformat(),
        }


@dataclass
class _Line:
    row: int
    vendor: str
    department_id: int
    request: LineRequest
    month_key: int


def po_import_apply(
    *,
    user: User,
    file_name: str,
    content: bytes,
    request_exceptions: bool = False,
    today: date | None = None,
) -> POImportResult:
    """Check the whole file, then create every order in one transaction, or nothing. Raises
    UploadRefusedError (`core.imports`) for a file beyond the import's limits."""
    check_size(len(content), LIMITS)
    result = POImportResult(file_name=file_name[:255])
    po_title = ""

    def check(errors: RowErrors) -> dict[str, list[_Line]]:
        nonlocal po_title
        table = read_table(file_name, content, LIMITS)
        columns = match_columns(
            table,
            ALIASES,
            COLUMNS,
            expected=", ".join(COLUMNS),
            no_rows="The file has a header row but no order lines.",
        )
        result.rows_total = len(table.rows)
        po_title = table.title(columns, "po_number")
        return _validate(user, table, columns, today or clock.today(), errors)

    outcome = apply_all_or_nothing(
        check, lambda orders: _create(user, orders, request_exceptions, po_title), limit=MAX_ERRORS
    )
    result.errors = outcome.errors
    result.orders = outcome.value or []
    return result


# --- checking -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Week:
    id: int
    end_date: date
    month_key: int


class _Lookups:
    """Every table the check needs, read once."""

    def __init__(self, user: User) -> None:
        self.vendors = {code.lower(): code for code in Vendor.objects.values_list("code", flat=True)}
        self.departments = {
            code.lower(): (pk, code) for pk, code in Department.objects.values_list("id", "code")
        }
        self.department_codes = dict(self.departments.values())
        self.editable = set(Department.objects.editable_by(user).values_list("id", flat=True))
        self.skus = {
            code.lower(): (code, department)
            for code, department in Sku.objects.values_list(
                "code", "style_color__style__subclass__merch_class__department_id"
            )
        }
        self.locations = {code.lower(): code for code in Location.objects.values_list("code", flat=True)}
        self.weeks = {
            pk: _Week(pk, end, month_key(year, month))
            for pk, end, year, month in FiscalWeek.objects.values_list("id", "end_date", "year", "month")
        }


@dataclass
class _Seen:
    """What the rows checked so far tell about the next ones."""

    heads: dict[str, tuple[int, str, int]] = field(default_factory=dict)  # number -> row, vendor, dept
    budget_needed: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    rows_of: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # number -> rows
    lines: Repeats = field(default_factory=Repeats)


def _validate(
    user: User, table: Table, columns: dict[str, int], today: date, errors: RowErrors
) -> dict[str, list[_Line]]:
    """Orders by number (lines in file order); every problem noted in `errors`."""
    lookups = _Lookups(user)
    titles = {name: table.title(columns, name) for name in COLUMNS}
    orders: dict[str, list[_Line]] = defaultdict(list)
    seen = _Seen()
    for row_number, values in zip(table.row_numbers, table.rows, strict=True):
        cell = {name: cell_at(values, columns[name]) for name in COLUMNS}
        problems: dict[str, str] = {}
        checked = _line(row_number, cell, problems, lookups, table.decimal_comma, today, seen)
        for name, message in problems.items():
            errors.add(row_number, titles[name], message)
        if checked is None:
            continue
        number, line = checked
        request = line.request
        key = (number, line.vendor, request.sku_code, request.location_code, request.units,
               request.unit_cost, request.unit_retail, request.receipt_week_id)  # fmt: skip
        first = seen.lines.first(key, row_number)
        if first is not None:
            message = (
                f"Same order line as row {first}: remove the repeat, or put the units of both on one row."
            )
            errors.add(row_number, "", message)
        orders[number].append(line)
    errors.extend(_missing_budgets(seen.budget_needed, lookups, titles["receipt_week"]))
    existing = PurchaseOrder.objects.filter(number__in=list(seen.rows_of)).values_list("number", flat=True)
    for number in existing:
        message = f"Order number {number} exists already: nothing of this order can be imported again."
        errors.extend(RowError(row, titles["po_number"], message) for row in seen.rows_of[number])
    return orders


def _line(
    row: int,
    cell: dict[str, Any],
    problems: dict[str, str],
    lookups: _Lookups,
    comma: bool,
    today: date,
    seen: _Seen,
) -> tuple[str, _Line] | None:
    """One row's order number and line, or None with its problems noted by column name."""
    number = _checked(problems, "po_number", _po_number, cell)
    vendor = _checked(problems, "vendor", _code, cell, "vendor", lookups.vendors)
    department = _checked(problems, "department", _department, cell, lookups)
    sku = _checked(problems, "sku", _sku, cell, lookups, department)
    location = _checked(problems, "location", _code, cell, "location", lookups.locations)
    units = _checked(problems, "units", _units, cell, comma)
    unit_cost = _checked(problems, "unit_cost", _amount, cell, comma)
    unit_retail = _checked(problems, "unit_retail", _amount, cell, comma)
    week = _checked(problems, "receipt_week", _receipt_week, cell, lookups.weeks, today)
    if number is not None:
        head = seen.heads.setdefault(number, (row, vendor or "", department or 0))
        if vendor is not None and head[1] and vendor != head[1]:
            problems["vendor"] = (
                f"Order {number} has vendor {head[1]} on row {head[0]}: one vendor per order."
            )
        if department is not None and head[2] and department != head[2]:
            problems["department"] = (
                f"Order {number} is for another department on row {head[0]}: one department per order."
            )
        seen.rows_of[number].append(row)
    if department is not None and week is not None:
        seen.budget_needed[(department, week.month_key)].append(row)
    if problems:
        return None
    request = LineRequest(sku, location, units, unit_cost, unit_retail, week.id)
    return number, _Line(row, vendor, department, request, week.month_key)


def _checked(
    problems: dict[str, str], name: str, parse: Callable[..., Any], cell: dict[str, Any], *args: Any
) -> Any:
    """The parsed cell, or None with its problem noted under the column's name."""
    try:
        return parse(cell[name], *args)
    except ValueError as error:
        problems[name] = str(error)
        return None


def _amount(value: Any, decimal_comma: bool) -> Decimal | None:
    return money(value, decimal_comma, required=True)


def _missing_budgets(
    needed: dict[tuple[int, int], list[int]], lookups: _Lookups, title: str
) -> list[RowError]:
    """A problem on every row whose department has no approved budget for the receipt month."""
    by_department: dict[int, list[int]] = defaultdict(list)
    for department, key in needed:
        by_department[department].append(key)
    errors: list[RowError] = []
    for department, keys in by_department.items():
        found = services.approved_budget_months(department, keys)
        for key in keys:
            if key in found:
                continue
            code, month = lookups.department_codes[department], month_label(key)
            message = f"{code} has no approved OTB budget for {month}."
            errors.extend(RowError(row, title, message) for row in needed[(department, key)])
    return errors


def _po_number(value: Any) -> str:
    number = text(value)
    if not number:
        raise ValueError("Empty: enter the purchase order number.")
    if len(number) > MAX_NUMBER_LENGTH:
        raise ValueError(f"{shown(number)} is longer than {MAX_NUMBER_LENGTH} characters.")
    return number


def _code(value: Any, label: str, codes: dict[str, str]) -> str:
    code = text(value)
    if not code:
        raise ValueError(f"Empty: enter a {label} code.")
    found = codes.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown {label} {shown(code)}.")
    return found


def _department(value: Any, lookups: _Lookups) -> int:
    code = text(value)
    if not code:
        raise ValueError("Empty: enter a department code.")
    found = lookups.departments.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown department {shown(code)}.")
    if found[0] not in lookups.editable:
        raise ValueError(f"You cannot buy for department {found[1]}.")
    return found[0]


def _sku(value: Any, lookups: _Lookups, department: int | None) -> str:
    code = text(value)
    if not code:
        raise ValueError("Empty: enter a SKU code.")
    found = lookups.skus.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown SKU {shown(code)}.")
    if department is not None and found[1] != department:
        raise ValueError(f"SKU {found[0]} is not in department {lookups.department_codes[department]}.")
    return found[0]


def _units(value: Any, decimal_comma: bool) -> int:
    if value is None or value == "":
        raise ValueError("Empty: enter the units ordered.")
    units = cell_number(value, decimal_comma)
    if units != units.to_integral_value():
        raise ValueError(f"{shown(value)} is not a whole number of units.")
    if units < 0:
        raise ValueError(f"{shown(value)} is negative: order at least 1 unit.")
    if units < 1:
        raise ValueError("Order at least 1 unit.")
    if units > MAX_UNITS:
        raise ValueError(f"{shown(value)} is too large.")
    return int(units)


def _receipt_week(value: Any, weeks: dict[int, _Week], today: date) -> _Week:
    """The fiscal week of a week key or a date; it must exist and not be over."""
    pattern = settings.MERCHPLAN_CALENDAR_PATTERN
    key = week_key(value, lambda day: calendar.fiscal_week_of(day, pattern).key, weeks, year=2026)
    week = weeks.get(key)
    label = week_label(key)
    if week is None:
        raise ValueError(f"Week {label} is not in the fiscal calendar.")
    if week.end_date < today:
        raise ValueError(f"Week {label} is in a closed period (it ended {week.end_date:%Y-%m-%d}).")
    return week


# --- writing ------------------------------------------------------------------------------
def _create(
    user: User, orders: dict[str, list[_Line]], request_exceptions: bool, po_title: str
) -> list[ImportedOrder]:
    """Every order through `purchase_order_create`, inside the import's transaction. The OTB
    months of the whole file are locked first, in one order, so two imports never wait on each
    other in a cycle. An order refused rolls the whole file back (ImportRejectedError)."""
    created: list[ImportedOrder] = []
    wanted: dict[int, set[int]] = defaultdict(set)
    for lines in orders.values():
        wanted[lines[0].department_id].update(line.month_key for line in lines)
    # Adding nothing locks each month's commitment row: department by department, month by month.
    for department in sorted(wanted):
        ledger.commit(department, dict.fromkeys(wanted[department], Decimal(0)))
    with open_to_buy.refreshed_once():  # the plans follow once, not once per order
        for number, lines in orders.items():
            created.append(_create_one(user, number, lines, request_exceptions, po_title))
    return created


def _create_one(
    user: User, number: str, lines: list[_Line], request_exceptions: bool, po_title: str
) -> ImportedOrder:
    row = lines[0].row
    try:
        order = purchase_order_create(
            user=user,
            number=number,
            vendor_code=lines[0].vendor,
            department_id=lines[0].department_id,
            lines=[line.request for line in lines],
            request_exception=request_exceptions,
        )
    except services.InsufficientOTBError as error:
        left = "; ".join(
            f"{month_label(key)}: ${need:,.2f} at retail asked, ${max(available, Decimal(0)):,.2f} left"
            for key, (need, available) in sorted(error.short.items())
        )
        message = (
            f"Order {number} is over OTB ({left}). Nothing was imported: scale the order down "
            "or tick “request OTB exceptions”."
        )
        raise ImportRejectedError([RowError(row, po_title, message)]) from error
    except services.OTBError as error:
        raise ImportRejectedError([RowError(row, "", f"Order {number}: {error}")]) from error
    except IntegrityError:
        message = f"Order {number}: was written by someone else meanwhile."
        raise ImportRejectedError([RowError(row, "", message)]) from None
    return ImportedOrder(
        number=number,
        status=order.status,
        lines=len(lines),
        units=sum(line.request.units for line in lines),
        retail=sum((line.request.unit_retail * line.request.units for line in lines), Decimal("0")),
    )
