"""Any level of the detail written: the value typed for a node (the plan, a class, a subclass)
at a location (the total, a channel, a region) over a period (a week, month, quarter, half or
year) spreads to its leaf-weeks by their current values, by last year or evenly, in whole cents
(units) that add up to the value exactly. Locked leaves and closed weeks keep their values and
the rest absorb the difference. The class lines then take their leaves' sums through the
plan's cell service (recomputed, audited as "Leaf detail"), so the grid shows the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from core.audit import audit_record
from core.errors import Conflict
from planning.detail.reads import week_rows
from planning.detail.store import Leaves, group_sums, load, save
from planning.engine import spread
from planning.models import PlanCellChange, PlanLeaf, PlanLine, PlanVersion, PlanWeek, Subclass
from planning.plans.cell_input import CellInputError, parse_cell_input, resolve
from planning.plans.cube import time_columns
from planning.plans.services import CellEdit, PlanError, plan_cells_update
from planning.plans.services.checks import _check_editable

SPREAD_BY = ("current", "last_year", "even")
EDITABLE = ("sales", "markdowns", "sales_units")


@dataclass(frozen=True)
class DetailEdit:
    version_id: int
    node: str  # "plan", a class code or a subclass code
    location: str  # "total", a channel code or a region code
    period: str  # "2026-W05", "M3", "Q1", "H1" or "year"
    measure: str
    value: str  # a number, or a change: "+5%", "*1.1"
    values_version: int | None  # the version read (the API); None: `expected` is checked instead
    by: str = "current"
    expected: str | None = None  # the total the grid showed: refused if it changed since


@dataclass
class DetailResult:
    version: PlanVersion
    leaves_changed: int
    total: Decimal


def _filters(node: str, location: str) -> dict[str, str]:
    filters: dict[str, str] = {}
    if node != "plan":
        level = "subclass" if Subclass.objects.filter(code__iexact=node).exists() else "class"
        filters[f"subclass__{'code' if level == 'subclass' else 'merch_class__code'}__iexact"] = node
    if location != "total":
        from_channel = not PlanLeaf.objects.filter(region__code__iexact=location).exists()
        filters["region__channel__code__iexact" if from_channel else "region__code__iexact"] = location
    return filters


def _periods(version: PlanVersion, period: str) -> tuple[list[int], list[int]]:
    """The period's week indexes, and each week's fiscal week id."""
    weeks = week_rows(version)
    if not period:
        raise PlanError("Name the period: a week (2026-W05), M3, Q1, H1 or year.")
    level = {"M": "month", "Q": "quarter", "H": "half", "y": "year"}.get(period[0], "week")
    column = next((c for c in time_columns(weeks, level) if c.key == period), None)
    if column is None:
        raise PlanError(f"{period} is not a period of this plan.")
    return column.periods, [weeks[p][0] for p in column.periods]


@transaction.atomic
def detail_set(*, user: User, edit: DetailEdit) -> DetailResult:
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=edit.version_id)
    _check_editable(user, version)
    if edit.values_version is not None and edit.values_version != version.values_version:
        raise Conflict(
            f"This version changed since you read it (version {version.values_version}, you read "
            f"{edit.values_version}): read it again and retry.",
            details={"current_version": version.values_version, "seen_version": edit.values_version},
        )
    if edit.measure not in EDITABLE:
        raise PlanError(f"{edit.measure!r} is not planned in the detail: sales, markdowns or sales_units.")
    if edit.by not in SPREAD_BY:
        raise PlanError(f"Spread by {edit.by!r}? Use one of: {', '.join(SPREAD_BY)}.")
    periods, week_ids = _periods(version, edit.period)
    count = len(week_rows(version))
    filters = _filters(edit.node, edit.location)
    rows = PlanLeaf.objects.select_for_update(of=("self",)).filter(
        version=version, measure=edit.measure, **filters
    )
    leaves = load(rows, count)
    if not len(leaves):
        raise PlanError(f"No leaves under {edit.node} at {edit.location}: create the plan's detail first.")
    closed = np.array(
        [version.actuals_through_id is not None and w <= version.actuals_through_id for w in week_ids]
    )
    current = leaves.values[:, periods]
    locked = leaves.locked[:, None] | closed[None, :] | _grid_locks(version, edit.measure, leaves, week_ids)
    if locked.all():
        raise PlanError("Every cell under that total is locked or closed.")
    _check_expected(edit, current)
    total = _entered(edit, current)
    reference = _reference(version, edit, leaves, filters, periods, count)
    new = _spread(total, current, locked, reference, edit.by, is_units=edit.measure == "sales_units")
    changed_rows = np.flatnonzero((new != current).any(axis=1))
    values = leaves.values.copy()
    values[:, periods] = new
    save(leaves.ids[changed_rows], values[changed_rows])
    delta = (new - current)[changed_rows]
    _class_lines_follow(user, version, edit.measure, leaves.subclass[changed_rows], delta, week_ids)
    # The leaves moved even where no class line did (a shift between subclasses): readers of
    # the version must see it changed.
    PlanVersion.objects.filter(pk=version.pk).update(values_version=F("values_version") + 1)
    scale = Decimal(1) if edit.measure == "sales_units" else Decimal("0.01")
    old_total, new_total = Decimal(int(current.sum())) * scale, Decimal(int(new.sum())) * scale
    where = {"node": edit.node, "location": edit.location, "period": edit.period, "measure": edit.measure}
    audit_record(
        user, "plan.detail.change", version,
        old={**where, "total": str(old_total)},
        new={**where, "total": str(new_total), "by": edit.by, "leaves": len(changed_rows)},
        department=version.plan.department_id,
    )  # fmt: skip
    version.refresh_from_db()
    return DetailResult(version, len(changed_rows), new_total)


def _grid_locks(version: PlanVersion, measure: str, leaves: Leaves, week_ids: list[int]) -> np.ndarray:
    """Leaf-weeks under a class-week the planner locked in the grid (Alt+L): held, as the
    grid's own spreads hold them."""
    locked = np.zeros((len(leaves), len(week_ids)), dtype=bool)
    held = {
        (class_id, week_id)
        for class_id, week_id, names in PlanWeek.objects.filter(
            line__version=version, fiscal_week_id__in=week_ids, line__merch_class__isnull=False
        )
        .exclude(locked="")
        .values_list("line__merch_class_id", "fiscal_week_id", "locked")
        if measure in names.split(",")
    }
    if not held:
        return locked
    class_of = dict(
        Subclass.objects.filter(pk__in=np.unique(leaves.subclass).tolist()).values_list(
            "id", "merch_class_id"
        )
    )
    owner = [class_of[int(s)] for s in leaves.subclass]
    for column, week_id in enumerate(week_ids):
        locked[:, column] = [(class_id, week_id) in held for class_id in owner]
    return locked


