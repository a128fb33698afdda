"""Benchmark: `run_forecast` on 10,000 series x 104 weeks, horizon 13, back-test included.

Goal: under 60 s in total with n_jobs=2 on a 2-core machine. The history is synthetic but
retail-like: 100 classes (parents), each with its own yearly seasonal shape and holiday peak;
item levels from a gamma distribution, mild trends, over-dispersed weekly sales, a quarter of
the items slow sellers (intermittent demand), 8% launched during the second year (short
histories: fallbacks, some with a like item, all with their launch date), ~1% stock-out weeks
with depressed sales. Zero weeks are left out of the frame, as in a sales extract. Generating it
is not timed.

Prints series per second, wall seconds per stage, the count of series per chosen model, and the
back-test WMAPE of the chosen models vs the seasonal naive over the same series and weeks.
Usage: python benchmarks/forecast_speed.py [--series 10000] [--jobs 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.engine import run_forecast

WEEKS = 104
HORIZON = 13
N_WINDOWS = 2
PARENTS = 100
GOAL_SECONDS = 60.0


def make_history(series: int, seed: int = 7) -> tuple[pd.DataFrame, dict[str, str], dict[str, pd.Timestamp]]:
    """(long history, like items of the late launches, launch dates of the late launches)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=WEEKS, freq="7D")
    position = np.minimum((dates.dayofyear.to_numpy() - 1) // 7, 51)

    # Per class: a yearly wave and a holiday peak in the last weeks of the year.
    amplitude = rng.uniform(0.05, 0.6, (PARENTS, 1))
    phase = rng.uniform(0, 2 * np.pi, (PARENTS, 1))
    peak = rng.uniform(0.0, 1.5, (PARENTS, 1))
    wave = 1 + amplitude * np.sin(2 * np.pi * position / 52 + phase)
    holiday = peak * np.exp(-0.5 * ((position - 49.5) / 1.5) ** 2)
    season = wave + holiday
    season /= season.mean(axis=1, keepdims=True)

    parent = rng.integers(0, PARENTS, series)
    slow = rng.random(series) < 0.25
    level = np.where(slow, rng.uniform(0.1, 0.9, series), rng.gamma(1.5, 12.0, series) + 1.0)
    trend = np.exp(rng.normal(0, 0.003, (series, 1)) * np.arange(WEEKS))
    mean = level[:, None] * season[parent][:, position] * trend
    dispersion = rng.gamma(8.0, 1 / 8.0, (series, WEEKS))  # negative binomial: erratic items
    sales = rng.poisson(mean * dispersion).astype(np.float64)

    launch = np.where(rng.random(series) < 0.08, rng.integers(53, WEEKS - 1, series), 0)
    sales[np.arange(WEEKS)[None, :] < launch[:, None]] = 0.0
    stockout = (rng.random((series, WEEKS)) < 0.01) & (np.arange(WEEKS)[None, :] >= launch[:, None])
    sales[stockout] = np.floor(sales[stockout] * rng.uniform(0, 0.3, stockout.sum()))

    ids = np.array([f"SC{number:06d}" for number in range(series)])
    keep = (sales > 0) | stockout
    row, week = np.nonzero(keep)
    history = pd.DataFrame(
        {
            "unique_id": ids[row],
            "ds": dates.to_numpy()[week],
            "y": sales[row, week],
            "is_stockout": stockout[row, week],
            "parent": np.array([f"class-{p:03d}" for p in range(PARENTS)])[parent[row]],
        }
    )
    # Half of the late launches name an established item of their class as like item.
    established = np.flatnonzero(launch == 0)
    late = np.flatnonzero(launch > 0)[::2]
    like_items = {}
    for item in late:
        same_class = established[parent[established] == parent[item]]
        if same_class.size:
            like_items[str(ids[item])] = str(ids[rng.choice(same_class)])
    launched = np.flatnonzero(launch > 0)
    launches = {str(ids[item]): dates[launch[item]] for item in launched}
    return history, like_items, launches


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    history, like_items, launches = make_history(args.series, args.seed)
    started = time.perf_counter()
    result = run_forecast(
        history,
        HORIZON,
        level=[80, 95],
        n_windows=N_WINDOWS,
        n_jobs=args.jobs,
        like_items=like_items,
        launches=launches,
    )
    total = time.perf_counter() - started

    series = result.series
    print(
        f"run_forecast: {args.series:,} series x {WEEKS} weeks ({len(history):,} rows), horizon {HORIZON},"
        f" {N_WINDOWS} back-test windows, n_jobs={args.jobs}"
    )
    print(f"  total {total:.1f} s, {args.series / total:,.0f} series per second")
    for stage, seconds in result.timings.items():
        print(f"  {stage:<12} {seconds:7.2f} s")
    print("  chosen models:")
    for model, count in series["model"].value_counts().items():
        print(f"    {model:<22} {count:6,}")

    # Back-test WMAPE over all compared series: weight each series' WMAPE by its held-out sales.
    test_weeks = HORIZON * N_WINDOWS
    last = history["ds"].max() - pd.Timedelta(weeks=test_weeks - 1)
    held = history.loc[(history["ds"] >= last) & ~history["is_stockout"]].groupby("unique_id")["y"].sum()
    compared = series.loc[series["naive_wmape"].notna() & series["backtest_wmape"].notna()]
    weight = held.reindex(compared["unique_id"]).to_numpy()
    chosen = (compared["backtest_wmape"].to_numpy() * weight).sum() / weight.sum()
    naive = (compared["naive_wmape"].to_numpy() * weight).sum() / weight.sum()
    print(
        f"  back-test WMAPE over {len(compared):,} series with a seasonal naive:"
        f" chosen {chosen:.1%} vs seasonal naive {naive:.1%}"
    )
    print(f"  goal (< {GOAL_SECONDS:.0f} s): {'met' if total < GOAL_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
