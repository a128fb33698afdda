"""One sentence per series saying which model forecasts it and why: shown to the planner."""

from __future__ import annotations

import math
from dataclasses import dataclass

from forecasting.engine.candidates import MODEL_LABELS
from forecasting.engine.panel import Array, Ints, Objects

PATTERN_PHRASES = {
    "smooth": "smooth demand",
    "erratic": "erratic demand",
    "intermittent": "intermittent demand",
    "lumpy": "lumpy demand",
    "no_demand": "no sales in weeks with stock",
}


@dataclass(frozen=True)
class ReasonSettings:
    season_length: int
    horizon: int
    n_windows: int
    min_weeks: int  # on sale, to be back-tested
    naive_requested: bool  # the seasonal naive is among the candidates


@dataclass(frozen=True)
class ReasonInputs:
    model: Objects
    pattern: Objects
    wmape: Array  # chosen model's back-test WMAPE
    mae: Array  # chosen model's back-test mean absolute error
    naive_wmape: Array
    tried: Ints  # candidates back-tested
    weeks_on_sale: Ints
    like: Objects  # like item id per series (None where not like_item)
    ratio: Array
    rate: Array
    settings: ReasonSettings


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _one(inputs: ReasonInputs, i: int) -> str:
    settings = inputs.settings
    model = str(inputs.model[i])
    label = MODEL_LABELS[model]
    weeks = int(inputs.weeks_on_sale[i])
    too_short = f"{weeks} weeks on sale is too short to back-test ({settings.min_weeks} needed)"
    if model == "no_history":
        return "No sales yet and no like item with a forecast: zero"
    if model == "like_item":
        return (
            f"Like item {inputs.like[i]!r}: its forecast \u00d7 {inputs.ratio[i]:.2f} (this item's sales"
            f" over its {weeks} weeks on sale vs the like item's); {too_short}"
        )
    if model == "parent_profile":
        why = too_short if weeks < settings.min_weeks else "no candidate model could be fitted"
        rate = f"{inputs.rate[i]:.2f} units a week, seasonally adjusted, over {weeks} weeks on sale"
        return f"{label} ({rate}): {why}"
    windows = f"{settings.n_windows}\u00d7{settings.horizon} weeks"
    pattern = PATTERN_PHRASES.get(str(inputs.pattern[i]), str(inputs.pattern[i]))
    if math.isnan(inputs.wmape[i]):
        mae = f"back-test MAE {inputs.mae[i]:.2f} units a week over {windows} without sales"
        return f"{label}: {mae}; {pattern}"
    score = f"{label}: back-test WMAPE {_percent(inputs.wmape[i])} over {windows}"
    if model == "seasonal_naive":
        return f"{score}, the best of {int(inputs.tried[i])} candidates; {pattern}"
    if not settings.naive_requested:
        return f"{score}; {pattern}"
    if math.isnan(inputs.naive_wmape[i]):
        needed = settings.season_length + settings.n_windows * settings.horizon
        if weeks >= needed:
            return f"{score} (the seasonal naive could not be fitted); {pattern}"
        return f"{score} (the seasonal naive needs {needed} weeks on sale, this item has {weeks}); {pattern}"
    return f"{score} vs {_percent(inputs.naive_wmape[i])} for the seasonal naive; {pattern}"


def reasons(inputs: ReasonInputs) -> list[str]:
    return [_one(inputs, i) for i in range(len(inputs.model))]
