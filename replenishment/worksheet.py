"""The replenishment worksheet: reads of a run's open suggestions for the buyer, the buyer's
edits to a suggestion's units, and turning chosen suggestions into purchase orders.

Orders go through `otb.orders.purchase_order_create` (the OTB check), one per vendor and
department and all-or-nothing each: a refused order leaves its suggestions open with the
reason, the others are still created. Asked again with `request_exception`, an order over OTB
is kept awaiting a manager's approval instead, and its suggestions are marked ordered.

A buyer may dismiss an open suggestion (it leaves the worksheet, audited) and restore it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Q, QuerySet, Sum

from core import scope
from core.audit import audit_record
from core.errors import Forbidden, InvalidInput
from core.money import to_cents
from core.versioning import check_version
from otb.models import PurchaseOrder
from otb.orders import LineRequest, purchase_order_create
from otb.services import InsufficientOTBError, OTBError
from planning.models import Department
from replenishment.models import ReplenishmentRun, Suggestion, VendorItem

MAX_UNITS = 1_000_000
NUMBER_LENGTH = 30  # PurchaseOrder.number


class ReplenishmentError(InvalidInput):
    """A worksheet request the rules refuse (400); the message is for the user."""


class SuggestionPermissionError(Forbidden, ReplenishmentError):
    """The user may not change suggestions of that department (403; still a worksheet refusal,
    so the worksheet shows it beside the row)."""


# -- reads ----------------------------------------------------------------------------------


def latest_done_run() -> ReplenishmentRun | None:
    return (
        ReplenishmentRun.objects.filter(status=ReplenishmentRun.Status.DONE)
        .order_by("-created_at", "-id")
        .first()
    )


def suggestion_rows(
    user: User,
    *,
    run_id: int | None = None,
    department_id: int | None = None,
    vendor_id: int | None = None,
    status: str | Sequence[str] | None = Suggestion.Status.OPEN,
) -> QuerySet[Suggestion]:
    """Suggestions of the departments the user may see, with what a worksheet row shows; of one
    status, of several, or of any (None)."""
    rows = Suggestion.objects.filter(department__in=Department.objects.visible_to(user)).select_related(
        "vendor",
        "department",
        "order_week",
        "arrival_week",
        "policy__sku",
        "policy__location",
        "policy__first_stockout_week",
        "purchase_order",
    )
    if run_id is not None:
        rows = rows.filter(run_id=run_id)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if vendor_id is not None:
        rows = rows.filter(vendor_id=vendor_id)
    if isinstance(status, str):
        rows = rows.filter(status=status)
    elif status:
        rows = rows.filter(status__in=list(status))
    return rows.order_by(
        "vendor__code", "department__code", "order_week__start_date", "policy__sku__code", "id"
    )


@dataclass(frozen=True)
class VendorTotals:
    """One vendor's lines on the worksheet (`lines`: open or dismissed) and the figures of its
    open lines."""

    vendor_id: int
    code: str
    name: str
    lines: int
    open_lines: int
    units: int
    suggested: int
    cost: Decimal
    retail: Decimal


def suggestion_vendor_totals(rows: QuerySet[Suggestion]) -> list[VendorTotals]:
    """Per vendor, in the worksheet's order (vendor code), the lines and the open lines' units,
    suggested units, cost and retail (units x unit cost / retail), in one query."""
    is_open = Q(status=Suggestion.Status.OPEN)
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)
    figures = (
        rows.order_by()
        .values("vendor_id", "vendor__code", "vendor__name")
        .annotate(
            line_count=Count("id"),
            open_count=Count("id", filter=is_open),
            unit_sum=Sum("units", filter=is_open),
            suggested_sum=Sum("suggested_units", filter=is_open),
            cost_sum=Sum(ExpressionWrapper(F("units") * F("unit_cost"), output_field=money), filter=is_open),
            retail_sum=Sum(
                ExpressionWrapper(F("units") * F("unit_retail"), output_field=money), filter=is_open
            ),
        )
        .order_by("vendor__code")
    )
    return [
        VendorTotals(
            vendor_id=row["vendor_id"],
            code=row["vendor__code"],
            name=row["vendor__name"],
            lines=row["line_count"],
            open_lines=row["open_count"],
            units=row["unit_sum"] or 0,
            suggested=row["suggested_sum"] or 0,
            cost=to_cents(row["cost_sum"] or 0),
            retail=to_cents(row["retail_sum"] or 0),
        )
        for row in figures
    ]


def worksheet_totals(vendors: list[VendorTotals]) -> dict[str, Any]:
    """The open lines' count, units, suggested units, cost and retail over all the vendors."""
    return {
        "count": sum(vendor.open_lines for vendor in vendors),
        "units": sum(vendor.units for vendor in vendors),
        "suggested": sum(vendor.suggested for vendor in vendors),
        "cost": sum((vendor.cost for vendor in vendors), Decimal("0.00")),
        "retail": sum((vendor.retail for vendor in vendors), Decimal("0.00")),
    }


