"""Computing a background run, once: `run_execute(run, work)`; and expiring the runs a lost
worker left (`runs_expire`, called by the beat task `core.tasks.expire_lost_runs`).

The apps register their run models in their AppConfig.ready (`run_model_register`), so the one
beat task sees every kind of run and core imports no app.

`run_execute` is what a Celery task calls:

    @shared_task(acks_late=True)
    def replenishment_run(run_id):
        run = ReplenishmentRun.objects.get(pk=run_id)
        return run_execute(run, lambda progress: compute(run, progress)).status

It claims the run (queued -> running) under a row lock, so a task delivered twice computes it
once; it hands `work` a `progress(done, total, message)` callable that saves at most once a
MERCHPLAN_RUN_PROGRESS_SECONDS (and always the last step), each save a heartbeat; and it marks
the run done, or failed with a one-line message (the traceback goes to the log, never to the
user). `work` may close the run itself inside its own write transaction with `run_finish`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import AppError
from core.run_models import BackgroundRun, RunStatus

logger = logging.getLogger(__name__)

RunT = TypeVar("RunT", bound=BackgroundRun)
MESSAGE_LIMIT = 2000
_RUN_MODELS: list[type[BackgroundRun]] = []


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None: ...


def run_model_register(model: type[BackgroundRun]) -> None:
    """Let the beat task expire this model's lost runs (call it from AppConfig.ready)."""
    if model not in _RUN_MODELS:
        _RUN_MODELS.append(model)


def run_models() -> list[type[BackgroundRun]]:
    return list(_RUN_MODELS)


def stale_minutes() -> int:
    return int(getattr(settings, "MERCHPLAN_RUN_STALE_MINUTES", 90))


def _progress_seconds() -> float:
    return float(getattr(settings, "MERCHPLAN_RUN_PROGRESS_SECONDS", 1.0))


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(minutes=stale_minutes())


def _is_lost(run: BackgroundRun, now: datetime) -> bool:
    last = run.heartbeat_at or run.started_at or run.created_at
    return last is not None and last < _stale_before(now)


def error_message(error: BaseException) -> str:
    """What a user reads of a failure: the error's own words, one paragraph, no traceback."""
    text = error.message if isinstance(error, AppError) else str(error)
    text = " ".join(text.split()) or type(error).__name__
    return text[:MESSAGE_LIMIT]


def run_claim(run: RunT) -> bool:
    """Take a queued run (or a running one whose worker was lost, as a redelivered task finds
    it) and mark it running; False when another delivery has it or it is finished."""
    now = timezone.now()
    with transaction.atomic():
        locked = type(run)._default_manager.select_for_update().get(pk=run.pk)
        claimable = locked.status == RunStatus.QUEUED or (
            locked.status == RunStatus.RUNNING and _is_lost(locked, now)
        )
        if claimable:
            locked.status, locked.heartbeat_at = RunStatus.RUNNING, now
            locked.started_at = locked.started_at or now
            locked.save(update_fields=["status", "started_at", "heartbeat_at"])
    run.refresh_from_db()
    return claimable


def run_progress_save(
    run: BackgroundRun, done: int, total: int | None = None, message: str | None = None
) -> None:
    """Store a running run's progress (and heartbeat) without touching its status."""
    run.progress_done, run.heartbeat_at = done, timezone.now()
    values: dict[str, Any] = {"progress_done": done, "heartbeat_at": run.heartbeat_at}
    if total is not None:
        run.progress_total = values["progress_total"] = total
    if message is not None:
        run.message = values["message"] = message[:MESSAGE_LIMIT]
    type(run)._default_manager.filter(pk=run.pk, status=RunStatus.RUNNING).update(**values)


def run_heartbeat(model: type[BackgroundRun], run_id: int) -> None:
    """A sign of life for a run computed in several tasks (a forecast's departments)."""
    model._default_manager.filter(pk=run_id, status__in=model.ACTIVE_STATUSES).update(
        heartbeat_at=timezone.now()
    )


