"""Writes for forecasting: start and compute runs, planner overrides.

A run fans out one partition per department; each partition loads its history, calls the
pure engine and stores its snapshot in one transaction, so running a partition twice
leaves the same rows. The chord's last step marks the run finished.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import scope
from core.audit import audit_record
from core.errors import Conflict, Forbidden, InvalidInput
from core.money import is_cents, to_cents
from core.runs import run_heartbeat
from core.versioning import check_version
from forecasting import engine, selectors, snapshots
from forecasting import tasks as forecast_tasks
from forecasting.models import (
    ForecastOverride,
    ForecastRun,
    ForecastRunLog,
    ForecastRunPartition,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from planning import clock
from planning.models import Department, FiscalWeek, StyleColor

logger = logging.getLogger(__name__)

DEFAULT_HORIZON = 13
MAX_OVERRIDE_UNITS = Decimal("10000000")


class ForecastError(InvalidInput):
    """A request the forecasting rules refuse (400); the message is for the user."""


@dataclass(frozen=True)
class PartitionResult:
    series: int
    seconds: float


# -- runs ---------------------------------------------------------------------------------


def forecast_run_start(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    department_ids: Iterable[int] | None = None,
    horizon: int = DEFAULT_HORIZON,
    as_of_week_id: int | None = None,
    interval_level: int = 80,
    trigger: str = ForecastRun.Trigger.MANUAL,
    dispatch: bool = True,
) -> ForecastRun:
    """Create a run with one partition per department and queue it after commit (or, with
    `dispatch=False`, leave it for the caller to compute, as the backfill command does)."""
    if not 1 <= horizon <= 52:
        raise ForecastError("The horizon must be between 1 and 52 weeks.")
    if not 50 <= interval_level <= 99:
        raise ForecastError("The interval level must be between 50 and 99 percent.")
    closed = selectors.latest_closed_week()
    if as_of_week_id is None:
        as_of = closed
    else:
        as_of = FiscalWeek.objects.filter(pk=as_of_week_id).first()  # type: ignore[assignment]
        if as_of is None:
            raise ForecastError(f"Fiscal week {as_of_week_id} does not exist.")
        if as_of.id > closed.id:
            raise ForecastError(
                f"Week {as_of} has not closed yet: forecasts start after the last closed week."
            )
    departments = _departments_for(user, department_ids)
    with transaction.atomic():
        run = ForecastRun.objects.create(
            as_of_week=as_of,
            horizon=horizon,
            interval_level=interval_level,
            trigger=trigger,
            created_by=user if isinstance(user, User) else None,
            progress_total=len(departments),
        )
        run.departments.set(departments)
        ForecastRunPartition.objects.bulk_create(
            ForecastRunPartition(run=run, department=department) for department in departments
        )
        _log(run.pk, f"Queued: {len(departments)} departments, {horizon} weeks after {as_of}.")
        if dispatch:
            run_id = run.pk
            transaction.on_commit(lambda: forecast_tasks.forecast_run_dispatch(run_id))
    return run


def _departments_for(
    user: AbstractBaseUser | AnonymousUser | None, department_ids: Iterable[int] | None
) -> list[Department]:
    allowed = Department.objects.all() if user is None else Department.objects.editable_by(user)
    if department_ids is None:
        departments = list(allowed.order_by("code"))
        if not departments:
            raise Forbidden("You have no departments to forecast.")
        return departments
    wanted = sorted(set(department_ids))
    departments = list(allowed.filter(pk__in=wanted).order_by("code"))
    missing = sorted(set(wanted) - {department.pk for department in departments})
    if missing:
        raise Forbidden(f"You cannot forecast department(s) {', '.join(map(str, missing))}.")
    if not departments:
        raise ForecastError("Choose at least one department.")
    return departments


def forecast_partition_compute(partition_id: int) -> PartitionResult:
    """Forecast one department of a run and store its snapshot (replacing any earlier try)."""
    started = time.perf_counter()
    partition = ForecastRunPartition.objects.select_related("run", "run__as_of_week", "department").get(
        pk=partition_id
    )
    run = partition.run
    ForecastRun.objects.filter(pk=run.pk, started_at__isnull=True).update(
        started_at=timezone.now(), status=ForecastRun.Status.RUNNING
    )
    # Each department is a sign of life: the shared expiry (core.runs) leaves the run alone.
    run_heartbeat(ForecastRun, run.pk)
    ForecastRunPartition.objects.filter(pk=partition_id).update(status=ForecastRunPartition.Status.RUNNING)
    items = selectors.forecast_items(partition.department_id, run.as_of_week, run.horizon)
    ids = items.loc[items["is_forecast"], "style_color_id"].tolist()
    known = set(items["style_color_id"].tolist())
    # Like items from other departments join the history so their shape can be borrowed.
    like_ids = sorted({int(like) for like in items["like_id"].dropna()} - known)
    history = selectors.history_frame(items["style_color_id"].tolist() + like_ids, run.as_of_week)
    parents = dict(zip(items["style_color_id"], items["class_id"], strict=True))
    history["parent"] = history["unique_id"].map(parents).fillna(-1).astype(int)
    likes = {
        int(item): int(like)
        for item, like in zip(items["style_color_id"], items["like_id"], strict=True)
        if like == like  # not NaN
    }
    weeks = selectors.weeks_after(run.as_of_week, run.horizon)
    if len(weeks) < run.horizon:
        raise ForecastError(f"The calendar ends before {run.horizon} weeks after {run.as_of_week}.")
    if ids:
        result = engine.run_forecast(
            history,
            run.horizon,
            level=[run.interval_level],
            like_items=likes or None,
            launches=selectors.launch_dates(items) or None,
            # Like items are forecast too (never history only), so a new item can borrow.
            history_only=sorted(
                set(items.loc[~items["is_forecast"], "style_color_id"].tolist()) - set(likes.values())
            ),
        )
        shares = engine.size_curves(selectors.size_sales_frame(ids, run.as_of_week))
    else:
        result, shares = None, pd.DataFrame({"unique_id": [], "size_id": [], "share": []})
    with transaction.atomic():
        _snapshot_replace(run, ids, weeks, result, shares)
        seconds = time.perf_counter() - started
        ForecastRunPartition.objects.filter(pk=partition_id).update(
            status=ForecastRunPartition.Status.SUCCEEDED, series_count=len(ids), seconds=seconds, error=""
        )
        # A partition computed again (a redelivered task) is counted once.
        was_done = partition.status in (
            ForecastRunPartition.Status.SUCCEEDED,
            ForecastRunPartition.Status.FAILED,
        )
        ForecastRun.objects.filter(pk=run.pk).update(
            progress_done=F("progress_done") + (0 if was_done else 1),
            series_count=F("series_count") + len(ids) - partition.series_count,
            heartbeat_at=timezone.now(),
        )
        _log(run.pk, f"{partition.department}: {len(ids)} style-colors in {seconds:.1f} s.")
    return PartitionResult(series=len(ids), seconds=seconds)


def forecast_partition_fail(partition_id: int, error: str) -> None:
    """Record a partition that could not run; the rest of the run goes on."""
    with transaction.atomic():
        partition = (
            ForecastRunPartition.objects.select_for_update().select_related("department").get(pk=partition_id)
        )
        was_done = partition.status in (
            ForecastRunPartition.Status.SUCCEEDED,
            ForecastRunPartition.Status.FAILED,
        )
        ForecastRunPartition.objects.filter(pk=partition_id).update(
            status=ForecastRunPartition.Status.FAILED, error=error[:2000], series_count=0
        )
        ForecastRun.objects.filter(pk=partition.run_id).update(
            progress_done=F("progress_done") + (0 if was_done else 1),
            series_count=F("series_count") - partition.series_count,
            heartbeat_at=timezone.now(),
        )
        _log(partition.run_id, f"{partition.department} failed: {error[:500]}", ForecastRunLog.Level.ERROR)


def forecast_run_finish(run_id: int) -> ForecastRun:
    """Close a run once its partitions are done: succeeded, partly failed or failed."""
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().get(pk=run_id)
        statuses = list(run.partitions.values_list("status", flat=True))
        failed = statuses.count(ForecastRunPartition.Status.FAILED)
        if failed == 0:
            run.status = ForecastRun.Status.DONE
        elif failed == len(statuses):
            run.status = ForecastRun.Status.FAILED
        else:
            run.status = ForecastRun.Status.PARTIAL
        run.finished_at = timezone.now()
        run.progress_done = len(statuses)
        run.heartbeat_at = run.finished_at
        run.save(update_fields=["status", "finished_at", "progress_done", "heartbeat_at"])
        level = ForecastRunLog.Level.INFO if failed == 0 else ForecastRunLog.Level.WARNING
        _log(run.pk, f"Finished: {run.get_status_display().lower()}, {run.series_count} style-colors.", level)
    return run


def forecast_run_compute(run_id: int) -> ForecastRun:
    """Compute every partition of a run in this process, then finish it (no workers needed)."""
    for partition_id in (
        ForecastRunPartition.objects.filter(run_id=run_id).order_by("id").values_list("id", flat=True)
    ):
        try:
            forecast_partition_compute(partition_id)
        except Exception as error:  # a department's failure must not stop the others
            logger.exception("forecast partition %s failed", partition_id)
            forecast_partition_fail(partition_id, f"{type(error).__name__}: {error}")
    return forecast_run_finish(run_id)


def forecast_run_scheduled() -> ForecastRun | None:
    """The weekly run: every department as of the last closed week, once per week."""
    closed = selectors.latest_closed_week()
    already = ForecastRun.objects.filter(as_of_week=closed, trigger=ForecastRun.Trigger.SCHEDULED).exclude(
        status=ForecastRun.Status.FAILED
    )
    if already.exists():
        return None
    return forecast_run_start(user=None, trigger=ForecastRun.Trigger.SCHEDULED)


def _snapshot_replace(
    run: ForecastRun,
    ids: list[int],
    weeks: list[FiscalWeek],
    result: engine.ForecastResult | None,
    shares: pd.DataFrame,
) -> None:
    StyleColorForecast.objects.filter(run=run, style_color_id__in=ids).delete()
    SeriesFit.objects.filter(run=run, style_color_id__in=ids).delete()
    SizeShare.objects.filter(run=run, sku__style_color_id__in=ids).delete()
    if result is None:
        return
    wanted = set(ids)
    week_of = {pd.Timestamp(week.start_date): week.id for week in weeks}
    forecasts = result.forecasts[result.forecasts["unique_id"].isin(wanted)]
    week_ids = forecasts["ds"].map(week_of)
    if week_ids.isna().any():
        raise ForecastError("The engine returned weeks outside the fiscal calendar.")
    snapshots.forecasts_create(run, ids, forecasts, week_ids)
    snapshots.series_fits_create(run, result.series[result.series["unique_id"].isin(wanted)])
    snapshots.size_shares_create(run, shares, wanted)


def _log(run_id: int, message: str, level: str = ForecastRunLog.Level.INFO) -> None:
    ForecastRunLog.objects.create(run_id=run_id, message=message, level=level)
    logger.info("forecast run %s: %s", run_id, message)


# -- overrides ----------------------------------------------------------------------------


def forecast_override_set(
    *,
    user: User,
    style_color_id: int,
    fiscal_week_id: int,
    units: str | Decimal | None,
    reason: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> ForecastOverride | None:
    """Set, change or (with units None/empty) remove a planner's override for one week.

    `expected_version` is the override's row version the planner saw (0: none existed);
    a mismatch means someone else changed it since, and nothing is written.
    """
    value = _override_units(units)
    note = _override_note(value, reason, note)
    with transaction.atomic():
        item, department_id = _editable_item(user, style_color_id)
        week = _open_week(fiscal_week_id)
        current = (
            ForecastOverride.objects.select_for_update()
            .filter(style_color_id=style_color_id, fiscal_week_id=fiscal_week_id)
            .first()
        )
        current_version = current.row_version if current else 0
        check_version(
            current_version,
            expected_version,
            message=f"Someone changed the override for {item.code} in week {week} since you loaded it: "
            "review their number and try again.",
        )
        old_units = current.units if current else None
        if value is None:
            if current is None:
                return None
            current.delete()
            _override_audit(user, item, department_id, week.pk, old_units, None, current.reason, note)
            return None
        if current is None:
            current = _override_create(user, item, week, value, reason, note, expected_version)
        else:
            current.units, current.reason, current.note, current.updated_by = value, reason, note, user
            current.row_version = current_version + 1
            current.save(update_fields=["units", "reason", "note", "updated_by", "row_version", "updated_at"])
        _override_audit(user, item, department_id, week.pk, old_units, value, reason, note)
    return current


def _override_note(value: Decimal | None, reason: str, note: str) -> str:
    """The note, stripped; refused without a reason for a set override, or when too long."""
    if value is not None and reason not in ForecastOverride.Reason.values:
        raise ForecastError("Choose a reason for the override.")
    note = note.strip()
    if len(note) > 300:
        raise ForecastError("Keep the note under 300 characters.")
    return note


def _editable_item(user: User, style_color_id: int) -> tuple[StyleColor, int]:
    """(the style-color, its department) if `user` may change that department's forecasts."""
    item = StyleColor.objects.select_related("style__subclass__merch_class").filter(pk=style_color_id).first()
    if item is None:
        raise ForecastError(f"Style-color {style_color_id} does not exist.")
    department_id = item.style.subclass.merch_class.department_id
    scope.require_department(
        user,
        department_id,
        edit=True,
        message=f"You cannot change forecasts of {item.code}'s department.",
    )
    return item, department_id


