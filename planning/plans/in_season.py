"""In season (DESIGN.md section 11): closed weeks hold this year's actuals.

A week is closed once its fiscal week has ended and its sales are loaded. Rolling a version
writes this year's actuals at the plan's scope into its closed weeks (sales, units, markdowns,
no shrink, the actual EOP), opens its lines on the actual opening stock and recomputes it: the
engine keeps the closed weeks' actual EOP and opens the first open week on the last of them.
Idempotent (a version already rolled through the week is left alone) and all or nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Max

from core.money import to_cents
from core.weeks import short_week_label
from planning import clock
from planning.detail.sync import leaves_follow_lines
from planning.models import (
    FiscalWeek,
    Plan,
    PlanCellChange,
    PlanLine,
    PlanTransition,
    PlanVersion,
    PlanWeek,
    SalesHistory,
)
from planning.plans import history, purchases
from planning.plans.bulk_write import write_rows
from planning.plans.services import version_recompute

logger = logging.getLogger(__name__)

Kind = PlanVersion.Kind
ACTUAL_MEASURES = ("sales", "sales_units", "markdowns", "shrink", "actual_eop")


def last_closed_week(today: date | None = None) -> FiscalWeek | None:
    """The newest fiscal week that has ended and has its sales loaded (rows in it or later)."""
    today = today or clock.today()
    newest_sales = SalesHistory.objects.aggregate(newest=Max("fiscal_week_id"))["newest"]
    if newest_sales is None:
        return None
    return FiscalWeek.objects.filter(end_date__lt=today, id__lte=newest_sales).order_by("-id").first()


def week_label(week_id: int) -> str:
    return short_week_label(week_id)


def _money(value: float) -> Decimal:
    return to_cents(max(float(value), 0.0))


def rollable_versions(plan: Plan) -> list[PlanVersion]:
    """The versions that follow actuals: the working plan, draft scenarios and TY."""
    return list(
        PlanVersion.objects.filter(plan=plan)
        .filter(kind__in=(Kind.WORKING, Kind.ACTUAL, Kind.SCENARIO))
        .exclude(kind=Kind.SCENARIO, status__in=(PlanVersion.Status.SUBMITTED, PlanVersion.Status.APPROVED))
        .order_by("pk")
    )


@transaction.atomic
def roll_version(version: PlanVersion, through: FiscalWeek, user: User) -> bool:
    """Bring the version up to date with the actuals through `through` (capped at the plan's
    last week). Returns whether anything changed; the same week again changes nothing."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    plan = version.plan
    through_id = min(through.id, plan.last_week_id)
    if version.actuals_through_id == through_id or through_id < plan.first_week_id:
        return False
    lines, rows = _locked_lines_and_weeks(version)
    week_ids = sorted({row.fiscal_week_id for row in rows})
    closed_ids: list[int | None] = [week for week in week_ids if week <= through_id]
    class_ids = [line.merch_class_id for line in lines if line.merch_class_id is not None]
    actuals = history.actuals(plan, class_ids, closed_ids)
    row_of = {line.pk: i for i, line in enumerate(lines)}
    column_of = {week: j for j, week in enumerate(closed_ids) if week is not None}
    changes, changed_rows = _write_actuals(version, rows, actuals, row_of, column_of, user)
    fields = ["sales", "sales_units", "markdowns", "shrink", "actual_eop", "receipts_entered"]
    write_rows(PlanWeek, changed_rows, [*fields, "row_version"])
    PlanWeek.objects.filter(pk__in=[row.pk for row in changed_rows]).update(updated_by_id=user.pk)
    PlanCellChange.objects.bulk_create(changes, batch_size=2000)
    for line in lines:
        line.opening_stock = _money(actuals.opening[row_of[line.pk]])
    PlanLine.objects.bulk_update(lines, fields=["opening_stock"])
    _record_roll(version, through_id, user)
    leaves_follow_lines(version.pk)  # the detail's closed weeks take the actuals too
    version_recompute(version.pk)
    # The closed weeks received their actual receipts; overdue orders move to the first open week.
    purchases.refresh(PlanVersion.objects.get(pk=version.pk))
    return True


