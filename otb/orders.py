"""Writes for purchase orders: a new order checked against the OTB left, and changes to its
lines (receive, change, cancel).

Write first, then check: a new order and its lines are written, then each month's amount is
added to the department's commitment in `otb.ledger` and checked against the approved receipts.
Concurrent orders for a month queue only for that check and the commit, and cannot overspend
together; an order over OTB is refused (its writes roll back) or, on request, kept awaiting a
manager's decision. The errors (`OTBError`, `InsufficientOTBError`) and the month helpers come
from `otb.services`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q

from core import scope
from core.approvals import approval_notify
from core.audit import audit_record
from core.money import is_cents
from core.versioning import check_version
from otb import ledger, open_to_buy
from otb.models import OTBException, PurchaseOrder, PurchaseOrderLine, PurchaseOrderReceipt, Vendor
from otb.services import (
    InsufficientOTBError,
    OTBError,
    OTBForbiddenError,
    month_key,
    month_label,
)
from planning import clock
from planning.models import Department, FiscalWeek, Location, Sku

MAX_LINE_UNITS = 1_000_000  # units on one order line: more is a typing slip
MAX_UNIT_PRICE = Decimal("9999999999.99")  # unit cost and retail as stored (12 digits, 2 places)
MAX_MONTH_RETAIL = Decimal("999999999999.99")  # an order's retail in a month, as OTB amounts are stored


@dataclass(frozen=True)
class LineRequest:
    sku_code: str
    location_code: str
    units: int
    unit_cost: Decimal
    unit_retail: Decimal
    receipt_week_id: int


def purchase_order_create(
    *,
    user: User,
    number: str,
    vendor_code: str,
    department_id: int,
    lines: list[LineRequest],
    request_exception: bool = False,
) -> PurchaseOrder:
    """Validate every line, then check the order against OTB under the budget month locks.

    Within OTB: released at once. Over OTB: refused with InsufficientOTBError (what is left per
    month, so the buyer can scale down), or with `request_exception` kept awaiting a manager's
    approval (not counted as on order until released).
    """
    number = number.strip()
    vendor_id, department, resolved = _validated(user, number, vendor_code, department_id, lines)
    months = sorted({line.month_key for line in resolved})
    try:
        with transaction.atomic():
            order = _create_checked(user, number, vendor_id, department, resolved, months, request_exception)
            open_to_buy.orders_changed(department.pk)  # the plans' on order, in the same transaction
            return order
    except IntegrityError:
        # The number is unique: two buyers saving the same number at once, one loses here.
        if PurchaseOrder.objects.filter(number=number).exists():
            raise OTBError(f"Order number {number} exists already.") from None
        raise


def _negative_budget_note(budget: Decimal) -> str:
    """Why a month has nothing left before any order: its plan takes stock out."""
    if budget >= 0:
        return ""
    return (
        f" (its approved receipts are -${-budget:,.2f}: the plan's stock target is below what"
        " selling leaves, so the month has no OTB to spend)"
    )


def _create_checked(
    user: User,
    number: str,
    vendor_id: int,
    department: Department,
    resolved: list[ResolvedLine],
    months: list[int],
    request_exception: bool,
) -> PurchaseOrder:
    budget = ledger.approved_receipts(department.pk, months)
    missing = [key for key in months if key not in budget]
    if missing:
        labels = ", ".join(month_label(key) for key in missing)
        raise OTBError(f"{department} has no approved OTB budget for {labels}.")
    # Write first, then check: the month's commitment row is locked only for the check and
    # the commit, not for the writes, so concurrent buyers queue for a short while.
    order = PurchaseOrder.objects.create(
        number=number,
        vendor_id=vendor_id,
        department=department,
        created_by=user,
        status=PurchaseOrder.Status.RELEASED,
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            order=order, sku_id=line.sku_id, location_id=line.location_id, units=line.units,
            ordered_units=line.units, unit_cost=line.unit_cost, unit_retail=line.unit_retail,
            receipt_week_id=line.week.pk, month_key=line.month_key,
        )
        for line in resolved
    )  # fmt: skip
    requested: dict[int, Decimal] = defaultdict(Decimal)
    for line in resolved:
        requested[line.month_key] += line.unit_retail * line.units
    # The check: concurrent orders for these months queue here until this one commits.
    after = ledger.commit(department.pk, requested)
    left = {key: budget[key] - (after[key] - requested[key]) for key in months}
    short = {key: (requested[key], left[key]) for key in months if after[key] > budget[key]}
    if not short:
        return order
    if not request_exception:
        raise InsufficientOTBError(
            "Insufficient OTB: "
            + "; ".join(
                f"{month_label(key)} needs ${need:,.2f} at retail, ${max(rest, Decimal(0)):,.2f} is left"
                + _negative_budget_note(budget[key])
                for key, (need, rest) in sorted(short.items())
            )
            + ". Scale the order down or request an OTB exception.",
            short,
        )
    # Kept for a manager's decision: not committed until released.
    ledger.commit(department.pk, {key: -amount for key, amount in requested.items()})
    order.status = PurchaseOrder.Status.AWAITING_APPROVAL
    order.save(update_fields=["status"])
    exceptions = OTBException.objects.bulk_create(
        OTBException(
            order=order, department=department, month_key=key, requested_retail=need,
            available_retail=max(rest, Decimal("0")), requested_by=user,
        )
        for key, (need, rest) in sorted(short.items())
    )  # fmt: skip
    approval_notify("otb_exception", exceptions[0], user)  # one mail for the order, after the commit
    return order


def _validated(
    user: User, number: str, vendor_code: str, department_id: int, lines: list[LineRequest]
) -> tuple[int, Department, list[ResolvedLine]]:
    """Every problem at once, one per line and field, before anything is locked or written.
    (A taken order number is found by the unique constraint when the order is written.)"""
    problems: list[str] = []
    if not number:
        problems.append("Give the order a number.")
    vendor_id = Vendor.objects.filter(code=vendor_code.strip()).values_list("pk", flat=True).first()
    if vendor_id is None:
        problems.append(f"Unknown vendor {vendor_code!r}.")
    department = Department.objects.editable_by(user).filter(pk=department_id).first()
    if department is None:
        problems.append("You cannot buy for that department.")
    if not lines:
        problems.append("An order needs at least one line.")
    resolved = _validated_lines(department, lines, problems)
    if not problems:  # every price is a finite amount: the months' totals can be added up
        problems.extend(_month_total_problems(resolved))
    if problems or vendor_id is None or department is None:
        raise OTBError(" ".join(problems))
    return vendor_id, department, resolved


def _month_total_problems(resolved: list[ResolvedLine]) -> list[str]:
    """An order's retail per month must fit where OTB amounts are kept (an exception records it)."""
    by_month: dict[int, Decimal] = defaultdict(Decimal)
    for line in resolved:
        by_month[line.month_key] += line.units * line.unit_retail
    return [
        f"The order comes to ${retail:,.2f} at retail in {month_label(key)}: at most "
        f"${MAX_MONTH_RETAIL:,.2f} a month. Check the units and prices."
        for key, retail in sorted(by_month.items())
        if retail > MAX_MONTH_RETAIL
    ]


