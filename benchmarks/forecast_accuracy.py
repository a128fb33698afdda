"""Benchmark: forecast accuracy on the demo retailer with the last 13 weeks held out.

Goal: at style-color level the automatically chosen forecasts beat the seasonal naive (same
week last year) by at least 10% WMAPE, with |bias| under 5%, printed per department.

It reads the demo retailer through the product's own selectors (the history the forecast
runs see: style-color x week over all locations, stock-out weeks flagged), forecasts as of
13 weeks before the last closed week with the engine, and scores both methods on the 13
held-out weeks. Stock-out weeks are left out of the scores for both (their zero sales are
not demand). Style-colors without a seasonal-naive value (under a year on sale) are scored
for the automatic forecast only in the "all items" line.

Database: DATABASE_URL if set (a loaded demo), else a SQLite file under MERCHPLAN_VAR_DIR or
var/; with `--load` it loads the demo there first (`load_demo --size medium --seed 42`).

Usage: python benchmarks/forecast_accuracy.py [--load] [--horizon 13]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_IMPROVEMENT = 0.10
GOAL_BIAS = 0.05


def _setup(load: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from planning.models import StyleColor

    if load or not StyleColor.objects.exists():
        call_command("migrate", verbosity=0)
        call_command("load_demo", "--size", "medium", "--seed", "42")


def _score(frame: pd.DataFrame, forecast: str) -> tuple[float, float]:
    actual = frame["actual"].to_numpy()
    predicted = frame[forecast].to_numpy()
    total = actual.sum()
    return float(np.abs(predicted - actual).sum() / total), float((predicted - actual).sum() / total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--load", action="store_true", help="load the medium demo first")
    parser.add_argument("--horizon", type=int, default=13)
    arguments = parser.parse_args()
    _setup(arguments.load)

    from forecasting import engine, selectors
    from planning.models import Department, FiscalWeek

    horizon = arguments.horizon
    latest = selectors.latest_closed_week()
    as_of = FiscalWeek.objects.filter(id__lte=latest.id).order_by("-id")[horizon]
    print(f"History through {as_of}; held out: the {horizon} weeks to {latest}.")
    rows = []
    scored: list[pd.DataFrame] = []
    seconds = 0.0
    for department in Department.objects.order_by("code"):
        items = selectors.forecast_items(department.pk, as_of, horizon)
        ids = items.loc[items["is_forecast"], "style_color_id"].tolist()
        if not ids:
            continue
        # As a run does: last seasons' items join the history (for the class life curves).
        history = selectors.history_frame(items["style_color_id"].tolist(), as_of)
        classes = dict(zip(items["style_color_id"], items["class_id"], strict=True))
        history["parent"] = history["unique_id"].map(classes)
        started = time.perf_counter()
        result = engine.run_forecast(
            history,
            horizon,
            launches=selectors.launch_dates(items) or None,
            history_only=items.loc[~items["is_forecast"], "style_color_id"].tolist(),
        )
        seconds += time.perf_counter() - started
        history = history[history["unique_id"].isin(ids)]
        held_out = selectors.history_frame(ids, latest, weeks=horizon).rename(columns={"y": "actual"})
        # Seasonal naive: the same week a year earlier (52 weeks back), from the stored history.
        year_ago = selectors.history_frame(ids, latest, weeks=horizon + 52)
        year_ago = year_ago.groupby("unique_id", group_keys=False).head(horizon)
        frame = held_out.merge(
            result.forecasts[["unique_id", "ds", "yhat"]], on=["unique_id", "ds"], how="left"
        )
        frame["naive"] = year_ago["y"].to_numpy()
        weeks_on_sale = history.groupby("unique_id")["y"].apply(lambda y: int((y.cumsum() > 0).sum()))
        frame["has_naive"] = frame["unique_id"].map(weeks_on_sale) >= 52 + horizon
        frame = frame[~frame["is_stockout"]].fillna({"yhat": 0.0})
        frame["department"] = department.code
        scored.append(frame)
        comparable = frame[frame["has_naive"]]
        if comparable["actual"].sum() <= 0:
            continue
        auto_wmape, auto_bias = _score(comparable, "yhat")
        naive_wmape, _ = _score(comparable, "naive")
        rows.append((department.code, comparable["unique_id"].nunique(), auto_wmape, naive_wmape, auto_bias))

    print(
        f"\n{'department':<12}{'items':>7}{'auto WMAPE':>12}{'naive WMAPE':>13}"
        f"{'better by':>11}{'auto bias':>11}"
    )
    for code, count, auto_wmape, naive_wmape, auto_bias in rows:
        better = 1 - auto_wmape / naive_wmape
        print(
            f"{code:<12}{count:>7}{auto_wmape:>12.1%}{naive_wmape:>13.1%}{better:>11.1%}{auto_bias:>+11.1%}"
        )
    everything = pd.concat(scored, ignore_index=True)
    comparable = everything[everything["has_naive"]]
    auto_wmape, auto_bias = _score(comparable, "yhat")
    naive_wmape, _ = _score(comparable, "naive")
    all_wmape, all_bias = _score(everything, "yhat")
    better = 1 - auto_wmape / naive_wmape
    print(
        f"{'company':<12}{comparable['unique_id'].nunique():>7}{auto_wmape:>12.1%}{naive_wmape:>13.1%}"
        f"{better:>11.1%}{auto_bias:>+11.1%}"
    )
    count = everything["unique_id"].nunique()
    print(
        f"{'all items':<12}{count:>7}{all_wmape:>12.1%}{'':>24}{all_bias:>+11.1%}"
        "   (incl. items under a year on sale: no seasonal naive)"
    )
    print(f"\nEngine time: {seconds:.1f} s for {everything['unique_id'].nunique()} style-colors.")
    met = better >= GOAL_IMPROVEMENT and abs(auto_bias) < GOAL_BIAS
    print(
        f"Goal (beat the seasonal naive by >= {GOAL_IMPROVEMENT:.0%} WMAPE, |bias| < {GOAL_BIAS:.0%}): "
        f"{'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
