"""OTB's kinds of the one approval flow (`core.approvals`): budgets and exceptions (orders over
OTB). Each says how to list what waits, load one item, who decides, and what approving or
rejecting does; the checks, the audit record and the mail are core's. Registered in
`OtbConfig.ready` (markdowns register theirs from `otb.markdowns.approval_kind`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Sum
from django.utils import timezone

from core import scope
from core.approvals import ApprovalKind, Decision, InboxRow, Mail, approval_kind_register
from core.errors import InvalidInput
from core.money import format_money
from otb import ledger, open_to_buy
from otb.models import OTBBudget, OTBException, PurchaseOrder
from otb.services import OTBForbiddenError, check_manager, month_label
from planning.models import Department

STORED_COMMENT = 500  # characters a budget's or exception's comment keeps


def money(value: Any) -> str:
    """$1,235: whole dollars, half up (`core.money`), as the report shows them."""
    return format_money(Decimal(value or 0), symbol="$")


# -- budgets --------------------------------------------------------------------------------


def _budget_load(object_id: int) -> OTBBudget:
    return OTBBudget.objects.select_for_update(of=("self",)).select_related("department").get(pk=object_id)


def _budget_pending(user: User) -> list[InboxRow]:
    budgets = (
        OTBBudget.objects.filter(
            status=OTBBudget.Status.SUBMITTED, department__in=Department.objects.editable_by(user)
        )
        .exclude(submitted_by=user)
        .select_related("department", "submitted_by")
        .annotate(
            retail=Sum("months__receipts_retail"), cost=Sum("months__receipts_cost"), count=Count("months")
        )
        .order_by("id")
    )
    return [
        InboxRow(
            kind="otb_budget", object_id=budget.pk,
            title=f"OTB budget FY{budget.fiscal_year} v{budget.number}",
            department=str(budget.department), requested_by=str(budget.submitted_by or ""),
            figures=[("Receipts at retail", money(budget.retail)), ("At cost", money(budget.cost)),
                     ("Months", str(budget.count))],
        )
        for budget in budgets
    ]  # fmt: skip


def _budget_check_submitter(user: User, budget: OTBBudget) -> None:
    scope.require_department(
        user, budget.department_id, edit=True,
        message=f"You cannot submit budgets of {budget.department}.", error=OTBForbiddenError,
    )  # fmt: skip


def _budget_submit(budget: OTBBudget, user: User, comment: str) -> None:
    budget.status, budget.submitted_by = OTBBudget.Status.SUBMITTED, user
    budget.save(update_fields=["status", "submitted_by"])


def _budget_decide(
    budget: OTBBudget, user: User, decision: Decision, comment: str, options: Mapping[str, Any]
) -> None:
    """Approved is frozen: an in-season revision is a new version with its own approval."""
    budget.status = OTBBudget.Status.APPROVED if decision == "approve" else OTBBudget.Status.REJECTED
    budget.decided_by, budget.decided_at, budget.comment = user, timezone.now(), comment[:STORED_COMMENT]
    budget.save(update_fields=["status", "decided_by", "decided_at", "comment"])


def _budget_mail(budget: OTBBudget) -> Mail:
    name = f"OTB budget FY{budget.fiscal_year} v{budget.number}"
    return Mail(
        budget.department_id,
        f"{name} of {budget.department} waits for you",
        f"The {name} of {budget.department} was submitted.",
    )


BUDGET = ApprovalKind(
    name="otb_budget", label="OTB budgets", noun="budget", waiting_status=OTBBudget.Status.SUBMITTED,
    load=_budget_load, pending=_budget_pending,
    check_decider=lambda user, budget: check_manager(user, budget.department_id),
    decide=_budget_decide, department_of=lambda budget: budget.department_id, mail=_budget_mail,
    submit=_budget_submit, submittable=(OTBBudget.Status.DRAFT,), check_submitter=_budget_check_submitter,
    not_waiting_message=lambda budget: f"Budget v{budget.number} is not waiting for a decision.",
    not_submittable_message=lambda budget: (
        f"Budget v{budget.number} is {budget.get_status_display().lower()}: it cannot be submitted."
    ),
)  # fmt: skip


# -- exceptions (orders over OTB) -------------------------------------------------------------


def _exception_load(object_id: int) -> OTBException:
    return (
        OTBException.objects.select_for_update(of=("self",))
        .select_related("order", "department")
        .get(pk=object_id)
    )


def _exception_pending(user: User) -> list[InboxRow]:
    exceptions = (
        OTBException.objects.filter(
            status=OTBException.Status.PENDING, department__in=Department.objects.editable_by(user)
        )
        .exclude(requested_by=user)
        .select_related("order", "department", "requested_by")
        .order_by("id")
    )
    return [
        InboxRow(
            kind="otb_exception", object_id=exception.pk,
            title=f"PO {exception.order.number}, {month_label(exception.month_key)}",
            department=str(exception.department), requested_by=str(exception.requested_by),
            figures=[("Order", money(exception.requested_retail)),
                     ("OTB left", money(exception.available_retail)),
                     ("Over", money(exception.over_retail))],
            needs_reason_code=True,
        )
        for exception in exceptions
    ]  # fmt: skip


def _exception_validate(
    exception: OTBException, user: User, decision: Decision, comment: str, options: Mapping[str, Any]
) -> None:
    if decision == "approve" and options.get("reason") not in OTBException.Reason.values:
        raise InvalidInput("Choose a reason code to approve an OTB exception.", field="reason")


def _exception_decide(
    exception: OTBException, user: User, decision: Decision, comment: str, options: Mapping[str, Any]
) -> None:
    """The order is cancelled when one of its exceptions is rejected, and released (committing
    its months whatever is left) when its last pending one is approved."""
    approve = decision == "approve"
    exception.status = OTBException.Status.APPROVED if approve else OTBException.Status.REJECTED
    exception.reason = str(options.get("reason") or "") if approve else ""
    exception.comment = comment[:STORED_COMMENT]
    exception.decided_by, exception.decided_at = user, timezone.now()
    exception.save(update_fields=["status", "reason", "comment", "decided_by", "decided_at"])
    order = PurchaseOrder.objects.select_for_update().get(pk=exception.order_id)
    others = order.exceptions.exclude(pk=exception.pk)
    if not approve:
        order.status = PurchaseOrder.Status.CANCELLED
    elif not others.filter(status__in=[OTBException.Status.PENDING, OTBException.Status.REJECTED]).exists():
        order.status = PurchaseOrder.Status.RELEASED
        ledger.commit(order.department_id, ledger.order_amounts(order.pk))
    order.row_version += 1
    order.save(update_fields=["status", "row_version"])
    open_to_buy.orders_changed(order.department_id)  # released or cancelled: the plans follow


def _exception_mail(exception: OTBException) -> Mail:
    """One mail per order: every month it is over OTB in."""
    months = OTBException.objects.filter(
        order_id=exception.order_id, status=OTBException.Status.PENDING
    ).order_by("month_key")
    lines, over = [], Decimal(0)
    for month in months:
        left = max(month.available_retail, Decimal(0))
        over += month.requested_retail - left
        lines.append(
            f"{month_label(month.month_key)}: order ${month.requested_retail:,.2f} at retail, "
            f"OTB left ${left:,.2f}"
        )
    order = exception.order
    return Mail(
        exception.department_id,
        f"PO {order.number} is ${over:,.2f} over OTB in {exception.department}",
        "\n".join(lines),
    )


EXCEPTION = ApprovalKind(
    name="otb_exception", label="Orders over OTB", noun="exception",
    waiting_status=OTBException.Status.PENDING,
    load=_exception_load, pending=_exception_pending,
    check_decider=lambda user, exception: check_manager(user, exception.department_id),
    decide=_exception_decide, mail=_exception_mail,
    department_of=lambda exception: exception.department_id,
    audit_details=lambda exception: {"reason": exception.reason} if exception.reason else {},
    submitter_of=lambda exception: exception.requested_by_id, validate=_exception_validate,
    self_decision_message="You requested this exception: another manager must decide on it.",
    not_waiting_message=lambda exception: "This exception was decided already.",
)  # fmt: skip


def register() -> None:
    approval_kind_register(BUDGET)
    approval_kind_register(EXCEPTION)