def _check_expected(edit: DetailEdit, current: np.ndarray) -> None:
    if edit.expected in (None, ""):
        return
    scale = 1 if edit.measure == "sales_units" else 100
    now = Decimal(int(current.sum())) / scale
    try:
        seen = Decimal(str(edit.expected).replace(",", ""))
    except ArithmeticError:
        raise PlanError(f"{edit.expected!r} is not the number shown.") from None
    if abs(now - seen) >= Decimal("0.005"):
        raise Conflict(
            f"This cell changed to {now:,.{0 if scale == 1 else 2}f} since you read it (you saw {seen:,}): "
            "check it and enter yours again.",
            details={"current": str(now)},
        )


def _entered(edit: DetailEdit, current: np.ndarray) -> int:
    """The typed value (or change of the current total), in cents (units)."""
    scale = 1 if edit.measure == "sales_units" else 100
    seen = Decimal(int(current.sum())) / scale
    try:
        entry = parse_cell_input(edit.value, measure=edit.measure, method="fwos")
        value = resolve(entry, seen, measure=edit.measure)
    except CellInputError as error:
        raise PlanError(str(error)) from None
    if value < 0:
        raise PlanError(f"{value:,} is negative: a plan's {edit.measure.replace('_', ' ')} is 0 or more.")
    if edit.measure == "sales_units" and value != value.to_integral_value():
        raise PlanError(f"{value:,} is not a whole number of units.")
    return int((value * scale).quantize(Decimal(1), ROUND_HALF_UP))  # half up, as the grid rounds


