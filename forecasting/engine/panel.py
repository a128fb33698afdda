"""The long history as a dense panel: series x weeks on one global weekly grid.

Every later stage is array math on this panel instead of a loop over series. The history is
sparse (a week without a row sold nothing), so missing cells are zero sales. An item is on sale
from its first week with a sale to the end of the grid: the weeks before its first sale are not
on sale and take no part in fitting, scoring or statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]
Objects = npt.NDArray[np.object_]

DEFAULT_PARENT = "all"  # the one group when the history has no parent column


@dataclass(frozen=True)
class Panel:
    ids: pd.Index  # unique ids, sorted; row i of every array is ids[i]
    dates: pd.DatetimeIndex  # the global weekly grid, first to last date of the history
    sales: Array  # (series, weeks), zero where the history has no row
    stockout: Mask  # (series, weeks): no stock, so the sales understate demand
    start: Ints  # first week on sale (the first sale); `weeks` for an item that never sold
    parents: pd.Index  # parent labels, sorted
    parent_of: Ints  # each series' parent: its latest row's, as an index into `parents`

    @property
    def weeks(self) -> int:
        return len(self.dates)

    @property
    def on_sale(self) -> Mask:
        on: Mask = np.arange(self.weeks)[None, :] >= self.start[:, None]
        return on

    @property
    def weeks_on_sale(self) -> Ints:
        return (self.weeks - self.start).astype(np.intp)


def any_per_row(mask: Mask) -> Mask:
    """Whether each row of a (rows, columns) mask has a True."""
    out: Mask = np.logical_or.reduce(mask, axis=1)
    return out


def build_panel(history: pd.DataFrame) -> Panel:
    """Panel from a history already passed through `check_history`."""
    codes, ids = pd.factorize(history["unique_id"], sort=True)
    origin = history["ds"].min()
    week = ((history["ds"] - origin) // pd.Timedelta(days=7)).to_numpy(dtype=np.intp)
    weeks = int(week.max()) + 1
    sales = np.zeros((len(ids), weeks))
    sales[codes, week] = history["y"].to_numpy(dtype=np.float64)
    stockout = np.zeros((len(ids), weeks), dtype=bool)
    if "is_stockout" in history.columns:
        stockout[codes, week] = history["is_stockout"].to_numpy(dtype=bool)

    sold = sales > 0
    start = np.where(sold.any(axis=1), sold.argmax(axis=1), weeks).astype(np.intp)

    if "parent" in history.columns:
        # An item that moved class takes its latest parent.
        order = np.lexsort((week, codes))
        last = order[np.r_[codes[order][1:] != codes[order][:-1], True]]
        parent_codes, parents = pd.factorize(history["parent"].to_numpy()[last], sort=True)
        parent_of = parent_codes.astype(np.intp)
    else:
        parents = pd.Index([DEFAULT_PARENT])
        parent_of = np.zeros(len(ids), dtype=np.intp)
    return Panel(
        ids=pd.Index(ids),
        dates=pd.date_range(origin, periods=weeks, freq="7D"),
        sales=sales,
        stockout=stockout,
        start=start,
        parents=pd.Index(parents),
        parent_of=parent_of,
    )


def rows_of(panel: Panel, keep: Mask) -> Panel:
    """The panel of the kept series, on the same weekly grid and with the same parents."""
    if keep.all():
        return panel
    return Panel(
        ids=panel.ids[keep],
        dates=panel.dates,
        sales=panel.sales[keep],
        stockout=panel.stockout[keep],
        start=panel.start[keep],
        parents=panel.parents,
        parent_of=panel.parent_of[keep],
    )


def weeks_before(panel: Panel, cut: int) -> Panel:
    """The panel's first `cut` weeks: what was known at a back-test origin."""
    return Panel(
        ids=panel.ids,
        dates=panel.dates[:cut],
        sales=panel.sales[:, :cut],
        stockout=panel.stockout[:, :cut],
        start=np.minimum(panel.start, cut).astype(np.intp),
        parents=panel.parents,
        parent_of=panel.parent_of,
    )


def week_positions(dates: pd.DatetimeIndex, season_length: int) -> Ints:
    """Position of each date in the seasonal cycle: week of the calendar year from day 1 of
    January, capped at season_length - 1 (day 365/366 joins the last week)."""
    positions: Ints = np.minimum((dates.dayofyear.to_numpy() - 1) // 7, season_length - 1).astype(np.intp)
    return positions


def future_dates(panel: Panel, horizon: int) -> pd.DatetimeIndex:
    """The `horizon` weeks after the last date of the whole history."""
    return pd.date_range(panel.dates[-1] + pd.Timedelta(days=7), periods=horizon, freq="7D")
