"""Writes for open-to-buy: budgets from the approved plan and their approval, purchase orders
checked against the OTB left, OTB exceptions, receipts.

OTB of a department and fiscal month = approved planned receipts - on order (open units of
released purchase order lines landing in the month, at retail). A new purchase order locks the
budget rows of its months (in month order, so two orders never wait on each other in a
cycle), reads what is on order, and is released only if every month still fits: concurrent
orders are serialised per month and cannot overspend together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from otb import ledger, notifications
from otb.models import (
    ApprovalDecision,
    OTBBudget,
    OTBBudgetMonth,
    OTBException,
    PurchaseOrder,
    PurchaseOrderLine,
    Vendor,
)
from planning.models import Department, FiscalWeek, Location, PlanVersion, PlanWeek, Sku

_CENT = Decimal("0.01")


class OTBError(Exception):
    """A request the OTB rules refuse; the message is for the user."""


class InsufficientOTBError(OTBError):
    def __init__(self, message: str, short: dict[int, tuple[Decimal, Decimal]]) -> None:
        super().__init__(message)
        self.short = short  # month key -> (requested retail, available retail)


@dataclass(frozen=True)
class LineRequest:
    sku_code: str
    location_code: str
    units: int
    unit_cost: Decimal
    unit_retail: Decimal
    receipt_week_id: int


def month_key(week: FiscalWeek) -> int:
    return week.year * 100 + week.month


def month_label(key: int) -> str:
    return f"FY{key // 100} M{key % 100:02d}"


# -- budgets ------------------------------------------------------------------------------


@transaction.atomic
def otb_budget_from_plan(*, user: User, version_id: int) -> OTBBudget:
    """A draft budget of the approved plan's (OP) receipts by fiscal month: retail, and cost
    through the plan's cost complement (1 - IMU%)."""
    version = PlanVersion.objects.select_related("plan", "plan__department").get(pk=version_id)
    if version.kind != PlanVersion.Kind.ORIGINAL:
        raise OTBError("An OTB budget comes from an approved (original) plan.")
    plan = version.plan
    if not Department.objects.editable_by(user).filter(pk=plan.department_id).exists():
        raise OTBError(f"You cannot budget {plan.department}.")
    receipts = (
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
        .values("fiscal_week__year", "fiscal_week__month")
        .annotate(retail=Sum("receipts"), sales=Sum("sales"), sales_units=Sum("sales_units"))
        .order_by("fiscal_week__year", "fiscal_week__month")
    )
    if not receipts:
        raise OTBError(f"{plan.name} has no weeks.")
    year = receipts[0]["fiscal_week__year"]
    number = (
        OTBBudget.objects.filter(department=plan.department, fiscal_year=year).aggregate(top=Max("number"))[
            "top"
        ]
        or 0
    ) + 1
    budget = OTBBudget.objects.create(
        department=plan.department, fiscal_year=year, number=number, source_version=version, created_by=user
    )
    complement = Decimal(plan.cost_complement)
    OTBBudgetMonth.objects.bulk_create(
        OTBBudgetMonth(
            budget=budget,
            month_key=row["fiscal_week__year"] * 100 + row["fiscal_week__month"],
            receipts_retail=Decimal(row["retail"]).quantize(_CENT),
            receipts_cost=(Decimal(row["retail"]) * complement).quantize(_CENT),
            receipts_units=_receipt_units(row),
        )
        for row in receipts
    )
    return budget


def _receipt_units(month: dict[str, Any]) -> int:
    """Plans hold receipts in $ only: units at the month's planned average selling price
    (planned sales $ / sales units), rounded half up; 0 where the month plans no unit sales."""
    if not month["sales_units"] or not month["sales"]:
        return 0
    price = Decimal(month["sales"]) / Decimal(month["sales_units"])
    return int((Decimal(month["retail"]) / price).quantize(Decimal(1), ROUND_HALF_UP))


@transaction.atomic
def otb_budget_submit(*, user: User, budget_id: int) -> OTBBudget:
    budget = OTBBudget.objects.select_for_update().get(pk=budget_id)
    if budget.status != OTBBudget.Status.DRAFT:
        raise OTBError(
            f"Budget v{budget.number} is {budget.get_status_display().lower()}: it cannot be submitted."
        )
    if not Department.objects.editable_by(user).filter(pk=budget.department_id).exists():
        raise OTBError(f"You cannot submit budgets of {budget.department}.")
    budget.status, budget.submitted_by = OTBBudget.Status.SUBMITTED, user
    budget.save(update_fields=["status", "submitted_by"])
    decision_record(user, "otb_budget", budget.pk, "submit")
    notifications.approval_requested(
        department_id=budget.department_id,
        subject=f"OTB budget FY{budget.fiscal_year} v{budget.number} of {budget.department} waits for you",
        body=f"The OTB budget FY{budget.fiscal_year} v{budget.number} of {budget.department} was submitted.",
        requested_by=user,
    )
    return budget


