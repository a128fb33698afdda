"""Derived values of a version stored: read the entered inputs into a LineBlock, run the
engine, write the derived columns and the total line; the whole-version recompute, the totals
roll-up and the Celery tasks that run them after the commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, DecimalField, Sum

from core.money import to_cents
from planning import tasks
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.bulk_write import read_columns, write_columns
from planning.plans.compute import ENTERED_FIELDS, LineBlock, run_engine, total_block
from planning.plans.measures import DERIVED
from planning.plans.services.checks import PlanError, _check_editable


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
    PlanLine.objects.filter(pk=total_line.pk).update(opening_stock=to_cents(float(total.opening[0])))


def _queue_totals(version: PlanVersion) -> None:
    version_id, values_version = version.pk, version.values_version
    transaction.on_commit(lambda: tasks.version_totals_recompute.delay(version_id, values_version))


RECOMPUTE_TASK_KEY = "plan-recompute:{version_id}"


def queue_version_recompute(version: PlanVersion) -> None:
    """Queue the whole-version recompute after the commit; remember the task for the page's
    progress bar."""
    version_id, values_version = version.pk, version.values_version

    def send() -> None:
        result = tasks.version_recompute.delay(version_id, values_version)
        cache.set(RECOMPUTE_TASK_KEY.format(version_id=version_id), result.id, 3600)

    transaction.on_commit(send)


@transaction.atomic
def plan_recompute_request(*, user: User, version_id: int) -> PlanVersion:
    """A planner asks for the whole version to be recomputed (e.g. after an import)."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    _check_editable(user, version)
    queue_version_recompute(version)
    return version