def _locked_lines_and_weeks(version: PlanVersion) -> tuple[list[PlanLine], list[PlanWeek]]:
    """The version's class lines and their weeks, locked (in the caller's transaction) until
    the roll commits, so no edit lands between reading and writing them."""
    lines = list(
        PlanLine.objects.select_for_update()
        .filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
    )
    rows = list(
        PlanWeek.objects.select_for_update()
        .filter(line__version=version, line__merch_class__isnull=False)
        .order_by("line_id", "period")
    )
    return lines, rows


def _write_actuals(
    version: PlanVersion,
    rows: list[PlanWeek],
    actuals: history.Actuals,
    row_of: dict[int, int],
    column_of: dict[int, int],
    user: User,
) -> tuple[list[PlanCellChange], list[PlanWeek]]:
    """Set each week row to its actuals (in memory); returns the audit records of the cells
    that changed and the rows to save (their row version bumped)."""
    bop = np.concatenate([actuals.opening[:, None], actuals.eop[:, :-1]], axis=1)
    implied = actuals.eop - bop + actuals.sales + actuals.markdowns
    changes: list[PlanCellChange] = []
    changed_rows: list[PlanWeek] = []
    for row in rows:
        new = _actual_values(
            version, actuals, implied, row_of[row.line_id], column_of.get(row.fiscal_week_id)
        )
        changed = False
        for name, value in new.items():
            old = getattr(row, name)
            if old != value:
                changes.append(
                    PlanCellChange(
                        line_id=row.line_id,
                        fiscal_week_id=row.fiscal_week_id,
                        measure=name,
                        old_value=old,
                        new_value=value,
                        source=PlanCellChange.Source.ACTUAL,
                        changed_by_id=user.pk,
                    )
                )
                setattr(row, name, value)
                changed = True
        if changed:
            row.row_version += 1
            row.updated_by_id = user.pk
            changed_rows.append(row)
    return changes, changed_rows


def _actual_values(
    version: PlanVersion, actuals: history.Actuals, implied: np.ndarray, i: int, j: int | None
) -> dict[str, Any]:
    """What one week row of line `i` holds: the actuals of closed week `j`, or no actual EOP."""
    if j is None:  # an open week (one no longer closed, if sales went away): no actual
        return {"actual_eop": None}
    new: dict[str, Any] = {
        "sales": _money(actuals.sales[i, j]),
        "sales_units": max(round(float(actuals.units[i, j])), 0),
        "markdowns": _money(actuals.markdowns[i, j]),
        "shrink": Decimal("0.00"),
        "actual_eop": _money(actuals.eop[i, j]),
    }
    if version.kind == Kind.ACTUAL:  # TY keeps receipts as the stock identity implies
        new["receipts_entered"] = to_cents(float(implied[i, j]))
    return new


def _record_roll(version: PlanVersion, through_id: int, user: User) -> None:
    """Mark the version rolled through the week (bumping its values and lock versions, so open
    grids reload) and record the roll in its transitions."""
    label = week_label(through_id)
    PlanVersion.objects.filter(pk=version.pk).update(
        actuals_through_id=through_id,
        values_version=F("values_version") + 1,
        lock_version=F("lock_version") + 1,
    )
    PlanTransition.objects.create(
        version=version,
        action="roll",
        from_status=version.status,
        to_status=version.status,
        reason=f"Week {label} closed: actuals through {label}",
        user=user,
    )


def roll_plans(today: date | None = None) -> int:
    """Roll every plan whose span has closed weeks; returns the versions changed. Each plan in
    its own transaction: one that fails is left as it was (and logged), the others roll."""
    through = last_closed_week(today)
    if through is None:
        return 0
    rolled = 0
    for plan in (
        Plan.objects.filter(first_week_id__lte=through.id).select_related("created_by").order_by("pk")
    ):
        try:
            with transaction.atomic():
                rolled += sum(
                    roll_version(version, through, plan.created_by) for version in rollable_versions(plan)
                )
        except Exception:
            logger.exception("Rolling plan %s through %s failed; it is left as it was.", plan.pk, through.id)
    return rolled
