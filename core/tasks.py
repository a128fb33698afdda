"""Celery tasks of the shared mechanisms."""

from __future__ import annotations

from celery import shared_task

from core.runs import runs_expire


@shared_task(acks_late=True)
def expire_lost_runs() -> dict[str, list[int]]:
    """Beat: mark expired the runs of every registered model that a lost worker left queued or
    running (no heartbeat for MERCHPLAN_RUN_STALE_MINUTES). Idempotent."""
    return runs_expire()
