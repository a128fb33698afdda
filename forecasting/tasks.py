"""Celery tasks of forecasting: a run fans out one task per department, then a chord closes it."""

from __future__ import annotations

import logging

from celery import chord, shared_task
from django.conf import settings

from forecasting import services
from forecasting.models import ForecastRunPartition

logger = logging.getLogger(__name__)


def forecast_run_dispatch(run_id: int, *, queue: str | None = None) -> None:
    """Queue a run's partitions as a group whose chord callback finishes the run."""
    queue = queue or settings.MERCHPLAN_FORECAST_QUEUE
    partition_ids = list(
        ForecastRunPartition.objects.filter(run_id=run_id).order_by("id").values_list("id", flat=True)
    )
    header = [forecast_partition_compute.si(partition_id).set(queue=queue) for partition_id in partition_ids]
    if not header:
        forecast_run_finish.apply_async(args=(run_id,), queue=queue)
        return
    chord(header)(forecast_run_finish.si(run_id).set(queue=queue))


@shared_task(acks_late=True)
def forecast_partition_compute(partition_id: int) -> int:
    """Forecast one department. A failure is recorded on the partition instead of raised, so
    the chord still closes the run (as partly failed) and the other departments keep theirs."""
    try:
        return services.forecast_partition_compute(partition_id).series
    except Exception as error:
        logger.exception("forecast partition %s failed", partition_id)
        services.forecast_partition_fail(partition_id, f"{type(error).__name__}: {error}")
        return 0


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def forecast_run_finish(run_id: int) -> str:
    return services.forecast_run_finish(run_id).status


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def forecast_run_scheduled() -> int | None:
    """Beat's weekly run; does nothing if this week's scheduled run exists already."""
    run = services.forecast_run_scheduled()
    return run.pk if run else None
