"""Write paths for plans: create and seed, edit cells, recompute, versions and approvals.

One transaction each; rows locked in a fixed order (version, then line, then weeks by id);
Celery tasks queued only after the commit; every entered change and every transition is
recorded with who and when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, DecimalField, F, Max, Sum
from django.utils import timezone

from planning import calendar, clock
from planning.engine import fwos_from_eop
from planning.models import (
    Department,
    FiscalWeek,
    MerchClass,
    Plan,
    PlanCellChange,
    PlanLine,
    PlanTransition,
    PlanVersion,
    PlanWeek,
)
from planning.plans import history, purchases
from planning.plans.bulk_write import read_columns, write_columns
from planning.plans.cell_input import CellInputError, cell_value, parse_cell_input, parse_number
from planning.plans.cell_input import resolve as resolve_cell_input
from planning.plans.compute import (
    ENTERED_FIELDS,
    LineBlock,
    derived_columns,
    run_engine,
    total_block,
)
from planning.plans.measures import DERIVED, ENTERED, LABELS, PURCHASED, TARGET_PLACES, stored_text, validate

Kind = PlanVersion.Kind
Status = PlanVersion.Status


class PlanError(ValueError):
    """Bad input for a plan write: shown next to the cell or the form field, nothing changed."""

    edit: CellEdit | None = None  # the refused cell of a batch (a pasted block), when one is


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


# --- creation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanSpec:
    name: str
    department_id: int
    first_week_id: int
    last_week_id: int
    channel_id: int | None = None
    region_id: int | None = None
    method: str = PlanLine.Method.FWOS
    exhaustion: str = Plan.Exhaustion.WRAP
    growth_percent: Decimal = Decimal("0")
    cost_complement: Decimal = Decimal("0.45")


def plan_create(*, user: User, spec: PlanSpec) -> Plan:
    """A plan with its LY and TY actuals and a working plan seeded from LY x (1 + growth)."""
    department = Department.objects.editable_by(user).filter(pk=spec.department_id).first()
    if department is None:
        raise PermissionDenied("You can create plans only for your own departments.")
    if Plan.objects.filter(name=spec.name).exists():
        raise PlanError(f"A plan named {spec.name!r} already exists.")
    weeks = list(
        FiscalWeek.objects.filter(id__gte=spec.first_week_id, id__lte=spec.last_week_id).order_by("id")
    )
    if not weeks or spec.first_week_id > spec.last_week_id:
        raise PlanError("Choose a first week on or before the last week.")
    classes = list(MerchClass.objects.filter(department=department).order_by("code"))
    if not classes:
        raise PlanError(f"{department} has no classes to plan.")
    with transaction.atomic():
        plan = Plan.objects.create(
            name=spec.name,
            department=department,
            channel_id=spec.channel_id,
            region_id=spec.region_id,
            first_week=weeks[0],
            last_week=weeks[-1],
            exhaustion=spec.exhaustion,
            growth_percent=spec.growth_percent,
            cost_complement=spec.cost_complement,
            created_by=user,
        )
        class_ids = [c.pk for c in classes]
        week_ids = [w.id for w in weeks]
        last_year = history.actuals(plan, class_ids, _last_year_week_ids(weeks))
        this_year = history.actuals(plan, class_ids, _closed_week_ids(weeks))
        _create_actuals_version(plan, user, Kind.LAST_YEAR, "Last year", last_year, week_ids)
        _create_actuals_version(plan, user, Kind.ACTUAL, "This year actuals", this_year, week_ids)
        _create_working_version(plan, user, spec, last_year, this_year, week_ids)
        purchases.refresh_plans([plan.pk])  # on order and received from the open purchase orders
    return plan


def _last_year_week_ids(weeks: list[FiscalWeek]) -> list[int | None]:
    ids = []
    for week in weeks:
        comparable = calendar.last_year_week(calendar.fiscal_week(week.year, week.week))
        ids.append(comparable.key if comparable else None)
    return ids


def _closed_week_ids(weeks: list[FiscalWeek]) -> list[int | None]:
    today = clock.today()
    return [week.id if week.end_date < today else None for week in weeks]


def _create_actuals_version(
    plan: Plan, user: User, kind: str, name: str, actuals: history.Actuals, week_ids: list[int]
) -> PlanVersion:
    """Actuals as a frozen version: receipts implied by the stock identity, so the engine
    reproduces the actual EOP exactly and computes every KPI the same way as for plans."""
    version = PlanVersion.objects.create(
        plan=plan, kind=kind, name=name, status=Status.APPROVED, is_frozen=True, created_by=user
    )
    bop = np.concatenate([actuals.opening[:, None], actuals.eop[:, :-1]], axis=1)
    implied_receipts = actuals.eop - bop + actuals.sales + actuals.markdowns
    block = LineBlock(
        line_ids=[],
        methods=["receipts"] * len(actuals.class_ids),
        opening=actuals.opening,
        turn=np.full(len(actuals.class_ids), np.nan),
        entered={
            "sales": actuals.sales,
            "sales_units": actuals.units,
            "markdowns": actuals.markdowns,
            "shrink": np.zeros_like(actuals.sales),
            "on_order": np.zeros_like(actuals.sales),
            "received": np.zeros_like(actuals.sales),
            "target": np.full_like(actuals.sales, np.nan),
            "receipts_entered": implied_receipts,
        },
    )
    _insert_version_values(version, actuals.class_ids, block, week_ids, user)
    PlanTransition.objects.create(version=version, action="create", to_status=version.status, user=user)
    return version


def _create_working_version(
    plan: Plan,
    user: User,
    spec: PlanSpec,
    last_year: history.Actuals,
    this_year: history.Actuals,
    week_ids: list[int],
) -> PlanVersion:
    version = PlanVersion.objects.create(plan=plan, kind=Kind.WORKING, name="Working plan", created_by=user)
    growth = 1 + float(spec.growth_percent) / 100
    sales = np.round(last_year.sales * growth, 2)
    targets = _seed_targets(spec.method, last_year)
    opening = this_year.opening if this_year.opening.any() else last_year.opening
    block = LineBlock(
        line_ids=[],
        methods=[spec.method] * len(last_year.class_ids),
        opening=np.round(opening, 2),
        turn=np.full(len(last_year.class_ids), 2.0 if spec.method in ("turn", "basic_stock") else np.nan),
        entered={
            "sales": sales,
            "sales_units": np.round(last_year.units * growth),
            "markdowns": np.round(last_year.markdowns * growth, 2),
            "shrink": np.zeros_like(sales),
            "on_order": np.zeros_like(sales),
            "received": np.zeros_like(sales),
            "target": targets,
            "receipts_entered": np.round(
                np.maximum(last_year.eop - _bop(last_year) + last_year.sales, 0) * growth, 2
            ),
        },
    )
    _insert_version_values(version, last_year.class_ids, block, week_ids, user)
    PlanTransition.objects.create(version=version, action="create", to_status=Status.DRAFT, user=user)
    return version


def _bop(actuals: history.Actuals) -> np.ndarray:
    return np.concatenate([actuals.opening[:, None], actuals.eop[:, :-1]], axis=1)


def _seed_targets(method: str, last_year: history.Actuals) -> np.ndarray:
    """Last year's KPI, rounded as a planner would enter it; a sensible default where LY has none."""
    sales, eop = last_year.sales, last_year.eop
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "fwos":
            value = np.round(fwos_from_eop(sales, eop), 1) if sales.size else sales
            return np.where(np.isfinite(value), np.clip(value, 0, 104), 4.0)
        if method == "wos":
            return np.where(sales > 0, np.clip(np.round(eop / np.where(sales > 0, sales, 1), 1), 0, 104), 4.0)
        if method == "ssr":
            bop = _bop(last_year)
            return np.where(sales > 0, np.clip(np.round(bop / np.where(sales > 0, sales, 1), 2), 0, 52), 4.0)
        if method == "sell_through":
            bop = _bop(last_year)
            return np.where(bop > 0, np.clip(np.round(sales / np.where(bop > 0, bop, 1), 3), 0.001, 1), 0.25)
    return np.full_like(sales, np.nan)