def order_terms(style_color_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(MOQ, order multiple) per style-color; (1, 1) when no vendor item is on file."""
    return {
        style_color_id: (moq, multiple)
        for style_color_id, moq, multiple in VendorItem.objects.filter(
            style_color_id__in=style_color_ids
        ).values_list("style_color_id", "moq", "order_multiple")
    }


def late_arrivals(suggestions: Sequence[Suggestion]) -> dict[int, str]:
    """Suggestion id -> why it comes too late, for those that land after their policy's
    projected stock-out (`first_stockout_week`, the stock with open orders only) while no
    earlier suggestion of the policy lands by then: the first arrival of the policy (dismissed
    suggestions aside) is after the stock-out, and this is it. A later suggestion of a policy
    whose first one lands in time is the next cycle's order, not late. One query."""
    stockout_of = {
        row.policy_id: row.policy.first_stockout_week
        for row in suggestions
        if row.policy.first_stockout_week is not None
        and row.arrival_week.start_date > row.policy.first_stockout_week.start_date
    }
    if not stockout_of:
        return {}
    first_arrival = dict(
        Suggestion.objects.filter(policy_id__in=sorted(stockout_of))
        .exclude(status=Suggestion.Status.DISMISSED)
        .order_by()
        .values("policy_id")
        .annotate(first=Min("arrival_week__start_date"))
        .values_list("policy_id", "first")
    )
    late = {}
    for row in suggestions:
        stockout = stockout_of.get(row.policy_id)
        first = first_arrival.get(row.policy_id, row.arrival_week.start_date)
        arrives = row.arrival_week.start_date
        if stockout is None or arrives <= stockout.start_date or arrives > first:
            continue
        late[row.pk] = (
            f"arrives {row.arrival_week}, after the projected stock-out in {stockout}: expedite with "
            "the vendor or transfer stock"
        )
    return late


def smallest_order(moq: int, multiple: int) -> int:
    """The smallest quantity that meets the MOQ and is a multiple of the order multiple."""
    return math.ceil(moq / multiple) * multiple


def units_problem(units: int, moq: int, multiple: int) -> str:
    """Why `units` cannot be ordered under these terms, or "" if it can (0 drops the line)."""
    if units < 0 or units > MAX_UNITS:
        return f"Enter 0 to drop the line, or up to {MAX_UNITS:,} units."
    if units == 0:
        return ""
    least = smallest_order(moq, multiple)
    if units >= least and units % multiple == 0:
        return ""
    if multiple > 1:
        return f"Order in multiples of {multiple} units, at least {least}."
    return f"Order at least {least} units."


# -- writes ---------------------------------------------------------------------------------


def _locked_suggestion(
    user: User, suggestion_id: int, expected_version: int, status: str, verb: str
) -> Suggestion:
    """The suggestion, locked, if the user may change it, it has `status` and is still at
    `expected_version`; else the refusal (call inside a transaction)."""
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("policy__sku")
        .filter(pk=suggestion_id)
        .first()
    )
    if (
        suggestion is None
        or not Department.objects.visible_to(user).filter(pk=suggestion.department_id).exists()
    ):
        raise ReplenishmentError(f"No suggestion {suggestion_id}.")
    scope.require_department(
        user,
        suggestion.department_id,
        edit=True,
        message="You cannot change suggestions of that department.",
        error=SuggestionPermissionError,
    )
    check_version(
        suggestion,
        expected_version,
        message=f"Someone changed this suggestion since you loaded it: it is now {suggestion.units} units "
        f"({suggestion.get_status_display().lower()}). Review it and try again.",
    )
    if suggestion.status != status:
        raise ReplenishmentError(
            f"Only {Suggestion.Status(status).label.lower()} suggestions can {verb}; "
            f"this one is {suggestion.get_status_display().lower()}."
        )
    return suggestion


