"""Benchmark: recompute and persist a 10,000-line x 52-week plan version (goal: < 10 s on PostgreSQL).

Builds a scratch PostgreSQL database `merchplan_bench_plan` (created, migrated and dropped here)
with one plan version of N class lines x 52 weeks of synthetic entered values (setup is not
timed), then measures:

* the pieces, in-process, each in a transaction that is rolled back: read (`_load_block`),
  engine (`run_engine` for the lines and the total), convert (engine floats -> the Decimal
  column values stored) and write, once with the plain `bulk_update` path and once with
  `planning.plans.bulk_write.write_columns`;
* end to end, `planning.tasks.version_recompute` through a real Celery worker when REDIS_URL is
  set (else the service called directly, and said so), with services.py as it stands.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/merchplan [REDIS_URL=redis://127.0.0.1:6379/0] \
       python benchmarks/recompute_plan.py [--lines 10000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 10.0
SCRATCH = "merchplan_bench_plan"
WEEKS = 52
YEAR = 2026


def _psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-qc", sql], check=True)  # noqa: S603, S607


def scratch_database(database_url: str) -> tuple[str, str]:
    """(url of the scratch database, url of the maintenance database), the scratch one fresh."""
    parts = urlsplit(database_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    _psql(admin, f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    _psql(admin, f"CREATE DATABASE {SCRATCH}")
    return urlunsplit(parts._replace(path=f"/{SCRATCH}")), admin


def migrate(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


# --- synthetic plan ---------------------------------------------------------------------------
def build_version(lines: int, seed: int = 42) -> int:
    """One plan version of `lines` class lines (mixed methods) plus its total line, all 52
    weeks, entered values realistic and derived values zero (as freshly loaded). Returns its id."""
    import numpy as np
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from planning.models import (
        Department,
        Division,
        FiscalWeek,
        MerchClass,
        Plan,
        PlanLine,
        PlanVersion,
    )

    rng = np.random.default_rng(seed)
    week_ids = list(FiscalWeek.objects.filter(year=YEAR).order_by("id").values_list("id", flat=True))[:WEEKS]
    methods = rng.choice(
        ["fwos", "wos", "ssr", "sell_through", "turn", "receipts"],
        size=lines,
        p=[0.7, 0.1, 0.05, 0.05, 0.05, 0.05],
    )
    base = rng.lognormal(mean=np.log(4000), sigma=0.8, size=(lines, 1))
    season = 1 + 0.35 * np.sin(np.linspace(0, 2 * np.pi, WEEKS, endpoint=False) - 1.2)
    sales = np.round(base * season * rng.uniform(0.8, 1.2, size=(lines, WEEKS)), 2)
    units = np.round(sales / rng.uniform(15, 60, size=(lines, 1)))
    markdowns = np.round(sales * rng.uniform(0.03, 0.15, size=(lines, WEEKS)), 2)
    shrink = np.round(sales * 0.01, 2)
    on_order = np.where(np.arange(WEEKS) < 8, np.round(sales * 1.1, 2), 0.0)
    targets = np.select(
        [methods[:, None] == m for m in ("fwos", "wos", "ssr", "sell_through")],
        [
            np.round(rng.uniform(3, 8, size=(lines, WEEKS)), 1),
            np.round(rng.uniform(3, 8, size=(lines, WEEKS)), 1),
            np.round(rng.uniform(2, 6, size=(lines, WEEKS)), 2),
            np.round(rng.uniform(0.1, 0.4, size=(lines, WEEKS)), 3),
        ],
        default=np.nan,
    )
    receipts = np.where(methods[:, None] == "receipts", np.round(sales * rng.uniform(0.9, 1.2), 2), 0.0)
    opening = np.round(base[:, 0] * 6, 2)
    with transaction.atomic():
        user = User.objects.create_user("bench.planner")
        division = Division.objects.create(code="BENCH", name="Benchmark")
        department = Department.objects.create(code="BENCH-D", name="Benchmark", division=division)
        classes = MerchClass.objects.bulk_create(
            [MerchClass(code=f"BENCH-{i:05d}", name=f"Class {i}", department=department) for i in range(lines)],
            batch_size=2000,
        )
        plan = Plan.objects.create(
            name="Benchmark plan",
            department=department,
            first_week_id=week_ids[0],
            last_week_id=week_ids[-1],
            created_by=user,
        )
        version = PlanVersion.objects.create(plan=plan, kind="wp", name="Working plan", created_by=user)
        plan_lines = PlanLine.objects.bulk_create(
            [PlanLine(version=version, merch_class=None, position=0, method="receipts")]
            + [
                PlanLine(
                    version=version,
                    merch_class=merch_class,
                    position=i + 1,
                    method=str(methods[i]),
                    turn=f"{rng.uniform(2, 6):.3f}" if methods[i] == "turn" else None,
                    opening_stock=f"{opening[i]:.2f}",
                )
                for i, merch_class in enumerate(classes)
            ],
            batch_size=2000,
        )
        now = timezone.now()
        columns = (
            "line_id, fiscal_week_id, period, sales, sales_units, markdowns, shrink, on_order, target, "
            "receipts_entered, bop, eop, receipts, otb, row_version, updated_by_id, updated_at"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY planning_planweek ({columns}) FROM STDIN"
        ) as copy:
            for period, week_id in enumerate(week_ids):  # the total line: rolled up by the recompute
                copy.write_row((plan_lines[0].pk, week_id, period, 0, 0, 0, 0, 0, None, 0, 0, 0, 0, 0, 1, None, now))
            for i, line in enumerate(plan_lines[1:]):
                for period, week_id in enumerate(week_ids):
                    target = targets[i, period]
                    copy.write_row(
                        (
                            line.pk, week_id, period,
                            f"{sales[i, period]:.2f}", int(units[i, period]), f"{markdowns[i, period]:.2f}",
                            f"{shrink[i, period]:.2f}", f"{on_order[i, period]:.2f}",
                            None if np.isnan(target) else f"{target:.3f}", f"{receipts[i, period]:.2f}",
                            0, 0, 0, 0, 1, user.pk, now,
                        )
                    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE planning_planweek")
        cursor.execute("VACUUM ANALYZE planning_planline")
    return version.pk
