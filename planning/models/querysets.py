"""Querysets that scope rows to what a user may see or change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from planning.roles import ADMIN, MANAGER, PLANNER, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class DepartmentQuerySet(models.QuerySet[Any]):
    def editable_by(self, user: AbstractBaseUser | AnonymousUser) -> DepartmentQuerySet:
        """Admins change every department; planners and managers only those assigned to them."""
        roles = user_roles(user)
        if ADMIN in roles:
            return self.all()
        if roles & {PLANNER, MANAGER}:
            return self.filter(planners=user)
        return self.none()

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> DepartmentQuerySet:
        """Every signed-in role reads every department (executives read the whole company)."""
        return self.all() if user_roles(user) else self.none()
