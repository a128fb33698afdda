"""Totals edited (a month, quarter, season or plan-total cell): the new value spread to the
weeks and lines below, and the cell locks that keep an entered cell out of such a spread."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction

from core.audit import audit_record
from planning.engine import spread
from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.cell_input import CellInputError, parse_cell_input
from planning.plans.cell_input import resolve as resolve_cell_input
from planning.plans.measures import LABELS, PURCHASED, validate
from planning.plans.services.cell_edits import CellEdit, EditResult, closed_week_message, plan_cells_update
from planning.plans.services.checks import PlanError, _check_editable, _parse

Kind = PlanVersion.Kind


FLOW_ENTERED = ("sales", "sales_units", "markdowns", "shrink", "receipts_entered")
SPREAD_BY = ("current", "last_year", "even")


def _group_filter(column_key: str) -> dict[str, Any]:
    """Which weeks a grid column covers: "M3" a fiscal month, "Q1" a quarter, "H1" a half,
    "season" (or "year") all,
    "2026-W05" one week (a week of the total line spreads over the lines)."""
    if column_key in ("season", "year"):
        return {}
    if column_key in ("H1", "H2"):
        return {"fiscal_week__quarter__in": (1, 2) if column_key == "H1" else (3, 4)}
    if column_key.startswith("M") and column_key[1:].isdigit():
        return {"fiscal_week__month": int(column_key[1:])}
    if column_key.startswith("Q") and column_key[1:].isdigit():
        return {"fiscal_week__quarter": int(column_key[1:])}
    if "-W" in column_key:
        year, week = column_key.split("-W")
        return {"fiscal_week_id": int(year) * 100 + int(week)}
    raise PlanError(f"{column_key!r} is not a column of the grid.")


def plan_aggregate_update(
    *,
    user: User,
    version_id: int,
    line_id: int,
    column_key: str,
    measure: str,
    value: str,
    expected: str | None,
    by: str = "current",
) -> EditResult:
    """Edit a month, quarter or season total (or a plan-total cell): flows spread over the
    weeks (and lines) below in proportion to their current values, to last year's where those
    are all zero, evenly where last year is empty too; locked cells keep their values; whole
    units and cents, summing exactly. A weekly target typed on a total fills its weeks.
    `by` chooses the shape per edit: "current" (as above), "last_year" or "even"."""
    if by not in SPREAD_BY:
        raise PlanError(f"Spread by {by!r}? Use one of: {', '.join(SPREAD_BY)}.")
    if measure not in (*FLOW_ENTERED, "target"):
        if measure in PURCHASED:
            raise PlanError(validate(measure, Decimal(0), "") or "")
        raise PlanError(f"{LABELS.get(measure, measure)} is calculated; enter its inputs instead.")
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
        _check_editable(user, version)
        line = PlanLine.objects.filter(version=version, pk=line_id).first()
        if line is None:
            raise PlanError("That line is not in this plan version.")
        lines = list(
            PlanLine.objects.filter(version=version, merch_class__isnull=False).order_by("position", "id")
            if line.is_total
            else [line]
        )
        rows = list(
            PlanWeek.objects.select_for_update()
            .filter(line__in=lines, **_group_filter(column_key))
            .order_by("line__position", "line_id", "period")
        )
        if not rows:
            raise PlanError("No weeks under that total.")
        if all(row.actual_eop is not None for row in rows):
            raise PlanError(
                "Every week under that total is closed: it holds this year's actuals."
                if len(rows) > 1
                else closed_week_message(rows[0].fiscal_week_id)
            )
        method = "receipts" if measure == "receipts_entered" else lines[0].method
        try:
            entry = parse_cell_input(value, measure=measure, method=method)
            # A change of a total (+10%) applies to the total shown: the sum of its weeks.
            current = sum((Decimal(getattr(row, measure) or 0) for row in rows), Decimal(0))
            new_value = resolve_cell_input(entry, current, measure=measure)
        except CellInputError as error:
            raise PlanError(str(error)) from None
        open_rows = [row for row in rows if row.actual_eop is None]  # closed weeks keep their actuals
        if measure == "target" and entry.is_change:
            # A target is not summed: +10% on a month changes each of its weeks' own targets.
            edits = [CellEdit(row.line_id, row.fiscal_week_id, measure, value) for row in open_rows]
        elif measure == "target":
            problem = next((p for p in (validate("target", new_value, li.method) for li in lines) if p), None)
            if problem:
                raise PlanError(problem)
            edits = [CellEdit(row.line_id, row.fiscal_week_id, measure, str(new_value)) for row in open_rows]
        else:
            problem = validate(measure, new_value, method)
            if problem:
                raise PlanError(problem)
            edits = _spread_edits(version, rows, measure, new_value, expected, by)
        if not edits:
            return EditResult(version=version, line_ids=[li.pk for li in lines])
        return plan_cells_update(
            user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.SPREAD
        )


def _spread_edits(
    version: PlanVersion,
    rows: list[PlanWeek],
    measure: str,
    new_value: Decimal,
    expected: str | None,
    by: str = "current",
) -> list[CellEdit]:
    current = np.array([float(getattr(row, measure)) for row in rows])
    if expected not in (None, ""):
        seen = _parse(str(expected))
        if abs(Decimal(repr(float(current.sum()))) - seen) > Decimal("0.5"):
            raise PlanError(
                f"This total changed to {current.sum():,.2f} since you read it (you saw {seen:,}); "
                "check it and enter yours again."
            )
    # Closed weeks are locked: they keep their actuals and the open weeks take the difference.
    locked = np.array([measure in row.locked.split(",") or row.actual_eop is not None for row in rows])
    last_year = _last_year_reference(version, rows, measure)
    reference: np.ndarray | None = last_year
    # The free cells share by their current values (then last year, then evenly), by last
    # year's (then evenly) or evenly; locked and closed cells keep theirs whatever the rule.
    basis = current
    if by == "last_year":
        basis, reference = np.where(locked, current, last_year), None
    elif by == "even":
        basis, reference = np.where(locked, current, 0.0), None
    decimals = 0 if measure == "sales_units" else 2
    try:
        values = spread(float(new_value), basis, locked=locked, reference=reference, decimals=decimals)
    except ValueError as error:
        raise PlanError(f"Cannot spread {new_value:,} here: {error}") from None
    return [
        CellEdit(row.line_id, row.fiscal_week_id, measure, f"{value:.{decimals}f}")
        for row, value, old in zip(rows, values, current, strict=True)
        if round(value, decimals) != round(old, decimals)
    ]


def _last_year_reference(version: PlanVersion, rows: list[PlanWeek], measure: str) -> np.ndarray:
    """Last year's values of the same classes and periods, the shape to spread by when the
    current values are all zero (a new plan, a new class)."""
    if measure not in ("sales", "sales_units", "markdowns"):
        return np.zeros(len(rows))
    class_of = dict(
        PlanLine.objects.filter(pk__in={row.line_id for row in rows}).values_list("pk", "merch_class_id")
    )
    last_year = {
        (class_id, period): float(value)
        for class_id, period, value in PlanWeek.objects.filter(
            line__version__plan=version.plan,
            line__version__kind=Kind.LAST_YEAR,
            period__in={row.period for row in rows},
        ).values_list("line__merch_class_id", "period", measure)
    }
    return np.array([last_year.get((class_of[row.line_id], row.period), 0.0) for row in rows])


@transaction.atomic
def plan_cell_lock(
    *, user: User, version_id: int, line_id: int, week_id: int, measure: str, locked: bool
) -> PlanWeek:
    """Lock or unlock an entered cell against spreads from totals above it."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    _check_editable(user, version)
    if measure not in FLOW_ENTERED:
        raise PlanError("Only entered amounts can be locked.")
    row = (
        PlanWeek.objects.select_for_update()
        .filter(line__version=version, line_id=line_id, fiscal_week_id=week_id)
        .first()
    )
    if row is None:
        raise PlanError("That cell is not in this plan version.")
    measures = {name for name in row.locked.split(",") if name}
    was_locked = measure in measures
    measures = measures | {measure} if locked else measures - {measure}
    row.locked = ",".join(sorted(measures))
    row.save(update_fields=["locked"])
    if was_locked != locked:
        cell = {"line": line_id, "week": week_id, "measure": measure}
        audit_record(
            user,
            "plan.cell.lock" if locked else "plan.cell.unlock",
            version,
            old={**cell, "locked": was_locked},
            new={**cell, "locked": locked},
            department=version.plan.department_id,
        )
    return row