@transaction.atomic
def otb_budget_decide(*, user: User, budget_id: int, approve: bool, comment: str = "") -> OTBBudget:
    """A manager (not the submitter) approves or rejects a submitted budget. Approved is frozen:
    an in-season revision is a new version with its own approval."""
    budget = OTBBudget.objects.select_for_update().get(pk=budget_id)
    _check_manager(user, budget.department_id)
    if budget.status != OTBBudget.Status.SUBMITTED:
        raise OTBError(f"Budget v{budget.number} is not waiting for a decision.")
    if budget.submitted_by_id == user.pk:
        raise OTBError("You submitted this budget: another manager must decide on it.")
    if not approve and not comment.strip():
        raise OTBError("Say why the budget is rejected.")
    budget.status = OTBBudget.Status.APPROVED if approve else OTBBudget.Status.REJECTED
    budget.decided_by, budget.decided_at, budget.comment = user, timezone.now(), comment.strip()[:500]
    budget.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    decision_record(user, "otb_budget", budget.pk, "approve" if approve else "reject", budget.comment)
    return budget


def decision_record(user: User, kind: str, object_id: int, action: str, comment: str = "") -> None:
    ApprovalDecision.objects.create(user=user, kind=kind, object_id=object_id, action=action, comment=comment)


def _check_manager(user: User, department_id: int) -> None:
    from planning.roles import ADMIN, MANAGER, user_roles

    if not user_roles(user) & {MANAGER, ADMIN}:
        raise OTBError("Only managers decide on OTB.")
    if not Department.objects.editable_by(user).filter(pk=department_id).exists():
        raise OTBError("You do not manage this department.")


def approved_budget_months(department_id: int, month_keys: list[int]) -> dict[int, OTBBudgetMonth]:
    """Each month's row of the newest approved budget covering it (not locked)."""
    rows = (
        OTBBudgetMonth.objects.filter(
            budget__department_id=department_id,
            budget__status=OTBBudget.Status.APPROVED,
            month_key__in=month_keys,
        )
        .select_related("budget")
        .order_by("month_key", "-budget__number")
    )
    found: dict[int, OTBBudgetMonth] = {}
    for row in rows:
        found.setdefault(row.month_key, row)
    return found


# -- purchase orders ----------------------------------------------------------------------


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
            return _create_checked(user, number, vendor_id, department, resolved, months, request_exception)
    except IntegrityError:
        # The number is unique: two buyers saving the same number at once, one loses here.
        if PurchaseOrder.objects.filter(number=number).exists():
            raise OTBError(f"Order number {number} exists already.") from None
        raise


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
            unit_cost=line.unit_cost, unit_retail=line.unit_retail, receipt_week_id=line.week.pk,
            month_key=line.month_key,
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
                for key, (need, rest) in sorted(short.items())
            )
            + ". Scale the order down or request an OTB exception.",
            short,
        )
    # Kept for a manager's decision: not committed until released.
    ledger.commit(department.pk, {key: -amount for key, amount in requested.items()})
    order.status = PurchaseOrder.Status.AWAITING_APPROVAL
    order.save(update_fields=["status"])
    OTBException.objects.bulk_create(
        OTBException(
            order=order, department=department, month_key=key, requested_retail=need,
            available_retail=max(rest, Decimal("0")), requested_by=user,
        )
        for key, (need, rest) in sorted(short.items())
    )  # fmt: skip
    over = sum((need - max(rest, Decimal(0)) for need, rest in short.values()), Decimal(0))
    notifications.approval_requested(
        department_id=department.pk,
        subject=f"PO {number} is ${over:,.2f} over OTB in {department}",
        body="\n".join(
            f"{month_label(key)}: order ${need:,.2f} at retail, OTB left ${max(rest, Decimal(0)):,.2f}"
            for key, (need, rest) in sorted(short.items())
        ),
        requested_by=user,
    )
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
    if problems or vendor_id is None or department is None:
        raise OTBError(" ".join(problems))
    return vendor_id, department, resolved


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
    today = timezone.localdate()
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
        if line.units < 1:
            problems.append(f"{where}: units must be at least 1.")
        if line.unit_cost < 0 or line.unit_retail < 0:
            problems.append(f"{where}: cost and retail cannot be negative.")
        if line.unit_cost != line.unit_cost.quantize(_CENT) or line.unit_retail != line.unit_retail.quantize(
            _CENT
        ):
            problems.append(f"{where}: use at most two decimals for cost and retail.")
        if week is None:
            problems.append(f"{where}: unknown receipt week {line.receipt_week_id}.")
        elif week.end_date < today:
            problems.append(f"{where}: receipt week {week} is in a closed period.")
        if sku and location_id and week and week.end_date >= today and line.units >= 1:
            resolved.append(
                ResolvedLine(
                    sku[0], location_id, line.units, line.unit_cost, line.unit_retail, week, month_key(week)
                )
            )
    return resolved


