"""Celery tasks of planning: thin wrappers that load by id and call a service."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from planning.services import fiscal_weeks_sync as fiscal_weeks_sync_service


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def fiscal_weeks_sync(first_year: int, last_year: int) -> int:
    """Materialise fiscal weeks (idempotent: existing weeks are kept). Returns rows added."""
    return fiscal_weeks_sync_service(first_year, last_year)


@shared_task(bind=True, acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def version_recompute(self: Task[Any, Any], version_id: int, values_version: int | None = None) -> bool:
    """Recompute a plan version's lines and totals from stored inputs, reporting progress. A
    task queued for an older state of the version does nothing; running it twice is harmless."""
    from planning.plans.services import version_recompute as version_recompute_service  # noqa: PLC0415 (the services queue these tasks)

    def progress(done: int, total: int) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    return version_recompute_service(version_id, values_version=values_version, progress=progress)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def version_totals_recompute(version_id: int, values_version: int | None = None) -> bool:
    """Roll a version's lines up into its total line after an edit (idempotent)."""
    from planning.plans.services import version_totals_recompute as version_totals_recompute_service  # noqa: PLC0415 (the services queue these tasks)

    return version_totals_recompute_service(version_id, values_version=values_version)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def plans_roll() -> int:
    """Roll every plan through the last closed week (idempotent: safe to run twice)."""
    from planning.plans.in_season import roll_plans  # noqa: PLC0415 (the services queue these tasks)

    return roll_plans()
