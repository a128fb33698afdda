"""Spread a department's targets down into its working plan (the reconciliation's top-down
action): each month's sales target goes to the plan's class lines and their weeks in one
planning.engine.spread_tree pass per month (department-month > classes > weeks), by the plan's
current values (evenly where the month is empty), cents exact. Closed weeks keep their
actuals and weeks whose sales the planner locked keep their value; the open weeks absorb the
rest. The plan is then written through the plan's own cell service: one transaction, the same
checks, the cell history (source "Spread from a total") and the recompute.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import User

from planning.engine import spread_tree
from planning.models import PlanCellChange, PlanVersion, PlanWeek, TargetCell, TargetVersion
from planning.plans.services import CellEdit, EditResult, plan_cells_update
from planning.targets.services import TargetError

SPREAD_MEASURE = "sales"


def _working_version(department_id: int, year: int) -> PlanVersion:
    versions = PlanVersion.objects.filter(
        kind=PlanVersion.Kind.WORKING, plan__department_id=department_id, plan__channel__isnull=True,
        plan__region__isnull=True, plan__first_week__year__lte=year, plan__last_week__year__gte=year,
    ).select_related("plan")  # fmt: skip
    version = versions.order_by("-plan__first_week_id").first()
    if version is None:
        raise TargetError("This department has no company-wide working plan for that year.")
    return version


def _is_held(row: PlanWeek) -> bool:
    return row.actual_eop is not None or SPREAD_MEASURE in row.locked.split(",")


def _month_edits(
    target: Decimal, rows_by_line: dict[int, list[PlanWeek]], month_label: str
) -> list[CellEdit]:
    """One month: root (the department-month) > class lines > their weeks."""
    parents, current, locked, cells = [-1], [0.0], [False], []
    for rows in rows_by_line.values():
        line_node = len(parents)
        parents.append(0)
        current.append(0.0)
        locked.append(False)
        for row in rows:
            parents.append(line_node)
            current.append(float(row.sales))
            locked.append(_is_held(row))
            cells.append(row)
    try:
        spread = spread_tree(float(target), current, parents, locked=locked, by="current")
    except ValueError:
        raise TargetError(
            f"{month_label}: the target {target:,.2f} is below the closed and locked weeks' sales."
        ) from None
    nodes = [index for index, parent in enumerate(parents) if parent > 0]
    edits = []
    for node, row in zip(nodes, cells, strict=True):
        value = Decimal(str(round(float(spread[node]), 2))).quantize(Decimal("0.01"))
        if not _is_held(row) and value != row.sales:
            edits.append(
                CellEdit(row.line_id, row.fiscal_week_id, SPREAD_MEASURE, str(value), row.row_version)
            )
    return edits


def targets_into_plan(*, user: User, target_version_id: int, department_id: int) -> EditResult:
    """Every month of the published (or approved) targets into the department's working plan."""
    target = TargetVersion.objects.filter(pk=target_version_id).first()
    if target is None or target.status != TargetVersion.Status.APPROVED:
        raise TargetError("Only approved targets are spread into plans.")
    version = _working_version(department_id, target.fiscal_year)
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
        .select_related("fiscal_week")
        .order_by("line__position", "line_id", "fiscal_week_id")
    )
    by_month: dict[int, dict[int, list[PlanWeek]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_month[row.fiscal_week.month][row.line_id].append(row)
    edits = [
        edit
        for month, lines in sorted(by_month.items())
        if month in cells
        for edit in _month_edits(cells[month], lines, f"FY{target.fiscal_year} M{month:02d}")
    ]
    if not edits:
        raise TargetError("The working plan already matches these targets.")
    return plan_cells_update(
        user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.SPREAD
    )
