"""The application's today: every "which fiscal week are we in" question asks here.

Unset, today is the local date in `TIME_ZONE`. `MERCHPLAN_TODAY` (YYYY-MM-DD, development and
test settings only; production refuses it) runs the app as of that date: a demo or training
copy shown as of its last loaded week, or a Celery worker that follows a test's pinned clock.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    pinned: date | None = getattr(settings, "MERCHPLAN_TODAY", None)
    return pinned if pinned is not None else timezone.localdate()
