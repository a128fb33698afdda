"""What every plan write shares: how it refuses (PlanError for bad input, CellConflictError
for a stale read), the editable-version check it starts with, and the plain-number parse."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User

from core import scope
from core.errors import Conflict
from planning.models import PlanVersion
from planning.plans.cell_input import CellInputError, parse_number
from planning.plans.errors import PlanError as PlanError
from planning.plans.measures import stored_text

if TYPE_CHECKING:
    pass


class CellConflictError(Conflict):
    """Someone changed the cell since it was read: their value stands (core's one Conflict,
    409, carrying the cell's current state for the grid and the API)."""

    def __init__(
        self, *, measure: str, current: Decimal | None, changed_by: str, changed_at: Any, row_version: int
    ) -> None:
        self.measure = measure
        self.current = current
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.row_version = row_version
        super().__init__(
            f"{changed_by} changed this cell to {stored_text(measure, current)} since you "
            "read it; their value stands. Check it and enter yours again if needed.",
            details={"current_version": row_version, "measure": measure},
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
