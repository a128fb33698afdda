"""A version's way through approval: submit, approve (a new original-plan revision; a scenario
promoted into the working plan), reject and withdraw. Submit, approve and reject go through the
one approval flow (`core.approvals`: status, four-eyes rule, reason, mail after the commit; the
plan kind is `planning.plans.approval_kind`); this module holds their transitions, recorded in
the plan's trail, and the withdrawal, which is the plan's own."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.approvals import approval_decide, approval_submit, may_decide
from core.errors import Forbidden
from planning.models import Department, Plan, PlanTransition, PlanVersion
from planning.plans.promotion import scenario_promote
from planning.plans.services.checks import PlanError, _check_editable
from planning.plans.services.derived_values import _recompute_all
from planning.plans.services.scenarios import _clone
from planning.roles import ADMIN, PLANNER, user_roles

Kind = PlanVersion.Kind
Status = PlanVersion.Status


def _transition(version: PlanVersion, user: User, action: str, to_status: str, reason: str = "") -> None:
    PlanTransition.objects.create(
        version=version,
        action=action,
        from_status=version.status,
        to_status=to_status,
        reason=reason,
        user=user,
    )
    version.status = to_status
    version.lock_version += 1


def version_submit(*, user: User, version_id: int) -> PlanVersion:
    """Send a working plan or a what-if for a manager's decision (`core.approvals`: checks,
    the trail row, the approvers' mail after the commit)."""
    version: PlanVersion = approval_submit("plan", version_id, user)
    return version


def check_submitter(user: User, version: PlanVersion) -> None:
    """Only a working plan or a what-if goes for approval, by someone who edits its department."""
    if version.kind not in (Kind.WORKING, Kind.SCENARIO):
        raise PlanError("Only a working plan or a scenario goes for approval.")
    if not Department.objects.editable_by(user).filter(pk=version.plan.department_id).exists():
        raise Forbidden(f"You cannot change plans of {version.plan.department}.")


def check_submittable(user: User, version: PlanVersion) -> None:
    _check_editable(user, version)


def version_submitted(version: PlanVersion, user: User, comment: str) -> None:
    """The submit transition of the plan kind (`planning.plans.approval_kind`)."""
    _transition(version, user, "submit", Status.SUBMITTED, comment)
    version.submitted_by_id = user.pk
    version.save(update_fields=["status", "lock_version", "submitted_by"])


COMMENT_MAX = 2000  # characters of an approval comment, a rejection or a withdrawal reason


def _comment(text: str) -> str:
    comment = text.strip()
    if len(comment) > COMMENT_MAX:
        raise PlanError(f"Keep the comment to {COMMENT_MAX:,} characters (it has {len(comment):,}).")
    return comment


def locked_version(version_id: int) -> PlanVersion:
    """The version, its row locked: a decision and a withdrawal of the same submission queue
    here, and the second one reads the status the first one left."""
    return (
        PlanVersion.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__department")
        .get(pk=version_id)
    )


def not_waiting(version: PlanVersion, then: str) -> str:
    """Why a version is not waiting for a decision, naming the decision that closed the last
    submission (approve, reject and withdraw are the only ways out of "submitted")."""
    last = (
        PlanTransition.objects.filter(version=version, action__in=("approve", "reject", "withdraw"))
        .select_related("user")
        .first()
    )
    if last is None:
        if version.status == Status.DRAFT:
            return f"{version.name} is not waiting for approval{then}."
        return f"{version.name} is {version.get_status_display().lower()}: it is not waiting for approval."
    done = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[last.action]
    return f"{version.name} was already {done} by {last.user.get_username()}{then}."


def can_decide(user: User, version: PlanVersion) -> bool:
    """Whether `user` may approve or reject `version` now (for showing the buttons)."""
    return may_decide("plan", version, user)


def version_approve(
    *,
    user: User,
    version_id: int,
    comment: str = "",
    resolutions: Mapping[str, str] | None = None,
    resolve_all: str | None = None,
) -> PlanVersion:
    """A manager (not the submitter) approves a submitted version (`core.approvals`: checks,
    then `version_approved`)."""
    version: PlanVersion = approval_decide(
        "plan", version_id, user, "approve", comment=comment, resolutions=resolutions, resolve_all=resolve_all
    )
    return version


def version_reject(*, user: User, version_id: int, reason: str) -> PlanVersion:
    """A manager (not the submitter) sends a submitted version back to draft, saying why."""
    version: PlanVersion = approval_decide("plan", version_id, user, "reject", comment=reason)
    return version


