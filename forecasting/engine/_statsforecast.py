"""The one place that talks to statsforecast: panel rows in, (rows, weeks) forecast arrays out.

Each call builds one long frame for all its series from the panel arrays (integer weeks as ds,
so no calendar work) and scatters the result back by (unique_id, ds): no per-series pandas.
statsforecast's warnings (convergence notes, short-series notices) are silenced here; the
back-test judges the models by their errors instead. A model that raises on a series gives NaN
forecasts for it (statsforecast's fallback model), so one odd series cannot stop a run: the
back-test then passes the model over, the final fit falls back to the parent profile.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import NaNModel

from forecasting.engine.candidates import COSTLY, FITTED_ONCE, statsforecast_model
from forecasting.engine.panel import Array, Ints


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
        engine = StatsForecast(
            models=[statsforecast_model(name, season_length) for name in group],
            freq=1,
            n_jobs=n_jobs if COSTLY.intersection(group) else 1,
            fallback_model=NaNModel(),
        )
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
    engine = StatsForecast(
        models=[statsforecast_model(name, season_length)],
        freq=1,
        n_jobs=n_jobs if name in COSTLY else 1,
        fallback_model=NaNModel(),
    )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = engine.forecast(df=_long_frame(values, start, rows), h=horizon)
    return _scatter(result, rows, name, weeks, horizon)
