"""A forecast run fans out through Redis to a real worker: one task per department, then the
chord's callback closes the run, all writing to PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from forecasting import services
from forecasting.models import ForecastRun, ForecastRunPartition, StyleColorForecast
from forecasting.tasks import forecast_run_dispatch
from planning import calendar
from planning.demo.loader import demo_load

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_run_fans_out_to_the_worker_and_the_chord_finishes_it(
    celery_worker_queue: str, settings: Any
) -> None:
    settings.MERCHPLAN_FORECAST_QUEUE = celery_worker_queue
    demo_load(
        size="small", seed=11, through=calendar.fiscal_week_of(timezone.localdate() - timedelta(days=7))
    )
    run = services.forecast_run_start(user=User.objects.get(username="admin"), horizon=6, dispatch=False)
    forecast_run_dispatch(run.pk)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.5)

    assert run.status == ForecastRun.Status.DONE
    assert run.progress_done == run.progress_total == 4
    assert set(ForecastRunPartition.objects.filter(run=run).values_list("status", flat=True)) == {"succeeded"}
    assert StyleColorForecast.objects.filter(run=run).count() == run.series_count * 6 > 0
    assert run.log.filter(message__startswith="Finished: succeeded").exists()
