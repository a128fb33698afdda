"""Benchmark: the OTB page and the purchase order OTB check.

1. `page`: the OTB page (all departments x the 12 fiscal months) of the medium demo renders in
   under 1 s server time. Runs on a copy of a SQLite database that has the medium demo loaded
   (MERCHPLAN_VAR_DIR, default /tmp/benchdb: `MERCHPLAN_VAR_DIR=/tmp/benchdb manage.py load_demo
   --size medium`); the copy gets an approved budget per department x month and 3,000 purchase
   order lines, then the page is requested through Django's test client (timed in-process).
2. `check`: checking a purchase order line against OTB stays under 50 ms p95 with 20 concurrent
   requests on PostgreSQL. 20 buyers (worker processes, like a server's) each place 25 orders
   of one line through `purchase_order_create`, all in one department and the same months (the
   worst case for the locks); the budget fits about three quarters of them, the rest are
   refused. The check is the month's commitment upsert (`otb.ledger.commit`): waiting for the
   buyers ahead, adding the order, reading the total back. The whole order around it
   (validation, writes, check, commit) is printed too. Runs in a scratch database it creates
   (`merchplan_otb_bench` on DATABASE_URL's server).

Usage: python benchmarks/otb.py [page|check]   (both by default; `check` needs DATABASE_URL;
OTB_BENCH_THREADS=1 times it without concurrency; OTB_BENCH_MODE=threads runs the buyers as
threads of one process, sharing its GIL; OTB_BENCH_DEPARTMENTS=20 gives each its own department)
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PAGE_GOAL_SECONDS = 1.0
CHECK_GOAL_MS = 50.0
THREADS = int(os.environ.get("OTB_BENCH_THREADS", "20"))
ORDERS_PER_THREAD = 500 // THREADS
PO_LINES = 3000
DATABASE = "merchplan_otb_bench"


def _setup_django(env: dict[str, str]) -> None:
    # The scratch directory has no collected static files: irrelevant to the timings.
    warnings.filterwarnings("ignore", message="No directory at")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- 1. the OTB page ----------------------------------------------------------------------


def bench_page() -> bool:
    source = Path(os.environ.get("MERCHPLAN_VAR_DIR", "/tmp/benchdb")) / "merchplan.sqlite3"  # noqa: S108
    if not source.exists():
        sys.exit(f"No demo database at {source}: load one with `manage.py load_demo --size medium`.")
    scratch = Path(tempfile.mkdtemp(prefix="otb-bench-"))
    try:
        shutil.copy(source, scratch / "merchplan.sqlite3")
        env = {"MERCHPLAN_VAR_DIR": str(scratch), "DATABASE_URL": "", "DEBUG": "0"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
            check=True,
        )
        _setup_django(env)
        return _time_page()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _time_page() -> bool:
    import random
    from decimal import Decimal

    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, PurchaseOrderLine, Vendor
    from otb.page_rows import fiscal_month_keys
    from planning.models import Department, FiscalWeek, Location, Sku
    from planning.selectors import current_fiscal_year

    year = current_fiscal_year()
    keys = fiscal_month_keys(year)
    user = User.objects.filter(is_superuser=True).first() or User.objects.get(username="executive")
    departments = list(Department.objects.order_by("pk"))
    started = time.perf_counter()
    budgets = OTBBudget.objects.bulk_create(
        OTBBudget(
            department=department,
            fiscal_year=year,
            number=90,
            status=OTBBudget.Status.APPROVED,
            created_by=user,
        )
        for department in departments
    )
    rng = random.Random(11)
    OTBBudgetMonth.objects.bulk_create(
        OTBBudgetMonth(
            budget=budget,
            month_key=key,
            receipts_retail=Decimal(rng.randint(50_000, 500_000)),
            receipts_cost=Decimal(rng.randint(20_000, 200_000)),
        )
        for budget in budgets
        for key in keys
    )
    vendor, _ = Vendor.objects.get_or_create(code="BENCH", defaults={"name": "Bench vendor"})
    orders = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"BENCH-{department.pk}-{index}",
            vendor=vendor,
            department=department,
            status=PurchaseOrder.Status.RELEASED,
            created_by=user,
            created_at=timezone.now(),
        )
        for department in departments
        for index in range(10)
    )
    skus = list(Sku.objects.values_list("pk", flat=True)[:500])
    location = Location.objects.order_by("pk").first()
    weeks = list(FiscalWeek.objects.filter(year=year))
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            order=rng.choice(orders),
            sku_id=rng.choice(skus),
            location=location,
            units=(units := rng.randint(10, 500)),
            received_units=rng.choice([0, 0, 0, units // 2]),
            unit_cost=Decimal("12.00"),
            unit_retail=Decimal("30.00"),
            receipt_week=(week := rng.choice(weeks)),
            month_key=week.year * 100 + week.month,
        )
        for _ in range(PO_LINES)
    )
    print(
        f"  set-up: {len(departments)} departments x {len(keys)} months of approved budget, "
        f"{PO_LINES:,} PO lines in {time.perf_counter() - started:.1f} s"
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/otb/?year={year}"
    client.get(url)  # warm the templates
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"The OTB page answered {response.status_code}.")
    cells = response.content.decode().count('data-testid="cell-')
    median, worst = statistics.median(timings), max(timings)
    ok = worst < PAGE_GOAL_SECONDS
    print(
        f"OTB page: {len(departments)} departments x {len(keys)} months ({cells:,} cells): "
        f"median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms over 7 requests "
        f"(goal < {PAGE_GOAL_SECONDS * 1000:.0f} ms): {'OK' if ok else 'SLOW'}"
    )
    return ok


# -- 2. the OTB check under concurrency ---------------------------------------------------


def bench_check() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database).")
    parts = urlsplit(url)
    scratch = urlunsplit(parts._replace(path=f"/{DATABASE}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"], check=True)  # noqa: S603, S607
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {DATABASE}"], check=True)  # noqa: S603, S607
    env = {"DATABASE_URL": scratch, "DEBUG": "0", "DB_CONN_MAX_AGE": "0"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        check=True,
    )
    _setup_django(env)
    try:
        return _time_check()
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(  # noqa: S603
            ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"],  # noqa: S607
            check=False,
        )


def _time_check() -> bool:
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.db import connection

    from forecasting import selectors as forecast_selectors
    from otb import services
    from otb.models import OTBBudget, OTBBudgetMonth, Vendor
    from otb.orders import LineRequest, purchase_order_create
    from planning.models import (
        Department,
        Division,
        Location,
        MerchClass,
        Sku,
        Style,
        StyleColor,
        Subclass,
    )

    # OTB_BENCH_DEPARTMENTS=1 (default): every buyer in one department and the same three
    # months, the worst case for the month locks; =20: each buyer in a department of its own.
    spread = int(os.environ.get("OTB_BENCH_DEPARTMENTS", "1"))
    user = User.objects.create_user("otb-bench", password="otb-bench-password-1")  # noqa: S106
    user.groups.add(Group.objects.get(name="Planner"))
    division = Division.objects.create(code="B", name="Bench")
    Location.objects.create(code="DC1", name="DC", kind=Location.Kind.DC)
    Vendor.objects.create(code="V1", name="Vendor")
    weeks = forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 12)[4:12]
    keys = sorted({services.month_key(week) for week in weeks})
    # 500 orders of 100 x 30.00 = 3,000 each; the budgets take about three quarters of them.
    per_month = Decimal(THREADS * ORDERS_PER_THREAD * 3000 * 3 // 4 // len(keys) // spread)
    departments = []
    for number in range(spread):
        department = Department.objects.create(
            code=f"B{number:02d}", name=f"Bench {number}", division=division
        )
        department.planners.add(user)
        merch_class = MerchClass.objects.create(code=f"B{number:02d}-C", name="Class", department=department)
        subclass = Subclass.objects.create(code=f"B{number:02d}-C-S", name="Sub", merch_class=merch_class)
        style = Style.objects.create(code=f"B{number:02d}-ST", name="Style", subclass=subclass)
        color = StyleColor.objects.create(
            style=style,
            code=f"B{number:02d}-ST-BLK",
            color_code="BLK",
            color_name="Black",
            retail_price=Decimal("30.00"),
            unit_cost=Decimal("12.00"),
        )
        Sku.objects.create(style_color=color, code=f"B{number:02d}-SKU", size="M", size_order=1)
        budget = OTBBudget.objects.create(
            department=department,
            fiscal_year=weeks[0].year,
            status=OTBBudget.Status.APPROVED,
            created_by=user,
        )
        OTBBudgetMonth.objects.bulk_create(
            OTBBudgetMonth(
                budget=budget,
                month_key=key,
                receipts_retail=per_month,
                receipts_cost=per_month * Decimal("0.4"),
            )
            for key in keys
        )
        departments.append(department)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would on a live database: plans for real sizes
    connection.close()
    processes = os.environ.get("OTB_BENCH_MODE", "processes") == "processes"
    context = multiprocessing.get_context("fork")
    barrier: Any = context.Barrier(THREADS) if processes else threading.Barrier(THREADS)
    results: Any = context.Queue() if processes else queue.Queue()

    # The check is timed from asking for the month's commitment row (waiting for the buyers
    # ahead of this one) to the committed total read back; the whole order around it too.
    from otb import ledger

    commit = ledger.commit
    clock = threading.local()

    def timed_commit(*args: Any) -> Any:
        clock.check_started = time.perf_counter()
        try:
            return commit(*args)
        finally:
            clock.check_ended = time.perf_counter()

    ledger.commit = timed_commit  # type: ignore[assignment]

    def buyer(index: int) -> None:
        from django.db import connection as own_connection

        mine: list[tuple[float, float, str]] = []
        barrier.wait()
        try:
            for number in range(ORDERS_PER_THREAD):
                week = weeks[(index + number) % len(weeks)]
                department = departments[index % spread]
                line = LineRequest(
                    f"{department.code}-SKU", "DC1", 100, Decimal("12.00"), Decimal("30.00"), week.pk
                )
                started = time.perf_counter()
                try:
                    purchase_order_create(
                        user=user, number=f"B-{index}-{number}", vendor_code="V1",
                        department_id=department.pk, lines=[line],
                    )  # fmt: skip
                    outcome = "released"
                except services.InsufficientOTBError:
                    outcome = "insufficient"
                ended = time.perf_counter()
                mine.append((clock.check_ended - clock.check_started, ended - started, outcome))
        finally:
            own_connection.close()
            results.put(mine)

    # Threads share one Python process (and its GIL), like one threaded worker; processes are
    # like a server's worker processes.
    workers: list[Any] = [
        (context.Process if processes else threading.Thread)(target=buyer, args=(index,))
        for index in range(THREADS)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    collected = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    checks = sorted(check for batch in collected for check, _, _ in batch)
    orders = sorted(whole for batch in collected for _, whole, _ in batch)
    outcomes = {"released": 0, "insufficient": 0}
    for batch in collected:
        for *_, outcome in batch:
            outcomes[outcome] += 1
    wall = time.perf_counter() - started

    def p(timings: list[float], share: float) -> float:
        return timings[max(int(len(timings) * share) - 1, 0)] * 1000

    ok = bool(p(checks, 0.95) < CHECK_GOAL_MS)
    workers_kind = "processes" if processes else "threads"
    print(
        f"PostgreSQL, {THREADS} concurrent buyers ({workers_kind}, "
        f"{spread} department{'s' if spread > 1 else ''}) x {ORDERS_PER_THREAD} orders "
        f"({outcomes['released']} released, {outcomes['insufficient']} refused for insufficient OTB) "
        f"in {wall:.1f} s ({len(orders) / wall:.0f} orders/s):"
    )
    print(
        f"  whole order (validate, write, check, commit): p50 {p(orders, 0.5):.1f} ms, "
        f"p95 {p(orders, 0.95):.1f} ms, max {orders[-1] * 1000:.1f} ms"
    )
    print(
        "  OTB check (wait for the month's commitment row, add the order, read the total back): "
        f"p50 {p(checks, 0.5):.1f} ms, "
        f"p95 {p(checks, 0.95):.1f} ms, max {checks[-1] * 1000:.1f} ms "
        f"(goal p95 < {CHECK_GOAL_MS:.0f} ms): {'OK' if ok else 'SLOW'}"
    )
    return ok


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    if which == "both":
        # Each part configures Django for its own database: run them in their own processes.
        codes = [
            subprocess.run([sys.executable, __file__, part], cwd=ROOT, check=False).returncode  # noqa: S603
            for part in ("page", "check")
        ]
        sys.exit(max(codes))
    ok = bench_page() if which == "page" else bench_check()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
