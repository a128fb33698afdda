"""A task goes through Redis to a real worker process, which writes to PostgreSQL."""

from __future__ import annotations

import pytest
from django.test import Client

from planning import calendar
from planning.models import FiscalWeek
from planning.tasks import fiscal_weeks_sync

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_task_runs_on_a_real_worker_through_redis(celery_worker_queue: str) -> None:
    # 2040 is beyond the weeks the migration materialises (2015-2035) and has 53 weeks.
    assert calendar.fiscal_year(2040).week_count == 53
    assert not FiscalWeek.objects.filter(year=2040).exists()

    result = fiscal_weeks_sync.apply_async(args=(2040, 2040), queue=celery_worker_queue)

    assert result.get(timeout=60) == 53
    weeks = FiscalWeek.objects.filter(year=2040).order_by("id")
    assert weeks.count() == 53
    assert str(weeks.first().start_date) == "2040-01-29"  # type: ignore[union-attr]
    assert str(weeks.last().end_date) == "2041-02-02"  # type: ignore[union-attr]
    # Idempotent: running it again adds nothing.
    assert fiscal_weeks_sync.apply_async(args=(2040, 2040), queue=celery_worker_queue).get(timeout=60) == 0
    assert FiscalWeek.objects.filter(year=2040).count() == 53


def test_healthz_reports_the_real_broker_and_database(celery_worker_queue: str) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True, "vendor": "postgresql", "ms": body["database"]["ms"]}
    assert body["broker"]["mode"] == "redis"
    assert body["broker"]["ok"] is True
