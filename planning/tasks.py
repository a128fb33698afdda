"""Celery tasks of planning: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task

from planning.services import fiscal_weeks_sync as fiscal_weeks_sync_service


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def fiscal_weeks_sync(first_year: int, last_year: int) -> int:
    """Materialise fiscal weeks (idempotent: existing weeks are kept). Returns rows added."""
    return fiscal_weeks_sync_service(first_year, last_year)
