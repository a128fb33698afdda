"""Rolling-origin back-test and the choice of one model per series.

The last n_windows x horizon weeks are held out in n_windows windows of `horizon` weeks (step
`horizon`): each window is forecast from the weeks before it. All series end on the panel's
last week, so the held-out weeks are the same columns for every series and the scoring is
plain array math. A series is scored by WMAPE over its held-out weeks with stock (stock-out
weeks are skipped: their sales are not demand); where those weeks sold nothing, WMAPE divides by
zero and the mean absolute error decides instead. Ties go to the earlier (simpler) candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.engine._statsforecast import cross_validate
from forecasting.engine.candidates import DESEASONALISED
from forecasting.engine.panel import Array, Ints, Mask, Panel, any_per_row

# Scores within this relative distance are a tie: floating noise must not beat simplicity.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Backtest:
    names: tuple[str, ...]  # the candidates tried anywhere, in tie-break order: columns below
    tried: Mask  # (series, names): back-tested without failing
    wmape: Array  # (series, names); NaN where not tried or the held-out weeks sold nothing
    bias: Array  # (series, names); same NaNs
    chosen: Ints  # (series,) column of the chosen model in `names`; -1 where none was tried
    errors: Array  # (series, held-out weeks) chosen forecast - actual; NaN on stock-out weeks
    held_out_sales: Array  # (series,) sales over the scored held-out weeks

    def column(self, name: str) -> Array:
        """A model's WMAPE per series (NaN where it was not tried)."""
        if name not in self.names:
            return np.full(len(self.chosen), np.nan)
        return self.wmape[:, self.names.index(name)]


def backtest(
    panel: Panel,
    fit_raw: Array,
    fit_deseasonalised: Array,
    index: Array,
    candidates: dict[str, Mask],
    *,
    season_length: int,
    horizon: int,
    n_windows: int,
    n_jobs: int,
) -> Backtest:
    """Back-test every candidate on the series that try it (`candidates`: model -> series mask).

    `fit_raw` and `fit_deseasonalised` are the sales with stock-outs imputed, as they are and
    divided by the seasonal index `index` (series, weeks).
    """
    series = panel.sales.shape[0]
    test_weeks = n_windows * horizon
    names = tuple(name for name, mask in candidates.items() if mask.any())
    if panel.weeks < test_weeks:  # nothing to hold out: every series falls back
        return Backtest(
            names=(),
            tried=np.zeros((series, 0), dtype=bool),
            wmape=np.zeros((series, 0)),
            bias=np.zeros((series, 0)),
            chosen=np.full(series, -1, dtype=np.intp),
            errors=np.full((series, test_weeks), np.nan),
            held_out_sales=np.zeros(series),
        )
    forecasts = _held_out_forecasts(
        panel,
        fit_raw,
        fit_deseasonalised,
        index[:, -test_weeks:],
        candidates,
        names,
        season_length=season_length,
        horizon=horizon,
        n_windows=n_windows,
        n_jobs=n_jobs,
    )
    actual = panel.sales[:, -test_weeks:]
    scored = ~panel.stockout[:, -test_weeks:]
    held_out_sales = np.where(scored, actual, 0.0).sum(axis=1)
    stacked = np.zeros((series, len(names), test_weeks))
    tried = np.zeros((series, len(names)), dtype=bool)
    for column, name in enumerate(names):
        stacked[:, column] = forecasts[name]
        tried[:, column] = candidates[name]
    tried &= ~np.logical_or.reduce(np.isnan(stacked), axis=2)  # the model raised on the series
    wmape, bias, score = _scores(stacked, actual, scored, tried, held_out_sales)
    chosen = _choose(score, tried, names)
    errors = np.full((series, test_weeks), np.nan)
    picked = chosen >= 0
    errors[picked] = stacked[picked, chosen[picked]] - actual[picked]
    errors[~scored] = np.nan
    return Backtest(
        names=names,
        tried=tried,
        wmape=wmape,
        bias=bias,
        chosen=chosen,
        errors=errors,
        held_out_sales=held_out_sales,
    )


def _held_out_forecasts(
    panel: Panel,
    fit_raw: Array,
    fit_deseasonalised: Array,
    held_out_index: Array,
    candidates: dict[str, Mask],
    names: tuple[str, ...],
    *,
    season_length: int,
    horizon: int,
    n_windows: int,
    n_jobs: int,
) -> dict[str, Array]:
    """Each model's forecast of the held-out weeks (series, weeks), >= 0; NaN on the series that
    do not try it or where it raised. One statsforecast call per (input, set of series): the
    intermittent models share one."""
    series, test_weeks = held_out_index.shape
    groups: dict[tuple[bool, bytes], list[str]] = {}
    for name in names:
        groups.setdefault((name in DESEASONALISED, candidates[name].tobytes()), []).append(name)
    forecasts: dict[str, Array] = {}
    for (deseasonalised, _), group in groups.items():
        rows = np.flatnonzero(candidates[group[0]]).astype(np.intp)
        result = cross_validate(
            fit_deseasonalised if deseasonalised else fit_raw,
            panel.start,
            rows,
            group,
            season_length=season_length,
            horizon=horizon,
            n_windows=n_windows,
            n_jobs=n_jobs,
        )
        for name in group:
            full = np.full((series, test_weeks), np.nan)
            full[rows] = result[name] * held_out_index[rows] if deseasonalised else result[name]
            forecasts[name] = np.maximum(full, 0.0)  # demand is never negative; NaN stays NaN
    return forecasts


def _scores(
    stacked: Array, actual: Array, scored: Mask, tried: Mask, held_out_sales: Array
) -> tuple[Array, Array, Array]:
    """Per (series, model): WMAPE, bias, and the score that chooses (the WMAPE; the mean absolute
    error where the held-out weeks sold nothing); NaN where not tried or unscorable."""
    scored_weeks = scored.sum(axis=1)
    error = np.where(scored[:, None, :], stacked - actual[:, None, :], 0.0)
    absolute = np.abs(error).sum(axis=2)
    sold = tried & (held_out_sales[:, None] > 0)
    wmape = np.full(absolute.shape, np.nan)
    np.divide(absolute, held_out_sales[:, None], out=wmape, where=sold)
    bias = np.full(absolute.shape, np.nan)
    np.divide(error.sum(axis=2), held_out_sales[:, None], out=bias, where=sold)
    mae = np.full(absolute.shape, np.nan)
    np.divide(absolute, scored_weeks[:, None], out=mae, where=tried & (scored_weeks[:, None] > 0))
    score = np.where(held_out_sales[:, None] > 0, wmape, mae)  # >= 0; NaN: not tried or unscorable
    return wmape, bias, score


def _choose(score: Array, tried: Mask, names: tuple[str, ...]) -> Ints:
    """Per series the column of the best score (ties to the earlier candidate); -1 where none was tried."""
    scored_model = tried & ~np.isnan(score)
    chosen = np.full(score.shape[0], -1, dtype=np.intp)
    if names:
        best = np.where(scored_model, score, np.inf).min(axis=1, keepdims=True)
        tie = scored_model & (score <= best * (1 + TIE_TOLERANCE))
        # Tried but unscorable (every held-out week a stock-out): the first candidate tried.
        first_tried = np.where(any_per_row(tried), tried.argmax(axis=1), -1)
        chosen = np.where(any_per_row(scored_model), tie.argmax(axis=1), first_tried).astype(np.intp)
    return chosen
