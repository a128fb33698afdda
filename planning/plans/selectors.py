"""Reads for plan approvals: what waits for a manager, a version's trail, the current OP."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, F, OuterRef, QuerySet

from planning.models import Department, Plan, PlanTransition, PlanVersion
from planning.roles import ADMIN, MANAGER, user_roles


def versions_to_decide(user: AbstractBaseUser | AnonymousUser) -> QuerySet[PlanVersion]:
    """Submitted versions `user` may approve or reject: of the departments a manager is
    assigned to (every department for an admin), never their own submissions. The same rules
    as the plan kind's `check_decider` and `core.approvals`, so nothing is listed that the user
    cannot decide."""
    if not user_roles(user) & {MANAGER, ADMIN}:
        return PlanVersion.objects.none()
    return (
        PlanVersion.objects.filter(
            status=PlanVersion.Status.SUBMITTED,
            plan__department__in=Department.objects.editable_by(user),
        )
        .exclude(submitted_by_id=user.pk)
        .select_related("plan", "plan__department", "submitted_by")
        .order_by("id")
    )


def plan_trail(version: PlanVersion, limit: int = 50) -> list[PlanTransition]:
    """The latest steps of every version of the version's plan, newest first: who did what,
    when, from which status to which, with the comment or reason."""
    return list(
        PlanTransition.objects.filter(version__plan_id=version.plan_id)
        .select_related("user", "version")
        .order_by("-at", "-id")[:limit]
    )


def version_trail(version: PlanVersion) -> list[PlanTransition]:
    """Every step of one version, oldest first."""
    return list(PlanTransition.objects.filter(version=version).select_related("user").order_by("at", "id"))


def current_original(plan: Plan | int) -> PlanVersion | None:
    """The plan's current original plan: its newest approved revision (None before the first
    approval). Earlier revisions stay, frozen; "the OP" everywhere means this one."""
    plan_id = plan if isinstance(plan, int) else plan.pk
    return (
        PlanVersion.objects.filter(plan_id=plan_id, kind=PlanVersion.Kind.ORIGINAL)
        .select_related("approved_by")
        .order_by(F("revision").desc(nulls_last=True), "-id")
        .first()
    )


def current_originals() -> QuerySet[PlanVersion]:
    """Every plan's current original plan (one query; filter it by plan as needed)."""
    newer = PlanVersion.objects.filter(
        plan_id=OuterRef("plan_id"), kind=PlanVersion.Kind.ORIGINAL, revision__gt=OuterRef("revision")
    )
    return PlanVersion.objects.filter(kind=PlanVersion.Kind.ORIGINAL).exclude(Exists(newer))
