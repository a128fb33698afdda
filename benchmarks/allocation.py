"""Benchmark: allocation on 1,000 SKUs x 1,000 stores, with packs and caps.

Goals (from the allocation issue): the engine alone under 1 s, and a whole run (reading stock,
forecasts and the policy matrix, the engine, writing every SKU x store line of the preview)
under 5 s on this 2-core machine. Prints stores x SKUs per second for both.

1. `engine`: synthetic, seeded inputs (not timed): store needs from a Poisson spread around a
   store-size factor (grade A stores sell about three times what C stores do), supply covering
   30-120% of the need per SKU so most SKUs are short, packs of 1, 3, 6 or 12, store caps of
   5-40 units, a presentation minimum of 2, three priority tiers and a 5% holdback. Checks:
   whole packs, never over the supply or a cap.
2. `run`: a scratch PostgreSQL database (`merchplan_alloc_bench` on DATABASE_URL's server) with
   200 style-colors x 5 sizes, one DC supplying 1,000 stores (a third with a capacity), half the
   SKU x store pairs holding 0-3 units, DC stock covering 30-120% of the need, a forecast for
   every style-color and a size curve; store shares from a year of class sales per store. Then
   `allocation.runs.execute` on a run of every style-color (packs of 2, 5% holdback), timed by
   stage (inputs, engine, write). Set-up time is printed apart, not counted.

Usage: python benchmarks/allocation.py [engine|run] [--skus 1000] [--stores 1000] [--repeats 3]
(both by default; `run` needs DATABASE_URL=postgresql://...)
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from allocation.engine import allocate

GOAL_SECONDS = 1.0
RUN_GOAL_SECONDS = 5.0
DATABASE = "merchplan_alloc_bench"


def bench_engine(args: argparse.Namespace) -> bool:
    rng = np.random.default_rng(args.seed)
    size = rng.choice([3.0, 2.0, 1.0], args.stores, p=[0.2, 0.5, 0.3])
    need = rng.poisson(np.outer(rng.gamma(2.0, 2.0, args.skus), size)).astype(np.float64)
    available = np.floor(need.sum(axis=1) * rng.uniform(0.3, 1.2, args.skus))
    packs = rng.choice([1, 3, 6, 12], args.skus)
    caps = rng.integers(5, 41, args.stores).astype(np.float64)
    priority = rng.integers(1, 4, args.stores)
    timings = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = allocate(
            need,
            available,
            pack_size=packs,
            store_max=caps,
            presentation_min=np.full(args.stores, 2.0),
            priority=priority,
            holdback=0.05,
        )
        timings.append(time.perf_counter() - started)
    cells = args.skus * args.stores
    best = min(timings)
    whole_packs = bool(np.all(result.allocated % packs[:, None] == 0))
    within_supply = bool(np.all(result.allocated.sum(axis=1) <= result.allocatable))
    within_caps = bool(np.all(result.allocated <= caps))
    short = float(np.mean(result.allocatable < np.ceil(need / packs[:, None]).sum(axis=1) * packs))
    print(f"allocate: {args.skus} SKUs x {args.stores} stores, packs and caps, 3 tiers, 5% holdback")
    print("seconds per repeat: " + ", ".join(f"{seconds:.3f}" for seconds in timings))
    print(f"stores x SKUs per second: {cells / best:,.0f} (best repeat)")
    print(f"SKUs in short supply: {short:.0%}; units allocated {int(result.allocated.sum()):,}")
    print(f"checks: whole packs {whole_packs}, within supply {within_supply}, within caps {within_caps}")
    is_ok = max(timings) < GOAL_SECONDS and whole_packs and within_supply and within_caps
    print(f"{'OK' if is_ok else 'SLOW or WRONG'}: goal < {GOAL_SECONDS:.0f} s for the engine")
    return is_ok


# -- 2. a whole run on PostgreSQL ---------------------------------------------------------------


def _database_urls() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database).")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{DATABASE}")), urlunsplit(parts._replace(path="/postgres"))


def bench_run(args: argparse.Namespace) -> bool:
    url, admin = _database_urls()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"], check=True)  # noqa: S603, S607
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {DATABASE}"], check=True)  # noqa: S603, S607
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    started = time.perf_counter()
    run_id = _set_up(args)
    print(f"run: set-up {time.perf_counter() - started:.1f} s (not timed)")
    return _time_run(run_id, args)


def _copy(model: Any, columns: list[str], rows: np.ndarray) -> None:
    from django.db import connection

    buffer = io.StringIO()
    np.savetxt(buffer, rows, fmt="%d", delimiter="\t")
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(buffer.getvalue())


def _set_up(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from django.contrib.auth.models import User

    from allocation.models import AllocationRun
    from forecasting.models import ForecastRun, SizeShare, StyleColorForecast
    from forecasting.selectors import latest_closed_week, weeks_after, weeks_up_to
    from planning.models import (
        Channel,
        Department,
        Division,
        Location,
        MerchClass,
        Region,
        SalesHistory,
        Sku,
        StockPosition,
        Style,
        StyleColor,
        Subclass,
    )

    rng = np.random.default_rng(args.seed)
    styles_count, sizes = args.skus // 5, 5
    user = User.objects.create_user("bench.planner", is_superuser=True)
    department = Department.objects.create(
        code="B01", name="Bench", division=Division.objects.create(code="B", name="Bench")
    )
    department.planners.add(user)
    merch_class = MerchClass.objects.create(code="B01-01", name="Tees", department=department)
    subclass = Subclass.objects.create(code="B01-01-1", name="Crew", merch_class=merch_class)
    styles = Style.objects.bulk_create(
        Style(code=f"BS{i:04d}", name=f"Style {i}", subclass=subclass) for i in range(styles_count)
    )
    colors = StyleColor.objects.bulk_create(
        StyleColor(
            style=style,
            code=f"{style.code}-BLK",
            color_code="BLK",
            color_name="Black",
            retail_price=Decimal("30.00"),
            unit_cost=Decimal("12.00"),
        )
        for style in styles
    )
    skus = Sku.objects.bulk_create(
        Sku(style_color=color, code=f"{color.code}-{size}", size=str(size), size_order=size)
        for color in colors
        for size in range(sizes)
    )
    channel = Channel.objects.create(code="STORES", name="Stores", kind=Channel.Kind.STORES)
    region = Region.objects.create(code="ALL", name="All", channel=channel)
    dc = Location.objects.create(code="DC1", name="DC", kind=Location.Kind.DC)
    grades = rng.choice(["A", "B", "C"], args.stores, p=[0.2, 0.5, 0.3])
    stores = Location.objects.bulk_create(
        Location(
            code=f"S{i:04d}",
            name=f"Store {i}",
            kind=Location.Kind.STORE,
            channel=channel,
            region=region,
            grade=grade,
            cluster=["Urban", "Mall", "Outlet"][i % 3],
            supplied_by=dc,
            capacity_units=int(rng.integers(1500, 4000)) if i % 3 == 0 else None,
        )
        for i, grade in enumerate(grades)
    )
    as_of = latest_closed_week()
    # A year of class sales per store sets the store shares (grade A about three times grade C).
    size_factor = np.select([grades == "A", grades == "B"], [3.0, 2.0], 1.0)
    history = weeks_up_to(as_of, 13)
    SalesHistory.objects.bulk_create(
        SalesHistory(
            sku=skus[0],
            location=store,
            fiscal_week=week,
            units=int(10 * factor),
            retail_value=Decimal(300) * Decimal(factor),
            cost_value=Decimal(120) * Decimal(factor),
        )
        for store, factor in zip(stores, size_factor, strict=True)
        for week in history[-2:]
    )
    forecast = ForecastRun.objects.create(
        as_of_week=as_of, horizon=13, status=ForecastRun.Status.DONE, created_by=user
    )
    forecast.departments.add(department)
    weekly = rng.gamma(2.0, 400.0, styles_count)  # units a week of each style-color, all stores
    StyleColorForecast.objects.bulk_create(
        StyleColorForecast(
            run=forecast,
            style_color=color,
            fiscal_week=week,
            units=Decimal(f"{units:.2f}"),
            lower=Decimal(f"{units * 0.7:.2f}"),
            upper=Decimal(f"{units * 1.3:.2f}"),
        )
        for color, units in zip(colors, weekly, strict=True)
        for week in weeks_after(as_of, 3)
    )
    curve = np.array([0.1, 0.25, 0.3, 0.25, 0.1])
    SizeShare.objects.bulk_create(
        SizeShare(run=forecast, sku=sku, share=Decimal(str(curve[index % sizes])))
        for index, sku in enumerate(skus)
    )
    sku_ids = np.array([sku.pk for sku in skus])
    store_ids = np.array([store.pk for store in stores])
    held = rng.random((len(skus), len(stores))) < 0.5
    rows_sku, rows_store = np.nonzero(held)
    stock_rows = np.column_stack(
        [
            sku_ids[rows_sku],
            store_ids[rows_store],
            np.full(len(rows_sku), as_of.pk),
            rng.integers(0, 4, len(rows_sku)),
            np.zeros(len(rows_sku), dtype=np.int64),
        ]
    )
    _copy(StockPosition, ["sku_id", "location_id", "fiscal_week_id", "on_hand", "in_transit"], stock_rows)
    need = np.repeat(weekly * 2, sizes) * np.tile(curve, styles_count)
    dc_rows = np.column_stack(
        [
            sku_ids,
            np.full(len(skus), dc.pk),
            np.full(len(skus), as_of.pk),
            np.floor(need * rng.uniform(0.3, 1.2, len(skus))).astype(np.int64),
            np.zeros(len(skus), dtype=np.int64),
        ]
    )
    _copy(StockPosition, ["sku_id", "location_id", "fiscal_week_id", "on_hand", "in_transit"], dc_rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    run = AllocationRun.objects.create(
        department=department,
        dc=dc,
        as_of=as_of,
        created_by=user,
        pack_size=2,
        holdback=Decimal("0.05"),
        name="Benchmark",
    )
    run.style_colors.set(colors)
    return run.pk


def _time_run(run_id: int, args: argparse.Namespace) -> bool:
    from django.db.models import F, Sum

    from allocation import run_compute as runs
    from allocation.inputs import gather
    from allocation.models import AllocationItem, AllocationLine, AllocationRun

    run = AllocationRun.objects.select_related("dc", "as_of").get(pk=run_id)
    started = time.perf_counter()
    run.status = AllocationRun.Status.RUNNING
    run.save(update_fields=["status"])
    inputs = gather(run)
    read = time.perf_counter()
    results = runs._compute(run, inputs, lambda done, total=None, message="": None)
    computed = time.perf_counter()
    runs._write(run, inputs, results)
    written = time.perf_counter()
    run.refresh_from_db()
    total = written - started
    cells = len(inputs.sku_ids) * len(inputs.store_ids)
    lines = AllocationLine.objects.filter(run=run).count()
    over_supply = AllocationItem.objects.filter(run=run, allocated__gt=F("allocatable")).count()
    odd_packs = AllocationLine.objects.filter(run=run).exclude(allocated=F("allocated") / 2 * 2).count()
    over_cap = AllocationLine.objects.filter(run=run, cap__isnull=False, allocated__gt=F("cap")).count()
    totals = AllocationItem.objects.filter(run=run).aggregate(need=Sum("need"), allocated=Sum("allocated"))
    print(f"run: {len(inputs.sku_ids)} SKUs x {len(inputs.store_ids)} stores, packs of 2, 5% holdback, caps")
    print(
        f"  inputs {read - started:.2f} s, engine {computed - read:.2f} s, write {written - computed:.2f} s "
        f"({lines:,} lines): {total:.2f} s in all; status {run.status}"
    )
    print(f"  stores x SKUs per second: {cells / total:,.0f}")
    print(f"  units: need {totals['need']:,}, allocated {totals['allocated']:,}")
    print(f"  checks: over supply {over_supply}, odd packs {odd_packs}, over cap {over_cap} (all must be 0)")
    is_ok = (
        total < RUN_GOAL_SECONDS
        and run.status == AllocationRun.Status.PREVIEW
        and not (over_supply or odd_packs or over_cap)
    )
    print(f"{'OK' if is_ok else 'SLOW or WRONG'}: goal < {RUN_GOAL_SECONDS:.0f} s for a whole run")
    return is_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["engine", "run"])
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    results = []
    if args.mode in (None, "engine"):
        results.append(bench_engine(args))
    if args.mode in (None, "run"):
        results.append(bench_run(args))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
