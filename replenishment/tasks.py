"""Celery tasks: a replenishment run, and the nightly recompute for every department."""

from __future__ import annotations

from celery import shared_task

from planning.models import Department


@shared_task(queue="default")
def replenishment_run(run_id: int) -> str:
    from replenishment.runs import execute

    return str(execute(run_id).status)


@shared_task(queue="default")
def replenishment_nightly() -> int:
    """Every department with vendor terms, recomputed from last night's stock and forecasts."""
    from replenishment.runs import start_run

    departments = list(Department.objects.values_list("pk", flat=True))
    return start_run(user=None, department_ids=departments).pk if departments else 0
