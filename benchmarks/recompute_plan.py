"""Benchmark: recompute and persist a 10,000-line x 52-week plan version (goal: < 10 s on PostgreSQL).

Builds a scratch database with one plan version of N class lines x 52 weeks of synthetic
entered values and zero derived values, as freshly loaded (setup is not timed): PostgreSQL
`merchplan_bench_plan` next to DATABASE_URL (created, migrated, dropped here), or with
`--sqlite` a SQLite file in a temporary directory. Then it measures:

1. the pieces, in-process, each path in a transaction that is rolled back (VACUUM between):
   read (entered values -> arrays), engine (`run_engine` for the lines and the total),
   convert (engine floats -> the values handed to the write) and write, for
   * orm: `values_list` + `block_from_rows`, `derived_columns` per cell + `bulk_update`
     (services.py before `bulk_write`);
   * bulk_write: `read_columns` + `write_columns` (the wiring proposed for services.py);
2. end to end, `planning.tasks.version_recompute` through a real Celery worker when REDIS_URL
   is set (else the service called directly, and said so), with services.py as it stands:
   first with every derived value changing, then again with nothing to change.

`--fillfactor 50` loads PlanWeek with that fillfactor (not what the migrations create) to show
what HOT updates save. DEBUG is off, as in production.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/merchplan REDIS_URL=redis://127.0.0.1:6379/0 \
       python benchmarks/recompute_plan.py [--lines 10000] [--fillfactor N] [--skip-orm] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 10.0
SCRATCH = "merchplan_bench_plan"
WEEKS = 52
YEAR = 2026
MONEY_KEPT = ("bop", "eop", "receipts", "otb")  # never empty: NaN/inf stored as 0, as derived_columns does


# --- the scratch database ---------------------------------------------------------------------------
def _psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-qc", sql], check=True)  # noqa: S603, S607


def _postgresql_urls(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{SCRATCH}")), urlunsplit(parts._replace(path="/postgres"))


def _migrate(env: dict[str, str]) -> None:
    command = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE planning_planweek" if connection.vendor == "postgresql" else "VACUUM")


# --- synthetic plan ---------------------------------------------------------------------------------
def build_version(lines: int, fillfactor: int | None, seed: int = 42) -> int:
    """One plan version of `lines` class lines (mixed methods) plus its total line, 52 weeks,
    entered values realistic and derived values zero (as freshly loaded). Returns its id."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from planning.models import Department, Division, FiscalWeek, MerchClass, Plan, PlanLine, PlanVersion

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
    entered = {
        "sales": sales,
        "sales_units": np.round(sales / rng.uniform(15, 60, size=(lines, 1))),
        "markdowns": np.round(sales * rng.uniform(0.03, 0.15, size=(lines, WEEKS)), 2),
        "shrink": np.round(sales * 0.01, 2),
        "on_order": np.where(np.arange(WEEKS) < 8, np.round(sales * 1.1, 2), 0.0),
        "target": np.select(
            [methods[:, None] == method for method in ("fwos", "wos", "ssr", "sell_through")],
            [
                np.round(rng.uniform(3, 8, size=(lines, WEEKS)), 1),
                np.round(rng.uniform(3, 8, size=(lines, WEEKS)), 1),
                np.round(rng.uniform(2, 6, size=(lines, WEEKS)), 2),
                np.round(rng.uniform(0.1, 0.4, size=(lines, WEEKS)), 3),
            ],
            default=np.nan,
        ),
        "receipts_entered": np.where(
            methods[:, None] == "receipts", np.round(sales * rng.uniform(0.9, 1.2), 2), 0.0
        ),
    }
    if fillfactor and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE planning_planweek SET (fillfactor = {int(fillfactor)})")
    with transaction.atomic():
        user = User.objects.create_user("bench.planner")
        division = Division.objects.create(code="BENCH", name="Benchmark")
        department = Department.objects.create(code="BENCH-D", name="Benchmark", division=division)
        classes = MerchClass.objects.bulk_create(
            [
                MerchClass(code=f"BENCH-{i:05d}", name=f"Class {i}", department=department)
                for i in range(lines)
            ],
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
                    opening_stock=f"{base[i, 0] * 6:.2f}",
                )
                for i, merch_class in enumerate(classes)
            ],
            batch_size=2000,
        )
        _insert_weeks([line.pk for line in plan_lines], week_ids, entered, user.pk)
    _vacuum()
    return version.pk


