"""The abstract background run: the state every long job a worker computes keeps on its row.

A run is queued by a service, computed by a Celery task through `core.runs.run_execute`, and
read by a page that polls `templates/core/_run_progress.html`. `heartbeat_at` moves with every
progress report, so the beat task `core.tasks.expire_lost_runs` can tell a run a lost worker
left (no heartbeat for MERCHPLAN_RUN_STALE_MINUTES) from one that is still being computed.

An app may widen `status` with states of its own that come after the computation (an
allocation's preview, released and cancelled; a forecast's partly failed): it redeclares the
field with choices that keep the five below, and names the one a finished computation takes in
`DONE_STATUS`.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


def run_status_field(choices: type[models.TextChoices] = RunStatus) -> models.CharField[str, str]:
    """The status column, for the base and for a model that widens its choices."""
    return models.CharField(max_length=16, choices=choices.choices, default=RunStatus.QUEUED)


class BackgroundRun(models.Model):
    status = run_status_field()
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker computing the run."
    )

    # The states in which a worker is (or should be) on the run; expiry looks only at these.
    ACTIVE_STATUSES: ClassVar[tuple[str, ...]] = (RunStatus.QUEUED, RunStatus.RUNNING)
    # The state a computation that went through takes (an app may name its own).
    DONE_STATUS: ClassVar[str] = RunStatus.DONE

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return not self.is_active

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    def run_expired(self) -> None:
        """Called (in the expiring transaction) once the run is marked expired: a model whose
        run has parts of its own closes them here. Nothing by default."""
