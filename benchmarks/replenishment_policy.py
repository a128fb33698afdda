"""Benchmark: the policy simulator on the demo retailer. Goal (issue [6/8]): the fill rate the
policies achieve is within 2 points of the target for A items.

Runs on a copy of a SQLite database with the medium demo loaded, including `otb_demo` (vendor
terms and receipt history): MERCHPLAN_VAR_DIR, default /tmp/benchdb, e.g.
    MERCHPLAN_VAR_DIR=/tmp/benchdb make demo   (or load_demo, forecast_demo, otb_demo)
The copy gets a replenishment run for every department; then each item's policy (reorder point,
order-up-to) is played for a year of weekly demand drawn from its measured forecast error, with
lead times drawn from the vendor's measured spread, SEEDS times. Printed per ABC x XYZ cell:
items, demand-weighted target and achieved fill rate, stock-out weeks and average on hand.

Usage: python benchmarks/replenishment_policy.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = int(os.environ.get("POLICY_BENCH_SEEDS", "20"))
GOAL_POINTS = 2.0


def main() -> None:
    source = Path(os.environ.get("MERCHPLAN_VAR_DIR", "/tmp/benchdb")) / "merchplan.sqlite3"  # noqa: S108
    if not source.exists():
        sys.exit(f"No demo database at {source}: load one with `make demo` (MERCHPLAN_VAR_DIR set).")
    scratch = Path(tempfile.mkdtemp(prefix="policy-bench-"))
    try:
        shutil.copy(source, scratch / "merchplan.sqlite3")
        env = {"MERCHPLAN_VAR_DIR": str(scratch), "DATABASE_URL": "", "DEBUG": "0"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
            check=True,
        )
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        warnings.filterwarnings("ignore", message="No directory at")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        sys.exit(0 if _bench() else 1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bench() -> bool:
    from forecasting.selectors import latest_closed_week
    from planning.models import Department
    from replenishment import runs
    from replenishment.models import ReplenishmentRun, VendorItem
    from replenishment.simulation import simulate_run

    if not VendorItem.objects.exists():
        sys.exit("The demo has no vendor terms: run `manage.py otb_demo` on it first.")
    run = ReplenishmentRun.objects.create(as_of=latest_closed_week(), horizon=26, progress_total=runs.STAGES)
    run.departments.set(Department.objects.all())
    started = time.perf_counter()
    run = runs.execute(run.pk)
    if run.status != ReplenishmentRun.Status.DONE:
        sys.exit(f"The replenishment run failed: {run.message}")
    print(f"replenishment run: {run.sku_locations:,} SKU-locations in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    result = simulate_run(run, seeds=SEEDS)
    print(
        f"simulated {result.items:,} items with demand x {result.weeks} weeks x {SEEDS} seeds "
        f"in {time.perf_counter() - started:.2f} s"
    )
    header = ("items", 7), ("target", 9), ("achieved", 10), ("gap (pts)", 11), ("stock-out wks", 15)
    print(f"{'cell':<5}" + "".join(f"{name:>{width}}" for name, width in header) + f"{'avg on hand':>13}")
    ok = True
    for cell in result.cells:
        gap = 100 * (cell.achieved_fill - cell.target_fill)
        goal = cell.cell.startswith("A")
        ok = ok and (not goal or abs(gap) <= GOAL_POINTS)
        print(
            f"{cell.cell:<5}{cell.items:>7}{100 * cell.target_fill:>8.1f}%{100 * cell.achieved_fill:>9.1f}%"
            f"{gap:>+11.1f}{cell.stockout_weeks:>15.1f}{cell.average_on_hand:>13.1f}"
            + ("   <- goal: within 2 points" if goal else "")
        )
    print(f"A items within {GOAL_POINTS:.0f} points of their target fill rate: {'OK' if ok else 'MISSED'}")
    return ok


if __name__ == "__main__":
    main()
