"""The week-by-week pieces of the demo history, on plain arrays and the style-color table:
an item's lifecycle and clearance curves, the weekly order-up-to replenishment that caps sales
by the stock available, and the weeks a stock position changed. Pure: numpy and pandas only
(`planning.demo.generator` puts them together per batch of style-colors)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

COVER_WEEKS = 3  # stores are replenished up to about three weeks of expected demand
PRESENTATION_MIN = 2  # units a store keeps on the floor per SKU


def lifecycle_curve(colors: pd.DataFrame, weeks: int) -> FloatArray:
    """Demand shape over an item's life: flat for basics, a rise-and-fall for a season's item."""
    t = np.arange(weeks)[None, :]
    launch = colors["launch_week"].to_numpy()[:, None]
    season_end = colors["season_end_week"].to_numpy()[:, None]
    lifecycle = colors["lifecycle"].to_numpy()[:, None]
    since = t - launch
    length = np.maximum(season_end - launch + 1, 1)
    seasonal = np.where(
        (since >= 0) & (t <= season_end), np.clip(np.sin(np.pi * (since + 0.5) / length), 0, 1) ** 0.5, 0.0
    )
    ramp = np.where(since >= 0, 1 - np.exp(-(since + 1) / 2), 0.0)
    return np.where(lifecycle == "basic", 1.0, np.where(lifecycle == "new", ramp, seasonal))


def clearance_discount(colors: pd.DataFrame, weeks: int) -> FloatArray:
    """Seasonal items are marked down 30% then 50% over their last four weeks."""
    t = np.arange(weeks)[None, :]
    end = colors["season_end_week"].to_numpy()[:, None]
    seasonal = (colors["lifecycle"].to_numpy() == "seasonal")[:, None]
    weeks_left = end - t
    discount = np.where(
        (weeks_left >= 0) & (weeks_left < 2), 0.5, np.where((weeks_left >= 2) & (weeks_left < 4), 0.3, 0.0)
    )
    return np.where(seasonal, discount, 0.0)


def replenish(
    demand: IntArray,
    expected: FloatArray,
    live: npt.NDArray[np.bool_],
    colors: pd.DataFrame,
    pair_color: IntArray,
    n_weeks: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """Weekly order-up-to replenishment; sales are demand capped by the stock available."""
    n_pairs = demand.shape[0]
    cover = np.zeros_like(expected)
    for k in range(COVER_WEEKS):  # expected demand over the next COVER_WEEKS weeks
        cover[:, : n_weeks - k] += expected[:, k:]
    target = np.where(live, np.ceil(cover + PRESENTATION_MIN), 0).astype(np.int64)
    start = colors["disruption_start"].to_numpy()[pair_color]
    stop = start + colors["disruption_weeks"].to_numpy()[pair_color]
    sales = np.zeros((n_pairs, n_weeks), dtype=np.int64)
    on_hand = np.zeros((n_pairs, n_weeks), dtype=np.int64)
    in_transit = np.zeros((n_pairs, n_weeks), dtype=np.int64)
    stock = np.zeros(n_pairs, dtype=np.int64)
    arriving = np.zeros(n_pairs, dtype=np.int64)
    was_live = np.zeros(n_pairs, dtype=bool)
    for t in range(n_weeks):
        is_live = live[:, t]
        first_week = is_live & ~was_live & (stock == 0)
        stock = stock + arriving + np.where(first_week, target[:, t], 0)
        sold = np.where(is_live, np.minimum(demand[:, t], stock), 0)
        stock = stock - sold
        # At the end of an item's life the remaining units go back to the DC.
        ended = was_live & ~is_live
        stock = np.where(ended, 0, stock)
        next_target = target[:, t + 1] if t + 1 < n_weeks else target[:, t]
        disrupted = (t >= start) & (t < stop)
        needs = is_live & ~disrupted & (stock < 0.6 * next_target)
        arriving = np.where(needs, np.maximum(next_target - stock, 0), 0)
        sales[:, t], on_hand[:, t], in_transit[:, t] = sold, stock, arriving
        was_live = is_live | (was_live & (stock > 0))
    return sales, on_hand, in_transit


def changed_positions(on_hand: IntArray, in_transit: IntArray) -> tuple[IntArray, IntArray]:
    """(pair, week) where the stock position differs from the week before: sparse storage."""
    previous_on_hand = np.concatenate([np.zeros((on_hand.shape[0], 1), np.int64), on_hand[:, :-1]], axis=1)
    previous_transit = np.concatenate(
        [np.zeros((in_transit.shape[0], 1), np.int64), in_transit[:, :-1]], axis=1
    )
    changed = (on_hand != previous_on_hand) | (in_transit != previous_transit)
    rows, columns = np.nonzero(changed)
    return rows.astype(np.int64), columns.astype(np.int64)