class ResolvedLine(NamedTuple):
    sku_id: int
    location_id: int
    units: int
    unit_cost: Decimal
    unit_retail: Decimal
    week: FiscalWeek
    month_key: int


def _validated_lines(
    department: Department | None, lines: list[LineRequest], problems: list[str]
) -> list[ResolvedLine]:
    """Each line's SKU (of the department), location, units, prices and open receipt week;
    problems are appended, one per line and field."""
    skus = {
        code.lower(): (pk, code, sku_department)
        for pk, code, sku_department in Sku.objects.filter(
            code__in=[line.sku_code.strip() for line in lines]
        ).values_list("pk", "code", "style_color__style__subclass__merch_class__department_id")
    }
    # Only the locations the lines name (codes are unique regardless of case).
    named = Q()
    for code in {line.location_code.strip() for line in lines}:
        named |= Q(code__iexact=code)
    locations = (
        {code.lower(): pk for pk, code in Location.objects.filter(named).values_list("pk", "code")}
        if named
        else {}
    )
    weeks = FiscalWeek.objects.in_bulk([line.receipt_week_id for line in lines])
    today = clock.today()
    resolved = []
    for number_in_order, line in enumerate(lines, start=1):
        where = f"Line {number_in_order}"
        sku = skus.get(line.sku_code.strip().lower())
        location_id = locations.get(line.location_code.strip().lower())
        week = weeks.get(line.receipt_week_id)
        if sku is None:
            problems.append(f"{where}: unknown SKU {line.sku_code!r}.")
        elif department is not None and sku[2] != department.pk:
            problems.append(f"{where}: SKU {sku[1]} is not in {department}.")
        if location_id is None:
            problems.append(f"{where}: unknown location {line.location_code!r}.")
        is_units = 1 <= line.units <= MAX_LINE_UNITS
        if line.units < 1:
            problems.append(f"{where}: units must be at least 1.")
        elif not is_units:
            problems.append(f"{where}: order at most {MAX_LINE_UNITS:,} units on a line.")
        prices = (line.unit_cost, line.unit_retail)
        if not all(price.is_finite() for price in prices):
            problems.append(f"{where}: give cost and retail as amounts, e.g. 9.60.")
        elif min(prices) < 0:
            problems.append(f"{where}: cost and retail cannot be negative.")
        elif max(prices) > MAX_UNIT_PRICE:
            problems.append(f"{where}: cost and retail are at most {MAX_UNIT_PRICE:,}.")
        elif any(not is_cents(price) for price in prices):
            problems.append(f"{where}: use at most two decimals for cost and retail.")
        if week is None:
            problems.append(f"{where}: unknown receipt week {line.receipt_week_id}.")
        elif week.end_date < today:
            problems.append(f"{where}: receipt week {week} is in a closed period.")
        if sku and location_id and week and week.end_date >= today and is_units:
            resolved.append(
                ResolvedLine(
                    sku[0], location_id, line.units, line.unit_cost, line.unit_retail, week, month_key(week)
                )
            )
    return resolved


