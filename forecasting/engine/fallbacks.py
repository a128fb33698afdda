"""Forecasts for series too short to back-test: like item, parent profile, or zero.

- like_item: a like item with a back-tested forecast that sells lends its forecast path, scaled by this
  item's sales over its weeks on sale divided by the like item's sales over the same weeks
  (stock-outs imputed in both); by 1 when the item has not sold yet. Zero before a launch date.
- parent_profile: the class's launch-and-life curve (lifecycle.py) at the item's age in each
  forecast week, times the parent's seasonal index, times the item's scale
      s = (observed + P) / (expected + P)
  observed: the item's deseasonalised units over its weeks with stock since its first sale
  (its age counts from its launch when that is earlier); expected: the curve summed over the
  same ages; P, a prior of PRIOR_WEEKS typical weeks (the curve's mean over those ages x
  PRIOR_WEEKS) that says "a typical item of the class", so one lucky week cannot triple a
  forecast: after k weeks the item's own ratio observed / expected weighs k / (k + PRIOR_WEEKS).
  An item without in-stock weeks counts its stock-out weeks (their sales are the floor we
  have). An item with no sale yet but a launch date is a typical item of its class (s = 1)
  from its launch week, zero before.
- no_history: no sale, no launch date and no usable like item: zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.engine.lifecycle import Ages, age_matrix
from forecasting.engine.panel import Array, Ints, Mask, Objects, Panel, any_per_row

# The prior's weight in typical weeks. On the medium demo (items' sizes vary ~2x either way) the
# young items with sales had 56% WMAPE with 2 weeks, 51% with 1, 48% with 0.5: an item's first
# weeks say a lot. 1 keeps a single lucky week from counting for more than half.
PRIOR_WEEKS = 1.0


@dataclass(frozen=True)
class Fallbacks:
    model: Objects  # (series,) fallback name, None where not a fallback
    yhat: Array  # (series, horizon), NaN where not a fallback
    like: Ints  # (series,) row of the like item used, -1 if none
    ratio: Array  # (series,) like-item scale, NaN if none
    scale: Array  # (series,) parent_profile: the item's scale s; NaN otherwise
    observed: Array  # (series,) parent_profile with sales: deseasonalised units counted; NaN otherwise
    expected: Array  # (series,) ... the curve summed over the same ages; NaN otherwise
    counted: Ints  # (series,) ... the weeks counted; 0 otherwise
    age: Ints  # (series,) age at the first forecast week (negative: launches later)
    start: Ints  # (series,) grid column of age 0 (launch week or first sale; see lifecycle.Ages)


def _like_rows(panel: Panel, like_items: Mapping[Any, Any] | None) -> Ints:
    """Row of each series' like item (-1 if none, or if the like item is not in the history)."""
    like = np.full(len(panel.ids), -1, dtype=np.intp)
    if not like_items:
        return like
    items = panel.ids.get_indexer(list(like_items.keys()))
    likes = panel.ids.get_indexer(list(like_items.values()))
    known = (items >= 0) & (likes >= 0) & (items != likes)
    like[items[known]] = likes[known]
    return like


