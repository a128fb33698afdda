"""Benchmark: `recompute` for 100,000 lines x 52 weeks, FWOS with wrap, every derived measure.

Goals (issue 3): median under 0.5 s on one core, at least 50x a straightforward per-line
Python loop over the same data, peak memory under 2 GB. Prints lines per second, the
ratio and peak memory. Usage: python benchmarks/engine.py [lines] [repeats]
"""

from __future__ import annotations

import os

# One core, as the goal says (before numpy loads its thread pools).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import math
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning.engine import PlanInputs, recompute

WEEKS = 52
IMU_COST_COMPLEMENT = 0.45


def make_plan(lines: int, seed: int = 7) -> PlanInputs:
    rng = np.random.default_rng(seed)
    season = 1 + 0.4 * np.sin(np.arange(WEEKS) / WEEKS * 2 * np.pi)
    sales = np.round(rng.gamma(2.0, 60.0, (lines, 1)) * season * rng.uniform(0.7, 1.3, (lines, WEEKS)), 2)
    return PlanInputs(
        sales=sales,
        method="fwos",
        targets=np.round(rng.uniform(1.0, 10.0, (lines, WEEKS)), 1),
        markdowns=np.round(sales * 0.06, 2),
        shrink=np.round(sales * 0.01, 2),
        on_order=np.round(sales * rng.uniform(0, 1.5, (lines, WEEKS)), 2),
        opening=np.round(sales[:, :4].sum(axis=1), 2),
        exhaustion="wrap",
        cost_complement=IMU_COST_COMPLEMENT,
    )


def loop_recompute(plan: PlanInputs, lines: int) -> list[dict[str, list[float]]]:
    """The straightforward way: a Python loop per line and per week, same measures."""
    sales_all = np.asarray(plan.sales).tolist()
    fwos_all = np.asarray(plan.targets).tolist()
    markdowns_all = np.asarray(plan.markdowns).tolist()
    shrink_all = np.asarray(plan.shrink).tolist()
    on_order_all = np.asarray(plan.on_order).tolist()
    opening_all = np.asarray(plan.opening).tolist()
    results = []
    for line in range(lines):
        sales, fwos = sales_all[line], fwos_all[line]
        markdowns, shrink, on_order = markdowns_all[line], shrink_all[line], on_order_all[line]
        eop = []
        for week in range(WEEKS):
            remaining, position, stock = fwos[week], week + 1, 0.0
            while remaining > 0:
                share = min(1.0, remaining)
                stock += share * sales[position % WEEKS]
                remaining -= share
                position += 1
            eop.append(stock)
        bop = [opening_all[line], *eop[:-1]]
        out: dict[str, list[float]] = {
            name: [] for name in ("receipts", "otb", "wos", "turn", "st", "gm", "gmp", "gmroi")
        }
        for week in range(WEEKS):
            receipts = eop[week] - bop[week] + sales[week] + markdowns[week] + shrink[week]
            cogs = IMU_COST_COMPLEMENT * (sales[week] + markdowns[week] + shrink[week])
            gm = sales[week] - cogs
            average = (bop[week] + eop[week]) / 2
            out["receipts"].append(receipts)
            out["otb"].append(receipts - on_order[week])
            out["wos"].append(eop[week] / sales[week] if sales[week] else math.nan)
            out["turn"].append(sales[week] / average * 52 if average else math.nan)
            out["st"].append(sales[week] / bop[week] if bop[week] else math.nan)
            out["gm"].append(gm)
            out["gmp"].append(gm / sales[week] if sales[week] else math.nan)
            out["gmroi"].append(gm / (average * IMU_COST_COMPLEMENT) * 52 if average else math.nan)
        results.append({"eop": eop, "bop": bop, **out})
    return results


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    plan = make_plan(lines)
    recompute(plan)  # warm up
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        recompute(plan)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)

    tracemalloc.start()
    outputs = recompute(plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    sample = min(lines, 2_000)
    started = time.perf_counter()
    looped = loop_recompute(plan, sample)
    loop_seconds = (time.perf_counter() - started) * lines / sample
    np.testing.assert_allclose(np.array([row["eop"] for row in looped]), outputs.eop[:sample], rtol=1e-9)

    print(f"recompute {lines:,} lines x {WEEKS} weeks (FWOS, wrap, all measures), one core")
    print(f"  median {median:.3f} s over {repeats} runs (min {min(timings):.3f} s, max {max(timings):.3f} s)")
    print(f"  {lines / median:,.0f} lines per second")
    print(
        f"  per-line Python loop: {loop_seconds:.1f} s (timed on {sample:,} lines, scaled);"
        f" ratio {loop_seconds / median:,.0f}x"
    )
    print(
        f"  peak memory of one recompute: {peak / 2**20:,.0f} MiB"
        f" (inputs: {np.asarray(plan.sales).nbytes * 6 / 2**20:,.0f} MiB)"
    )
    goals = median < 0.5 and loop_seconds / median >= 50 and peak < 2 * 2**30
    print(f"  goals (< 0.5 s, >= 50x, < 2 GB): {'met' if goals else 'MISSED'}")


if __name__ == "__main__":
    main()
