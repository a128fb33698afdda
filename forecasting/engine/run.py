"""The forecasting pipeline, stage by stage, on one dense panel of all series.

validation -> profile (parent seasonal indices, deseasonalised and stock-out-imputed series) ->
patterns -> back-test (every candidate per series, one statsforecast call per model group) ->
final fit (only the chosen model per series, grouped by model; fallbacks for short series) ->
intervals -> output frames. No step loops over series in Python except the reason sentences.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from forecasting.engine._statsforecast import predict
from forecasting.engine.backtest import Backtest, backtest
from forecasting.engine.candidates import DESEASONALISED, FALLBACK_MODELS, candidates_by_series
from forecasting.engine.fallbacks import Fallbacks, fallbacks
from forecasting.engine.intervals import (
    conformal_half_widths,
    level_name,
    poisson_half_widths,
    root_mean_square,
)
from forecasting.engine.lifecycle import MAX_AGE, Ages, curve_matrix, item_ages
from forecasting.engine.panel import (
    Array,
    Mask,
    Objects,
    Panel,
    any_per_row,
    build_panel,
    future_dates,
    rows_of,
    weeks_before,
)
from forecasting.engine.patterns import Patterns, pattern_stats
from forecasting.engine.profile import profile_matrix, series_index
from forecasting.engine.reasons import ReasonInputs, ReasonSettings, reasons
from forecasting.engine.stockouts import interpolate
from forecasting.engine.validation import (
    check_history,
    check_horizon,
    check_jobs,
    check_launches,
    check_levels,
    check_models,
    check_season_length,
    check_windows,
)

# Weeks of training a model needs before the first held-out week; shorter series fall back.
MIN_TRAINING_WEEKS = 26


@dataclass(frozen=True)
class ForecastResult:
    forecasts: pd.DataFrame  # unique_id, ds, yhat, model, lo-<L>, hi-<L> for each level L
    series: pd.DataFrame  # one row per unique_id: the chosen model, its scores and the reason
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)  # seconds per stage


class _Stopwatch:
    """Wall seconds per stage, for the benchmark and run logs; no part of the forecast."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def forecast(
    history: pd.DataFrame,
    horizon: int,
    *,
    season_length: int = 52,
    models: Iterable[str] | None = None,
    level: Iterable[float] | None = None,
    n_windows: int = 2,
    n_jobs: int = 1,
    like_items: Mapping[Any, Any] | None = None,
    launches: Mapping[Any, date | pd.Timestamp] | None = None,
    history_only: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """Weekly forecasts: `horizon` rows per series (see `run_forecast`)."""
    return run_forecast(
        history,
        horizon,
        season_length=season_length,
        models=models,
        level=level,
        n_windows=n_windows,
        n_jobs=n_jobs,
        like_items=like_items,
        launches=launches,
        history_only=history_only,
    ).forecasts


