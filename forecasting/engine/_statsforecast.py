"""The one place that talks to statsforecast: panel rows in, (rows, weeks) forecast arrays out.

Each call builds one long frame for all its series from the panel arrays (integer weeks as ds,
so no calendar work) and scatters the result back by (unique_id, ds): no per-series pandas.
statsforecast is imported on first use: with statsmodels behind it, it takes about a second,
and the web process imports this package for the model names and labels alone.
statsforecast's warnings (convergence notes, short-series notices) are silenced here; the
back-test judges the models by their errors instead. A model that raises on a series gives NaN
forecasts for it (statsforecast's fallback model), so one odd series cannot stop a run: the
back-test then passes the model over, the final fit falls back to the parent profile.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasting.engine.candidates import COSTLY, FITTED_ONCE
from forecasting.engine.panel import Array, Ints


def statsforecast_model(name: str, season_length: int) -> Any:
    """A fresh statsforecast model for a candidate, its alias set to the candidate's name."""
    from statsforecast.models import (  # imported on first use: see the module docstring
        ADIDA,
        IMAPA,
        TSB,
        AutoETS,
        CrostonOptimized,
        SeasonalNaive,
        SimpleExponentialSmoothingOptimized,
    )

    from forecasting.engine._arima import CssArima

    if name == "seasonal_naive":
        return SeasonalNaive(season_length=season_length, alias=name)
    if name in ("ses", "ses_seasonal"):
        return SimpleExponentialSmoothingOptimized(alias=name)
    if name == "holt_damped_seasonal":
        return AutoETS(season_length=1, model="AAN", damped=True, alias=name)
    if name == "arima_seasonal":
        # AutoARIMA searches dozens of orders per series; one fixed order is ~50x faster.
        return CssArima(order=(1, 1, 1), method="CSS", alias=name)
    if name == "croston":
        return CrostonOptimized(alias=name)
    if name == "tsb":
        return TSB(alpha_d=0.1, alpha_p=0.1, alias=name)
    if name == "adida":
        return ADIDA(alias=name)
    if name == "imapa":
        return IMAPA(alias=name)
    raise ValueError(f"unknown candidate model {name!r}")


def _engine(names: Sequence[str], season_length: int, n_jobs: int) -> Any:
    from statsforecast import StatsForecast  # imported on first use: see the module docstring
    from statsforecast.models import NaNModel

    return StatsForecast(
        models=[statsforecast_model(name, season_length) for name in names],
        freq=1,
        n_jobs=n_jobs if COSTLY.intersection(names) else 1,
        fallback_model=NaNModel(),
    )


def _long_frame(values: Array, start: Ints, rows: Ints) -> pd.DataFrame:
    weeks = values.shape[1]
    columns = np.broadcast_to(np.arange(weeks), (len(rows), weeks))
    on_sale = columns >= start[rows][:, None]
    return pd.DataFrame(
        {
            "unique_id": np.repeat(rows, weeks - start[rows]),
            "ds": columns[on_sale],
            "y": values[rows][on_sale],
        }
    )


def _scatter(result: pd.DataFrame, rows: Ints, name: str, first_week: int, width: int) -> Array:
    out = np.full((len(rows), width), np.nan)
    row = np.searchsorted(rows, result["unique_id"].to_numpy())
    column = result["ds"].to_numpy() - first_week
    out[row, column] = result[name].to_numpy(dtype=np.float64)
    return out


def cross_validate(
    values: Array,
    start: Ints,
    rows: Ints,
    names: Sequence[str],
    *,
    season_length: int,
    horizon: int,
    n_windows: int,
    n_jobs: int,
) -> dict[str, Array]:
    """Rolling-origin forecasts of the last n_windows x horizon weeks, for each model in `names`:
    (len(rows), n_windows * horizon) arrays, the columns being those last weeks of the panel.
    `rows` ascending; every row needs more than n_windows x horizon weeks on sale."""
    weeks = values.shape[1]
    test_weeks = n_windows * horizon
    frame = _long_frame(values, start, rows)
    out: dict[str, Array] = {}
    for refit in (False, True):
        group = [name for name in names if (name not in FITTED_ONCE) == refit]
        if not group:
            continue
        engine = _engine(group, season_length, n_jobs)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = engine.cross_validation(
                df=frame, h=horizon, n_windows=n_windows, step_size=horizon, refit=refit
            )
        for name in group:
            out[name] = _scatter(result, rows, name, weeks - test_weeks, test_weeks)
    return out


def predict(
    values: Array, start: Ints, rows: Ints, name: str, *, season_length: int, horizon: int, n_jobs: int
) -> Array:
    """Fit `name` on each row's on-sale weeks and forecast the next `horizon`: (len(rows), horizon)."""
    weeks = values.shape[1]
    engine = _engine([name], season_length, n_jobs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = engine.forecast(df=_long_frame(values, start, rows), h=horizon)
    return _scatter(result, rows, name, weeks, horizon)
