"""Write paths for planning master data. One transaction each."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from planning import calendar
from planning.models import FiscalWeek


@transaction.atomic
def fiscal_weeks_sync(first_year: int, last_year: int, *, pattern: str | None = None) -> int:
    """Materialise fiscal weeks of the given fiscal years; returns how many rows were added.

    Existing weeks are left alone, so re-running is harmless and plans keep their keys.
    """
    chosen: str = pattern or settings.MERCHPLAN_CALENDAR_PATTERN
    existing = set(
        FiscalWeek.objects.filter(year__gte=first_year, year__lte=last_year).values_list("id", flat=True)
    )
    missing = [
        FiscalWeek(
            id=week.key,
            year=week.year,
            week=week.week,
            month=week.month,
            quarter=week.quarter,
            week_of_month=week.week_of_month,
            start_date=week.start,
            end_date=week.end,
        )
        for week in calendar.iter_weeks(first_year, last_year, chosen)
        if week.key not in existing
    ]
    FiscalWeek.objects.bulk_create(missing, batch_size=1000)
    return len(missing)


def fiscal_weeks_after_migrate(sender: Any, **kwargs: Any) -> None:
    """After planning's migrate (and a test database flush, which empties every table): the
    fiscal calendar its migration materialised, 2015 to 2035, if the table is empty."""
    if getattr(sender, "name", None) == "planning" and not FiscalWeek.objects.exists():
        fiscal_weeks_sync(2015, 2035)
