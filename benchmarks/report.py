"""Benchmark: the executive weekly report of the medium demo retailer renders in under 2 s.

Runs on a copy of a SQLite database with the medium demo loaded (MERCHPLAN_VAR_DIR, default
/tmp/benchdb: `make demo`, or load_demo --size medium, forecast_demo and otb_demo, under that
directory). Prints, for the last closed week:
- the report's data built cold (every aggregate query, no cache), stage by stage;
- the page (/report/) requested as the executive through Django's test client, cold (cache
  empty: built and rendered) and warm (the week's report from the cache: rendered only);
- the PDF export, warm.
The goal is the warm page (the report is cached per week until its data changes, and the Monday
mail task builds it once); the cold figures are printed so that the cost of a cache miss is known.
Usage: python benchmarks/report.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 2.0


def _setup(scratch: Path) -> None:
    env = {"MERCHPLAN_VAR_DIR": str(scratch), "DATABASE_URL": "", "REDIS_URL": "", "DEBUG": "0"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        check=True,
    )
    warnings.filterwarnings("ignore", message="No directory at")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _stages() -> None:
    from forecasting.selectors import latest_closed_week
    from reports import figures, weekly

    week = latest_closed_week()
    timings: list[tuple[str, float]] = []

    def timed(label: str, work: object) -> object:
        started = time.perf_counter()
        result = work()  # type: ignore[operator]
        timings.append((label, time.perf_counter() - started))
        return result

    cal = weekly.calendar(week)
    tree = weekly.hierarchy()
    ly = sorted(set(cal.ly.values()))
    sales = timed("sales", lambda: weekly.sales_frame([*cal.ty, *ly], tree))
    changes = timed("stock", lambda: weekly.stock_changes(week.pk, tree))
    wanted = sorted({*cal.ty, *ly, *(w for w in (cal.opening_ty, cal.opening_ly) if w)})
    stock = timed("stock series", lambda: figures.stock_series(changes, wanted))
    plan = timed("plans", lambda: weekly.plans(cal, tree))
    timed("rows", lambda: weekly.scope_rows(cal, tree, sales, stock, plan, []))  # type: ignore[arg-type]
    timed("lists", lambda: weekly.item_lists(cal))
    timed("forecast accuracy", lambda: weekly.forecast_accuracy(week, list(tree.departments), []))
    timed("OTB", lambda: weekly.otb_months(week, list(tree.departments)))
    print(f"report data for FY{week.year} W{week.week:02d}, cold, by stage:")
    print("  " + ", ".join(f"{label} {seconds:.2f} s" for label, seconds in timings))
    print(f"  in all {sum(seconds for _, seconds in timings):.2f} s")


def _pages(repeats: int) -> bool:
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")  # DEBUG off: a host the settings allow
    client.force_login(User.objects.get(username="executive"))
    cache.clear()
    started = time.perf_counter()
    cold = client.get("/report/")
    cold_seconds = time.perf_counter() - started
    warm: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get("/report/")
        warm.append(time.perf_counter() - started)
    started = time.perf_counter()
    pdf = client.get("/report/pdf/")
    pdf_seconds = time.perf_counter() - started
    print(f"page, cold (built and rendered): {cold_seconds:.2f} s (status {cold.status_code})")
    print("page, warm (from the week's cache): " + ", ".join(f"{seconds:.2f} s" for seconds in warm))
    print(f"PDF, warm: {pdf_seconds:.2f} s (status {pdf.status_code}, {len(pdf.content):,} bytes)")
    ok = response.status_code == 200 and max(warm) < GOAL_SECONDS
    print(f"{'OK' if ok else 'SLOW or FAILED'}: goal < {GOAL_SECONDS:.0f} s for the weekly report page")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    source = Path(os.environ.get("MERCHPLAN_VAR_DIR", "/tmp/benchdb")) / "merchplan.sqlite3"  # noqa: S108
    if not source.exists():
        sys.exit(f"No demo database at {source}: build one with `make demo` under MERCHPLAN_VAR_DIR.")
    scratch = Path(tempfile.mkdtemp(prefix="report-bench-"))
    try:
        shutil.copy(source, scratch / "merchplan.sqlite3")
        _setup(scratch)
        _stages()
        return 0 if _pages(args.repeats) else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
