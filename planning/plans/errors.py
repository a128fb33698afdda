"""The refusal of a plan write, outside the services package so that modules the services
import (promotion, scenario merges) can raise it too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import InvalidInput

if TYPE_CHECKING:
    from planning.plans.services.cell_edits import CellEdit


class PlanError(InvalidInput, ValueError):
    """Bad input for a plan write (400): shown next to the cell or the form field, nothing changed."""

    edit: CellEdit | None = None  # the refused cell of a batch (a pasted block), when one is
