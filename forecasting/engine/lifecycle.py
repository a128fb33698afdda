"""Launch-and-life curves: how a typical item of a parent (class) sells by age, retail practice.

A class's items follow a typical launch-and-life curve (a basic ramps up and stays, a season's
item rises and falls over its season), so a young item is forecast from that curve, scaled by
how it has sold so far (fallbacks.py).

Age 0 is an item's start: its launch week when a launch date is given and is not later than
its first sale, else its first week with a sale. Only items seen from age 0 shape the curve below
max_age; the last age, max_age, stands for "max_age weeks or older" and pools every later week.
Two kinds of items are not seen young, and count only where their age is surely >= max_age:
- an item selling from the first weeks of the data (its first sale within CENSORED_WEEKS of the
  first sale of any item) without an earlier launch date: the data cut its life off, its age is
  unknown (at least the weeks since the data start);
- an item launched before the data start: its early ages are unseen, and the ones seen are a
  survivor's (the items of its cohort that died young are not in the data at all), so a young
  item's curve would follow the basics that lasted.

Cells: every week of a sold item from its first sale with stock (a stock-out week says nothing
about demand), units / the parent's seasonal index. Weeks between a launch date and the first
sale do not count: the item may not have reached the stores, or the data may not go back that
far (a dense extract fills weeks before its own start with zeros). An item that exited - no
sale in the last max(8, 3 x its mean weeks between sales) weeks of the history - counts its
weeks after the last sale as zeros, stock or not: a delisted item has no stock, and a life curve
that falls to zero is the point for seasonal items. Weeks beyond the history are not imputed.

Curve per parent: the mean of the cells at each age (for ages below max_age each item has at
most one cell, so it is the mean over the items observed at that age). With n of the parent's
items seen at an age, it is shrunk toward the all-parents curve with weight n / (n + 5); the
all-parents curve is first put at the parent's level (x its item-weighted mean over the
parent's ages below max_age / the same mean of the all-parents curve), so a class of small
items borrows the pooled shape, not the pooled size. Ages no item reached carry the nearest
younger age (before the youngest seen: the youngest), and a parent without any cell takes the
pooled curve; with no cell anywhere the curve is flat at the mean in-stock weekly rate. Ages
1..max_age-2 then get a light centred 3-week smoothing (age 0, the launch week, keeps its own
value; so do the last two ages, next to the pooled max_age which is not one week's).

Measured on the medium demo retailer, a mean of units scaled per item (a Poisson
fixed-effects fit) gave a better shape where the items seen young and old differ, but its level
is not identified across differently shaped items (basics and seasonal items in one class) and
it overshot badly once exited items were in the history; the plain mean is robust and
explainable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasting.engine.panel import Array, Ints, Mask, Panel, build_panel
from forecasting.engine.profile import profile_matrix, series_index
from forecasting.engine.validation import check_history, check_launches, check_max_age, check_season_length

MAX_AGE = 52
CENSORED_WEEKS = 4  # a first sale this close to the data start may be a continuing item's
EXIT_WEEKS = 8  # at least this many weeks without a sale at the end of the history: exited
EXIT_GAPS = 3  # ... and at least this many times the item's mean weeks between sales
SHRINK_ITEMS = 5.0  # the parent's curve at an age weighs n / (n + SHRINK_ITEMS)


@dataclass(frozen=True)
class Ages:
    start: Ints  # (series,) grid column of age 0; < 0 before the history, >= weeks after it
    started: Mask  # sold, or has a launch date: `start` is meaningful
    seen_young: Mask  # seen from age 0: a known start (launch, or a first sale after the data
    # start) inside the data; the others count only where their age is surely >= max_age
    has_launch: Mask  # a launch date was given


def item_ages(panel: Panel, launches: Mapping[Any, pd.Timestamp]) -> Ages:
    """Each series' age origin; `launches` as returned by `check_launches`. A launch date
    anywhere in a week is that week (weeks are the grid's: 7 days from each history date)."""
    series = len(panel.ids)
    launch = np.zeros(series, dtype=np.intp)
    has_launch = np.zeros(series, dtype=bool)
    if launches:
        rows = panel.ids.get_indexer(pd.Index(list(launches.keys()), dtype=object))
        days = (pd.DatetimeIndex(list(launches.values())) - panel.dates[0]).days.to_numpy()
        found = rows >= 0
        launch[rows[found]] = np.floor_divide(days[found], 7)
        has_launch[rows[found]] = True
    sold = panel.start < panel.weeks
    from_launch = has_launch & (~sold | (launch <= panel.start))
    start = np.where(from_launch, launch, panel.start).astype(np.intp)
    started = sold | has_launch
    data_start = int(panel.start.min()) if series else 0
    first_sale_known = sold & (panel.start >= data_start + CENSORED_WEEKS)
    seen_young = (from_launch | first_sale_known) & (start >= data_start)
    return Ages(start=start, started=started, seen_young=seen_young, has_launch=has_launch)


def age_matrix(ages: Ages, columns: Ints) -> Ints:
    """(series, len(columns)) age at each grid column (negative before the start)."""
    age: Ints = columns[None, :] - ages.start[:, None]
    return age


def exited_after(panel: Panel) -> Mask:
    """(series, weeks): the weeks after the last sale of an item that exited (module docstring)."""
    weeks = panel.weeks
    selling = panel.sales > 0
    sold = panel.start < weeks
    last = weeks - 1 - np.argmax(selling[:, ::-1], axis=1)
    mean_gap = (last - panel.start + 1) / np.maximum(selling.sum(axis=1), 1)
    exited = sold & (weeks - 1 - last >= np.maximum(EXIT_WEEKS, EXIT_GAPS * mean_gap))
    after: Mask = exited[:, None] & (np.arange(weeks)[None, :] > last[:, None])
    return after


@dataclass(frozen=True)
class _Cells:
    item: Ints  # series row of each cell, ascending (row-major order)
    age: Ints  # 0..max_age
    units: Array  # deseasonalised units


def _cells(panel: Panel, deseasonalised: Array, ages: Ages, max_age: int) -> _Cells:
    columns = np.arange(panel.weeks, dtype=np.intp)
    data_start = int(panel.start.min()) if len(panel.start) else 0
    # An item not seen young is at least as old as since its launch or since the data start.
    oldest_start = np.minimum(ages.start, data_start)
    counted = (
        panel.on_sale
        & (~panel.stockout | exited_after(panel))
        & (ages.seen_young[:, None] | (columns[None, :] - oldest_start[:, None] >= max_age))
    )
    rows, cols = np.nonzero(counted)
    age = np.where(ages.seen_young[rows], np.minimum(cols - ages.start[rows], max_age), max_age)
    return _Cells(item=rows.astype(np.intp), age=age.astype(np.intp), units=deseasonalised[rows, cols])


def _mean_by_age(cells: _Cells, group_of: Ints, groups: int, ages: int) -> tuple[Array, Array]:
    """(groups, ages) mean units per cell (NaN where none) and count of distinct items, for the
    items of each group (`group_of` per series row)."""
    size = groups * ages
    key = group_of[cells.item] * ages + cells.age
    total = np.bincount(key, cells.units, minlength=size).astype(np.float64)
    weeks = np.bincount(key, minlength=size).astype(np.float64)
    mean = np.full(size, np.nan)
    np.divide(total, weeks, out=mean, where=weeks > 0)
    series = int(group_of.shape[0])
    pairs = np.unique(key.astype(np.int64) * series + cells.item)
    items = np.bincount(pairs // series, minlength=size).astype(np.float64)
    return mean.reshape(groups, ages), items.reshape(groups, ages)


def _carry(curve: Array) -> Array:
    """Fill NaN along each row with the nearest value to its left, then to its right."""
    frame = pd.DataFrame(curve)
    filled: Array = frame.ffill(axis=1).bfill(axis=1).to_numpy(dtype=np.float64)
    return filled


def curve_matrix(panel: Panel, deseasonalised: Array, ages: Ages, max_age: int) -> Array:
    """(parents, max_age + 1) launch-and-life curve in deseasonalised units of a typical item."""
    width = max_age + 1
    parents = len(panel.parents)
    cells = _cells(panel, deseasonalised, ages, max_age)
    own, counts = _mean_by_age(cells, panel.parent_of, parents, width)
    pooled, _ = _mean_by_age(cells, np.zeros(len(panel.ids), dtype=np.intp), 1, width)
    pooled = _carry(pooled)

    # The pooled shape at the parent's level: matched over the parent's young ages (all ages
    # when it has none younger than max_age), each age weighted by its item count.
    seen = counts > 0
    young = seen.copy()
    young[:, -1] &= ~young[:, :-1].any(axis=1)
    weights = np.where(young & ~np.isnan(pooled), counts, 0.0)
    own_sum = (np.nan_to_num(own) * weights).sum(axis=1)
    pooled_sum = (np.nan_to_num(pooled) * weights).sum(axis=1)
    level = np.ones(parents)
    np.divide(own_sum, pooled_sum, out=level, where=pooled_sum > 0)
    borrowed = level[:, None] * pooled

    share = counts / (counts + SHRINK_ITEMS)
    curve = np.where(seen, share * np.nan_to_num(own) + (1 - share) * np.nan_to_num(borrowed), borrowed)
    curve = _carry(curve)
    curve[np.isnan(curve).all(axis=1)] = _flat_rate(panel, deseasonalised)
    smooth = curve.copy()
    if max_age >= 3:
        smooth[:, 1:-2] = (curve[:, :-3] + curve[:, 1:-2] + curve[:, 2:-1]) / 3
    return np.maximum(smooth, 0.0)


def _flat_rate(panel: Panel, deseasonalised: Array) -> float:
    """Mean deseasonalised units per in-stock week on sale over every item: the curve where no
    item has a usable age at all (nothing sold)."""
    known = panel.on_sale & ~panel.stockout
    weeks = int(known.sum())
    return float((deseasonalised * known).sum() / weeks) if weeks else 0.0


def age_curves(
    history: pd.DataFrame,
    season_length: int = 52,
    launches: Mapping[Any, Any] | None = None,
    max_age: int = MAX_AGE,
) -> pd.DataFrame:
    """The launch-and-life curve of each parent: columns parent, age (0..max_age), units.

    `history` as for `forecast`; `launches` maps unique_id to a launch date (any day of its
    week). units: a typical item's weekly sales at that age, seasonally adjusted (divided by
    the parent's seasonal index); age max_age stands for max_age weeks and older.
    """
    season_length = check_season_length(season_length)
    max_age = check_max_age(max_age)
    known_launches = check_launches(launches)
    panel = build_panel(check_history(history))
    index = series_index(panel, profile_matrix(panel, season_length), panel.dates, season_length)
    curve = curve_matrix(panel, panel.sales / index, item_ages(panel, known_launches), max_age)
    return pd.DataFrame(
        {
            "parent": np.repeat(panel.parents.to_numpy(), max_age + 1),
            "age": np.tile(np.arange(max_age + 1), len(panel.parents)),
            "units": curve.ravel(),
        }
    )