def progress_reporter(run: BackgroundRun) -> Progress:
    """The `progress` callable handed to `work`: saves the first report, the last step and at
    most one report a MERCHPLAN_RUN_PROGRESS_SECONDS in between."""
    last_saved: list[datetime | None] = [None]

    def progress(done: int, total: int | None = None, message: str | None = None) -> None:
        now = timezone.now()
        total_now = run.progress_total if total is None else total
        is_last = bool(total_now) and done >= total_now
        previous = last_saved[0]
        if previous is None or is_last or (now - previous).total_seconds() >= _progress_seconds():
            run_progress_save(run, done, total, message)
            last_saved[0] = now
        else:
            run.progress_done = done
            if total is not None:
                run.progress_total = total

    return progress


def run_finish(run: BackgroundRun, *, message: str | None = None, status: str | None = None) -> bool:
    """Mark a running run finished (its model's DONE_STATUS unless told), progress full. Call it
    inside the transaction that writes the run's results; False if the run is not running any
    more (cancelled or expired meanwhile), and then nothing is written."""
    now = timezone.now()
    values: dict[str, Any] = {"status": status or run.DONE_STATUS, "finished_at": now, "heartbeat_at": now}
    if run.progress_total:
        values["progress_done"] = run.progress_total
    if message is not None:
        values["message"] = message[:MESSAGE_LIMIT]
    updated = type(run)._default_manager.filter(pk=run.pk, status=RunStatus.RUNNING).update(**values)
    if updated:
        for name, value in values.items():
            setattr(run, name, value)
    return bool(updated)


def run_fail(run: BackgroundRun, message: str) -> None:
    """Mark a queued or running run failed with a message for the user."""
    now = timezone.now()
    type(run)._default_manager.filter(pk=run.pk, status__in=run.ACTIVE_STATUSES).update(
        status=RunStatus.FAILED, message=message[:MESSAGE_LIMIT], finished_at=now, heartbeat_at=now
    )
    run.refresh_from_db()


def run_execute(run: RunT, work: Callable[[Progress], str | None]) -> RunT:
    """Compute `run` once: claim it, call `work(progress)`, mark it done (with the message
    `work` returns, if any) or failed with the error's message. A run already taken or finished
    (a redelivered task) is returned untouched. Errors are recorded, not raised."""
    if not run_claim(run):
        return run
    try:
        message = work(progress_reporter(run))
    except Exception as error:  # a failed run says why on its row; the worker stays up
        if not isinstance(error, (AppError, ValueError)):
            logger.exception("%s %s failed", type(run).__name__, run.pk)
        run_fail(run, error_message(error))
        return run
    run_finish(run, message=message)
    run.refresh_from_db()
    return run


def runs_expire(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Mark expired every queued or running run of every registered model whose last sign of
    life (heartbeat, else start, else creation) is older than MERCHPLAN_RUN_STALE_MINUTES.
    Returns the expired ids by model label."""
    now = now or timezone.now()
    before = _stale_before(now)
    lost = (
        Q(heartbeat_at__lt=before)
        | Q(heartbeat_at__isnull=True, started_at__lt=before)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=before)
    )
    expired: dict[str, list[int]] = {}
    for model in run_models():
        ids = list(
            model._default_manager.filter(lost, status__in=model.ACTIVE_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for run_id in ids:
            if _expire_one(model, run_id, now):
                expired.setdefault(model._meta.label, []).append(run_id)
    return expired


def _expire_one(model: type[BackgroundRun], run_id: int, now: datetime) -> bool:
    minutes = stale_minutes()
    with transaction.atomic():
        run = model._default_manager.select_for_update().get(pk=run_id)
        if run.status not in model.ACTIVE_STATUSES or not _is_lost(run, now):
            return False  # it moved on since the query
        run.status, run.finished_at = RunStatus.EXPIRED, now
        run.message = f"No sign of the worker for {minutes} minutes: the run was stopped. Start it again."
        run.save(update_fields=["status", "finished_at", "message"])
        run.run_expired()
    logger.warning("%s %s expired (no heartbeat for %s minutes)", model._meta.label, run_id, minutes)
    return True
