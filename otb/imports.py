"""Purchase order import: orders and their lines from a CSV or Excel (.xlsx) file.

The file has a header row, then one row per order line; rows with the same `po_number` make
one order. Column names are matched ignoring case, spaces and underscores (see `ALIASES`):

    po_number, vendor, department, sku, location, units, unit_cost, unit_retail, receipt_week

`vendor`, `department`, `sku` and `location` are codes. `receipt_week` is a fiscal week key
(2026-W14 or 202614) or a date, meaning the fiscal week that holds it; the week must not be
over yet, and the department needs an approved OTB budget for the week's fiscal month. Units are
whole and at least 1, cost and retail at most 2 decimals, none negative. The file is read like
the sales history import (`forecasting.import_files`): UTF-8 CSV with or without a byte order
mark, comma, semicolon or tab separated, or the first sheet of a workbook, within the limits of
`planning.uploads.TABLE_IMPORT` (20 MB, 1,048,576 rows, 256 columns).

All or nothing: every row is checked first and every problem listed with the row number as the
file shows it and the column. A clean file is applied in one transaction through
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
from django.db import IntegrityError, transaction
from django.utils import timezone

from forecasting.import_files import (
    _ISO_DATE,
    _WEEK_KEY,
    _YEAR_WEEK,
    MAX_FILE_MEGABYTES,
    _at,
    _FileError,
    _money,
    _normalise,
    _number,
    _read_table,
    _shown,
    _Table,
    _text,
)
from otb import ledger, open_to_buy, services
from otb.models import PurchaseOrder, Vendor
from otb.orders import LineRequest, purchase_order_create
from planning import calendar, clock, uploads
from planning.models import Department, FiscalWeek, Location, Sku

MAX_ERRORS = 200
MAX_MEGABYTES = MAX_FILE_MEGABYTES
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
    errors: list[dict[str, Any]] = field(default_factory=list)
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
            "errors": self.errors,
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
    UploadRefusedError (`planning.uploads`) for a file beyond the import's limits."""
    uploads.check_size(len(content), uploads.TABLE_IMPORT)
    result = POImportResult(file_name=file_name[:255])
    try:
        table = _read_table(file_name, content)
        columns = _match_columns(table)
    except _FileError as error:
        result.errors = [_error(error.row, "", str(error))]
        return result
    result.rows_total = len(table.rows)
    orders, errors = _validate(user, table, columns, today or clock.today())
    if errors:
        result.errors = _capped(errors)
        return result
    try:
        result.orders = _create(user, orders, request_exceptions)
    except _OverOTBError as error:
        number, short = error.number, error.short
        left = "; ".join(
            f"{services.month_label(key)}: ${need:,.2f} at retail asked, "
            f"${max(available, Decimal(0)):,.2f} left"
            for key, (need, available) in sorted(short.items())
        )
        result.errors = [
            _error(
                orders[number][0].row,
                _title(table, columns, "po_number"),
                f"Order {number} is over OTB ({left}). Nothing was imported: scale the order down "
                "or tick “request OTB exceptions”.",
            )
        ]
    except _OrderRefusedError as error:
        result.errors = [_error(orders[error.number][0].row, "", f"Order {error.number}: {error.message}")]
    return result


# --- reading ------------------------------------------------------------------------------
def _match_columns(table: _Table) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(table.header):
        name = ALIASES.get(_normalise(title))
        if name is None:
            continue
        if name in columns:
            first = table.header[columns[name]]
            raise _FileError(
                f"The columns “{first}” and “{title}” both give {name}: keep one.", table.header_row
            )
        columns[name] = index
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        found = ", ".join(f"“{title}”" for title in table.header if title) or "none"
        raise _FileError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. The header row must "
            f"name {', '.join(COLUMNS)}; found {found}.",
            table.header_row,
        )
    if not table.rows:
        raise _FileError("The file has a header row but no order lines.")
    return columns


def _title(table: _Table, columns: dict[str, int], name: str) -> str:
    return table.header[columns[name]]


