"""Undo of a planner's last edit: the cells that one save changed (a cell, a spread total, a
pasted block, an import) go back to what they held, as one new save, audited as "Undo".

One level: the last save is undone, and undoing twice says so rather than redoing. Refused
when someone changed one of those cells since (the undo would overwrite their work) or when
a week has closed under them since; otherwise it runs through the cell service like any edit:
all or nothing, the lines recomputed, the totals queued."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import Conflict
from planning.models import PlanCellChange, PlanVersion, PlanWeek
from planning.plans.measures import LABELS
from planning.plans.services.cell_edits import CellEdit, EditResult, plan_cells_update
from planning.plans.services.checks import PlanError, _check_editable

Source = PlanCellChange.Source
UNDOABLE = (Source.EDIT, Source.PASTE, Source.SPREAD, Source.IMPORT, Source.UNDO)
# A save in the detail (by subclass and channel) is the user's last save too, but not undone here.
LAST_SAVES = (*UNDOABLE, Source.DETAIL)


def last_batch(user: User, version_id: int) -> list[PlanCellChange]:
    """The changes of the user's last save in this version ([] when there is none)."""
    latest = (
        PlanCellChange.objects.filter(
            line__version_id=version_id, changed_by=user, source__in=LAST_SAVES, batch__isnull=False
        )
        .order_by("-changed_at", "-id")
        .values_list("batch", flat=True)
        .first()
    )
    if latest is None:
        return []
    return list(PlanCellChange.objects.filter(batch=latest).order_by("line_id", "fiscal_week_id", "measure"))


def plan_undo_last(*, user: User, version_id: int) -> EditResult:
    """Put back the cells the user's last save changed in this version."""
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().get(pk=version_id)
        _check_editable(user, version)
        changes = last_batch(user, version_id)
        if not changes:
            raise PlanError("Nothing to undo: you have not changed a cell of this version.")
        if changes[0].source == Source.UNDO:
            raise PlanError("Your last edit is undone already: there is one level of undo.")
        if changes[0].source == Source.DETAIL:
            raise PlanError(
                "Your last edit was by subclass and channel: type the value you had there again "
                "(undo takes back edits of the class lines)."
            )
        _check_unchanged_since(changes)
        edits = [
            CellEdit(change.line_id, change.fiscal_week_id, change.measure, _text(change.old_value))
            for change in changes
        ]
        return plan_cells_update(user=user, version_id=version.pk, edits=edits, source=Source.UNDO)


def _check_unchanged_since(changes: list[PlanCellChange]) -> None:
    rows = {
        (row.line_id, row.fiscal_week_id): row
        for row in PlanWeek.objects.select_for_update().filter(
            line_id__in={c.line_id for c in changes}, fiscal_week_id__in={c.fiscal_week_id for c in changes}
        )
    }
    for change in changes:
        row = rows[(change.line_id, change.fiscal_week_id)]
        now = getattr(row, change.measure)
        if _differs(now, change.new_value):
            later = (
                PlanCellChange.objects.filter(
                    line_id=change.line_id, fiscal_week_id=change.fiscal_week_id, measure=change.measure
                )
                .exclude(batch=change.batch)
                .select_related("changed_by")
                .first()
            )
            who = f" by {later.changed_by.get_username()}" if later else ""
            raise Conflict(
                f"Cannot undo: {LABELS.get(change.measure, change.measure)} of week "
                f"{change.fiscal_week_id % 100} was changed{who} since your edit. Undo would overwrite it."
            )


def _differs(now: Decimal | int | None, then: Decimal | None) -> bool:
    if now is None or then is None:
        return (now is None) != (then is None)
    return abs(Decimal(now) - then) >= Decimal("0.00005")


def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"