def _insert_weeks(line_ids: list[int], week_ids: list[int], entered: dict[str, Any], user_id: int) -> None:
    """PlanWeek rows: zeros for the total line (first), the entered values for the others; any
    other column gets the model's default."""
    from django.db import connection
    from django.utils import timezone

    from planning.models import PlanWeek

    given = [
        "line_id", "fiscal_week_id", "period", "sales", "sales_units", "markdowns", "shrink", "on_order",
        "target", "receipts_entered", "updated_by_id", "updated_at",
    ]  # fmt: skip
    others = [f for f in PlanWeek._meta.concrete_fields if not f.primary_key and f.column not in given]
    defaults = tuple(f.get_default() for f in others)
    columns = [*given, *(f.column for f in others)]
    now = timezone.now()

    def rows() -> Iterator[tuple[Any, ...]]:
        for period, week_id in enumerate(week_ids):
            yield (line_ids[0], week_id, period, 0, 0, 0, 0, 0, None, 0, None, now, *defaults)
        for i, line_id in enumerate(line_ids[1:]):
            for period, week_id in enumerate(week_ids):
                target = entered["target"][i, period]
                yield (
                    line_id, week_id, period, f"{entered['sales'][i, period]:.2f}",
                    int(entered["sales_units"][i, period]), f"{entered['markdowns'][i, period]:.2f}",
                    f"{entered['shrink'][i, period]:.2f}", f"{entered['on_order'][i, period]:.2f}",
                    None if np.isnan(target) else f"{target:.3f}",
                    f"{entered['receipts_entered'][i, period]:.2f}", user_id, now, *defaults,
                )  # fmt: skip

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY planning_planweek ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO planning_planweek ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                list(rows()),
            )


# --- the two paths ----------------------------------------------------------------------------------
def load_orm(version: Any) -> tuple[Any, Any]:
    """services._load_block before bulk_write: values_list, then a float() per cell."""
    from planning.models import PlanLine, PlanWeek
    from planning.plans.compute import ENTERED_FIELDS, block_from_rows

    lines = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
        .values_list("id", "method", "opening_stock", "turn")
    )
    rows = list(
        PlanWeek.objects.filter(line_id__in=[line[0] for line in lines])
        .order_by("line_id", "period")
        .values_list("line_id", "period", *ENTERED_FIELDS, "id")
    )
    block = block_from_rows([row[:-1] for row in rows], lines)
    ids: dict[int, list[int]] = {line[0]: [] for line in lines}
    for row in rows:
        ids[row[0]].append(row[-1])
    return block, [ids[line_id] for line_id in block.line_ids]


def load_fast(version: Any) -> tuple[Any, Any]:
    """The proposed services._load_block: read_columns, numpy placement; ids (lines, periods), 0 = none."""
    from planning.models import PlanLine, PlanWeek
    from planning.plans.bulk_write import read_columns
    from planning.plans.compute import ENTERED_FIELDS, LineBlock

    lines = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
        .values_list("id", "method", "opening_stock", "turn")
    )
    weeks = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False).order_by()
    columns = read_columns(weeks, ["line_id", "period", "id", *ENTERED_FIELDS])
    line_ids = np.array([line[0] for line in lines], dtype=np.int64)
    order = np.argsort(line_ids)
    row = order[np.searchsorted(line_ids, columns["line_id"], sorter=order)]
    period = columns["period"]
    shape = (len(lines), int(period.max()) + 1 if len(period) else 0)
    entered = {name: np.zeros(shape) for name in ENTERED_FIELDS}
    for name in ENTERED_FIELDS:
        entered[name][row, period] = columns[name]
    row_ids = np.zeros(shape, dtype=np.int64)
    row_ids[row, period] = columns["id"]
    block = LineBlock(
        line_ids=line_ids.tolist(),
        methods=[line[1] for line in lines],
        opening=np.array([float(line[2]) for line in lines]),
        turn=np.array([np.nan if line[3] is None else float(line[3]) for line in lines]),
        entered=entered,
    )
    return block, row_ids


def convert_orm(outputs: Any, row_ids: Any) -> list[Any]:
    from planning.models import PlanWeek
    from planning.plans.compute import derived_columns

    return [
        PlanWeek(id=row_id, **derived_columns(outputs, row, period))
        for row, ids in enumerate(row_ids)
        for period, row_id in enumerate(ids)
    ]


def write_orm(updates: list[Any]) -> int:
    from planning.models import PlanWeek
    from planning.plans.measures import DERIVED

    return PlanWeek.objects.bulk_update(updates, fields=list(DERIVED), batch_size=2000)


def convert_fast(outputs: Any, row_ids: Any) -> tuple[Any, dict[str, Any]]:
    from planning.plans.measures import DERIVED

    present = row_ids > 0
    measures = outputs.measures()
    columns = {
        name: (
            np.where(np.isfinite(measures[name]), measures[name], 0.0)
            if name in MONEY_KEPT
            else measures[name]
        )[present]
        for name in DERIVED
    }
    return row_ids[present], columns


def write_fast(converted: tuple[Any, dict[str, Any]]) -> int:
    from planning.models import PlanWeek
    from planning.plans.bulk_write import write_columns

    ids, columns = converted
    return write_columns(PlanWeek, ids, columns)


Pieces = tuple[Callable[[Any], tuple[Any, Any]], Callable[[Any, Any], Any], Callable[[Any], int]]
PATHS: dict[str, Pieces] = {
    "orm": (load_orm, convert_orm, write_orm),
    "bulk_write": (load_fast, convert_fast, write_fast),
}


