"""The fiscal calendar materialised as a table, so SQL can join and group by fiscal periods.

Rows come from `planning.calendar` (the source of truth) via `fiscal_weeks_sync`.
"""

from django.db import models


class FiscalWeek(models.Model):
    # The key year*100+week (202401) is the primary key: readable in SQL, sortable, stable.
    id = models.PositiveIntegerField(primary_key=True)
    year = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    week_of_month = models.PositiveSmallIntegerField()
    start_date = models.DateField(unique=True)
    end_date = models.DateField(unique=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "week"], name="fiscalweek_year_week_unique"),
            models.CheckConstraint(
                condition=models.Q(week__gte=1, week__lte=53), name="fiscalweek_week_range"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="fiscalweek_month_range"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="fiscalweek_quarter_range"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="fiscalweek_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["year", "month"], name="fiscalweek_year_month")]

    def __str__(self) -> str:
        return f"FY{self.year} W{self.week:02d}"