@transaction.atomic
def purchase_order_line_receive(*, user: User, line_id: int, units: int) -> PurchaseOrderLine:
    line = PurchaseOrderLine.objects.select_for_update().select_related("order").get(pk=line_id)
    scope.require_department(
        user,
        line.order.department_id,
        edit=True,
        message="You cannot receive for that department.",
        error=OTBForbiddenError,
    )
    if (
        line.order.status != PurchaseOrder.Status.RELEASED
        or line.status not in PurchaseOrderLine.OPEN_STATUSES
    ):
        raise OTBError("Only open lines of released orders can be received.")
    if units < 1 or units > line.units - line.received_units:
        raise OTBError(f"Receive between 1 and {line.units - line.received_units} units.")
    line.received_units += units
    line.status = (
        PurchaseOrderLine.Status.RECEIVED
        if line.received_units == line.units
        else PurchaseOrderLine.Status.PARTLY_RECEIVED
    )
    line.row_version += 1
    line.save(update_fields=["received_units", "status", "row_version"])
    # The receipt's date is the vendor's history: lead time, on-time share.
    PurchaseOrderReceipt.objects.create(line=line, units=units, received_on=clock.today(), user=user)
    open_to_buy.orders_changed(line.order.department_id)
    return line


_NOT_YOUR_ORDERS = "You cannot change orders of that department."
_LINE_CHANGED = "Someone changed this line since you loaded it: review it and try again."