def _open_week(fiscal_week_id: int) -> FiscalWeek:
    """The fiscal week, if it has not closed: a closed week's forecast is history."""
    week = FiscalWeek.objects.filter(pk=fiscal_week_id).first()
    if week is None:
        raise ForecastError(f"Fiscal week {fiscal_week_id} does not exist.")
    if week.end_date < clock.today():
        raise ForecastError(f"Week {week} has closed: its forecast is history and stays as it was.")
    return week


def _override_create(
    user: User,
    item: StyleColor,
    week: FiscalWeek,
    value: Decimal,
    reason: str,
    note: str,
    expected_version: int | None,
) -> ForecastOverride:
    """Create the override of a cell that has none (its first, or the first since a removal);
    a planner who loses a race to create it at the same time gets a Conflict."""
    try:
        # Two planners setting the first override of a week at once: one insert wins,
        # the other is told, as for any stale version.
        # Versions continue across a removal (they count the cell's audited changes), so a
        # planner who read version 1 before a remove-and-set cannot overwrite it unseen.
        changes = selectors.override_changes([item.pk], week_from=week.pk, week_to=week.pk).count()
        with transaction.atomic():
            return ForecastOverride.objects.create(
                style_color=item,
                fiscal_week=week,
                units=value,
                reason=reason,
                note=note,
                updated_by=user,
                row_version=changes + 1,
            )
    except IntegrityError:
        raise Conflict(
            f"Someone set an override for {item.code} in week {week} at the same time: "
            "review their number and try again.",
            details={"current_version": changes + 1, "seen_version": expected_version},
        ) from None


def _override_units(units: str | Decimal | None) -> Decimal | None:
    if units is None or (isinstance(units, str) and not units.strip()):
        return None
    try:
        value = Decimal(str(units).strip().replace(",", ""))
    except InvalidOperation:
        raise ForecastError(f"{units!r} is not a number of units.") from None
    if not value.is_finite():
        raise ForecastError(f"{units!r} is not a number of units.")
    if value < 0:
        raise ForecastError("An override cannot be negative.")
    if value >= MAX_OVERRIDE_UNITS:
        raise ForecastError("That override is larger than any week's demand could be.")
    if not is_cents(value):
        raise ForecastError("Use at most two decimals.")
    return to_cents(value)


def _override_audit(
    user: User,
    item: StyleColor,
    department_id: int,
    week_id: int,
    old: Decimal | None,
    new: Decimal | None,
    reason: str,
    note: str,
) -> None:
    """One audit event per set, change or removal (units None where there was none)."""
    audit_record(
        user,
        selectors.OVERRIDE_CHANGE,
        item,
        old={"week": week_id, "units": old},
        new={"week": week_id, "units": new, "reason": reason},
        comment=note,
        department=department_id,
        label=item.code,
    )
