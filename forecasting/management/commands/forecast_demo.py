from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from forecasting.demo import demo_overrides_create


class Command(BaseCommand):
    help = (
        "Give the demo retailer its forecasts: look-back runs for the last weeks, the current run, "
        "and a few planner overrides (demo data, marked as such)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--weeks", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, weeks: int, seed: int, **options: Any) -> None:
        if not getattr(settings, "MERCHPLAN_DEMO_ALLOWED", False):
            raise CommandError("Demo data is not allowed with these settings.")
        call_command("forecast_backfill", weeks=weeks, if_empty=True, stdout=self.stdout)
        created = demo_overrides_create(seed=seed)
        self.stdout.write(f"{created} demo overrides.")