@transaction.atomic
def suggestion_update(*, user: User, suggestion_id: int, units: int, expected_version: int) -> Suggestion:
    """Set an open suggestion's units (0 drops it), checked against the vendor's MOQ and order
    multiple; refused if someone changed it since `expected_version` was read."""
    suggestion = _locked_suggestion(user, suggestion_id, expected_version, Suggestion.Status.OPEN, "change")
    moq, multiple = order_terms([suggestion.policy.sku.style_color_id]).get(
        suggestion.policy.sku.style_color_id, (1, 1)
    )
    problem = units_problem(units, moq, multiple)
    if problem:
        raise ReplenishmentError(problem)
    old = suggestion.units
    suggestion.units = units
    suggestion.row_version += 1
    suggestion.save(update_fields=["units", "row_version"])
    audit_record(user, "suggestion.change", suggestion, old={"units": old}, new={"units": units})
    return suggestion


@transaction.atomic
def suggestion_dismiss(*, user: User, suggestion_id: int, expected_version: int) -> Suggestion:
    """Dismiss an open suggestion: it leaves the worksheet (shown again on request) and is not
    ordered; audited."""
    suggestion = _locked_suggestion(
        user, suggestion_id, expected_version, Suggestion.Status.OPEN, "be dismissed"
    )
    return _set_status(user, suggestion, Suggestion.Status.DISMISSED, "dismiss")


@transaction.atomic
def suggestion_restore(*, user: User, suggestion_id: int, expected_version: int) -> Suggestion:
    """Put a dismissed suggestion back on the worksheet, open; audited."""
    suggestion = _locked_suggestion(
        user, suggestion_id, expected_version, Suggestion.Status.DISMISSED, "be restored"
    )
    return _set_status(user, suggestion, Suggestion.Status.OPEN, "restore")


def _set_status(user: User, suggestion: Suggestion, status: str, action: str) -> Suggestion:
    old = suggestion.status
    suggestion.status = status
    suggestion.row_version += 1
    suggestion.save(update_fields=["status", "row_version"])
    audit_record(
        user, f"suggestion.{action}", suggestion, old={"status": old}, new={"status": status},
        comment=f"{suggestion.units} units",
    )  # fmt: skip
    return suggestion


@dataclass(frozen=True)
class CreatedOrder:
    order_id: int
    number: str
    vendor: str
    department: str
    suggestion_ids: list[int]
    units: int
    retail: Decimal
    status: str = PurchaseOrder.Status.RELEASED

    @property
    def is_awaiting_approval(self) -> bool:
        return self.status == PurchaseOrder.Status.AWAITING_APPROVAL


@dataclass(frozen=True)
class Refusal:
    vendor: str
    department: str
    message: str
    suggestion_ids: list[int]
    is_over_otb: bool = False  # asked again with request_exception, it would wait for a manager