def purchase_order_line_update(
    *,
    user: User,
    line_id: int,
    units: int,
    unit_cost: Decimal,
    unit_retail: Decimal,
    receipt_week_id: int,
    expected_version: int,
) -> PurchaseOrderLine:
    """Change an open line of a released order: checked against OTB like a new line. The line's
    own open value is not counted against itself; the months it leaves and enters are locked."""
    line = PurchaseOrderLine.objects.select_related("order", "order__department", "sku", "location").get(
        pk=line_id
    )
    order = line.order
    scope.require_department(
        user, order.department_id, edit=True, message=_NOT_YOUR_ORDERS, error=OTBForbiddenError
    )
    problems: list[str] = []
    request = LineRequest(line.sku.code, line.location.code, units, unit_cost, unit_retail, receipt_week_id)
    resolved = _validated_lines(order.department, [request], problems)
    if problems:
        raise OTBError(" ".join(problems))
    units, unit_cost, unit_retail = resolved[0].units, resolved[0].unit_cost, resolved[0].unit_retail
    week, key = resolved[0].week, resolved[0].month_key
    if units < line.received_units:
        raise OTBError(f"{line.received_units} units are received already: the line cannot go below that.")
    with transaction.atomic():
        current = PurchaseOrderLine.objects.select_for_update().get(pk=line_id)
        check_version(current, expected_version, message=_LINE_CHANGED)
        if (
            order.status != PurchaseOrder.Status.RELEASED
            or current.status not in PurchaseOrderLine.OPEN_STATUSES
        ):
            raise OTBError("Only open lines of released orders can change.")
        budget = ledger.approved_receipts(order.department_id, [key])
        if key not in budget:
            raise OTBError(f"{order.department} has no approved OTB budget for {month_label(key)}.")
        # The line leaves its month and enters the new one (often the same) at its new value.
        value = units * unit_retail
        change: dict[int, Decimal] = defaultdict(Decimal)
        change[current.month_key] -= current.units * current.unit_retail
        change[key] += value
        after = ledger.commit(order.department_id, change)
        if change[key] > 0 and after[key] > budget[key]:
            left = budget[key] - (after[key] - value)  # OTB left for the line: others' commitments out
            raise InsufficientOTBError(
                f"Insufficient OTB: {month_label(key)} needs ${value:,.2f} at retail, "
                f"${max(left, Decimal(0)):,.2f} is left. Keep the line as it is or scale it down.",
                {key: (value, left)},
            )
        old = _line_terms(current)
        current.units, current.unit_cost, current.unit_retail = units, unit_cost, unit_retail
        current.ordered_units = units
        current.receipt_week, current.month_key = week, key
        current.status = (
            PurchaseOrderLine.Status.RECEIVED
            if current.received_units == units
            else (
                PurchaseOrderLine.Status.PARTLY_RECEIVED
                if current.received_units
                else PurchaseOrderLine.Status.OPEN
            )
        )
        current.row_version += 1
        current.save()
        audit_record(
            user, "po_line.change", current, old=old, new=_line_terms(current),
            comment=f"{units} x {unit_retail} in {month_label(key)}", department=order.department_id,
        )  # fmt: skip
        open_to_buy.orders_changed(order.department_id)
    return current


@transaction.atomic
def purchase_order_line_cancel(*, user: User, line_id: int, expected_version: int) -> PurchaseOrderLine:
    """Cancel what is still open of a line: it leaves on order, so its OTB comes back."""
    line = PurchaseOrderLine.objects.select_for_update().select_related("order").get(pk=line_id)
    scope.require_department(
        user, line.order.department_id, edit=True, message=_NOT_YOUR_ORDERS, error=OTBForbiddenError
    )
    check_version(line, expected_version, message=_LINE_CHANGED)
    if line.status not in PurchaseOrderLine.OPEN_STATUSES:
        raise OTBError("Only open lines can be cancelled.")
    if line.order.status == PurchaseOrder.Status.RELEASED:
        # What is still open leaves the month's commitment: its OTB comes back.
        open_retail = (line.units - line.received_units) * line.unit_retail
        ledger.commit(line.order.department_id, {line.month_key: -open_retail})
    old = {"status": line.status, "units": line.units}
    if line.received_units:
        # The received part stays; only the rest is cancelled.
        line.units = line.received_units
        line.status = PurchaseOrderLine.Status.RECEIVED
    else:
        line.status = PurchaseOrderLine.Status.CANCELLED
    line.row_version += 1
    line.save(update_fields=["units", "status", "row_version"])
    audit_record(
        user, "po_line.cancel", line, old=old, new={"status": line.status, "units": line.units},
        department=line.order.department_id,
    )  # fmt: skip
    open_to_buy.orders_changed(line.order.department_id)
    return line


def _line_terms(line: PurchaseOrderLine) -> dict[str, Any]:
    """What a line change audits, before and after: units, costs, receipt week and month."""
    return {
        "units": line.units, "unit_cost": line.unit_cost, "unit_retail": line.unit_retail,
        "receipt_week": line.receipt_week_id, "month_key": line.month_key,
    }  # fmt: skip