def run_forecast(
    history: pd.DataFrame,
    horizon: int,
    *,
    season_length: int = 52,
    models: Iterable[str] | None = None,
    level: Iterable[float] | None = None,
    n_windows: int = 2,
    n_jobs: int = 1,
    like_items: Mapping[Any, Any] | None = None,
    launches: Mapping[Any, date | pd.Timestamp] | None = None,
    history_only: Iterable[Any] | None = None,
) -> ForecastResult:
    """Back-test the candidate models per series, forecast each series with its best one.

    `history`: unique_id, ds (weekly datetime64), y (units >= 0); optional is_stockout (bool)
    and parent (the group whose pooled sales give the seasonal profile; default: one group).
    Forecasts start the week after the latest ds of the whole history. `models` restricts the
    candidates (CANDIDATE_MODELS); `level` adds lo-/hi- interval columns; `like_items` maps a
    new item to an item whose forecast it borrows; `launches` maps an item to its launch date
    (any day of the launch week): its age counts from there (launch-and-life curves of young
    items, lifecycle.py), and an item launching later is forecast 0 before its launch week.
    `history_only` names series that only teach the launch-and-life curves (last seasons'
    items): they are not forecast and stay out of the seasonal profiles, whose shape their
    lives would otherwise bend. `n_jobs` processes fit the costly models.
    """
    watch = _Stopwatch()
    horizon = check_horizon(horizon)
    season_length = check_season_length(season_length)
    levels = check_levels(level)
    names = check_models(models)
    n_windows = check_windows(n_windows)
    n_jobs = check_jobs(n_jobs)
    known_launches = check_launches(launches)
    everything, panel = _split_history_only(build_panel(check_history(history)), history_only)
    watch.lap("validation")

    prepared = _prepare(everything, panel, known_launches, season_length, horizon)
    watch.lap("profile")

    patterns = pattern_stats(panel)
    watch.lap("patterns")

    test_weeks = n_windows * horizon
    min_weeks = test_weeks + MIN_TRAINING_WEEKS
    tries = candidates_by_series(
        names,
        intermittent=patterns.intermittent,
        eligible=panel.weeks_on_sale >= min_weeks,
        weeks_on_sale=panel.weeks_on_sale,
        season_length=season_length,
        test_weeks=test_weeks,
    )
    tested = _backtest_candidates(
        panel, prepared.profile, tries, test_weeks, season_length, horizon, n_windows, n_jobs
    )
    watch.lap("back-test")

    fitted = _fit_chosen(panel, tested, prepared, like_items, season_length, horizon, n_jobs)
    watch.lap("final fit")

    half, error_sd = _intervals(tested, fitted, levels)
    watch.lap("intervals")

    forecasts = _forecast_frame(panel, prepared.dates, fitted.yhat, fitted.model, half, levels)
    series = _series_frame(
        panel,
        tested,
        patterns,
        fitted.model,
        error_sd,
        fitted.fallback,
        ReasonSettings(season_length, horizon, n_windows, min_weeks, "seasonal_naive" in names),
    )
    watch.lap("output")
    return ForecastResult(forecasts=forecasts, series=series, timings=dict(watch.laps))


def _split_history_only(everything: Panel, history_only: Iterable[Any] | None) -> tuple[Panel, Panel]:
    """(every series, the series to forecast): `history_only` series are left out of the second."""
    learning = everything.ids.isin(list(history_only or ()))
    if learning.all():
        raise ValueError("history_only: every series is history only, so there is nothing to forecast")
    return everything, rows_of(everything, ~learning)


@dataclass(frozen=True)
class _Prepared:
    """The forecast series' seasonal profile and the sales the models and fallbacks fit."""

    profile: Array  # the parents' seasonal profiles from the full history
    curve: Array  # launch-and-life curves, learnt from every series
    ages: Ages  # the forecast series' ages
    dates: pd.DatetimeIndex  # the forecast weeks
    future_index: Array  # (series, horizon) seasonal index of the forecast weeks
    deseasonalised: Array  # sales / seasonal index, stock-outs as they are
    fit_deseasonalised: Array  # deseasonalised, stock-out weeks imputed
    fit_raw: Array  # sales, stock-out weeks imputed


def _prepare(
    everything: Panel,
    panel: Panel,
    known_launches: Mapping[Any, pd.Timestamp],
    season_length: int,
    horizon: int,
) -> _Prepared:
    profile = profile_matrix(panel, season_length)
    # Life curves learn from every series, last seasons' items included.
    all_deseasonalised = everything.sales / series_index(everything, profile, everything.dates, season_length)
    curve = curve_matrix(everything, all_deseasonalised, item_ages(everything, known_launches), MAX_AGE)
    index = series_index(panel, profile, panel.dates, season_length)
    dates = future_dates(panel, horizon)
    future_index = series_index(panel, profile, dates, season_length)
    on_sale, stockout = panel.on_sale, panel.stockout
    deseasonalised = panel.sales / index
    fit_deseasonalised = interpolate(deseasonalised, on_sale, stockout)
    fit_raw = np.where(on_sale & stockout, fit_deseasonalised * index, panel.sales)
    ages = item_ages(panel, known_launches)
    return _Prepared(
        profile=profile,
        curve=curve,
        ages=ages,
        dates=dates,
        future_index=future_index,
        deseasonalised=deseasonalised,
        fit_deseasonalised=fit_deseasonalised,
        fit_raw=fit_raw,
    )


