"""What every plan write shares: how it refuses (PlanError for bad input, CellConflictError
for a stale read), the editable-version check it starts with, and the plain-number parse."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User

from core import scope
from planning.models import PlanVersion
from planning.plans.cell_input import CellInputError, parse_number
from planning.plans.errors import PlanError as PlanError
from planning.plans.measures import stored_text

if TYPE_CHECKING:
    pass


@dataclass
class CellConflictError(Exception):
    """Someone changed the cell since it was read: their value stands."""

    measure: str
    current: Decimal | None
    changed_by: str
    changed_at: Any
    row_version: int

    def __str__(self) -> str:
        return (
            f"{self.changed_by} changed this cell to {stored_text(self.measure, self.current)} since you "
            "read it; their value stands. Check it and enter yours again if needed."
        )


def _parse(raw: str) -> Decimal:
    """A plain number (a setting, a total's seen value); cells go through `_cell_value`."""
    try:
        return parse_number(raw)
    except CellInputError as error:
        raise PlanError(str(error)) from None


def _check_editable(user: User, version: PlanVersion) -> None:
    if not version.is_editable:
        raise PlanError(f"{version.name} is {version.get_status_display().lower()}: it cannot be changed.")
    scope.require_department(
        user,
        version.plan.department_id,
        edit=True,
        message=f"You cannot change plans of {version.plan.department}.",
    )
