"""Department scope, checked in one place: which departments a user sees and which they change.

Core knows no department model: the app that owns departments and roles (planning) registers its
two rules at start-up (`register`), and every app asks here. An out-of-scope department is a
`Forbidden` (403), never a 400 of the app's own: one answer for "not yours" across the product.

    require_department(user, department_id, edit=True)   # raises Forbidden, else returns it
    can_edit(user, department_id)                         # for templates' "may I" flags
    editable_departments(user) / visible_departments(user)  # querysets to filter lists by
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from core.errors import Forbidden

ScopeRule = Callable[[Any], QuerySet[Any]]


@dataclass(frozen=True)
class _Rules:
    visible: ScopeRule
    editable: ScopeRule


_rules: _Rules | None = None


def register(*, visible: ScopeRule, editable: ScopeRule) -> None:
    """The department querysets a user sees and changes (called once, by the owning app)."""
    global _rules
    _rules = _Rules(visible, editable)


def _registered() -> _Rules:
    if _rules is None:
        raise RuntimeError("No department scope registered: planning registers it in AppConfig.ready().")
    return _rules


def visible_departments(user: Any) -> QuerySet[Any]:
    return _registered().visible(user)


def editable_departments(user: Any) -> QuerySet[Any]:
    return _registered().editable(user)


def _pk(department: Model | int | None) -> int | None:
    return department.pk if isinstance(department, Model) else department


def can_edit(user: Any, department: Model | int | None) -> bool:
    """Whether the user changes that department (a department row or its id)."""
    pk = _pk(department)
    return pk is not None and editable_departments(user).filter(pk=pk).exists()


def can_see(user: Any, department: Model | int | None) -> bool:
    pk = _pk(department)
    return pk is not None and visible_departments(user).filter(pk=pk).exists()


def require_department(
    user: Any,
    department: Model | int | None,
    *,
    edit: bool = False,
    message: str = "",
    error: type[Forbidden] = Forbidden,
) -> Any:
    """The department (row) when the user may see it, or change it with `edit`; else Forbidden.

    `message` says what the user was refused in the app's words ("Only the planners and
    managers of Tops allocate its stock."); `error` may be an app's subclass of Forbidden that
    its pages already catch with the app's other refusals (e.g. OTBForbiddenError)."""
    pk = _pk(department)
    scope = editable_departments(user) if edit else visible_departments(user)
    found = scope.filter(pk=pk).first() if pk is not None else None
    if found is None:
        verb = "change" if edit else "see"
        raise error(message or f"You cannot {verb} this department.")
    return found
