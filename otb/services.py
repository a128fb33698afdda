"""Writes for open-to-buy: budgets from the approved plan and their approval, OTB exceptions;
the errors the OTB rules raise and the fiscal month helpers. Purchase orders (checked against
the OTB left, receipts, line changes) are in `otb.orders`.

OTB of a department and fiscal month = approved planned receipts - what released purchase
orders commit to the month (received or still open, at retail: `otb.ledger`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from otb import ledger, notifications, open_to_buy
from otb.models import ApprovalDecision, OTBBudget, OTBBudgetMonth, OTBException, PurchaseOrder
from planning.engine.rounding import half_up
from planning.models import Department, FiscalWeek, PlanVersion, PlanWeek


class OTBError(Exception):
    """A request the OTB rules refuse; the message is for the user."""


class OTBForbiddenError(OTBError):
    """Not this user's to decide: not a manager, or not of the department (a 403 where the
    caller tells refusals apart)."""


class InsufficientOTBError(OTBError):
    def __init__(self, message: str, short: dict[int, tuple[Decimal, Decimal]]) -> None:
        super().__init__(message)
        self.short = short  # month key -> (requested retail, available retail)


def month_key(week: FiscalWeek) -> int:
    return week.year * 100 + week.month


def month_label(key: int) -> str:
    return f"FY{key // 100} M{key % 100:02d}"


# -- budgets ------------------------------------------------------------------------------


@transaction.atomic
def otb_budget_from_plan(*, user: User, version_id: int) -> OTBBudget:
    """A draft budget of the approved plan's (OP) receipts by fiscal month: retail, and cost
    through the plan's cost complement (1 - IMU%). Months keep the plan's sign: negative
    planned receipts give a negative month (OTB below zero before any order), so the months add
    up to the plan's season receipts exactly."""
    version = PlanVersion.objects.select_related("plan", "plan__department").get(pk=version_id)
    if version.kind != PlanVersion.Kind.ORIGINAL:
        raise OTBError("An OTB budget comes from an approved (original) plan.")
    plan = version.plan
    if not Department.objects.editable_by(user).filter(pk=plan.department_id).exists():
        raise OTBError(f"You cannot budget {plan.department}.")
    return budget_create(user=user, version=version, months=plan_budget_months(version))


class OTBDuplicateError(OTBError):
    """The same thing exists already (a second click): a 409 where the caller tells it apart."""


@transaction.atomic
def otb_budget_revision(*, user: User, version_id: int, comment: str = "") -> OTBBudget:
    """A draft revision of a department's budget from its working plan's receipts as they stand,
    built as a budget from the approved plan is (`plan_budget_months`: retail, cost through the
    plan's cost complement, units, the plan's sign), numbered after the department-year's newest
    and audited ("revise", who and when, with `comment`). A draft or submitted revision of the
    same working plan with the same months (the same plan state: a double click) is refused.
    It then goes through the normal submit and approve flow."""
    version = (
        PlanVersion.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__department")
        .get(pk=version_id)
    )
    if version.kind != PlanVersion.Kind.WORKING:
        raise OTBError("A budget revision comes from a working plan.")
    plan = version.plan
    if not Department.objects.editable_by(user).filter(pk=plan.department_id).exists():
        raise OTBForbiddenError(f"You cannot budget {plan.department}.")
    months = plan_budget_months(version)
    wanted = [(m.month_key, m.receipts_retail, m.receipts_cost, m.receipts_units) for m in months]
    pending = OTBBudget.objects.filter(
        source_version=version, status__in=[OTBBudget.Status.DRAFT, OTBBudget.Status.SUBMITTED]
    ).prefetch_related("months")
    for budget in pending.order_by("-number"):
        held = [
            (m.month_key, m.receipts_retail, m.receipts_cost, m.receipts_units)
            for m in sorted(budget.months.all(), key=lambda m: m.month_key)
        ]
        if held == wanted:
            raise OTBDuplicateError(
                f"Budget FY{budget.fiscal_year} v{budget.number} ({budget.get_status_display().lower()}) "
                f"already holds {plan.name}'s working plan receipts as they stand: "
                f"{'submit' if budget.status == OTBBudget.Status.DRAFT else 'decide on'} it instead."
            )
    budget = budget_create(user=user, version=version, months=months)
    note = f"Revision from the working plan of {plan.name} (values v{version.values_version})"
    note = f"{note}: {comment}" if comment else note
    decision_record(user, "otb_budget", budget.pk, "revise", note[:500])
    return budget


def plan_budget_months(version: PlanVersion) -> list[OTBBudgetMonth]:
    """A version's receipts by fiscal month as (unsaved) budget months, in month order: retail
    summed over its class lines, cost = retail x the plan's cost complement half up to the cent
    (4.545 -> 4.55), units at the month's planned price (`_receipt_units`), each signed as the
    plan has it. One grouped query."""
    receipts = (
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
        .values("fiscal_week__year", "fiscal_week__month")
        .annotate(retail=Sum("receipts"), sales=Sum("sales"), sales_units=Sum("sales_units"))
        .order_by("fiscal_week__year", "fiscal_week__month")
    )
    complement = Decimal(version.plan.cost_complement)
    return [
        OTBBudgetMonth(
            month_key=row["fiscal_week__year"] * 100 + row["fiscal_week__month"],
            receipts_retail=half_up(Decimal(row["retail"]), 2),
            receipts_cost=half_up(Decimal(row["retail"]) * complement, 2),
            receipts_units=_receipt_units(row),
        )
        for row in receipts
    ]


def budget_create(*, user: User, version: PlanVersion, months: list[OTBBudgetMonth]) -> OTBBudget:
    """A draft budget of `months` (from `plan_budget_months`), of the fiscal year of its first
    month, numbered after the department-year's newest (the department's row is locked while
    numbering, so two budgets at once never take the same number). Call it in a transaction."""
    plan = version.plan
    if not months:
        raise OTBError(f"{plan.name} has no weeks.")
    Department.objects.select_for_update().filter(pk=plan.department_id).first()
    year = months[0].month_key // 100
    number = (
        OTBBudget.objects.filter(department=plan.department, fiscal_year=year).aggregate(top=Max("number"))[
            "top"
        ]
        or 0
    ) + 1
    budget = OTBBudget.objects.create(
        department=plan.department, fiscal_year=year, number=number, source_version=version, created_by=user
    )
    for month in months:
        month.budget = budget
    OTBBudgetMonth.objects.bulk_create(months)
    return budget


def _receipt_units(month: dict[str, Any]) -> int:
    """Plans hold receipts in $ only: units at the month's planned average selling price
    (planned sales $ / sales units), rounded half away from zero and signed as the receipts are
    (a month planning negative receipts has negative units); 0 where the month plans no unit
    sales."""
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
        raise OTBForbiddenError("Only managers decide on OTB.")
    if not Department.objects.editable_by(user).filter(pk=department_id).exists():
        raise OTBForbiddenError("You do not manage this department.")


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


# -- OTB exceptions -----------------------------------------------------------------------


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
    open_to_buy.orders_changed(order.department_id)  # released or cancelled: the plans follow
    return exception
