"""Materialise fiscal weeks 2015-2035 from planning.calendar (extend with `manage.py calendar_sync`)."""

from django.conf import settings
from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2015, 2035


def load_weeks(apps, schema_editor):  # type: ignore[no-untyped-def]
    from planning import calendar

    fiscal_week = apps.get_model("planning", "FiscalWeek")
    existing = set(fiscal_week.objects.values_list("id", flat=True))
    fiscal_week.objects.bulk_create(
        [
            fiscal_week(
                id=week.key,
                year=week.year,
                week=week.week,
                month=week.month,
                quarter=week.quarter,
                week_of_month=week.week_of_month,
                start_date=week.start,
                end_date=week.end,
            )
            for week in calendar.iter_weeks(FIRST_YEAR, LAST_YEAR, settings.MERCHPLAN_CALENDAR_PATTERN)
            if week.key not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]
    operations = [migrations.RunPython(load_weeks, migrations.RunPython.noop)]