def _backtest_candidates(
    panel: Panel,
    profile: Array,
    tries: dict[str, Mask],
    test_weeks: int,
    season_length: int,
    horizon: int,
    n_windows: int,
    n_jobs: int,
) -> Backtest:
    """Back-test the candidates each series `tries` over its last `test_weeks` weeks."""
    on_sale, stockout = panel.on_sale, panel.stockout
    # The back-test deseasonalises with the profile known before its first held-out week:
    # the full history's profile would let the held-out weeks flatter the seasonal models.
    cut = max(panel.weeks - test_weeks, 0)
    known_profile = profile_matrix(weeks_before(panel, cut), season_length) if cut else profile
    test_index = series_index(panel, known_profile, panel.dates, season_length)
    test_deseasonalised = interpolate(panel.sales / test_index, on_sale, stockout)
    test_raw = np.where(on_sale & stockout, test_deseasonalised * test_index, panel.sales)
    return backtest(
        panel,
        test_raw,
        test_deseasonalised,
        test_index,
        tries,
        season_length=season_length,
        horizon=horizon,
        n_windows=n_windows,
        n_jobs=n_jobs,
    )


@dataclass(frozen=True)
class _Fitted:
    yhat: Array  # (series, horizon) forecasts
    model: Objects  # per series: the chosen model, or the fallback that replaced it
    needed: Mask  # the series a fallback forecasts
    fallback: Fallbacks


def _fit_chosen(
    panel: Panel,
    tested: Backtest,
    prepared: _Prepared,
    like_items: Mapping[Any, Any] | None,
    season_length: int,
    horizon: int,
    n_jobs: int,
) -> _Fitted:
    """Each series' chosen model refitted on all its weeks; fallbacks where there is none."""
    model_yhat = _final_fit(
        panel,
        tested,
        prepared.fit_raw,
        prepared.fit_deseasonalised,
        prepared.future_index,
        season_length,
        horizon,
        n_jobs,
    )
    needed = any_per_row(np.isnan(model_yhat))
    fallback = fallbacks(
        panel,
        needed,
        model_yhat,
        prepared.fit_raw,
        prepared.deseasonalised,
        prepared.future_index,
        like_items,
        prepared.ages,
        prepared.curve,
    )
    yhat = np.where(needed[:, None], fallback.yhat, model_yhat)
    chosen_names = np.asarray((*tested.names, ""), dtype=object)[tested.chosen]
    model = np.where(needed, fallback.model, chosen_names).astype(object)
    return _Fitted(yhat=yhat, model=model, needed=needed, fallback=fallback)


def _intervals(tested: Backtest, fitted: _Fitted, levels: tuple[float, ...]) -> tuple[Array, Array]:
    """(half widths (series, horizon, level), error sd per series): conformal from the
    back-test errors where the chosen model has them, Poisson elsewhere."""
    conformal = conformal_half_widths(tested.errors, levels)
    error_sd = root_mean_square(tested.errors)
    use_conformal = ~fitted.needed & ~np.isnan(error_sd)
    half = np.where(
        use_conformal[:, None, None], conformal[:, None, :], poisson_half_widths(fitted.yhat, levels)
    )
    error_sd = np.where(use_conformal, error_sd, np.sqrt(fitted.yhat.mean(axis=1)))
    return half, error_sd


def _final_fit(
    panel: Panel,
    tested: Backtest,
    fit_raw: Array,
    fit_deseasonalised: Array,
    future_index: Array,
    season_length: int,
    horizon: int,
    n_jobs: int,
) -> Array:
    """(series, horizon) forecasts of each series' chosen model, refitted on all its weeks;
    NaN rows for series without one (or whose model failed on the full series)."""
    yhat = np.full((len(panel.ids), horizon), np.nan)
    for column, name in enumerate(tested.names):
        rows = np.flatnonzero(tested.chosen == column).astype(np.intp)
        if not rows.size:
            continue
        deseasonalised = name in DESEASONALISED
        predicted = predict(
            fit_deseasonalised if deseasonalised else fit_raw,
            panel.start,
            rows,
            name,
            season_length=season_length,
            horizon=horizon,
            n_jobs=n_jobs,
        )
        yhat[rows] = np.maximum(predicted * future_index[rows] if deseasonalised else predicted, 0.0)
    return yhat