def _error(row: int | None, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def _capped(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(errors) <= MAX_ERRORS:
        return errors
    more = len(errors) - MAX_ERRORS
    return [*errors[:MAX_ERRORS], _error(None, "", f"… and {more:,} more problem{'s' if more != 1 else ''}.")]


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
            pk: _Week(pk, end, year * 100 + month)
            for pk, end, year, month in FiscalWeek.objects.values_list("id", "end_date", "year", "month")
        }


def _validate(
    user: User, table: _Table, columns: dict[str, int], today: date
) -> tuple[dict[str, list[_Line]], list[dict[str, Any]]]:
    """Orders by number (lines in file order) and every problem, in file order."""
    lookups = _Lookups(user)
    comma = table.decimal_comma
    titles = {name: _title(table, columns, name) for name in COLUMNS}
    errors: list[dict[str, Any]] = []
    orders: dict[str, list[_Line]] = defaultdict(list)
    heads: dict[str, tuple[int, str, int]] = {}  # number -> first row, vendor, department
    budget_needed: dict[tuple[int, int], list[int]] = defaultdict(list)  # (department, month) -> rows
    rows_of: dict[str, list[int]] = defaultdict(list)  # order number -> rows
    for row_number, values in zip(table.row_numbers, table.rows, strict=True):
        cell = {name: _at(values, columns[name]) for name in COLUMNS}
        problems: dict[str, str] = {}
        number = _checked(problems, "po_number", _po_number, cell)
        vendor = _checked(problems, "vendor", _code, cell, "vendor", lookups.vendors)
        department = _checked(problems, "department", _department, cell, lookups)
        sku = _checked(problems, "sku", _sku, cell, lookups, department)
        location = _checked(problems, "location", _code, cell, "location", lookups.locations)
        units = _checked(problems, "units", _units, cell, comma)
        unit_cost = _checked(problems, "unit_cost", _amount, cell, comma)
        unit_retail = _checked(problems, "unit_retail", _amount, cell, comma)
        week = _checked(problems, "receipt_week", _receipt_week, cell, lookups.weeks, today)
        if number is not None and "po_number" not in problems:
            head = heads.setdefault(number, (row_number, vendor or "", department or 0))
            if vendor is not None and head[1] and vendor != head[1]:
                problems["vendor"] = (
                    f"Order {number} has vendor {head[1]} on row {head[0]}: one vendor per order."
                )
            if department is not None and head[2] and department != head[2]:
                problems["department"] = (
                    f"Order {number} is for another department on row {head[0]}: one department per order."
                )
        if department is not None and week is not None:
            budget_needed[(department, week.month_key)].append(row_number)
        if number is not None:
            rows_of[number].append(row_number)
        errors.extend(_error(row_number, titles[name], message) for name, message in problems.items())
        if not problems:
            request = LineRequest(sku, location, units, unit_cost, unit_retail, week.id)
            orders[number].append(_Line(row_number, vendor, department, request, week.month_key))
    errors.extend(_missing_budgets(budget_needed, lookups, titles["receipt_week"]))
    for number in PurchaseOrder.objects.filter(number__in=list(rows_of)).values_list("number", flat=True):
        message = f"Order number {number} exists already: nothing of this order can be imported again."
        errors.extend(_error(row, titles["po_number"], message) for row in rows_of[number])
    errors.sort(key=lambda error: error["row"] or 0)
    return orders, errors


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
    return _money(value, decimal_comma, required=True)


def _missing_budgets(
    needed: dict[tuple[int, int], list[int]], lookups: _Lookups, title: str
) -> list[dict[str, Any]]:
    """A problem on every row whose department has no approved budget for the receipt month."""
    by_department: dict[int, list[int]] = defaultdict(list)
    for department, key in needed:
        by_department[department].append(key)
    errors: list[dict[str, Any]] = []
    for department, keys in by_department.items():
        found = services.approved_budget_months(department, keys)
        for key in keys:
            if key in found:
                continue
            code, month = lookups.department_codes[department], services.month_label(key)
            message = f"{code} has no approved OTB budget for {month}."
            errors.extend(_error(row, title, message) for row in needed[(department, key)])
    return errors


def _po_number(value: Any) -> str:
    number = _text(value)
    if not number:
        raise ValueError("Empty: enter the purchase order number.")
    if len(number) > MAX_NUMBER_LENGTH:
        raise ValueError(f"{_shown(number)} is longer than {MAX_NUMBER_LENGTH} characters.")
    return number


def _code(value: Any, label: str, codes: dict[str, str]) -> str:
    code = _text(value)
    if not code:
        raise ValueError(f"Empty: enter a {label} code.")
    found = codes.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown {label} {_shown(code)}.")
    return found


def _department(value: Any, lookups: _Lookups) -> int:
    code = _text(value)
    if not code:
        raise ValueError("Empty: enter a department code.")
    found = lookups.departments.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown department {_shown(code)}.")
    if found[0] not in lookups.editable:
        raise ValueError(f"You cannot buy for department {found[1]}.")
    return found[0]


def _sku(value: Any, lookups: _Lookups, department: int | None) -> str:
    code = _text(value)
    if not code:
        raise ValueError("Empty: enter a SKU code.")
    found = lookups.skus.get(code.lower())
    if found is None:
        raise ValueError(f"Unknown SKU {_shown(code)}.")
    if department is not None and found[1] != department:
        raise ValueError(f"SKU {found[0]} is not in department {lookups.department_codes[department]}.")
    return found[0]


def _units(value: Any, decimal_comma: bool) -> int:
    if value is None or value == "":
        raise ValueError("Empty: enter the units ordered.")
    number = _number(value, decimal_comma)
    if number != number.to_integral_value():
        raise ValueError(f"{_shown(value)} is not a whole number of units.")
    if number < 0:
        raise ValueError(f"{_shown(value)} is negative: order at least 1 unit.")
    if number < 1:
        raise ValueError("Order at least 1 unit.")
    if number > MAX_UNITS:
        raise ValueError(f"{_shown(value)} is too large.")
    return int(number)


def _receipt_week(value: Any, weeks: dict[int, _Week], today: date) -> _Week:
    """The fiscal week of a week key or a date; it must exist and not be over."""
    day: date | None = None
    key: int | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        if not text:
            raise ValueError("Empty: enter a week such as 2026-W14, 202614 or a date such as 2026-05-04.")
        if match := _WEEK_KEY.fullmatch(text) or _YEAR_WEEK.fullmatch(text):
            key = int(match.group(1)) * 100 + int(match.group(2))
        elif match := _ISO_DATE.fullmatch(text):
            try:
                day = date.fromisoformat(match.group(1))
            except ValueError:
                raise ValueError(f"{_shown(value)} is not a date.") from None
    if day is not None:
        try:
            key = calendar.fiscal_week_of(day, settings.MERCHPLAN_CALENDAR_PATTERN).key
        except ValueError:
            key = None
        if key is None or key not in weeks:
            raise ValueError(f"{day:%Y-%m-%d} is outside the fiscal calendar.")
    if key is None:
        raise ValueError(
            f"{_shown(value)} is not a week: write 2026-W14, 202614 or a date such as 2026-05-04."
        )
    week = weeks.get(key)
    label = f"{key // 100}-W{key % 100:02d}"
    if week is None:
        raise ValueError(f"Week {label} is not in the fiscal calendar.")
    if week.end_date < today:
        raise ValueError(f"Week {label} is in a closed period (it ended {week.end_date:%Y-%m-%d}).")
    return week


# --- writing ------------------------------------------------------------------------------
class _OverOTBError(Exception):
    def __init__(self, number: str, short: dict[int, tuple[Decimal, Decimal]]) -> None:
        super().__init__(number)
        self.number, self.short = number, short


class _OrderRefusedError(Exception):
    def __init__(self, number: str, message: str) -> None:
        super().__init__(number, message)
        self.number, self.message = number, message


def _create(user: User, orders: dict[str, list[_Line]], request_exceptions: bool) -> list[ImportedOrder]:
    """Every order through `purchase_order_create` in one transaction. The OTB months of the whole
    file are locked first, in one order, so two imports never wait on each other in a cycle."""
    created: list[ImportedOrder] = []
    with transaction.atomic():
        wanted: dict[int, set[int]] = defaultdict(set)
        for lines in orders.values():
            wanted[lines[0].department_id].update(line.month_key for line in lines)
        # Adding nothing locks each month's commitment row: department by department, month by month.
        for department in sorted(wanted):
            ledger.commit(department, dict.fromkeys(wanted[department], Decimal(0)))
        with open_to_buy.refreshed_once():  # the plans follow once, not once per order
            _create_each(user, orders, request_exceptions, created)
    return created


def _create_each(
    user: User, orders: dict[str, list[_Line]], request_exceptions: bool, created: list[ImportedOrder]
) -> None:
    for number, lines in orders.items():
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
            raise _OverOTBError(number, error.short) from error
        except services.OTBError as error:
            raise _OrderRefusedError(number, str(error)) from error
        except IntegrityError:
            raise _OrderRefusedError(number, "was written by someone else meanwhile.") from None
        created.append(
            ImportedOrder(
                number=number,
                status=order.status,
                lines=len(lines),
                units=sum(line.request.units for line in lines),
                retail=sum((line.request.unit_retail * line.request.units for line in lines), Decimal("0")),
            )
        )
