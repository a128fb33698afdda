"""Seasonal profiles pooled per parent (the merch class), retail practice.

One item's two years hold two noisy observations of each week of the year; its class's pooled
sales hold hundreds. So the season comes from the parent, and the item models only see the
deseasonalised series y / index (a per-item 52-week seasonal ETS also runs ~40x slower).

Per parent: the weekly total of its items; the level is the centred 52-week moving average
(2x52 for an even season), held flat at both ends; the ratios total / level are averaged per
week-of-year position, smoothed circularly over 3 weeks, floored, and normalised to mean 1.
With one to two seasons of data the index is shrunk toward 1 (weight weeks / (2 x season)),
below one season it is all 1: one year's spike may be an event, not the season.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.engine.panel import Array, Ints, Mask, Panel, build_panel, week_positions
from forecasting.engine.validation import check_history, check_season_length

# Deseasonalising divides by the index: a week the parent never sells in must not send the
# item's rate to infinity. 0.05 keeps a twentieth of the level in a dead week.
INDEX_FLOOR = 0.05


def seasonal_profile(history: pd.DataFrame, season_length: int = 52) -> pd.DataFrame:
    """The seasonal index of each parent: columns parent, position (0..season_length-1), index.

    `history` as for `forecast` (unique_id, ds, y, optional is_stockout and parent).
    Position p covers the calendar days 7p+1..7p+7 of the year (the last one runs to Dec 31).
    """
    season_length = check_season_length(season_length)
    panel = build_panel(check_history(history))
    index = profile_matrix(panel, season_length)
    return pd.DataFrame(
        {
            "parent": np.repeat(panel.parents.to_numpy(), season_length),
            "position": np.tile(np.arange(season_length), len(panel.parents)),
            "index": index.ravel(),
        }
    )


def in_stock_rate(panel: Panel) -> Array:
    """Each item's mean weekly sales over its on-sale weeks with stock (0 when there are none)."""
    known = panel.on_sale & ~panel.stockout
    weeks = known.sum(axis=1)
    rate = np.zeros(len(weeks))
    np.divide((panel.sales * known).sum(axis=1), weeks, out=rate, where=weeks > 0)
    return rate


def parent_totals(panel: Panel) -> Array:
    """(parents, weeks) sums of the items' sales; a stock-out week counts at the item's in-stock
    rate, a neutral guess (the profile does not exist yet to refine it)."""
    counted = np.where(panel.on_sale & panel.stockout, in_stock_rate(panel)[:, None], panel.sales)
    totals = np.zeros((len(panel.parents), panel.weeks))
    np.add.at(totals, panel.parent_of, counted)
    return totals


def _level(totals: Array, first: Ints, season_length: int) -> tuple[Array, Mask]:
    """Centred moving average of each row over its span first..end, held flat at the ends;
    (level, whether the row has a full season for it)."""
    parents, weeks = totals.shape
    half = season_length // 2
    span = weeks - first
    level = np.zeros_like(totals)
    has_average = span >= 2 * half + 1  # the centred window fits inside the span somewhere
    if weeks >= 2 * half + 1 and has_average.any():
        cumulative = np.concatenate([np.zeros((parents, 1)), np.cumsum(totals, axis=1)], axis=1)
        centres = np.arange(half, weeks - half)
        if season_length % 2 == 0:
            # 2x52: 51 full weeks in the middle, half weights on the two weeks 26 away
            inner = cumulative[:, centres + half] - cumulative[:, centres - half + 1]
            average = (inner + 0.5 * (totals[:, centres - half] + totals[:, centres + half])) / season_length
        else:
            average = (cumulative[:, centres + half + 1] - cumulative[:, centres - half]) / season_length
        lowest = np.clip(first + half, half, weeks - half - 1)
        column = np.clip(np.arange(weeks)[None, :], lowest[:, None], weeks - half - 1) - half
        level = np.where(has_average[:, None], np.take_along_axis(average, column, axis=1), 0.0)
    # Exactly one even season: no centred window fits; the span's mean is the level.
    one_season = ~has_average & (span >= season_length)
    if one_season.any():
        inside = np.arange(weeks)[None, :] >= first[:, None]
        means = (totals * inside).sum(axis=1) / np.maximum(span, 1)
        level[one_season] = means[one_season, None]
    return level, has_average | one_season


def profile_matrix(panel: Panel, season_length: int) -> Array:
    """(parents, season_length) seasonal index; see the module docstring."""
    totals = parent_totals(panel)
    parents, weeks = totals.shape
    selling = totals > 0
    first = np.where(selling.any(axis=1), selling.argmax(axis=1), weeks).astype(np.intp)
    level, has_level = _level(totals, first, season_length)

    inside = np.arange(weeks)[None, :] >= first[:, None]
    usable = inside & (level > 0) & has_level[:, None]
    ratio = np.zeros_like(totals)
    np.divide(totals, level, out=ratio, where=usable)
    one_hot = np.zeros((weeks, season_length))
    one_hot[np.arange(weeks), week_positions(panel.dates, season_length)] = 1.0
    sums = ratio @ one_hot
    counts = usable.astype(np.float64) @ one_hot
    raw = np.full((parents, season_length), np.nan)
    np.divide(sums, counts, out=raw, where=counts > 0)

    # A position no date fell on (the calendar skips one now and then): circular interpolation.
    gaps = np.isnan(raw).any(axis=1) & ~np.isnan(raw).all(axis=1)
    positions = np.arange(season_length)
    for row in np.flatnonzero(gaps):
        seen = ~np.isnan(raw[row])
        raw[row] = np.interp(positions, positions[seen], raw[row, seen], period=season_length)
    raw[np.isnan(raw).all(axis=1)] = 1.0

    smooth = (np.roll(raw, 1, axis=1) + raw + np.roll(raw, -1, axis=1)) / 3
    index = _unit_mean(np.maximum(_unit_mean(smooth), INDEX_FLOOR))
    span = weeks - first
    weight = np.where(span >= season_length, np.minimum(1.0, span / (2 * season_length)), 0.0)
    shrunk: Array = 1.0 + weight[:, None] * (index - 1.0)
    return shrunk


def _unit_mean(rows: Array) -> Array:
    mean = rows.mean(axis=1, keepdims=True)
    out: Array = np.divide(rows, mean, out=np.ones_like(rows), where=mean > 0)
    return out


def series_index(panel: Panel, profile: Array, dates: pd.DatetimeIndex, season_length: int) -> Array:
    """(series, len(dates)): the index of each series' parent at each date."""
    index: Array = profile[panel.parent_of][:, week_positions(dates, season_length)]
    return index
