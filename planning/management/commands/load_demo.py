"""`manage.py load_demo --size small|medium|large --seed N`: the demo retailer, deterministic per seed."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from planning import calendar, clock
from planning.demo.generator import PRESETS
from planning.demo.loader import DEMO_PASSWORD, DEMO_USERS, demo_delete, demo_exists, demo_load
from planning.selectors import company_figures


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Load the demo retailer: master data, 2+ years of weekly sales and stock, demo users. "
        "Sizes: small (tests), medium (the demo), large (benchmarks, use PostgreSQL)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Validated in handle() so that a bad value gives one line and exit code 2.
        parser.add_argument("--size", default="small", help=f"one of {', '.join(PRESETS)} (default small)")
        parser.add_argument("--seed", default="42", help="a non-negative integer (default 42)")
        parser.add_argument(
            "--through",
            default=None,
            help="last week of history as a date YYYY-MM-DD (default: the last closed fiscal week)",
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete existing master data and history first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size, seed, through = self._parse(options)
        if not settings.MERCHPLAN_DEMO_ALLOWED:
            raise _fail(
                "load_demo is disabled in these settings (MERCHPLAN_DEMO_ALLOWED is off in production)."
            )
        if demo_exists():
            if not options["replace"]:
                latest = company_figures()["last_week"] or "no sales history"
                self.stdout.write(
                    f"Demo retailer already loaded (sales through {latest}); keeping it. "
                    f"Use --replace to reload it through {through}."
                )
                return
            demo_delete()
        if size == "large" and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            self.stderr.write(
                "Note: the large retailer is meant for PostgreSQL (COPY); on SQLite it is slow."
            )
        started = time.perf_counter()
        with tqdm(
            total=PRESETS[size].style_colors,
            unit=" style-colors",
            desc=f"Loading {size} demo",
            disable=options["verbosity"] == 0 or None,
        ) as bar:
            summary = demo_load(size=size, seed=seed, through=through, progress=bar.update)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the {size} demo retailer (seed {seed}) in {elapsed:.1f} s: "
                f"{summary.style_colors:,} style-colors, {summary.skus:,} SKUs, "
                f"{summary.locations:,} locations, "
                f"{summary.sales_rows:,} sales rows and {summary.stock_rows:,} stock rows, "
                f"{summary.first_week} to {summary.last_week}."
            )
        )
        logins = ", ".join(f"{username} ({role.lower()})" for username, role, _, _ in DEMO_USERS)
        self.stdout.write(f"Demo logins: {logins}; password '{DEMO_PASSWORD}'.")

    def _parse(self, options: dict[str, Any]) -> tuple[str, int, calendar.FiscalWeek]:
        size = options["size"]
        if size not in PRESETS:
            raise _fail(f"--size must be one of {', '.join(PRESETS)}, not {size!r}.")
        try:
            seed = int(options["seed"])
        except ValueError:
            raise _fail(f"--seed must be a non-negative integer, not {options['seed']!r}.") from None
        if seed < 0:
            raise _fail(f"--seed must be a non-negative integer, not {seed}.")
        pattern = settings.MERCHPLAN_CALENDAR_PATTERN
        if options["through"]:
            try:
                through_date = date.fromisoformat(options["through"])
            except ValueError:
                raise _fail(f"--through must be a date YYYY-MM-DD, not {options['through']!r}.") from None
            return size, seed, calendar.fiscal_week_of(through_date, pattern)
        current = calendar.fiscal_week_of(clock.today(), pattern)
        return size, seed, calendar.add_weeks(current, -1, pattern)
