"""Who gets the executive weekly report by e-mail (the table was created by the otb app and keeps
its name)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planning.models import FiscalWeek


class ReportSubscription(models.Model):
    """A user's subscription to the weekly report mail; `last_sent_week` makes the mail task
    safe to run twice (a week already sent is never sent again)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscription"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_week = models.ForeignKey(
        FiscalWeek, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "otb_reportsubscription"
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"{self.user_id}: {'on' if self.active else 'off'}"


def is_subscribed(user: object) -> bool:
    """Whether the signed-in user gets the weekly report mail (for the page's toggle)."""
    pk = getattr(user, "pk", None)
    return pk is not None and ReportSubscription.objects.filter(user_id=pk, active=True).exists()