def _forecast_frame(
    panel: Panel,
    dates: pd.DatetimeIndex,
    yhat: Array,
    model: Objects,
    half: Array,
    levels: tuple[float, ...],
) -> pd.DataFrame:
    series, horizon = yhat.shape
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(panel.ids.to_numpy(), horizon),
            "ds": np.tile(dates.to_numpy(), series),
            "yhat": yhat.ravel(),
            "model": np.repeat(model, horizon),
        }
    )
    for column, level in enumerate(levels):
        width = half[:, :, column].ravel()
        frame[f"lo-{level_name(level)}"] = np.maximum(frame["yhat"].to_numpy() - width, 0.0)
        frame[f"hi-{level_name(level)}"] = frame["yhat"].to_numpy() + width
    return frame


def _pick(tested: Backtest, values: Array, model_based: Mask) -> Array:
    """The chosen model's value per series from a (series, candidates) array; NaN elsewhere."""
    out = np.full(len(tested.chosen), np.nan)
    rows = np.flatnonzero(model_based & (tested.chosen >= 0))
    out[rows] = values[rows, tested.chosen[rows]]
    return out


def _candidate_scores(tested: Backtest, model_based: Mask) -> list[dict[str, float | None]]:
    """Per series: candidate -> back-test WMAPE (None where undefined), JSON-ready."""
    scores = tested.wmape.tolist()
    tried = tested.tried.tolist()
    return [
        {
            name: (None if math.isnan(score) else score)
            for name, was, score in zip(tested.names, row_tried, row, strict=True)
            if was
        }
        if keep
        else {}
        for keep, row_tried, row in zip(model_based.tolist(), tried, scores, strict=True)
    ]


def _series_frame(
    panel: Panel,
    tested: Backtest,
    patterns: Patterns,
    model: Objects,
    error_sd: Array,
    fallback: Fallbacks,
    settings: ReasonSettings,
) -> pd.DataFrame:
    model_based = ~np.isin(model, FALLBACK_MODELS)
    wmape = _pick(tested, tested.wmape, model_based)
    naive = np.where(model_based, tested.column("seasonal_naive"), np.nan)
    absolute = np.abs(tested.errors)
    counts = (~np.isnan(absolute)).sum(axis=1)
    mae = np.full(len(counts), np.nan)
    np.divide(np.nansum(absolute, axis=1), counts, out=mae, where=counts > 0)
    like_ids = np.full(len(panel.ids), None, dtype=object)
    like_ids[fallback.like >= 0] = panel.ids.to_numpy()[fallback.like[fallback.like >= 0]]
    launch_weeks = panel.dates[0] + pd.to_timedelta(7 * fallback.start, unit="D")
    launch = np.full(len(panel.ids), None, dtype=object)
    profiled = fallback.model == "parent_profile"
    launch[profiled] = np.asarray(launch_weeks.strftime("%Y-%m-%d"), dtype=object)[profiled]
    sentences = reasons(
        ReasonInputs(
            model=model,
            pattern=patterns.pattern,
            wmape=wmape,
            mae=mae,
            naive_wmape=naive,
            tried=tested.tried.sum(axis=1),
            weeks_on_sale=panel.weeks_on_sale,
            like=like_ids,
            ratio=fallback.ratio,
            scale=fallback.scale,
            observed=fallback.observed,
            expected=fallback.expected,
            counted=fallback.counted,
            age=fallback.age,
            launch=launch,
            parent=panel.parents.to_numpy()[panel.parent_of],
            settings=settings,
        )
    )
    return pd.DataFrame(
        {
            "unique_id": panel.ids.to_numpy(),
            "model": model,
            "pattern": patterns.pattern,
            "adi": patterns.adi,
            "cv2": patterns.cv2,
            "weeks_on_sale": panel.weeks_on_sale.astype(np.int64),
            "stockout_weeks": (panel.on_sale & panel.stockout).sum(axis=1).astype(np.int64),
            "is_fallback": ~model_based,
            "backtest_wmape": wmape,
            "backtest_bias": _pick(tested, tested.bias, model_based),
            "naive_wmape": naive,
            "error_sd": error_sd,
            "candidate_wmape": _candidate_scores(tested, model_based),
            "reason": sentences,
        }
    )