def version_approved(
    version: PlanVersion,
    user: User,
    comment: str,
    *,
    resolutions: Mapping[str, str] | None = None,
    resolve_all: str | None = None,
) -> None:
    """The approve transition: the submitted plan becomes the plan's next original-plan
    revision (OP r1, r2, ..., frozen); earlier revisions stay as they were. The working plan
    goes on. The approver's comment, if any, stays in the plan's trail with the approval.

    A scenario is promoted three-way (planning.plans.promotion): its own changes since the
    branch go into the working plan; cells both changed are refused (PromotionConflictError)
    unless `resolutions` ("<class_id>:<week_id>:<measure>" -> "scenario" or "working") or
    `resolve_all` pick the value that wins."""
    plan = version.plan
    working = version if version.kind == Kind.WORKING else None
    if version.kind == Kind.SCENARIO:
        # Promotion: the scenario's own changes become the working plan's, audited per cell.
        working = (
            PlanVersion.objects.select_for_update().select_related("plan").get(plan=plan, kind=Kind.WORKING)
        )
        scenario_promote(
            user=user, scenario=version, working=working, resolutions=resolutions, resolve_all=resolve_all
        )
        _recompute_all(working)
    elif version.totals_are_stale:
        _recompute_all(version)  # the roll-up task has not run yet: never freeze stale totals
    _new_original(plan, working or version, user)
    to_status = Status.APPROVED if version.kind == Kind.SCENARIO else Status.DRAFT
    _transition(version, user, "approve", to_status, comment)
    version.is_frozen = version.kind == Kind.SCENARIO
    version.save(update_fields=["status", "lock_version", "is_frozen"])


def version_rejected(version: PlanVersion, user: User, reason: str) -> None:
    """The reject transition: back to draft, the reason in the trail."""
    _transition(version, user, "reject", Status.DRAFT, reason)
    version.save(update_fields=["status", "lock_version"])


def _new_original(plan: Plan, source: PlanVersion, user: User) -> PlanVersion:
    """A frozen copy of `source` as the plan's next OP revision, approved by `user` now.

    The plan's row is locked first: two approvals of the same plan at once (the working plan
    and a scenario) queue here and take r2 and r3, never the same number."""
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    top = PlanVersion.objects.filter(plan=plan, kind=Kind.ORIGINAL).aggregate(top=Max("revision"))["top"]
    revision = (top or 0) + 1
    name = "Original plan" if revision == 1 else f"Original plan r{revision}"
    taken = set(PlanVersion.objects.filter(plan=plan, name__startswith=name).values_list("name", flat=True))
    suffix = 2
    while name in taken:  # a scenario may already be called "Original plan r2"
        name, suffix = f"Original plan r{revision} ({suffix})", suffix + 1
    original = _clone(source, user, Kind.ORIGINAL, name, frozen=True)
    original.revision, original.approved_by, original.approved_at = revision, user, timezone.now()
    original.save(update_fields=["revision", "approved_by", "approved_at"])
    PlanTransition.objects.create(version=original, action="approve", to_status=Status.APPROVED, user=user)
    return original


def _check_withdrawer(user: User, version: PlanVersion) -> None:
    """The submitter, or a planner of the department (a colleague who takes it back to fix
    it); managers who did not submit it decide on it instead."""
    department = version.plan.department
    if not Department.objects.editable_by(user).filter(pk=department.pk).exists():
        raise PermissionDenied(f"You cannot change plans of {department}.")
    is_submitter = version.submitted_by_id == user.pk
    if not is_submitter and not user_roles(user) & {PLANNER, ADMIN}:
        raise PermissionDenied(
            f"Only the submitter or a planner of {department} withdraws a submission; "
            "as a manager, approve or reject it."
        )
    if version.status != Status.SUBMITTED:
        raise PlanError(not_waiting(version, ": only a submission still waiting can be withdrawn"))


def can_withdraw(user: User, version: PlanVersion) -> bool:
    try:
        _check_withdrawer(user, version)
    except (PermissionDenied, PlanError):
        return False
    return True


@transaction.atomic
def version_withdraw(*, user: User, version_id: int, reason: str = "") -> PlanVersion:
    """Take a submitted version back to draft before anyone decided on it (it leaves the
    approvals inbox and can be edited again); recorded in the trail as withdrawn by the user.

    The row lock orders it against a concurrent approve or reject: whichever locks first
    wins, the other then reads the new status and is refused."""
    version = locked_version(version_id)
    _check_withdrawer(user, version)
    _transition(version, user, "withdraw", Status.DRAFT, _comment(reason))
    version.save(update_fields=["status", "lock_version"])
    return version
