"""Forecast accuracy measures (DESIGN.md section 8).

Every measure is NaN where it is undefined (a zero denominator, no data): undefined rather than
zero, so a series that sold nothing cannot pass for a perfect forecast. Signs: bias and the
tracking signal are positive when the forecast is too high.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]


def _pair(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> tuple[Array, Array]:
    a = np.asarray(actual, dtype=np.float64).ravel()
    f = np.asarray(forecast, dtype=np.float64).ravel()
    if a.shape != f.shape:
        raise ValueError(f"actual and forecast differ in length: {a.size} vs {f.size}")
    return a, f


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator != 0 else math.nan


def wmape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Weighted MAPE: sum |A - F| / sum |A|."""
    a, f = _pair(actual, forecast)
    return _ratio(np.abs(a - f).sum(), np.abs(a).sum())


def mape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Mean of |A - F| / |A| over the weeks with non-zero actuals (zero weeks would divide by 0)."""
    a, f = _pair(actual, forecast)
    sold = a != 0
    if not sold.any():
        return math.nan
    return float(np.mean(np.abs(a[sold] - f[sold]) / np.abs(a[sold])))


def bias(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """sum (F - A) / sum A: +0.1 means the forecast was 10% too high."""
    a, f = _pair(actual, forecast)
    return _ratio((f - a).sum(), a.sum())


def mase(
    actual: npt.ArrayLike, forecast: npt.ArrayLike, insample: npt.ArrayLike, season_length: int = 52
) -> float:
    """Mean absolute error scaled by the in-sample MAE of the seasonal naive (y_t - y_{t-m}).

    Below 1 beats last year's same week. NaN without a full season plus one week in sample.
    """
    a, f = _pair(actual, forecast)
    history = np.asarray(insample, dtype=np.float64).ravel()
    if a.size == 0 or history.size <= season_length:
        return math.nan
    scale = np.abs(history[season_length:] - history[:-season_length]).mean()
    return _ratio(np.abs(a - f).mean(), scale)


def tracking_signal(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Running sum of errors over the mean absolute deviation: sum (F - A) / mean |A - F|.

    Beyond about +-4 the forecast is biased rather than unlucky.
    """
    a, f = _pair(actual, forecast)
    if a.size == 0:
        return math.nan
    return _ratio((f - a).sum(), np.abs(a - f).mean())


def _divide(numerator: pd.Series, denominator: pd.Series) -> Array:
    num = numerator.to_numpy(dtype=np.float64)
    den = denominator.to_numpy(dtype=np.float64)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def accuracy(
    frame: pd.DataFrame, by: str | Sequence[str], actual: str = "y", forecast: str = "yhat"
) -> pd.DataFrame:
    """wmape, bias, mape and tracking_signal per group, with the actual and forecast totals and
    the number of rows n: one groupby, no loop over groups."""
    keys = [by] if isinstance(by, str) else list(by)
    missing = [column for column in (*keys, actual, forecast) if column not in frame.columns]
    if missing:
        raise ValueError(f"frame: missing column(s) {', '.join(missing)}")
    a, f = _pair(frame[actual].to_numpy(), frame[forecast].to_numpy())
    sold = a != 0
    ape = np.zeros_like(a)
    np.divide(np.abs(a - f), np.abs(a), out=ape, where=sold)
    parts = pd.DataFrame(
        {
            **{key: frame[key].to_numpy() for key in keys},
            "abs_error": np.abs(a - f),
            "error": f - a,
            "abs_actual": np.abs(a),
            "actual": a,
            "forecast": f,
            "ape": ape,
            "sold": sold.astype(np.int64),
            "n": np.ones(a.size, dtype=np.int64),
        }
    )
    sums = parts.groupby(keys, sort=True, dropna=False, observed=True).sum().reset_index()
    mad = _divide(sums["abs_error"], sums["n"])
    out = sums[keys].copy()
    out["wmape"] = _divide(sums["abs_error"], sums["abs_actual"])
    out["bias"] = _divide(sums["error"], sums["actual"])
    out["mape"] = _divide(sums["ape"], sums["sold"])
    out["tracking_signal"] = _divide(sums["error"], pd.Series(mad))
    out["actual"] = sums["actual"]
    out["forecast"] = sums["forecast"]
    out["n"] = sums["n"].astype(np.int64)
    return out
