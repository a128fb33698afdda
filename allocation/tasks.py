"""Celery tasks: computing an allocation run (progress on the run row)."""

from __future__ import annotations

from celery import shared_task

from allocation.run_compute import execute


@shared_task(queue="allocate")
def allocation_run(run_id: int) -> str:
    return str(execute(run_id).status)
