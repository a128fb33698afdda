"""One sentence per series saying which model forecasts it and why: shown to the planner."""

from __future__ import annotations

import math
from dataclasses import dataclass

from forecasting.engine.candidates import MODEL_LABELS
from forecasting.engine.fallbacks import PRIOR_WEEKS
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
    scale: Array  # parent_profile: the item's scale on its class's curve
    observed: Array  # ... deseasonalised units in its counted weeks (NaN without sales)
    expected: Array  # ... a typical item's at the same ages
    counted: Ints  # ... weeks counted
    age: Ints  # age at the first forecast week
    launch: Objects  # parent_profile: start of the week of age 0, "YYYY-MM-DD"
    parent: Objects  # each series' parent (class)
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
        interval = "interval: Poisson (no back-test)"
        if weeks == 0:
            typical = f"a typical item of its class ({inputs.parent[i]})"
            typical = f"{typical} from its launch week {inputs.launch[i]}"
            return f"{label}: no sales yet: {typical}; {interval}"
        why = too_short if weeks < settings.min_weeks else "no candidate model could be fitted"
        counted = int(inputs.counted[i])
        scale = (
            f"\u00d7{inputs.scale[i]:.2f}: {inputs.observed[i]:.1f} units seasonally adjusted in"
            f" {counted} week{'s' if counted != 1 else ''} vs {inputs.expected[i]:.1f} for a typical"
            f" item of its class ({inputs.parent[i]}) at the same ages, with a {PRIOR_WEEKS:g}-week"
            f" prior of a typical item; age {int(inputs.age[i])} weeks at the forecast start"
        )
        return f"{label} ({scale}): {why}; {interval}"
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
