"""Forecasts for series too short to back-test: like item, parent profile, or zero.

- like_item: a like item with a back-tested forecast lends its forecast path, scaled by this
  item's sales over its weeks on sale divided by the like item's sales over the same weeks
  (stock-outs imputed in both); by 1 when the item has not sold yet.
- parent_profile: the item's mean deseasonalised rate over its in-stock weeks on sale, times
  the parent's seasonal index of each forecast week.
- no_history: no sale and no usable like item: zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.engine.panel import Array, Ints, Mask, Objects, Panel, any_per_row


@dataclass(frozen=True)
class Fallbacks:
    model: Objects  # (series,) fallback name, None where not a fallback
    yhat: Array  # (series, horizon), NaN where not a fallback
    like: Ints  # (series,) row of the like item used, -1 if none
    ratio: Array  # (series,) like-item scale, NaN if none
    rate: Array  # (series,) deseasonalised weekly rate of a parent_profile series, NaN otherwise


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
) -> Fallbacks:
    """Fallback forecasts for the `needed` series.

    `model_yhat` holds the back-tested series' forecasts (NaN rows elsewhere): a like item
    must have one. `deseasonalised` is sales / seasonal index, stock-outs not imputed.
    """
    series, horizon = model_yhat.shape
    weeks_on_sale = panel.weeks_on_sale
    on_sale = panel.on_sale

    like = _like_rows(panel, like_items)
    like_forecast = np.zeros(series, dtype=bool)
    like_forecast[like >= 0] = ~any_per_row(np.isnan(model_yhat[like[like >= 0]]))
    own_sales = (fit_raw * on_sale).sum(axis=1)
    like_sales = np.zeros(series)
    with_like = np.flatnonzero(like >= 0)
    like_sales[with_like] = (fit_raw[like[with_like]] * on_sale[with_like]).sum(axis=1)
    ratio = np.full(series, np.nan)
    ratio[weeks_on_sale == 0] = 1.0
    np.divide(own_sales, like_sales, out=ratio, where=(weeks_on_sale > 0) & (like_sales > 0))
    use_like = needed & like_forecast & ~np.isnan(ratio)

    known = on_sale & ~panel.stockout
    counted = np.where(any_per_row(known)[:, None], known, on_sale)  # all stock-outs: the floor we have
    weeks = counted.sum(axis=1)
    rate = np.full(series, np.nan)
    np.divide((deseasonalised * counted).sum(axis=1), weeks, out=rate, where=weeks > 0)
    use_profile = needed & ~use_like & (weeks_on_sale > 0)
    use_zero = needed & ~use_like & ~use_profile

    yhat = np.full((series, horizon), np.nan)
    yhat[use_like] = ratio[use_like, None] * model_yhat[like[use_like]]
    yhat[use_profile] = rate[use_profile, None] * future_index[use_profile]
    yhat[use_zero] = 0.0
    model = np.full(series, None, dtype=object)
    model[use_like], model[use_profile], model[use_zero] = "like_item", "parent_profile", "no_history"
    return Fallbacks(
        model=model,
        yhat=yhat,
        like=np.where(use_like, like, -1).astype(np.intp),
        ratio=np.where(use_like, ratio, np.nan),
        rate=np.where(use_profile, rate, np.nan),
    )
