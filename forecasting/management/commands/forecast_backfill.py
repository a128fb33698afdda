from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from forecasting import selectors, services
from forecasting.models import ForecastRun
from planning.models import FiscalWeek


class Command(BaseCommand):
    help = (
        "Forecast as of each of the last N closed weeks (and the latest), in this process, so that "
        "look-back accuracy has forecasts to compare with what happened."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--weeks", type=int, default=8, help="Closed weeks to go back (default 8).")
        parser.add_argument("--horizon", type=int, default=13)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when forecast runs exist already."
        )

    def handle(self, *args: Any, weeks: int, horizon: int, if_empty: bool, **options: Any) -> None:
        if not 0 <= weeks <= 104:
            raise CommandError("--weeks must be between 0 and 104.")
        if if_empty and ForecastRun.objects.exists():
            self.stdout.write("Forecast runs exist already: nothing to backfill.")
            return
        latest = selectors.latest_closed_week()
        as_of_weeks = list(
            FiscalWeek.objects.filter(id__lte=latest.id)
            .order_by("-id")
            .values_list("id", flat=True)[: weeks + 1]
        )[::-1]
        for week_id in as_of_weeks:
            trigger = ForecastRun.Trigger.MANUAL if week_id == latest.id else ForecastRun.Trigger.BACKFILL
            try:
                run = services.forecast_run_start(
                    user=None, as_of_week_id=week_id, horizon=horizon, trigger=trigger, dispatch=False
                )
            except services.ForecastError as error:
                raise CommandError(str(error)) from error
            run = services.forecast_run_compute(run.pk)
            self.stdout.write(
                f"Run {run.pk} as of {run.as_of_week}: {run.get_status_display().lower()}, "
                f"{run.series_count} style-colors."
            )
