"""Benchmark: recompute and persist a 10,000-line x 52-week plan version (goal: < 10 s on PostgreSQL).

Builds a scratch database with one plan version of N class lines x 52 weeks of synthetic
entered values and zero derived values, as freshly loaded (setup is not timed): PostgreSQL
`merchplan_bench_plan` next to DATABASE_URL (created, migrated, dropped here), or with
`--sqlite` a SQLite file in a temporary directory. PlanWeek is compacted (VACUUM FULL) before
each timed write: no free space in its pages, so every updated row costs a new entry in each
of its indexes, the worst case. Then it measures:

1. the pieces, in-process, in a transaction that is rolled back: read (entered values ->
   arrays), engine (`run_engine` of the lines) and write (engine floats -> stored values,
   "convert", then the database), for two paths:
   * orm: `values_list` + `block_from_rows`, `derived_columns` per cell + `bulk_update` (the
     code before bulk_write). Its CASE expressions make it quadratic in the batch, hours at
     full size, so it runs on `--orm-lines` lines and is scaled up linearly;
   * bulk_write: `read_columns` (the proposed `services.load_block`, in this file) + `write_columns`;
2. end to end, `planning.tasks.version_recompute` through a real Celery worker when REDIS_URL
   is set (else the service called directly, and said so), with services.py as it stands
   (until services reads with `read_columns`, it runs with `load_block` below patched in):
   first with every derived value changing, then again with nothing to change.

`--fillfactor 40` loads PlanWeek with that fillfactor (not what the migrations create) to show
what updates in place (HOT) save. DEBUG is off, as in production.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/merchplan REDIS_URL=redis://127.0.0.1:6379/0 \
       python benchmarks/recompute_plan.py [--lines 10000] [--orm-lines 200] [--fillfactor N] [--sqlite]
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
def load_orm(version: Any, limit: int | None = None) -> tuple[Any, list[list[int]]]:
    """services.load_block before bulk_write: values_list, then a float() per cell."""
    from planning.models import PlanLine, PlanWeek
    from planning.plans.compute import ENTERED_FIELDS, block_from_rows

    lines = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
        .values_list("id", "method", "opening_stock", "turn")[:limit]
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


def write_orm(outputs: Any, week_row_ids: list[list[int]], times: dict[str, float]) -> int:
    """services._write_derived before bulk_write: derived_columns per cell, then bulk_update."""
    from planning.models import PlanWeek
    from planning.plans.compute import derived_columns
    from planning.plans.measures import DERIVED

    with _timer(times, "convert"):
        updates = [
            PlanWeek(id=row_id, **derived_columns(outputs, row, period))
            for row, row_ids in enumerate(week_row_ids)
            for period, row_id in enumerate(row_ids)
        ]
    return PlanWeek.objects.bulk_update(updates, fields=list(DERIVED), batch_size=2000)


def load_block(version: Any, line_ids: list[int] | None = None) -> tuple[Any, list[list[int]]]:
    """services.load_block: one binary COPY through read_columns, values placed with numpy."""
    from planning.plans import services

    return services.load_block(version, line_ids)


def write_fast(outputs: Any, week_row_ids: list[list[int]], times: dict[str, float]) -> int:
    """services._write_derived with write_columns, for all lines in one call."""
    from planning.models import PlanWeek
    from planning.plans.bulk_write import write_columns
    from planning.plans.measures import DERIVED

    with _timer(times, "convert"):
        ids = np.array([row_id for row_ids in week_row_ids for row_id in row_ids], dtype=np.int64)
        measures = outputs.measures()
        columns = {}
        for name in DERIVED:
            values = np.concatenate(
                [measures[name][row, : len(row_ids)] for row, row_ids in enumerate(week_row_ids)]
            )
            columns[name] = np.where(np.isfinite(values), values, 0.0) if name in MONEY_KEPT else values
    return write_columns(PlanWeek, ids, columns)


Load = Callable[..., tuple[Any, list[list[int]]]]
Write = Callable[[Any, list[list[int]], dict[str, float]], int]
PATHS: dict[str, tuple[Load, Write]] = {"orm": (load_orm, write_orm), "bulk_write": (load_block, write_fast)}


# --- timing -----------------------------------------------------------------------------------------
@contextmanager
def _timer(times: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    times[name] = times.get(name, 0.0) + time.perf_counter() - started


def _compact() -> None:
    """Worst case for an UPDATE: PlanWeek rewritten tight (as freshly loaded), no free space
    in its pages, so no row can be updated in place (HOT) and every index gets a new entry."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM FULL ANALYZE planning_planweek" if connection.vendor == "postgresql" else "VACUUM"
        )


def _hot_share(cursor: Any, view: str) -> tuple[int, int]:
    cursor.execute(f"SELECT n_tup_upd, n_tup_hot_upd FROM {view} WHERE relname = 'planning_planweek'")  # noqa: S608
    updated, hot = cursor.fetchone()
    return int(updated), int(hot)


