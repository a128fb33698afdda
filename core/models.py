"""Tables of the shared mechanisms. `AuditEvent` is the one audit trail of the application: every
write path records here through `core.audit.audit_record` (the high-volume plan cell history keeps
its own table, written through `core.audit.audit_record_cells`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.run_models import BackgroundRun, RunStatus  # noqa: F401 - the abstract run, re-exported

# How trails show an action ("plan.approve" -> "Approved"); the apps fill it through
# core.audit.audit_labels_register in their AppConfig.ready.
ACTION_LABELS: dict[str, str] = {}


class AuditEvent(models.Model):
    """Who did what to which row, when, from which values to which.

    `action` is "<area>.<thing>.<verb>"-ish and dotted ("plan.approve", "allocation.line.change",
    "otb.budget.create"); reads filter on it exactly or by prefix. `old`/`new` hold JSON with money
    as strings ("12.30"), so no float ever rounds an audited amount. `department_id` is copied from
    the target (or given) so that scoped reads need no join into the apps' tables; it is a plain
    integer because core imports no app."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Not auto_now_add: the data migration that gathered the old audit tables keeps their times.
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(max_length=200, blank=True, default="")
    old = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    new = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    comment = models.TextField(blank=True, default="")
    department_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # audit_for(target): one row's trail (a plan version, a run, a budget, a policy).
            models.Index(fields=["target_type", "target_id", "at"], name="core_audit_target"),
            # audit_trail(action=...): e.g. every "plan.approve", or a prefix such as "allocation.".
            models.Index(fields=["action", "at"], name="core_audit_action"),
            # audit_trail(departments=...): what a user may see of the trail, newest first.
            models.Index(fields=["department_id", "at"], name="core_audit_department"),
            models.Index(fields=["at"], name="core_audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label or self.target_id} by {self.user_id or 'system'}"

    @property
    def label(self) -> str:
        """The action as a trail shows it ("Approved"), from the labels the apps registered."""
        return ACTION_LABELS.get(self.action, self.action)
