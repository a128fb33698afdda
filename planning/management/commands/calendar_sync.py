from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from planning import calendar
from planning.services import fiscal_weeks_sync


class Command(BaseCommand):
    help = "Materialise the fiscal weeks of a range of fiscal years into the FiscalWeek table."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("first_year", type=int)
        parser.add_argument("last_year", type=int)

    def handle(self, *args: Any, first_year: int, last_year: int, **options: Any) -> None:
        if not calendar.MIN_YEAR <= first_year <= last_year <= calendar.MAX_YEAR:
            raise CommandError(
                f"Give FIRST_YEAR <= LAST_YEAR within {calendar.MIN_YEAR}..{calendar.MAX_YEAR}."
            )
        added = fiscal_weeks_sync(first_year, last_year)
        self.stdout.write(f"{added} fiscal weeks added for {first_year}-{last_year}.")
