"""The candidate models, their stable names and labels, and which series get which.

Names are stored in the database with each forecast: never rename one, add a new name instead.
The order of CANDIDATE_MODELS is the tie-break order of the back-test (simpler first).
"""

from __future__ import annotations

import numpy as np

from forecasting.engine.panel import Ints, Mask

CANDIDATE_MODELS: tuple[str, ...] = (
    "seasonal_naive",
    "ses",
    "ses_seasonal",
    "holt_damped_seasonal",
    "arima_seasonal",
    "croston",
    "tsb",
    "adida",
    "imapa",
)
FALLBACK_MODELS: tuple[str, ...] = ("like_item", "parent_profile", "no_history")
MODEL_NAMES: tuple[str, ...] = CANDIDATE_MODELS + FALLBACK_MODELS
MODEL_LABELS: dict[str, str] = {
    "seasonal_naive": "Seasonal naive (same week last year)",
    "ses": "Simple exponential smoothing",
    "ses_seasonal": "Simple exponential smoothing on the parent's seasonal profile",
    "holt_damped_seasonal": "ETS damped trend on the parent's seasonal profile",
    "arima_seasonal": "ARIMA(1,1,1) on the parent's seasonal profile",
    "croston": "Croston (optimised) for intermittent demand",
    "tsb": "TSB (Teunter-Syntetos-Babai) for intermittent demand",
    "adida": "ADIDA (aggregate-disaggregate) for intermittent demand",
    "imapa": "IMAPA (multiple temporal aggregation) for intermittent demand",
    "like_item": "Like item's forecast, scaled to this item",
    "parent_profile": (
        "Class launch-and-life curve \u00d7 seasonal profile, scaled to the item's sales so far"
    ),
    "no_history": "No history: zero",
}

# Fitted on y / seasonal index and multiplied back (the parent's profile carries the season).
DESEASONALISED = frozenset({"ses_seasonal", "holt_damped_seasonal", "arima_seasonal"})
# ADI >= 1.32 (intermittent, lumpy, or no demand in stock) vs ADI < 1.32 (smooth, erratic).
INTERMITTENT_CANDIDATES = ("seasonal_naive", "ses", "croston", "tsb", "adida", "imapa")
SMOOTH_CANDIDATES = ("seasonal_naive", "ses", "ses_seasonal", "holt_damped_seasonal", "arima_seasonal")
# Two orders of magnitude slower than the rest: worth spreading over processes.
COSTLY = frozenset({"holt_damped_seasonal", "arima_seasonal"})
# Models with statsforecast's `forward` are fitted once per back-test (refit=False); the others
# are cheap enough to refit per window.
FITTED_ONCE = frozenset({"seasonal_naive", "holt_damped_seasonal", "arima_seasonal"})


def candidates_by_series(
    names: tuple[str, ...],
    *,
    intermittent: Mask,
    eligible: Mask,
    weeks_on_sale: Ints,
    season_length: int,
    test_weeks: int,
) -> dict[str, Mask]:
    """For each requested model, the series that try it in the back-test.

    Intermittent series get the intermittent set and smooth ones the smooth set; where the
    requested models leave a series with none of its set, it tries every requested model. The
    seasonal naive needs a full season before the first held-out week.
    """
    full_season = weeks_on_sale >= season_length + test_weeks
    fits = {name: eligible & full_season if name == "seasonal_naive" else eligible for name in names}
    chosen: dict[str, Mask] = {}
    for name in names:
        by_pattern = np.zeros_like(eligible)
        if name in INTERMITTENT_CANDIDATES:
            by_pattern |= intermittent
        if name in SMOOTH_CANDIDATES:
            by_pattern |= ~intermittent
        chosen[name] = fits[name] & by_pattern
    covered = np.logical_or.reduce(list(chosen.values()))
    return {name: mask | (fits[name] & ~covered) for name, mask in chosen.items()}