# --- timing -----------------------------------------------------------------------------------------
@contextmanager
def _timer(times: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    times[name] = times.get(name, 0.0) + time.perf_counter() - started


def time_pieces(version_id: int, path: str) -> dict[str, float]:
    """One path's read, engine, convert and write, in a transaction rolled back afterwards."""
    from django.db import transaction

    from planning.models import PlanVersion
    from planning.plans.compute import run_engine, total_block

    load, convert, write = PATHS[path]
    times: dict[str, float] = {}
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
        plan = version.plan
        with _timer(times, "read"):
            block, row_ids = load(version)
        with _timer(times, "engine"):
            outputs = run_engine(
                block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement)
            )
            total = total_block(block, outputs)
            run_engine(total, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
        with _timer(times, "convert"):
            converted = convert(outputs, row_ids)
        with _timer(times, "write"):
            changed = write(converted)
        times["rows"] = changed
        transaction.set_rollback(True)
    _vacuum()
    return times


@contextmanager
def celery_worker(database_url: str) -> Iterator[str | None]:
    """A `celery worker` process on a queue of its own, or None without REDIS_URL."""
    if not os.environ.get("REDIS_URL"):
        yield None
        return
    from config.celery import app

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
               "-n", node, "--without-gossip", "--without-mingle", "--loglevel=WARNING"]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[node], timeout=1.0):
                if worker.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"celery worker did not start:\n{log.read().decode()[-3000:]}")
            yield queue
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def time_task(version_id: int, queue: str | None) -> float:
    from planning.plans.services import version_recompute as service
    from planning.tasks import version_recompute

    started = time.perf_counter()
    if queue is None:
        service(version_id)
    else:
        version_recompute.apply_async(args=(version_id,), queue=queue).get(timeout=1800)
    return time.perf_counter() - started


def _verdict(seconds: float) -> str:
    return "met" if seconds < GOAL_SECONDS else "MISSED"


def report_pieces(path: str, times: dict[str, float]) -> None:
    total = sum(times[name] for name in ("read", "engine", "convert", "write"))
    print(
        f"  {path:<11} read {times['read']:6.2f} s  engine {times['engine']:5.2f} s  "
        f"convert {times['convert']:6.2f} s  write {times['write']:6.2f} s  total {total:6.2f} s  "
        f"({int(times['rows'])} rows written; goal < {GOAL_SECONDS:.0f} s {_verdict(total)})"
    )


def _writes_with_bulk_write() -> bool:
    import inspect

    from planning.plans import services

    return "write_columns" in inspect.getsource(services)


# --- main -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--fillfactor", type=int, default=None, help="PlanWeek fillfactor (PostgreSQL)")
    parser.add_argument("--skip-orm", action="store_true", help="leave out the (slow) bulk_update path")
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}
    with tempfile.TemporaryDirectory() as scratch:
        env["MERCHPLAN_VAR_DIR"] = scratch
        admin = None
        if args.sqlite:
            env.pop("DATABASE_URL", None)
            env.pop("REDIS_URL", None)
        elif os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"], admin = _postgresql_urls(os.environ["DATABASE_URL"])
            _psql(admin, f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
            _psql(admin, f"CREATE DATABASE {SCRATCH}")
        else:
            sys.exit("Set DATABASE_URL to a PostgreSQL server (or pass --sqlite).")
        try:
            run(args, env)
        finally:
            if admin:
                from django.db import connections

                connections.close_all()
                _psql(admin, f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def run(args: argparse.Namespace, env: dict[str, str]) -> None:
    _migrate(env)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    backend = connection.vendor
    started = time.perf_counter()
    version_id = build_version(args.lines, args.fillfactor)
    fill = f", PlanWeek fillfactor {args.fillfactor}" if args.fillfactor and backend == "postgresql" else ""
    setup = time.perf_counter() - started
    print(f"{args.lines} lines x {WEEKS} weeks on {backend}{fill}: set up in {setup:.0f} s (not timed below)")
    print("Pieces (in-process, rolled back; every derived value changes):")
    for path in PATHS:
        if path == "orm" and args.skip_orm:
            continue
        report_pieces(path, time_pieces(version_id, path))
    with celery_worker(env.get("DATABASE_URL", "")) as queue:
        how = (
            f"through a Celery worker (queue {queue})"
            if queue
            else "calling the service directly (no REDIS_URL)"
        )
        writer = "write_columns" if _writes_with_bulk_write() else "bulk_update"
        print(f"End to end, planning.tasks.version_recompute {how}; services.py writes with {writer}:")
        first = time_task(version_id, queue)
        print(
            f"  every derived value changes:  {first:6.2f} s  (goal < {GOAL_SECONDS:.0f} s {_verdict(first)})"
        )
        _vacuum()
        again = time_task(version_id, queue)
        print(
            f"  again, nothing to change:     {again:6.2f} s  (goal < {GOAL_SECONDS:.0f} s {_verdict(again)})"
        )


if __name__ == "__main__":
    main()