@transaction.atomic
def otb_exception_decide(
    *, user: User, exception_id: int, approve: bool, reason: str, comment: str = ""
) -> OTBException:
    """A manager approves (with a reason code) or rejects an over-OTB order; the requester may
    not decide. When the order's last pending exception is approved, it is released."""
    exception = OTBException.objects.select_for_update().select_related("order").get(pk=exception_id)
    _check_manager(user, exception.department_id)
    if exception.status != OTBException.Status.PENDING:
        raise OTBError("This exception was decided already.")
    if exception.requested_by_id == user.pk:
        raise OTBError("You requested this exception: another manager must decide on it.")
    if approve and reason not in OTBException.Reason.values:
        raise OTBError("Choose a reason code to approve an OTB exception.")
    if not approve and not comment.strip():
        raise OTBError("Say why the exception is rejected.")
    exception.status = OTBException.Status.APPROVED if approve else OTBException.Status.REJECTED
    exception.reason, exception.comment = (reason if approve else ""), comment.strip()[:500]
    exception.decided_by, exception.decided_at = user, timezone.now()
    exception.save(update_fields=["status", "reason", "comment", "decided_by", "decided_at"])
    note = f"{exception.reason}: {exception.comment}" if approve else exception.comment
    decision_record(user, "otb_exception", exception.pk, "approve" if approve else "reject", note[:500])
    order = PurchaseOrder.objects.select_for_update().get(pk=exception.order_id)
    others = order.exceptions.exclude(pk=exception.pk)
    if not approve:
        order.status = PurchaseOrder.Status.CANCELLED
    elif not others.filter(status__in=[OTBException.Status.PENDING, OTBException.Status.REJECTED]).exists():
        order.status = PurchaseOrder.Status.RELEASED
        # Approved over OTB: it commits its months whatever is left.
        ledger.commit(order.department_id, ledger.order_amounts(order.pk))
    order.row_version += 1
    order.save(update_fields=["status", "row_version"])
    return exception


@transaction.atomic
def purchase_order_line_receive(*, user: User, line_id: int, units: int) -> PurchaseOrderLine:
    line = PurchaseOrderLine.objects.select_for_update().select_related("order").get(pk=line_id)
    if not Department.objects.editable_by(user).filter(pk=line.order.department_id).exists():
        raise OTBError("You cannot receive for that department.")
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
    return line


class LineConflictError(OTBError):
    """The line changed since the buyer read it."""


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
    if not Department.objects.editable_by(user).filter(pk=order.department_id).exists():
        raise OTBError("You cannot change orders of that department.")
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
        if current.row_version != expected_version:
            raise LineConflictError("Someone changed this line since you loaded it: review it and try again.")
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
        current.units, current.unit_cost, current.unit_retail = units, unit_cost, unit_retail
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
        decision_record(
            user, "po_line", current.pk, "change", f"{units} x {unit_retail} in {month_label(key)}"
        )
    return current


@transaction.atomic
def purchase_order_line_cancel(*, user: User, line_id: int, expected_version: int) -> PurchaseOrderLine:
    """Cancel what is still open of a line: it leaves on order, so its OTB comes back."""
    line = PurchaseOrderLine.objects.select_for_update().select_related("order").get(pk=line_id)
    if not Department.objects.editable_by(user).filter(pk=line.order.department_id).exists():
        raise OTBError("You cannot change orders of that department.")
    if line.row_version != expected_version:
        raise LineConflictError("Someone changed this line since you loaded it: review it and try again.")
    if line.status not in PurchaseOrderLine.OPEN_STATUSES:
        raise OTBError("Only open lines can be cancelled.")
    if line.order.status == PurchaseOrder.Status.RELEASED:
        # What is still open leaves the month's commitment: its OTB comes back.
        open_retail = (line.units - line.received_units) * line.unit_retail
        ledger.commit(line.order.department_id, {line.month_key: -open_retail})
    if line.received_units:
        # The received part stays; only the rest is cancelled.
        line.units = line.received_units
        line.status = PurchaseOrderLine.Status.RECEIVED
    else:
        line.status = PurchaseOrderLine.Status.CANCELLED
    line.row_version += 1
    line.save(update_fields=["units", "status", "row_version"])
    decision_record(user, "po_line", line.pk, "cancel")
    return line
