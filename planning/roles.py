"""Roles are Django groups with fixed permission sets, re-synced after every migrate.

Row-level scope (which departments a planner may change) lives in querysets:
`Department.objects.editable_by(user)`, never only in templates.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import Q

PLANNER = "Planner"
MANAGER = "Manager"
EXECUTIVE = "Executive"
ADMIN = "Admin"
ROLES = (PLANNER, MANAGER, EXECUTIVE, ADMIN)

_PROJECT_APPS = ("core", "planning", "forecasting", "allocation", "otb", "replenishment", "reports")
PLANNER_PLAN_PERMISSIONS = [
    "add_plan",
    "change_plan",
    "add_planversion",
    "change_planversion",
    "change_planline",
    "change_planweek",
]
MANAGER_PLAN_PERMISSIONS = ["change_planversion"]  # approve or reject


def _permissions_for(role: str) -> Q:
    if role == ADMIN:
        # Runs the master data and the users; reaches the admin site (is_staff).
        return Q(content_type__app_label__in=_PROJECT_APPS) | Q(
            content_type__app_label="auth",
            codename__in=["add_user", "change_user", "view_user", "view_group"],
        )
    reads = Q(content_type__app_label__in=_PROJECT_APPS, codename__startswith="view_")
    if role == PLANNER:
        # Planners build and edit plans (of their own departments: services check the scope).
        return reads | Q(content_type__app_label="planning", codename__in=PLANNER_PLAN_PERMISSIONS)
    if role == MANAGER:
        return reads | Q(content_type__app_label="planning", codename__in=MANAGER_PLAN_PERMISSIONS)
    return reads


def roles_sync() -> None:
    """Create the four groups and give each exactly its permissions (idempotent)."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(_permissions_for(role)))


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """After migrate (and after a test database flush, which empties every table): the
    groups with their permissions (the fiscal calendar: services.fiscal_weeks_after_migrate)."""
    name = getattr(sender, "name", None)
    # Each app's permissions exist only after its own migrate signal: sync the roles again.
    if name in _PROJECT_APPS:
        roles_sync()


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    if getattr(user, "is_superuser", False):
        return set(ROLES)
    # Cached on the user object: navigation, views and querysets all ask within one request.
    cached: set[str] | None = getattr(user, "_merchplan_roles", None)
    if cached is None:
        cached = set(Group.objects.filter(user__pk=user.pk).values_list("name", flat=True))
        setattr(user, "_merchplan_roles", cached)  # noqa: B010 - not a model field
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    return role in user_roles(user)
