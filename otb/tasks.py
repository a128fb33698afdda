"""Celery finds the otb app's tasks here (autodiscovery looks for <app>.tasks)."""

from replenishment.tasks import replenishment_nightly, replenishment_run

__all__ = ["replenishment_nightly", "replenishment_run"]
