"""Plans' kind of the one approval flow (`core.approvals`): a working plan or a what-if goes from
draft to submitted; approving makes the plan's next OP revision (a what-if is promoted into the
working plan first), rejecting sends it back to draft with the reason. The checks, the mail and
the order of things are core's; the transitions are `planning.plans.services.approvals`, and
each writes the plan's trail row (PlanTransition), the plan's audit record. Registered in
`PlanningConfig.ready`, first, so plans lead the inbox."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Sum

from core.approvals import ApprovalKind, Decision, InboxRow, Mail, approval_kind_register
from core.errors import Forbidden
from core.money import format_money
from planning.models import Department, PlanVersion, PlanWeek
from planning.plans import selectors
from planning.plans.month_summary import month_summaries
from planning.plans.negative_receipts import negative_receipts
from planning.plans.promotion import Promotion, promotion_preview
from planning.plans.services import approvals as transitions
from planning.roles import ADMIN, MANAGER, user_roles

KIND = "plan"


def _money(value: Any) -> str:
    return format_money(Decimal(value or 0), symbol="$")


def _pending(user: User) -> list[InboxRow]:
    """Each submitted version the user may decide on: its season totals, its negative-receipt
    warnings, its months beside the OP and LY, and for a what-if what promoting it changes."""
    versions = list(selectors.versions_to_decide(user))
    if not versions:
        return []
    totals = {
        row["line__version_id"]: row
        for row in PlanWeek.objects.filter(line__version__in=versions, line__merch_class__isnull=True)
        .values("line__version_id")
        .annotate(sales=Sum("sales"), receipts=Sum("receipts"), markdowns=Sum("markdowns"))
    }
    negatives = negative_receipts([version.pk for version in versions])
    summaries = month_summaries(versions)
    rows = []
    for version in versions:
        total = totals.get(version.pk, {})
        flagged = negatives[version.pk]
        rows.append(
            InboxRow(
                kind=KIND, object_id=version.pk, title=f"{version.plan.name} · {version.name}",
                department=str(version.plan.department), requested_by=str(version.submitted_by or ""),
                figures=[("Sales", _money(total.get("sales"))), ("Receipts", _money(total.get("receipts"))),
                         ("Markdowns", _money(total.get("markdowns")))],
                url=f"/planning/plans/versions/{version.pk}/",
                warnings=(flagged.summary, *flagged.lines) if flagged else (),
                promotion=promotion_preview(version) if version.kind == PlanVersion.Kind.SCENARIO else None,
                months=summaries.get(version.pk),
            )
        )  # fmt: skip
    return rows


def promotion_to_decide(user: User, version_id: int) -> Promotion | None:
    """Every change promoting the what-if would make, for a manager who may decide on it."""
    version = selectors.versions_to_decide(user).filter(pk=version_id, kind=PlanVersion.Kind.SCENARIO).first()
    return promotion_preview(version) if version is not None else None


def check_decider(user: User, version: PlanVersion) -> None:
    """A manager (or admin) of the plan's department."""
    if not user_roles(user) & {MANAGER, ADMIN}:
        raise Forbidden("Only a manager approves or rejects plans.")
    department = version.plan.department
    if not Department.objects.editable_by(user).filter(pk=department.pk).exists():
        raise Forbidden(f"You do not manage {department}: only its managers approve or reject its plans.")


def _decide(
    version: PlanVersion, user: User, decision: Decision, comment: str, options: Mapping[str, Any]
) -> None:
    if decision == "approve":
        transitions.version_approved(
            version, user, comment,
            resolutions=options.get("resolutions"), resolve_all=options.get("resolve_all"),
        )  # fmt: skip
    else:
        transitions.version_rejected(version, user, comment)


def _mail(version: PlanVersion) -> Mail:
    plan = version.plan
    return Mail(
        plan.department_id,
        f"Plan {plan.name} ({version.name}) waits for you",
        f"{plan.name}, {version.name}, of {plan.department} was submitted for approval.",
    )


PLAN = ApprovalKind(
    name=KIND, label="Plans", noun="plan", waiting_status=PlanVersion.Status.SUBMITTED,
    load=transitions.locked_version, pending=_pending,
    count=lambda user: selectors.versions_to_decide(user).count(),
    check_decider=check_decider, decide=_decide, mail=_mail,
    department_of=lambda version: version.plan.department_id,
    submit=transitions.version_submitted, submittable=(PlanVersion.Status.DRAFT,),
    check_submitter=transitions.check_submitter, validate_submit=transitions.check_submittable,
    self_decision_message="You submitted this plan; another manager must approve or reject it.",
    not_waiting_message=lambda version: transitions.not_waiting(version, ""),
    not_submittable_message=lambda version: (
        f"{version.name} is {version.get_status_display().lower()}: it cannot be changed."
    ),
    comment_max=transitions.COMMENT_MAX,
)  # fmt: skip


def register() -> None:
    approval_kind_register(PLAN)
