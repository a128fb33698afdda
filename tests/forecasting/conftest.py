"""Fixtures for forecasting: the small demo retailer up to the last closed week, and a way to
start a run whose chord executes (Celery is eager in tests; on_commit callbacks are captured)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from forecasting import services
from forecasting.models import ForecastRun
from planning import calendar
from planning.demo.loader import demo_load


@pytest.fixture
def demo(db: None, pinned_clock: date) -> None:
    """The small demo through the last closed week before the test's (pinned) today."""
    last_closed = calendar.fiscal_week_of(pinned_clock - timedelta(days=7))
    demo_load(size="small", seed=5, through=last_closed)


@pytest.fixture
def start_run(django_capture_on_commit_callbacks: Any) -> Callable[..., ForecastRun]:
    def start(**kwargs: Any) -> ForecastRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = services.forecast_run_start(**kwargs)
        run.refresh_from_db()
        return run

    return start
