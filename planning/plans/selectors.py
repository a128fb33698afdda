"""Reads for plan approvals: what waits for a manager, a version's trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from planning.models import Department, PlanTransition, PlanVersion
from planning.roles import ADMIN, MANAGER, user_roles


def versions_to_decide(user: AbstractBaseUser | AnonymousUser) -> QuerySet[PlanVersion]:
    """Submitted versions `user` may approve or reject: of the departments a manager is
    assigned to (every department for an admin), never their own submissions. The same rules
    as `services._check_approver`, so nothing is listed that the user cannot decide."""
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
