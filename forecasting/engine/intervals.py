"""Prediction intervals and the error spread that will drive safety stock.

Back-tested series: split conformal. The chosen model's absolute errors over the held-out
weeks with stock are pooled per series; the interval at level L is yhat +- their L% quantile
(linear interpolation, numpy's default), the same width every week, the lower end clipped at
0. error_sd is the RMSE of those errors.

Fallback series have no back-test, so demand is treated as Poisson: variance = mean, and the
interval is yhat +- z * sqrt(yhat) with z the standard normal quantile of a central L% band;
error_sd is sqrt of the mean weekly forecast. Crude, but it widens with the rate as count data
does, and it is zero only where the forecast is.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from forecasting.engine.panel import Array


def level_name(level: float) -> str:
    """80 -> '80', 97.5 -> '97.5': the suffix of the lo-/hi- columns."""
    return f"{level:g}"


def conformal_half_widths(errors: Array, levels: tuple[float, ...]) -> Array:
    """(series, levels) quantiles of |errors| per row, ignoring NaN; NaN for a row without errors."""
    absolute = np.sort(np.abs(errors), axis=1)  # NaN sorts last
    counts = (~np.isnan(errors)).sum(axis=1)
    out = np.full((errors.shape[0], len(levels)), np.nan)
    has = counts > 0
    rows = np.flatnonzero(has)
    for column, level in enumerate(levels):
        position = (counts[has] - 1) * (level / 100)
        below = np.floor(position).astype(np.intp)
        above = np.ceil(position).astype(np.intp)
        low, high = absolute[rows, below], absolute[rows, above]
        out[has, column] = low + (high - low) * (position - below)
    return out


def root_mean_square(errors: Array) -> Array:
    counts = (~np.isnan(errors)).sum(axis=1)
    out = np.full(errors.shape[0], np.nan)
    np.divide(np.nansum(errors**2, axis=1), counts, out=out, where=counts > 0)
    root: Array = np.sqrt(out)
    return root


def poisson_half_widths(yhat: Array, levels: tuple[float, ...]) -> Array:
    """(series, weeks, levels): z * sqrt(yhat)."""
    z = np.array([NormalDist().inv_cdf(0.5 + level / 200) for level in levels])
    widths: Array = np.sqrt(np.maximum(yhat, 0.0))[:, :, None] * z[None, None, :]
    return widths
