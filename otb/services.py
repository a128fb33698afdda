"""Writes for open-to-buy: budgets from the approved plan and their approval, OTB exceptions;
the errors the OTB rules raise and the fiscal month helpers. Purchase orders (checked against
the OTB left, receipts, line changes) are in `otb.orders`.

OTB of a department and fiscal month = approved planned receipts - what released purchase
orders commit to the month (received or still open, at retail: `otb.ledger`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Sum

from core import scope
from core.approvals import approval_decide, approval_submit
from core.audit import audit_record
from core.errors import Forbidden, InvalidInput
from core.money import whole_units
from core.weeks import month_key as fiscal_month_key
from core.weeks import month_label as month_label  # the label callers know as services.month_label
from core.weeks import year_of
from otb.models import OTBBudget, OTBBudgetMonth, OTBException
from planning.engine.rounding import half_up
from planning.models import Department, FiscalWeek, PlanVersion, PlanWeek
from planning.roles import ADMIN, MANAGER, user_roles


class OTBError(InvalidInput):
    """A request the OTB rules refuse (400); the message is for the user."""


class OTBForbiddenError(Forbidden, OTBError):
    """Not this user's to decide: not a manager, or not of the department (403). Still an
    OTBError, so pages that show an OTB refusal beside the form show this one too."""


class InsufficientOTBError(OTBError):
    """Orders above the open-to-buy left (409, with the short months in the API's body)."""

    status = 409
    code = "insufficient_otb"

    def __init__(self, message: str, short: dict[int, tuple[Decimal, Decimal]]) -> None:
        super().__init__(message)
        self.short = short  # month key -> (requested retail, available retail)


def month_key(week: FiscalWeek) -> int:
    return fiscal_month_key(week.year, week.month)


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
    scope.require_department(
        user,
        plan.department_id,
        edit=True,
        message=f"You cannot budget {plan.department}.",
        error=OTBForbiddenError,
    )
    return budget_create(user=user, version=version, months=plan_budget_months(version))


class OTBDuplicateError(OTBError):
    """The same thing exists already (a second click): 409."""

    status = 409
    code = "duplicate"


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
    audit_record(user, "otb_budget.revise", budget, comment=note)
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
    year = year_of(months[0].month_key)
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
    return whole_units(Decimal(month["retail"]) / price)


def otb_budget_submit(*, user: User, budget_id: int) -> OTBBudget:
    """Send a draft budget for a manager's decision (`core.approvals`: checks, audit, mail)."""
    budget: OTBBudget = approval_submit("otb_budget", budget_id, user)
    return budget


def otb_budget_decide(*, user: User, budget_id: int, approve: bool, comment: str = "") -> OTBBudget:
    """A manager (not the submitter) approves or rejects a submitted budget (`core.approvals`;
    the transition is `otb.approval_kinds`)."""
    budget: OTBBudget = approval_decide(
        "otb_budget", budget_id, user, "approve" if approve else "reject", comment=comment
    )
    return budget


def check_manager(user: User, department_id: int) -> None:
    """Who may decide on OTB: a manager (or admin) of the department (403 otherwise)."""
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


def otb_exception_decide(
    *, user: User, exception_id: int, approve: bool, reason: str, comment: str = ""
) -> OTBException:
    """A manager approves (with a reason code) or rejects an over-OTB order; the requester may
    not decide (`core.approvals`; the transition, releasing or cancelling the order, is
    `otb.approval_kinds`)."""
    exception: OTBException = approval_decide(
        "otb_exception", exception_id, user, "approve" if approve else "reject",
        comment=comment, reason=reason,
    )  # fmt: skip
    return exception