def _insert_version_values(
    version: PlanVersion, class_ids: list[int], block: LineBlock, week_ids: list[int], user: User
) -> None:
    """Lines (and the total line) with their weeks, derived values computed before the insert."""
    plan = version.plan
    lines = PlanLine.objects.bulk_create(
        [
            PlanLine(
                version=version,
                merch_class_id=class_id,
                position=i + 1,
                method=block.methods[i],
                opening_stock=Decimal(repr(float(block.opening[i]))).quantize(Decimal("0.01"), ROUND_HALF_UP),
                turn=None if np.isnan(block.turn[i]) else Decimal(repr(float(block.turn[i]))),
            )
            for i, class_id in enumerate(class_ids)
        ]
        + [PlanLine(version=version, merch_class=None, position=0, method=PlanLine.Method.RECEIPTS)]
    )
    outputs = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    total = total_block(block, outputs)
    total_outputs = run_engine(total, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    lines[-1].opening_stock = Decimal(repr(float(total.opening[0]))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    lines[-1].save(update_fields=["opening_stock"])
    rows = []
    for row, line in enumerate(lines):
        source, out = (total, total_outputs) if line.merch_class_id is None else (block, outputs)
        index = 0 if line.merch_class_id is None else row
        for period, week_id in enumerate(week_ids):
            rows.append(
                PlanWeek(
                    line=line,
                    fiscal_week_id=week_id,
                    period=period,
                    updated_by_id=user.pk,
                    **_entered_columns(source, index, period),
                    **derived_columns(out, index, period),
                )
            )
    PlanWeek.objects.bulk_create(rows, batch_size=2000)


def _entered_columns(block: LineBlock, row: int, period: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ENTERED_FIELDS:
        value = float(block.entered[name][row, period])
        if name == "target":
            values[name] = None if np.isnan(value) else Decimal(repr(value)).quantize(TARGET_PLACES)
        elif name == "sales_units":
            values[name] = max(round(value), 0)
        elif name in ("receipts_entered", "received"):  # signed: returns to vendor
            values[name] = Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        else:
            values[name] = Decimal(repr(max(value, 0.0))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return values


# --- recompute ------------------------------------------------------------------------------
def load_block(version: PlanVersion, line_ids: list[int] | None = None) -> tuple[LineBlock, list[list[int]]]:
    """Entered values of the version's class lines (or the given ones), with PlanWeek ids.

    One binary COPY into numpy columns (`read_columns`): `values_list` built a Decimal per cell
    only to turn it into a float, ~4 s for 10,000 lines x 52 weeks."""
    lines_query = PlanLine.objects.filter(version=version, merch_class__isnull=False).order_by(
        "position", "id"
    )
    weeks = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False).order_by()
    if line_ids is not None:
        lines_query = lines_query.filter(id__in=line_ids)
        weeks = weeks.filter(line_id__in=line_ids)
    lines = list(lines_query.values_list("id", "method", "opening_stock", "turn"))
    columns = read_columns(weeks, ["line_id", "period", "id", *ENTERED_FIELDS, "actual_eop"])
    order = np.array([line[0] for line in lines], dtype=np.int64)
    by_id = np.argsort(order)
    row, period = by_id[np.searchsorted(order, columns["line_id"], sorter=by_id)], columns["period"]
    shape = (len(lines), int(period.max()) + 1 if len(period) else 0)
    entered = {name: np.zeros(shape) for name in ENTERED_FIELDS}
    for name in ENTERED_FIELDS:
        entered[name][row, period] = columns[name]
    week_ids = np.zeros(shape, dtype=np.int64)
    week_ids[row, period] = columns["id"]
    actual_eop = np.full(shape, np.nan)
    actual_eop[row, period] = columns["actual_eop"]
    block = LineBlock(
        line_ids=order.tolist(),
        methods=[line[1] for line in lines],
        opening=np.array([float(line[2]) for line in lines]),
        turn=np.array([np.nan if line[3] is None else float(line[3]) for line in lines]),
        entered=entered,
        actual_eop=actual_eop,
    )
    return block, [ids[ids > 0].tolist() for ids in week_ids]


def _write_derived(
    block: LineBlock, outputs: Any, week_row_ids: list[list[int]], rows: range | None = None
) -> list[int]:
    """Store derived values of the block's lines (or of `rows` of them); returns the ids written.

    Column-wise through `write_columns` (binary COPY + one UPDATE on PostgreSQL): Django's
    `bulk_update` spends most of an edit's time building its CASE expressions.
    """
    selected = list(rows if rows is not None else range(len(week_row_ids)))
    ids = np.array([row_id for row in selected for row_id in week_row_ids[row]], dtype=np.int64)
    measures = outputs.measures()
    columns: dict[str, np.ndarray] = {}
    for name in DERIVED:
        values = (
            np.concatenate([measures[name][row, : len(week_row_ids[row])] for row in selected])
            if selected
            else np.zeros(0)
        )
        columns[name] = _storable(name, values)
        _check_fits(name, columns[name], ids)
    write_columns(PlanWeek, ids, columns)
    return [int(row_id) for row_id in ids]


_DERIVED_LABELS = {
    "bop": "BOP $", "eop": "EOP $", "receipts": "receipts $", "otb": "OTB $", "gross_margin": "GM $",
    "wos": "WOS", "fwos": "FWOS", "turn": "turn", "sell_through": "sell-through", "gm_percent": "GM %",
    "gmroi": "GMROI",
}  # fmt: skip


def _check_fits(name: str, values: np.ndarray, ids: np.ndarray) -> None:
    """Refuse inputs whose derived values outgrow their column (the largest sales and targets a
    cell takes, typed into many weeks, can add up beyond it): a PlanError naming the first one."""
    field = PlanWeek._meta.get_field(name)
    if not isinstance(field, DecimalField):
        return
    places = field.decimal_places
    limit = 10.0 ** (field.max_digits - places)
    too_large = np.isfinite(values) & (np.abs(values) >= limit - 0.5 * 10.0**-places)  # rounds to the limit
    if not too_large.any():
        return
    index = int(np.argmax(too_large))
    row = PlanWeek.objects.select_related("line__merch_class").get(pk=int(ids[index]))
    raise PlanError(
        f"That makes {_DERIVED_LABELS.get(name, name)} of {row.line.merch_class} in "
        f"W{row.fiscal_week_id % 100:02d} {values[index]:,.2f}, more than a plan holds "
        f"({limit:,.0f}): type smaller sales, markdowns or targets."
    )


def _storable(name: str, values: np.ndarray) -> np.ndarray:
    """Stock and flows always have a number; a ratio without one is stored as NULL (NaN)."""
    stored: np.ndarray = (
        np.nan_to_num(values, nan=0.0) if name in ("bop", "eop", "receipts", "otb") else values
    )
    return stored


Progress = Callable[[int, int], None]  # (steps done, steps in all)


@transaction.atomic
def version_recompute(
    version_id: int, *, values_version: int | None = None, progress: Progress | None = None
) -> bool:
    """Recompute every line and the total of a version from its stored inputs (idempotent).

    With `values_version`, a task queued for an older state does nothing (a newer task
    follows). Returns whether it recomputed.
    """
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    if values_version is not None and values_version < version.values_version:
        return False
    _recompute_all(version, progress)
    return True


def _recompute_all(version: PlanVersion, progress: Progress | None = None) -> None:
    report = progress or (lambda done, total: None)
    block, row_ids = load_block(version)
    lines = len(block.line_ids)
    steps = lines + 2  # read + engine, each line's write, the total
    report(1, steps)
    plan = version.plan
    outputs = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    chunk = max(50, lines // 20)
    for start in range(0, lines, chunk):
        _write_derived(block, outputs, row_ids, rows=range(start, min(start + chunk, lines)))
        report(1 + min(start + chunk, lines), steps)
    _write_total(version, block, outputs)
    report(steps, steps)
    PlanVersion.objects.filter(pk=version.pk).update(totals_version=version.values_version)
    version.totals_version = version.values_version


@transaction.atomic
def version_totals_recompute(version_id: int, *, values_version: int | None = None) -> bool:
    """Roll the version's class lines up into its total line (the lines themselves were
    recomputed when they were edited). Idempotent; a task for an older state does nothing.

    It locks the total line, not the version: planners' edits (which lock the version) never
    wait for a roll-up, and two roll-ups of one version take turns.
    """
    version = PlanVersion.objects.select_related("plan").get(pk=version_id)
    if values_version is not None and values_version < version.values_version:
        return False
    list(PlanLine.objects.select_for_update().filter(version=version, merch_class__isnull=True))
    seen = PlanVersion.objects.values_list("values_version", flat=True).get(pk=version.pk)
    sums = list(
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
        .values("period")
        .order_by("period")
        .annotate(
            **{name: Sum(name) for name in (*ENTERED_FIELDS, "receipts")},
            actual_sum=Sum("actual_eop"),
            weeks=Count("id"),
            actual_weeks=Count("actual_eop"),
        )
    )
    opening = PlanLine.objects.filter(version=version, merch_class__isnull=False).aggregate(
        total=Sum("opening_stock")
    )
    entered = {name: np.array([float(row[name] or 0) for row in sums])[None, :] for name in ENTERED_FIELDS}
    entered["receipts_entered"] = np.array([float(row["receipts"] or 0) for row in sums])[None, :]
    entered["target"] = np.full_like(entered["sales"], np.nan)
    # A week is closed on the total when every line has its actual (SQL's SUM skips NULLs).
    actual = np.array(
        [float(row["actual_sum"]) if row["actual_weeks"] == row["weeks"] else np.nan for row in sums]
    )[None, :]
    total = LineBlock(
        [], ["receipts"], np.array([float(opening["total"] or 0)]), np.array([np.nan]), entered, actual
    )
    _store_total(version, total)
    # Stamped only if no edit came in meanwhile; otherwise that edit's own task follows.
    PlanVersion.objects.filter(pk=version.pk, values_version=seen).update(totals_version=seen)
    return True


def _write_total(version: PlanVersion, block: LineBlock, outputs: Any) -> None:
    _store_total(version, total_block(block, outputs))


def _store_total(version: PlanVersion, total: LineBlock) -> None:
    total_line = PlanLine.objects.get(version=version, merch_class__isnull=True)
    plan = version.plan
    total_outputs = run_engine(total, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    ids = list(PlanWeek.objects.filter(line=total_line).order_by("period").values_list("id", flat=True))
    measures = total_outputs.measures()
    columns = {name: total.entered[name][0, : len(ids)] for name in ENTERED_FIELDS if name != "target"}
    for name in DERIVED:
        columns[name] = _storable(name, measures[name][0, : len(ids)])
    columns["sales_units"] = np.rint(columns["sales_units"])
    if total.actual_eop is not None:
        columns["actual_eop"] = total.actual_eop[0, : len(ids)]
    write_columns(PlanWeek, ids, columns)
    PlanLine.objects.filter(pk=total_line.pk).update(
        opening_stock=Decimal(repr(float(total.opening[0]))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    )


def _queue_totals(version: PlanVersion) -> None:
    from planning.tasks import version_totals_recompute as version_totals_recompute_task

    version_id, values_version = version.pk, version.values_version
    transaction.on_commit(lambda: version_totals_recompute_task.delay(version_id, values_version))


# --- cell edits -----------------------------------------------------------------------------
def _parse(raw: str) -> Decimal:
    """A plain number (a setting, a total's seen value); cells go through `_cell_value`."""
    try:
        return parse_number(raw)
    except CellInputError as error:
        raise PlanError(str(error)) from None


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
        touched = {id(row): row for row in rows.values() if row.pk in {change.pk for change, _ in changes}}
        for row in touched.values():
            row.row_version += 1
            row.updated_by_id = user.pk
        PlanWeek.objects.bulk_update(
            list(touched.values()), fields=[*ENTERED_FIELDS, "row_version", "updated_by"]
        )
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
                )
                for row, (measure, old) in ((change, detail) for change, detail in changes)
            ]
        )
        PlanVersion.objects.filter(pk=version.pk).update(values_version=F("values_version") + 1)
        version.refresh_from_db(fields=["values_version", "totals_version"])
        block, row_ids = load_block(version, line_ids)
        plan = version.plan
        outputs = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
        changed = _write_derived(block, outputs, row_ids)
        _queue_totals(version)
    return EditResult(version=version, line_ids=line_ids, changed_rows=changed)


def _check_editable(user: User, version: PlanVersion) -> None:
    if not version.is_editable:
        raise PlanError(f"{version.name} is {version.get_status_display().lower()}: it cannot be changed.")
    if not Department.objects.editable_by(user).filter(pk=version.plan.department_id).exists():
        raise PermissionDenied(f"You cannot change plans of {version.plan.department}.")


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
        setattr(row, edit.measure, value.quantize(TARGET_PLACES))
    else:
        setattr(row, edit.measure, value.quantize(Decimal("0.01"), ROUND_HALF_UP))
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
        measure, getattr(row, measure), who, last.changed_at if last else None, row.row_version
    )


# --- versions and approvals ---------------------------------------------------------------
def _transition(version: PlanVersion, user: User, action: str, to_status: str, reason: str = "") -> None:
    PlanTransition.objects.create(
        version=version,
        action=action,
        from_status=version.status,
        to_status=to_status,
        reason=reason,
        user=user,
    )
    version.status = to_status
    version.lock_version += 1


@transaction.atomic
def version_submit(*, user: User, version_id: int) -> PlanVersion:
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    if version.kind not in (Kind.WORKING, Kind.SCENARIO):
        raise PlanError("Only a working plan or a scenario goes for approval.")
    _check_editable(user, version)
    _transition(version, user, "submit", Status.SUBMITTED)
    version.submitted_by_id = user.pk
    version.save(update_fields=["status", "lock_version", "submitted_by"])
    return version


COMMENT_MAX = 2000  # characters of an approval comment, a rejection or a withdrawal reason


def _comment(text: str) -> str:
    comment = text.strip()
    if len(comment) > COMMENT_MAX:
        raise PlanError(f"Keep the comment to {COMMENT_MAX:,} characters (it has {len(comment):,}).")
    return comment


def _locked_version(version_id: int) -> PlanVersion:
    """The version, its row locked: a decision and a withdrawal of the same submission queue
    here, and the second one reads the status the first one left."""
    return (
        PlanVersion.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__department")
        .get(pk=version_id)
    )


def _not_waiting(version: PlanVersion, then: str) -> str:
    """Why a version is not waiting for a decision, naming the decision that closed the last
    submission (approve, reject and withdraw are the only ways out of "submitted")."""
    last = (
        PlanTransition.objects.filter(version=version, action__in=("approve", "reject", "withdraw"))
        .select_related("user")
        .first()
    )
    if last is None:
        if version.status == Status.DRAFT:
            return f"{version.name} is not waiting for approval{then}."
        return f"{version.name} is {version.get_status_display().lower()}: it is not waiting for approval."
    done = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[last.action]
    return f"{version.name} was already {done} by {last.user.get_username()}{then}."


def _check_approver(user: User, version: PlanVersion) -> None:
    """Role, then the department's scope (as budgets, exceptions and markdowns check it), then
    the state, then the four-eyes rule."""
    from planning.roles import ADMIN, MANAGER, user_roles

    if not user_roles(user) & {MANAGER, ADMIN}:
        raise PermissionDenied("Only a manager approves or rejects plans.")
    department = version.plan.department
    if not Department.objects.editable_by(user).filter(pk=department.pk).exists():
        raise PermissionDenied(
            f"You do not manage {department}: only its managers approve or reject its plans."
        )
    if version.status != Status.SUBMITTED:
        raise PlanError(_not_waiting(version, ""))
    if version.submitted_by_id == user.pk:
        raise PermissionDenied("You submitted this plan; another manager must approve or reject it.")


def can_decide(user: User, version: PlanVersion) -> bool:
    """Whether `user` may approve or reject `version` now (for showing the buttons)."""
    try:
        _check_approver(user, version)
    except (PermissionDenied, PlanError):
        return False
    return True


@transaction.atomic
def version_approve(
    *,
    user: User,
    version_id: int,
    comment: str = "",
    resolutions: Mapping[str, str] | None = None,
    resolve_all: str | None = None,
) -> PlanVersion:
    """The submitted plan becomes the plan's next original-plan revision (OP r1, r2, ...,
    frozen); earlier revisions stay as they were. The working plan goes on. The approver's
    comment, if any, stays in the plan's trail with the approval.

    A scenario is promoted three-way (planning.plans.promotion): its own changes since the
    branch go into the working plan; cells both changed are refused (PromotionConflictError)
    unless `resolutions` ("<class_id>:<week_id>:<measure>" -> "scenario" or "working") or
    `resolve_all` pick the value that wins."""
    version = _locked_version(version_id)
    _check_approver(user, version)
    comment = _comment(comment)
    plan = version.plan
    working = version if version.kind == Kind.WORKING else None
    if version.kind == Kind.SCENARIO:
        from planning.plans.promotion import scenario_promote

        # Promotion: the scenario's own changes become the working plan's, audited per cell.
        working = (
            PlanVersion.objects.select_for_update().select_related("plan").get(plan=plan, kind=Kind.WORKING)
        )
        scenario_promote(
            user=user, scenario=version, working=working, resolutions=resolutions, resolve_all=resolve_all
        )
        _recompute_all(working)
    elif version.totals_are_stale:
        _recompute_all(version)  # the roll-up task has not run yet: never freeze stale totals
    _new_original(plan, working or version, user)
    to_status = Status.APPROVED if version.kind == Kind.SCENARIO else Status.DRAFT
    _transition(version, user, "approve", to_status, comment)
    version.is_frozen = version.kind == Kind.SCENARIO
    version.save(update_fields=["status", "lock_version", "is_frozen"])
    return version


def _new_original(plan: Plan, source: PlanVersion, user: User) -> PlanVersion:
    """A frozen copy of `source` as the plan's next OP revision, approved by `user` now.

    The plan's row is locked first: two approvals of the same plan at once (the working plan
    and a scenario) queue here and take r2 and r3, never the same number."""
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    top = PlanVersion.objects.filter(plan=plan, kind=Kind.ORIGINAL).aggregate(top=Max("revision"))["top"]
    revision = (top or 0) + 1
    name = "Original plan" if revision == 1 else f"Original plan r{revision}"
    taken = set(PlanVersion.objects.filter(plan=plan, name__startswith=name).values_list("name", flat=True))
    suffix = 2
    while name in taken:  # a scenario may already be called "Original plan r2"
        name, suffix = f"Original plan r{revision} ({suffix})", suffix + 1
    original = _clone(source, user, Kind.ORIGINAL, name, frozen=True)
    original.revision, original.approved_by, original.approved_at = revision, user, timezone.now()
    original.save(update_fields=["revision", "approved_by", "approved_at"])
    PlanTransition.objects.create(version=original, action="approve", to_status=Status.APPROVED, user=user)
    return original


@transaction.atomic
def version_reject(*, user: User, version_id: int, reason: str) -> PlanVersion:
    version = _locked_version(version_id)
    _check_approver(user, version)
    reason = _comment(reason)
    if not reason:
        raise PlanError("Say why the plan is rejected.")
    _transition(version, user, "reject", Status.DRAFT, reason)
    version.save(update_fields=["status", "lock_version"])
    return version


def _check_withdrawer(user: User, version: PlanVersion) -> None:
    """The submitter, or a planner of the department (a colleague who takes it back to fix
    it); managers who did not submit it decide on it instead."""
    from planning.roles import ADMIN, PLANNER, user_roles

    department = version.plan.department
    if not Department.objects.editable_by(user).filter(pk=department.pk).exists():
        raise PermissionDenied(f"You cannot change plans of {department}.")
    is_submitter = version.submitted_by_id == user.pk
    if not is_submitter and not user_roles(user) & {PLANNER, ADMIN}:
        raise PermissionDenied(
            f"Only the submitter or a planner of {department} withdraws a submission; "
            "as a manager, approve or reject it."
        )
    if version.status != Status.SUBMITTED:
        raise PlanError(_not_waiting(version, ": only a submission still waiting can be withdrawn"))


def can_withdraw(user: User, version: PlanVersion) -> bool:
    try:
        _check_withdrawer(user, version)
    except (PermissionDenied, PlanError):
        return False
    return True


@transaction.atomic
def version_withdraw(*, user: User, version_id: int, reason: str = "") -> PlanVersion:
    """Take a submitted version back to draft before anyone decided on it (it leaves the
    approvals inbox and can be edited again); recorded in the trail as withdrawn by the user.

    The row lock orders it against a concurrent approve or reject: whichever locks first
    wins, the other then reads the new status and is refused."""
    version = _locked_version(version_id)
    _check_withdrawer(user, version)
    _transition(version, user, "withdraw", Status.DRAFT, _comment(reason))
    version.save(update_fields=["status", "lock_version"])
    return version


@transaction.atomic
def scenario_branch(*, user: User, version_id: int, name: str) -> PlanVersion:
    """A named what-if copy of a working version (its lines and weeks only)."""
    source = PlanVersion.objects.select_related("plan").get(pk=version_id)
    if source.kind != Kind.WORKING:
        raise PlanError("What-if scenarios branch from the working plan.")
    if not Department.objects.editable_by(user).filter(pk=source.plan.department_id).exists():
        raise PermissionDenied(f"You cannot change plans of {source.plan.department}.")
    name = name.strip()
    if not name:
        raise PlanError("Give the scenario a name.")
    if PlanVersion.objects.filter(plan=source.plan, name=name).exists():
        raise PlanError(f"This plan already has a version named {name!r}.")
    scenario = _clone(source, user, Kind.SCENARIO, name, frozen=False)
    scenario.branched_from = source
    scenario.save(update_fields=["branched_from"])
    from planning.plans.promotion import scenario_base_snapshot

    scenario_base_snapshot(scenario)  # the base its promotion merges from
    PlanTransition.objects.create(version=scenario, action="branch", to_status=Status.DRAFT, user=user)
    return scenario


def _clone(source: PlanVersion, user: User, kind: str, name: str, *, frozen: bool) -> PlanVersion:
    copy = PlanVersion.objects.create(
        plan=source.plan,
        kind=kind,
        name=name,
        created_by=user,
        is_frozen=frozen,
        status=Status.APPROVED if frozen else Status.DRAFT,
        values_version=source.values_version,
        totals_version=source.totals_version,
        actuals_through_id=source.actuals_through_id,
    )
    old_lines = list(PlanLine.objects.filter(version=source).order_by("pk"))
    new_lines = PlanLine.objects.bulk_create(
        [
            PlanLine(
                version=copy,
                merch_class_id=line.merch_class_id,
                position=line.position,
                method=line.method,
                turn=line.turn,
                opening_stock=line.opening_stock,
            )
            for line in old_lines
        ]
    )
    mapping = {old.pk: new.pk for old, new in zip(old_lines, new_lines, strict=True)}
    columns = [*ENTERED_FIELDS, *DERIVED, "actual_eop"]
    PlanWeek.objects.bulk_create(
        [
            PlanWeek(
                line_id=mapping[row["line_id"]],
                fiscal_week_id=row["fiscal_week_id"],
                period=row["period"],
                updated_by_id=user.pk,
                **{name: row[name] for name in columns},
            )
            for row in PlanWeek.objects.filter(line__version=source).values(
                "line_id", "fiscal_week_id", "period", *columns
            )
        ],
        batch_size=2000,
    )
    return copy


# --- totals edited: spread to the weeks and lines below -------------------------------------
FLOW_ENTERED = ("sales", "sales_units", "markdowns", "shrink", "receipts_entered")


def _group_filter(column_key: str) -> dict[str, Any]:
    """Which weeks a grid column covers: "M3" a fiscal month, "Q1" a quarter, "season" all,
    "2026-W05" one week (a week of the total line spreads over the lines)."""
    if column_key == "season":
        return {}
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
) -> EditResult:
    """Edit a month, quarter or season total (or a plan-total cell): flows spread over the
    weeks (and lines) below in proportion to their current values, to last year's where those
    are all zero, evenly where last year is empty too; locked cells keep their values; whole
    units and cents, summing exactly. A weekly target typed on a total fills its weeks."""
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
            edits = _spread_edits(version, rows, measure, new_value, expected)
        if not edits:
            return EditResult(version=version, line_ids=[li.pk for li in lines])
        return plan_cells_update(
            user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.SPREAD
        )


def _spread_edits(
    version: PlanVersion, rows: list[PlanWeek], measure: str, new_value: Decimal, expected: str | None
) -> list[CellEdit]:
    from planning.engine import spread

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
    reference = _last_year_reference(version, rows, measure)
    decimals = 0 if measure == "sales_units" else 2
    try:
        values = spread(float(new_value), current, locked=locked, reference=reference, decimals=decimals)
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
    measures = measures | {measure} if locked else measures - {measure}
    row.locked = ",".join(sorted(measures))
    row.save(update_fields=["locked"])
    return row


RECOMPUTE_TASK_KEY = "plan-recompute:{version_id}"


def queue_version_recompute(version: PlanVersion) -> None:
    """Queue the whole-version recompute after the commit; remember the task for the page's
    progress bar."""
    from django.core.cache import cache

    from planning.tasks import version_recompute as version_recompute_task

    version_id, values_version = version.pk, version.values_version

    def send() -> None:
        result = version_recompute_task.delay(version_id, values_version)
        cache.set(RECOMPUTE_TASK_KEY.format(version_id=version_id), result.id, 3600)

    transaction.on_commit(send)


@transaction.atomic
def plan_recompute_request(*, user: User, version_id: int) -> PlanVersion:
    """A planner asks for the whole version to be recomputed (e.g. after an import)."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    _check_editable(user, version)
    queue_version_recompute(version)
    return version