def fallbacks(
    panel: Panel,
    needed: Mask,
    model_yhat: Array,
    fit_raw: Array,
    deseasonalised: Array,
    future_index: Array,
    like_items: Mapping[Any, Any] | None,
    ages: Ages,
    curve: Array,
) -> Fallbacks:
    """Fallback forecasts for the `needed` series.

    `model_yhat` holds the back-tested series' forecasts (NaN rows elsewhere): a like item
    must have one. `deseasonalised` is sales / seasonal index, stock-outs not imputed.
    `curve` is the (parents, max_age + 1) launch-and-life curve of `curve_matrix`.
    """
    series, horizon = model_yhat.shape
    weeks_on_sale = panel.weeks_on_sale
    on_sale = panel.on_sale
    future_age = age_matrix(ages, np.arange(panel.weeks, panel.weeks + horizon, dtype=np.intp))
    launched = (future_age >= 0) | ~ages.started[:, None]

    like = _like_rows(panel, like_items)
    like_forecast = np.zeros(series, dtype=bool)
    # A like item lends its forecast only when it has one that sells: a delisted like item's
    # zeros say nothing about a new item, whose class curve then does better.
    like_paths = model_yhat[like[like >= 0]]
    like_forecast[like >= 0] = ~any_per_row(np.isnan(like_paths)) & (
        np.nan_to_num(like_paths).sum(axis=1) > 0
    )
    own_sales = (fit_raw * on_sale).sum(axis=1)
    like_sales = np.zeros(series)
    with_like = np.flatnonzero(like >= 0)
    like_sales[with_like] = (fit_raw[like[with_like]] * on_sale[with_like]).sum(axis=1)
    ratio = np.full(series, np.nan)
    ratio[weeks_on_sale == 0] = 1.0
    np.divide(own_sales, like_sales, out=ratio, where=(weeks_on_sale > 0) & (like_sales > 0))
    use_like = needed & like_forecast & ~np.isnan(ratio)
    use_profile = needed & ~use_like & ages.started
    use_zero = needed & ~use_like & ~use_profile

    profile = _scaled_curve(panel, deseasonalised, ages, curve, future_age)
    yhat = np.full((series, horizon), np.nan)
    yhat[use_like] = ratio[use_like, None] * model_yhat[like[use_like]] * launched[use_like]
    yhat[use_profile] = profile.path[use_profile] * future_index[use_profile]
    yhat[use_zero] = 0.0
    model = np.full(series, None, dtype=object)
    model[use_like], model[use_profile], model[use_zero] = "like_item", "parent_profile", "no_history"
    with_sales = use_profile & (weeks_on_sale > 0)
    return Fallbacks(
        model=model,
        yhat=yhat,
        like=np.where(use_like, like, -1).astype(np.intp),
        ratio=np.where(use_like, ratio, np.nan),
        scale=np.where(use_profile, profile.scale, np.nan),
        observed=np.where(with_sales, profile.observed, np.nan),
        expected=np.where(with_sales, profile.expected, np.nan),
        counted=np.where(with_sales, profile.counted, 0).astype(np.intp),
        age=future_age[:, 0].astype(np.intp) if horizon else np.zeros(series, dtype=np.intp),
        start=ages.start,
    )


@dataclass(frozen=True)
class _Scaled:
    path: Array  # (series, horizon) s x curve at each forecast week's age; 0 before the start
    scale: Array
    observed: Array
    expected: Array
    counted: Ints


def _scaled_curve(panel: Panel, deseasonalised: Array, ages: Ages, curve: Array, future_age: Ints) -> _Scaled:
    """Every series' parent_profile path and scale (see the module docstring)."""
    oldest = curve.shape[1] - 1
    rows = curve[panel.parent_of]
    past_age = age_matrix(ages, np.arange(panel.weeks, dtype=np.intp))
    sold = panel.start < panel.weeks
    life = panel.on_sale
    in_stock = life & ~panel.stockout
    counted = np.where(any_per_row(in_stock)[:, None], in_stock, life)
    typical = np.take_along_axis(rows, np.clip(past_age, 0, oldest), axis=1)
    observed = (deseasonalised * counted).sum(axis=1)
    expected = (typical * counted).sum(axis=1)
    weeks = counted.sum(axis=1)
    prior = PRIOR_WEEKS * expected / np.maximum(weeks, 1)
    scale = np.ones(len(sold))
    np.divide(observed + prior, expected + prior, out=scale, where=sold & (expected > 0))
    path = np.take_along_axis(rows, np.clip(future_age, 0, oldest), axis=1) * (future_age >= 0)
    return _Scaled(
        path=scale[:, None] * path,
        scale=scale,
        observed=observed,
        expected=expected,
        counted=weeks.astype(np.intp),
    )