@dataclass
class ConversionResult:
    created: list[CreatedOrder] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def suggestions_to_orders(
    *, user: User, suggestion_ids: list[int], request_exception: bool = False
) -> ConversionResult:
    """One purchase order per (vendor, department) of the chosen open suggestions, each checked
    against OTB on its own: created ones mark their suggestions ordered, refused ones leave them
    open and say why. With `request_exception`, an order over OTB is kept awaiting a manager's
    approval (its suggestions are ordered and linked to it) instead of refused."""
    result = ConversionResult()
    wanted = sorted(set(suggestion_ids))
    if not wanted:
        raise ReplenishmentError("Choose at least one suggestion.")
    chosen = list(
        Suggestion.objects.filter(pk__in=wanted, department__in=Department.objects.editable_by(user))
        .select_related("vendor", "department", "policy__sku", "policy__location")
        .order_by("vendor__code", "department__code", "id")
    )
    if len(chosen) < len(wanted):
        missing = len(wanted) - len(chosen)
        result.skipped.append(
            f"{missing} of the chosen suggestions are not yours to order or no longer exist."
        )
    groups: dict[tuple[int, int], list[Suggestion]] = defaultdict(list)
    for suggestion in chosen:
        if suggestion.status != Suggestion.Status.OPEN:
            result.skipped.append(
                f"{_named(suggestion)} is {suggestion.get_status_display().lower()} already."
            )
        elif suggestion.units == 0:
            result.skipped.append(
                f"{_named(suggestion)} has 0 units (dropped): not ordered; give it units to order it."
            )
        else:
            groups[suggestion.vendor_id, suggestion.department_id].append(suggestion)
    for group in groups.values():
        vendor, department = group[0].vendor, group[0].department
        ids = [suggestion.pk for suggestion in group]
        try:
            created = _order_group(user, ids, vendor.code, department, request_exception=request_exception)
        except (OTBError, ReplenishmentError) as error:
            is_over_otb = isinstance(error, InsufficientOTBError)
            result.refused.append(Refusal(vendor.code, department.code, str(error), ids, is_over_otb))
        else:
            result.created.append(created)
    return result


def _named(suggestion: Suggestion) -> str:
    """How a message names a suggestion: its SKU and location."""
    policy = suggestion.policy
    return f"The suggestion for {policy.sku.code} at {policy.location.code}"


def _order_group(
    user: User, ids: list[int], vendor_code: str, department: Department, *, request_exception: bool
) -> CreatedOrder:
    """One all-or-nothing order: lock the suggestions (id order), recheck them, order, mark."""
    with transaction.atomic():
        locked = list(
            Suggestion.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("policy__sku", "policy__location")
            .order_by("pk")
        )
        if len(locked) != len(ids) or any(
            row.status != Suggestion.Status.OPEN or row.units == 0 for row in locked
        ):
            raise ReplenishmentError("These suggestions changed since you loaded them: reload and try again.")
        number = _order_number(max(row.run_id for row in locked), vendor_code, department.code)
        order = purchase_order_create(
            user=user,
            number=number,
            vendor_code=vendor_code,
            department_id=department.pk,
            lines=[
                LineRequest(
                    sku_code=row.policy.sku.code,
                    location_code=row.policy.location.code,
                    units=row.units,
                    unit_cost=row.unit_cost,
                    unit_retail=row.unit_retail,
                    receipt_week_id=row.arrival_week_id,
                )
                for row in locked
            ],
            request_exception=request_exception,
        )
        Suggestion.objects.filter(pk__in=ids).update(
            status=Suggestion.Status.ORDERED, purchase_order=order, row_version=F("row_version") + 1
        )
        waiting = (
            " (over OTB: awaiting approval)" if order.status == PurchaseOrder.Status.AWAITING_APPROVAL else ""
        )
        for row in locked:
            audit_record(
                user, "suggestion.order", row, old={"status": row.status},
                new={"status": Suggestion.Status.ORDERED, "purchase_order": order.number},
                comment=f"{row.units} units on PO {order.number}{waiting}",
            )  # fmt: skip
    return CreatedOrder(
        order_id=order.pk,
        number=order.number,
        vendor=vendor_code,
        department=department.code,
        suggestion_ids=ids,
        units=sum(row.units for row in locked),
        retail=sum((row.units * row.unit_retail for row in locked), Decimal("0.00")),
        status=order.status,
    )


def _order_number(run_id: int, vendor_code: str, department_code: str) -> str:
    """RP-<run>-<vendor>-<department>, with -2, -3... if taken (cut to the field's length)."""
    base = f"RP-{run_id}-{vendor_code}-{department_code}"[:NUMBER_LENGTH]
    taken = set(
        PurchaseOrder.objects.filter(number__startswith=base[: NUMBER_LENGTH - 4]).values_list(
            "number", flat=True
        )
    )
    if base not in taken:
        return base
    for suffix in range(2, 1000):
        candidate = f"{base[: NUMBER_LENGTH - len(str(suffix)) - 1]}-{suffix}"
        if candidate not in taken:
            return candidate
    raise ReplenishmentError(f"Too many orders numbered {base}.")