def _reference(
    version: PlanVersion,
    edit: DetailEdit,
    leaves: Leaves,
    filters: dict[str, str],
    periods: list[int],
    count: int,
) -> np.ndarray | None:
    if edit.by == "even":
        return None
    rows = load(
        PlanLeaf.objects.filter(version=version, measure=PlanLeaf.Measure.LAST_YEAR_SALES, **filters), count
    )
    by_leaf = {
        (s, r): row
        for s, r, row in zip(rows.subclass.tolist(), rows.region.tolist(), rows.values, strict=True)
    }
    empty = np.zeros(count, dtype=np.int64)
    shape = np.array(
        [
            by_leaf.get((s, r), empty)
            for s, r in zip(leaves.subclass.tolist(), leaves.region.tolist(), strict=True)
        ]
    )
    return shape[:, periods].astype(np.float64)


def _spread(
    total: int,
    current: np.ndarray,
    locked: np.ndarray,
    reference: np.ndarray | None,
    by: str,
    *,
    is_units: bool,
) -> np.ndarray:
    """Spread in whole cents (units) over the leaf-weeks, flattened: exact to the cent."""
    flat = current.astype(np.float64).ravel()
    is_locked = locked.ravel()
    # By the current values; where the free ones are all zero, by last year (DESIGN.md 6).
    basis, shape = flat, None if reference is None else reference.ravel()
    if by == "last_year" and reference is not None:
        basis, shape = np.where(is_locked, flat, reference.ravel()), None
    elif by == "even":
        basis = np.where(is_locked, flat, 0.0)
    try:
        spread_out = spread(float(total), basis, locked=is_locked, reference=shape, decimals=0)
    except ValueError as error:
        unit = "units" if is_units else "cents"
        raise PlanError(f"Cannot spread {total:,} {unit} here: {error}") from None
    return np.rint(spread_out).astype(np.int64).reshape(current.shape)


def _class_lines_follow(
    user: User,
    version: PlanVersion,
    measure: str,
    subclasses: np.ndarray,
    delta: np.ndarray,
    week_ids: list[int],
) -> None:
    """The class lines above the changed leaves move by the leaves' change, week by week: the
    leaves always sum to their class line, so the line's new value is its value plus the change
    (no leaf read again). Closed weeks do not move (their leaves are held)."""
    if not len(subclasses):
        return
    class_of = dict(
        Subclass.objects.filter(pk__in=np.unique(subclasses).tolist()).values_list("id", "merch_class_id")
    )
    owner = np.array([class_of[int(s)] for s in subclasses], dtype=np.int64)
    classes, change = group_sums(owner, delta)
    lines = dict(
        PlanLine.objects.filter(version=version, merch_class__in=classes.tolist()).values_list(
            "merch_class_id", "id"
        )
    )
    stored = {
        (line_id, week_id): value
        for line_id, week_id, value in PlanWeek.objects.filter(
            line_id__in=lines.values(), fiscal_week_id__in=week_ids
        ).values_list("line_id", "fiscal_week_id", measure)
    }
    scale = 1 if measure == "sales_units" else 100
    edits = []
    for class_id, moves in zip(classes.tolist(), change, strict=True):
        line_id = lines[class_id]
        for week_id, cents in zip(week_ids, moves.tolist(), strict=True):
            if cents:
                value = Decimal(stored[(line_id, week_id)]) + Decimal(cents) / scale
                edits.append(CellEdit(line_id, week_id, measure, str(value)))
    if edits:
        plan_cells_update(user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.DETAIL)


@transaction.atomic
def detail_lock(*, user: User, version_id: int, node: str, location: str, locked: bool) -> int:
    """Lock (or unlock) every leaf under a node at a location, all measures; how many leaves."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    _check_editable(user, version)
    leaves = PlanLeaf.objects.filter(version=version, **_filters(node, location))
    leaves.update(is_locked=locked)
    changed = leaves.filter(measure=PlanLeaf.Measure.SALES).count()
    PlanVersion.objects.filter(pk=version.pk).update(values_version=F("values_version") + 1)
    audit_record(
        user, "plan.detail.lock" if locked else "plan.detail.unlock", version,
        new={"node": node, "location": location, "leaves": changed}, department=version.plan.department_id,
    )  # fmt: skip
    return changed
