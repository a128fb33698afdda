"""Celery tasks: a replenishment run, and the nightly recompute for every department."""

from __future__ import annotations

from celery import shared_task

from planning.models import Department
from replenishment import runs  # runs imports this module back: it queues replenishment_run


@shared_task(queue="default")
def replenishment_run(run_id: int) -> str:
    return str(runs.execute(run_id).status)


@shared_task(queue="default")
def replenishment_nightly() -> int:
    """Every department with vendor terms, recomputed from last night's stock and forecasts."""
    departments = list(Department.objects.values_list("pk", flat=True))
    return runs.start_run(user=None, department_ids=departments).pk if departments else 0
