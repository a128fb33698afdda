"""Spread a department's targets down into its working plan (the reconciliation's top-down
action): each month's sales target goes to the plan's class lines by last year's class sales
(the class targets the reconciliation shows; the plan's own mix where last year is empty), then
each line's share over its weeks by the plan's current weeks (planning.engine.spread_tree, cents
exact). Closed weeks keep their actuals and weeks whose sales the planner locked keep their
value: the rest of the month's target goes to the lines with open weeks, and a month whose
held weeks already exceed its target plans nothing more (a closed month keeps its actuals).
The plan is then written through the plan's own cell service: one transaction, the same
checks, the cell history (source "Spread from a total") and the recompute.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from planning.engine import split, spread_tree
from planning.models import Plan, PlanCellChange, PlanVersion, PlanWeek, TargetCell, TargetVersion
from planning.plans.services import CellEdit, EditResult, PlanSpec, plan_cells_update, plan_create
from planning.targets import figures
from planning.targets.services import TargetError

SPREAD_MEASURE = "sales"


def _working_version(department_id: int, year: int, version_id: int | None) -> PlanVersion:
    """The named working version, else the one the reconciliation reads (figures.chosen_versions)."""
    if version_id is None:
        version = figures.chosen_versions([department_id], year).get(department_id)
    else:
        version = (
            PlanVersion.objects.filter(
                pk=version_id, kind=PlanVersion.Kind.WORKING, plan__department_id=department_id,
                plan__channel__isnull=True, plan__region__isnull=True,
                plan__first_week__year__lte=year, plan__last_week__year__gte=year,
            ).select_related("plan").first()
        )  # fmt: skip
    if version is None:
        raise TargetError("This department has no company-wide working plan for that year.")
    return version


def _is_held(row: PlanWeek) -> bool:
    return row.actual_eop is not None or SPREAD_MEASURE in row.locked.split(",")


def _class_totals(
    target: Decimal, lines: dict[int, list[PlanWeek]], last_year: dict[int, float]
) -> list[float]:
    """Each class line's total for the month: what its closed and locked weeks hold, plus its
    share of the rest of the target, shared among the lines with open weeks by last year's
    class sales (the reconciliation's class targets; the plan's own mix where last year is
    empty). A month whose held weeks already exceed the target plans nothing more."""
    rows_of = list(lines.values())
    held = [sum(float(row.sales) for row in rows if _is_held(row)) for rows in rows_of]
    open_lines = [index for index, rows in enumerate(rows_of) if any(not _is_held(row) for row in rows)]
    totals = list(held)
    free = max(float(target) - sum(held), 0.0)
    if open_lines:
        weights = [last_year.get(rows_of[i][0].line.merch_class_id or 0, 0.0) for i in open_lines]
        plan = [sum(float(row.sales) for row in rows_of[i] if not _is_held(row)) for i in open_lines]
        for index, share in zip(open_lines, split(free, weights, reference=plan), strict=True):
            totals[index] += float(share)
    return totals


def _month_edits(
    target: Decimal, lines: dict[int, list[PlanWeek]], last_year: dict[int, float]
) -> list[CellEdit]:
    """One month: its target over the class lines, then each line's over its open weeks by
    the plan's current weeks (closed and locked weeks keep their value)."""
    edits = []
    for total, rows in zip(_class_totals(target, lines, last_year), lines.values(), strict=True):
        current = [0.0] + [float(row.sales) for row in rows]
        held = [False] + [_is_held(row) for row in rows]
        spread = spread_tree(round(total, 2), current, [-1] + [0] * len(rows), locked=held)
        for row, value in zip(rows, spread[1:], strict=True):
            amount = Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))
            if not _is_held(row) and amount != row.sales:
                edits.append(
                    CellEdit(row.line_id, row.fiscal_week_id, SPREAD_MEASURE, str(amount), row.row_version)
                )
    return edits


def published_for(department_id: int, fiscal_year: int) -> TargetVersion | None:
    """The published targets of the department's division for a fiscal year."""
    return TargetVersion.objects.filter(
        division__departments=department_id, fiscal_year=fiscal_year, is_published=True
    ).first()


def targets_into_plan(
    *, user: User, target_version_id: int, department_id: int, version_id: int | None = None
) -> EditResult:
    """Every month of the published (or approved) targets into the department's working plan
    (`version_id`: that one; it must be company-wide and cover the targets' year)."""
    target = TargetVersion.objects.filter(pk=target_version_id).first()
    if target is None or target.status != TargetVersion.Status.APPROVED:
        raise TargetError("Only approved targets are spread into plans.")
    with transaction.atomic():
        # The version's row lock first (as every plan write takes it), so that the weeks read
        # (their locks, closed weeks) are the ones written against.
        version = _working_version(department_id, target.fiscal_year, version_id)
        PlanVersion.objects.select_for_update().get(pk=version.pk)
        return _spread(user, target, version, department_id)


def _spread(user: User, target: TargetVersion, version: PlanVersion, department_id: int) -> EditResult:
    cells = {
        cell.month: cell.sales
        for cell in TargetCell.objects.filter(version=target, department_id=department_id)
    }
    if not cells:
        raise TargetError("These targets hold nothing for this department.")
    rows = (
        PlanWeek.objects.filter(
            line__version=version, line__merch_class__isnull=False, fiscal_week__year=target.fiscal_year
        )
        .select_related("fiscal_week", "line__merch_class")
        .select_for_update(of=("self",))
        .order_by("line__position", "line_id", "fiscal_week_id")
    )
    by_month: dict[int, dict[int, list[PlanWeek]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_month[row.fiscal_week.month][row.line_id].append(row)
    history = figures.last_year_figures([department_id], target.fiscal_year)
    last_year = {
        month: dict(zip(group["merch_class"].astype(int), group["sales"].astype(float), strict=True))
        for month, group in history.groupby("month")
    }
    edits = [
        edit
        for month, lines in sorted(by_month.items())
        if month in cells
        for edit in _month_edits(cells[month], lines, last_year.get(month, {}))
    ]
    if not edits:
        raise TargetError("The working plan already matches these targets.")
    return plan_cells_update(
        user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.SPREAD
    )


def plan_create_from_targets(*, user: User, spec: PlanSpec) -> Plan:
    """A plan seeded from last year (plan_create), then the published targets of its fiscal
    year spread into its working plan; all or nothing."""
    year = spec.first_week_id // 100
    with transaction.atomic():
        target = published_for(spec.department_id, year)
        if target is None:
            raise TargetError(f"No published targets for this department's division in FY{year}.")
        plan = plan_create(user=user, spec=spec)
        working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
        targets_into_plan(
            user=user, target_version_id=target.pk, department_id=spec.department_id, version_id=working.pk
        )
    return plan
