"""The one background run: run_execute marks a run done or failed with its message, saves its
progress (throttled), does nothing for a redelivered task; the beat task expires lost runs of
every registered model and leaves fresh ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from allocation.models import AllocationRun
from core import runs
from core.run_models import BackgroundRun, RunStatus
from core.tasks import expire_lost_runs
from forecasting.models import ForecastRun, ForecastRunLog, ForecastRunPartition
from replenishment.models import ReplenishmentRun
from tests.factories.forecasting import ForecastRunFactory
from tests.factories.planning import fiscal_week
from tests.factories.replenishment import ReplenishmentRunFactory

pytestmark = pytest.mark.django_db


def _queued() -> ReplenishmentRun:
    return ReplenishmentRunFactory.create(status=RunStatus.QUEUED, progress_total=5)


def _allocation(retailer: dict[str, Any], user: User, **fields: Any) -> AllocationRun:
    return AllocationRun.objects.create(
        department=retailer["tops"], dc=retailer["dc"], as_of=fiscal_week(2026, 44), created_by=user, **fields
    )


def test_every_run_model_is_registered() -> None:
    assert {model._meta.label for model in runs.run_models()} >= {
        "forecasting.ForecastRun",
        "allocation.AllocationRun",
        "replenishment.ReplenishmentRun",
    }
    assert all(issubclass(model, BackgroundRun) for model in runs.run_models())


def test_run_execute_marks_the_run_running_then_done_with_the_work_message() -> None:
    run = _queued()
    seen: list[str] = []

    def work(progress: runs.Progress) -> str:
        seen.append(ReplenishmentRun.objects.get(pk=run.pk).status)
        progress(2)
        return "2 notes"

    done = runs.run_execute(run, work)
    assert seen == ["running"]
    stored = ReplenishmentRun.objects.get(pk=run.pk)
    assert (stored.status, stored.message, stored.progress_done, stored.progress_total) == (
        "done",
        "2 notes",
        5,
        5,
    )
    assert stored.started_at is not None
    assert stored.finished_at is not None
    assert stored.finished_at >= stored.started_at
    assert (done.status, done.progress_percent) == ("done", 100)


def test_run_execute_marks_a_failure_with_its_message_and_no_traceback() -> None:
    run = _queued()

    def work(progress: runs.Progress) -> None:
        raise RuntimeError("The DC stock file\nis empty.")

    failed = runs.run_execute(run, work)
    stored = ReplenishmentRun.objects.get(pk=run.pk)
    assert stored.status == failed.status == "failed"
    assert stored.message == "The DC stock file is empty."
    assert "Traceback" not in stored.message
    assert stored.finished_at is not None


def test_run_execute_names_the_error_when_it_has_no_words() -> None:
    run = _queued()

    def work(progress: runs.Progress) -> None:
        raise KeyError("")

    assert runs.run_execute(run, work).message == "''"  # str(KeyError('')) is "''": never empty


def test_progress_is_saved_first_last_and_at_most_once_a_second(settings: Any) -> None:
    settings.MERCHPLAN_RUN_PROGRESS_SECONDS = 1.0
    run = _queued()
    stored: list[tuple[int, int, str]] = []

    def look() -> None:
        row = ReplenishmentRun.objects.get(pk=run.pk)
        stored.append((row.progress_done, row.progress_total, row.message))

    def work(progress: runs.Progress) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            progress(1, 4, "reading")
            look()
            progress(2)  # the same instant: kept in memory only
            look()
            clock.shift(timedelta(seconds=1))
            progress(3, message="fitting")
            look()
            progress(4)  # the last step is always saved
            look()

    runs.run_execute(run, work)
    assert stored == [(1, 4, "reading"), (1, 4, "reading"), (3, 4, "fitting"), (4, 4, "fitting")]


def test_a_redelivered_task_does_nothing_to_a_done_failed_or_running_run() -> None:
    calls: list[int] = []

    def work(progress: runs.Progress) -> str:
        calls.append(1)
        return "again"

    done = ReplenishmentRunFactory.create(status=RunStatus.DONE, message="first")
    failed = ReplenishmentRunFactory.create(status=RunStatus.FAILED, message="why")
    running = ReplenishmentRunFactory.create(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    for run in (done, failed, running):
        before = ReplenishmentRun.objects.get(pk=run.pk)
        after = runs.run_execute(run, work)
        assert (after.status, after.message, after.finished_at) == (
            before.status,
            before.message,
            before.finished_at,
        )
    assert calls == []


def test_a_redelivered_task_takes_over_a_run_whose_worker_was_lost(settings: Any) -> None:
    settings.MERCHPLAN_RUN_STALE_MINUTES = 90
    lost = ReplenishmentRunFactory.create(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=91)
    )
    assert runs.run_execute(lost, lambda progress: None).status == "done"


def test_run_execute_leaves_a_run_cancelled_during_the_work(retailer: dict[str, Any], planner: User) -> None:
    run = _allocation(retailer, planner)

    def work(progress: runs.Progress) -> None:
        AllocationRun.objects.filter(pk=run.pk).update(status=AllocationRun.Status.CANCELLED)

    assert runs.run_execute(run, work).status == "cancelled"


def test_an_allocation_computed_through_run_execute_is_a_preview(
    retailer: dict[str, Any], planner: User
) -> None:
    run = _allocation(retailer, planner, progress_total=100)
    done = runs.run_execute(run, lambda progress: progress(50))
    assert (done.status, done.progress_done, done.is_finished) == ("preview", 100, True)


def _stale_and_fresh(retailer: dict[str, Any], user: User, now: datetime) -> dict[str, tuple[Any, Any]]:
    old, recent = now - timedelta(minutes=91), now - timedelta(minutes=89)
    forecast_stale = ForecastRunFactory.create(status=RunStatus.RUNNING, progress_total=1, heartbeat_at=old)
    ForecastRunPartition.objects.create(run=forecast_stale, department=retailer["tops"])
    return {
        "forecasting.ForecastRun": (
            forecast_stale,
            ForecastRunFactory.create(status=RunStatus.RUNNING, heartbeat_at=recent),
        ),
        "allocation.AllocationRun": (
            _allocation(retailer, user, status=RunStatus.RUNNING, heartbeat_at=old),
            _allocation(retailer, user, status=RunStatus.QUEUED, heartbeat_at=recent),
        ),
        "replenishment.ReplenishmentRun": (
            ReplenishmentRunFactory.create(status=RunStatus.QUEUED, heartbeat_at=old),
            ReplenishmentRunFactory.create(status=RunStatus.RUNNING, heartbeat_at=recent),
        ),
    }


def test_the_beat_task_expires_a_stale_run_of_each_model_and_leaves_fresh_ones(
    retailer: dict[str, Any], planner: User, settings: Any
) -> None:
    settings.MERCHPLAN_RUN_STALE_MINUTES = 90
    pairs = _stale_and_fresh(retailer, planner, timezone.now())
    finished = ReplenishmentRunFactory.create(
        status=RunStatus.DONE, heartbeat_at=timezone.now() - timedelta(days=3)
    )

    expired = expire_lost_runs.delay().get()

    assert expired == {label: [stale.pk] for label, (stale, _) in pairs.items()}
    for stale, fresh in pairs.values():
        stale.refresh_from_db()
        fresh.refresh_from_db()
        assert stale.status == "expired"
        assert stale.finished_at is not None
        assert stale.message == "No sign of the worker for 90 minutes: the run was stopped. Start it again."
        assert fresh.status in ("queued", "running")
        assert fresh.finished_at is None
    finished.refresh_from_db()
    assert finished.status == "done"
    # The forecast's hook closed its lost department and logged why.
    forecast = pairs["forecasting.ForecastRun"][0]
    assert list(forecast.partitions.values_list("status", flat=True)) == ["failed"]
    assert forecast.progress_done == forecast.progress_total == 1
    assert ForecastRunLog.objects.filter(
        run=forecast, level="error", message__startswith="Expired: 1"
    ).exists()
    assert expire_lost_runs.delay().get() == {}  # idempotent


def test_a_run_with_no_heartbeat_is_judged_by_its_start_then_its_creation(settings: Any) -> None:
    settings.MERCHPLAN_RUN_STALE_MINUTES = 90
    queued = _queued()  # created now, no heartbeat
    later = timezone.now() + timedelta(minutes=91)
    assert runs.runs_expire(now=timezone.now() + timedelta(minutes=89)) == {}
    assert runs.runs_expire(now=later) == {"replenishment.ReplenishmentRun": [queued.pk]}


def test_the_progress_partial_shows_an_expired_run_and_its_message(client: Any, planner: User) -> None:
    from django.template.loader import render_to_string

    run = ForecastRunFactory.create(
        status=ForecastRun.Status.EXPIRED, progress_total=4, progress_done=1, message="Gone."
    )
    html = render_to_string("core/_run_progress.html", {"run": run, "poll_url": "/x/", "unit": "departments"})
    assert 'data-testid="run-status">Expired<' in html
    assert "1 of 4 departments" in html
    assert 'data-testid="run-expired">Gone.<' in html
    assert "hx-get" not in html  # a finished run is not polled
    running = ForecastRunFactory.create(status=ForecastRun.Status.RUNNING, progress_total=4)
    html = render_to_string("core/_run_progress.html", {"run": running, "poll_url": "/x/"})
    assert 'hx-get="/x/" hx-trigger="every 1s"' in html