def time_pieces(version_id: int, path: str, limit: int | None = None) -> dict[str, float]:
    """One path's read, engine and write (convert included), in a transaction rolled back."""
    from django.db import connection, transaction

    from planning.models import PlanVersion
    from planning.plans.compute import run_engine

    load, write = PATHS[path]
    times: dict[str, float] = {}
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
        plan = version.plan
        with _timer(times, "read"):
            block, row_ids = load(version, limit) if limit else load(version)
        with _timer(times, "engine"):
            outputs = run_engine(
                block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement)
            )
        with _timer(times, "write"):
            times["rows"] = write(outputs, row_ids, times)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                times["updated"], times["hot"] = _hot_share(cursor, "pg_stat_xact_user_tables")
        transaction.set_rollback(True)
    return times


def report_pieces(label: str, times: dict[str, float], scale: float = 1.0) -> None:
    read, engine, write = (times[name] * scale for name in ("read", "engine", "write"))
    total = read + engine + write
    hot = f", {times['hot'] / times['updated']:.0%} HOT" if times.get("updated") else ""
    print(
        f"  {label:<22} read {read:6.2f}  engine {engine:5.2f}  write {write:7.2f} "
        f"(convert {times['convert'] * scale:5.2f})  total {total:7.2f} s  "
        f"[{int(times['rows'] * scale)} rows{hot}; goal < {GOAL_SECONDS:.0f} s {_verdict(total)}]"
    )


def _verdict(seconds: float) -> str:
    return "met" if seconds < GOAL_SECONDS else "MISSED"


# --- end to end through Celery ----------------------------------------------------------------------
def _services_loader() -> tuple[Any, str]:
    """services.py's loader of entered values: `load_block` (`_load_block` before it went public)."""
    from planning.plans import services

    name = "load_block" if hasattr(services, "load_block") else "_load_block"
    return services, name


def _services_reads_with_read_columns() -> bool:
    import inspect

    services, name = _services_loader()
    return "read_columns" in inspect.getsource(getattr(services, name))


def _worker_command(queue: str, node: str, patch: bool) -> list[str]:
    if patch:  # this script as the worker: the proposed load_block patched into services first
        return [sys.executable, __file__, "--worker", queue, node]
    return [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", node,
            "--without-gossip", "--without-mingle", "--loglevel=WARNING"]  # fmt: skip


def run_worker(queue: str, node: str) -> None:
    import django

    django.setup()
    from config.celery import app

    services, name = _services_loader()
    setattr(services, name, load_block)
    app.worker_main(["worker", "--pool=solo", "-Q", queue, "-n", node, "--without-gossip", "--without-mingle",
                     "--loglevel=WARNING"])  # fmt: skip


@contextmanager
def celery_worker(database_url: str, patch: bool) -> Iterator[str | None]:
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
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(  # noqa: S603
            _worker_command(queue, node, patch), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
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
    """Seconds for one whole-version recompute, the task's round trip included."""
    from planning.plans.services import version_recompute as service
    from planning.tasks import version_recompute

    started = time.perf_counter()
    if queue is None:
        service(version_id)
    else:
        version_recompute.apply_async(args=(version_id,), queue=queue).get(timeout=3600)
    return time.perf_counter() - started


# --- main -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--orm-lines", type=int, default=200, help="lines timed on the bulk_update path")
    parser.add_argument("--fillfactor", type=int, default=None, help="PlanWeek fillfactor (PostgreSQL)")
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead of PostgreSQL")
    parser.add_argument("--worker", nargs=2, metavar=("QUEUE", "NODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(*args.worker)
        return
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
    setup = time.perf_counter() - started
    fill = f", PlanWeek fillfactor {args.fillfactor}" if args.fillfactor and backend == "postgresql" else ""
    print(f"{args.lines} lines x {WEEKS} weeks on {backend}{fill}: set up in {setup:.0f} s (not timed below)")
    print("Pieces in-process, seconds, each in a transaction rolled back; every derived value changes:")
    _compact()
    orm = time_pieces(version_id, "orm", args.orm_lines)
    report_pieces(f"orm, {args.orm_lines} lines", orm)
    report_pieces(f"orm, x{args.lines / args.orm_lines:.0f} (linear)", orm, args.lines / args.orm_lines)
    _compact()
    report_pieces("bulk_write", time_pieces(version_id, "bulk_write"))
    patch = not _services_reads_with_read_columns()
    with celery_worker(env.get("DATABASE_URL", ""), patch) as queue:
        how = f"a Celery worker (queue {queue})" if queue else "the service called directly (no REDIS_URL)"
        loader = " with the proposed load_block patched in" if patch else ""
        if patch and queue is None:
            services, name = _services_loader()
            setattr(services, name, load_block)
        print(f"End to end: planning.tasks.version_recompute through {how}{loader}:")
        _compact()
        report_task("every value changes", time_task(version_id, queue))
        _vacuum()
        report_task("again, nothing changes", time_task(version_id, queue))


def report_task(label: str, seconds: float) -> None:
    print(f"  {label:<22} total {seconds:7.2f} s  [goal < {GOAL_SECONDS:.0f} s {_verdict(seconds)}]")


if __name__ == "__main__":
    main()
