"""Entered cells saved: one edit, a pasted block or an import, all or nothing.

The version, then the lines, then the weeks are locked in that order; each cell's optimistic
check (row version, or the value the client saw); the edited lines recomputed in the request,
the totals queued after the commit; every change recorded in the cell history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from core.money import to_cents, to_places
from planning.detail.sync import class_weeks_into_leaves
from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.bulk_write import write_rows
from planning.plans.cell_input import CellInputError, cell_value
from planning.plans.compute import ENTERED_FIELDS, run_engine
from planning.plans.measures import ENTERED, TARGET_PLACES, validate
from planning.plans.services.checks import CellConflictError, PlanError, _check_editable
from planning.plans.services.derived_values import _queue_totals, _write_derived, load_block


@dataclass
class CellEdit:
    line_id: int
    week_id: int
    measure: str
    value: str
    row_version: int | None = None  # the version the client read; None skips the check (imports)
    # The value the client saw in this cell: when someone changed another measure of the same
    # week row since, the row version differs but this cell did not, so the edit goes through.
    expected: str | None = None


@dataclass
class EditResult:
    version: PlanVersion
    line_ids: list[int]
    changed_rows: list[int] = field(default_factory=list)


def _cell_value(raw: str, current: Decimal | int | None, *, measure: str, method: str) -> Decimal:
    """What a cell edit stores: the number typed, or `+10%`/`*1.1` applied to `current`."""
    try:
        return cell_value(raw, current, measure=measure, method=method)
    except CellInputError as error:
        raise PlanError(str(error)) from None


def plan_cells_update(
    *,
    user: User,
    version_id: int,
    edits: list[CellEdit],
    source: str = PlanCellChange.Source.EDIT,
) -> EditResult:
    """Save entered cells (one edit, a pasted block or an import), recompute the edited lines
    in this request, and queue the totals. All or nothing: any bad cell fails the lot."""
    if not edits:
        raise PlanError("Nothing to save.")
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
        _check_editable(user, version)
        line_ids = sorted({edit.line_id for edit in edits})
        lines = {
            line.pk: line
            for line in PlanLine.objects.select_for_update()
            .filter(version=version, pk__in=line_ids, merch_class__isnull=False)
            .order_by("pk")
        }
        missing = [line_id for line_id in line_ids if line_id not in lines]
        if missing:
            raise PlanError(f"Line {missing[0]} is not an editable line of this plan version.")
        rows = {
            (row.line_id, row.fiscal_week_id): row
            for row in PlanWeek.objects.select_for_update()
            .filter(line_id__in=line_ids, fiscal_week_id__in={edit.week_id for edit in edits})
            .order_by("pk")
        }
        changes = []
        for edit in edits:
            try:
                changes.append(_apply(edit, rows, lines, user))
            except PlanError as error:
                error.edit = edit  # so the grid marks the refused cell of a pasted block
                raise
        changed_ids = {change.pk for change, _ in changes}
        touched = [row for row in rows.values() if row.pk in changed_ids]
        for row in touched:
            row.row_version += 1
            row.updated_by_id = user.pk
        # Many rows (a spread total, the detail's class lines) go by COPY + UPDATE (bulk_write),
        # not bulk_update's CASE per column; a few by bulk_update.
        write_rows(PlanWeek, touched, [*ENTERED_FIELDS, "row_version"])
        PlanWeek.objects.filter(pk__in=[row.pk for row in touched]).update(updated_by_id=user.pk)
        batch = uuid.uuid4()
        PlanCellChange.objects.bulk_create(
            [
                PlanCellChange(
                    line_id=row.line_id,
                    fiscal_week_id=row.fiscal_week_id,
                    measure=measure,
                    old_value=old,
                    new_value=getattr(row, measure),
                    source=source,
                    changed_by_id=user.pk,
                    batch=batch,
                )
                for row, (measure, old) in ((change, detail) for change, detail in changes)
            ]
        )
        if source != PlanCellChange.Source.DETAIL:  # the leaves under the class lines follow them
            weeks = PlanWeek.objects.filter(line_id=line_ids[0]).count()
            class_weeks_into_leaves(
                version.pk, [(row.line_id, row.period, m, getattr(row, m)) for row, (m, _) in changes], weeks
            )
        PlanVersion.objects.filter(pk=version.pk).update(values_version=F("values_version") + 1)
        version.refresh_from_db(fields=["values_version", "totals_version"])
        block, row_ids = load_block(version, line_ids)
        plan = version.plan
        outputs = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
        changed = _write_derived(block, outputs, row_ids)
        _queue_totals(version)
    return EditResult(version=version, line_ids=line_ids, changed_rows=changed)


def _apply(
    edit: CellEdit,
    rows: dict[tuple[int, int], PlanWeek],
    lines: dict[int, PlanLine],
    user: User,
) -> tuple[PlanWeek, tuple[str, Decimal | None]]:
    if edit.measure not in ENTERED:
        raise PlanError(validate(edit.measure, Decimal(0), "") or f"{edit.measure} is not entered.")
    row = rows.get((edit.line_id, edit.week_id))
    if row is None:
        raise PlanError(f"Week {edit.week_id} is not in this plan.")
    if row.actual_eop is not None:
        raise PlanError(closed_week_message(edit.week_id))
    line = lines[edit.line_id]
    if edit.measure == "receipts_entered" and line.method != PlanLine.Method.RECEIPTS:
        raise PlanError("Receipts are derived on this line; change its method to enter them.")
    old = getattr(row, edit.measure)
    value = _cell_value(edit.value, old, measure=edit.measure, method=line.method)
    problem = validate(edit.measure, value, line.method)
    if problem:
        raise PlanError(problem)
    if (
        edit.row_version is not None
        and edit.row_version != row.row_version
        and not _unchanged(old, edit.expected)
    ):
        raise _conflict(row, edit.measure)
    if edit.measure == "sales_units":
        setattr(row, edit.measure, int(value))
    elif edit.measure == "target":
        setattr(row, edit.measure, to_places(value, TARGET_PLACES))
    else:
        setattr(row, edit.measure, to_cents(value))
    return row, (edit.measure, old)


def closed_week_message(week_id: int) -> str:
    return f"W{week_id % 100:02d} is closed: it holds this year's actuals."


def _unchanged(current: Decimal | int | None, expected: str | None) -> bool:
    if expected in (None, "") or current is None:
        return False
    text = str(expected).replace(",", "").strip()
    try:
        seen = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)  # a share: 25% is 0.25
        return seen == Decimal(current)
    except InvalidOperation:
        return False


def _conflict(row: PlanWeek, measure: str) -> CellConflictError:
    last = (
        PlanCellChange.objects.filter(line_id=row.line_id, fiscal_week_id=row.fiscal_week_id, measure=measure)
        .select_related("changed_by")
        .first()
    )
    who = last.changed_by.get_username() if last else "another planner"
    return CellConflictError(
        measure=measure,
        current=getattr(row, measure),
        changed_by=who,
        changed_at=last.changed_at if last else None,
        row_version=row.row_version,
    )
