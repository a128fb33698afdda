"""Stock-out weeks: zero or low sales because there was nothing to sell, not zero demand.

For fitting, each stock-out week of an item gets the straight line between the deseasonalised
sales of the nearest in-stock weeks before and after it (the end ones held flat), then the
season back: models learn the demand, not the empty shelf. Scoring and the statistics skip
those weeks instead (patterns.py, backtest.py).
"""

from __future__ import annotations

import numpy as np

from forecasting.engine.panel import Array, Mask


def interpolate(values: Array, on_sale: Mask, stockout: Mask) -> Array:
    """`values` (series, weeks) with the on-sale stock-out cells replaced by linear interpolation
    along each row between in-stock on-sale cells; a row without any keeps its values."""
    series, weeks = values.shape
    columns = np.broadcast_to(np.arange(weeks), (series, weeks))
    known = on_sale & ~stockout
    previous = np.maximum.accumulate(np.where(known, columns, -1), axis=1)
    following = np.minimum.accumulate(np.where(known, columns, weeks)[:, ::-1], axis=1)[:, ::-1]
    has_previous = previous >= 0
    has_following = following < weeks
    before = np.take_along_axis(values, np.maximum(previous, 0), axis=1)
    after = np.take_along_axis(values, np.minimum(following, weeks - 1), axis=1)
    gap = np.maximum(following - previous, 1)
    between = before + (after - before) * (columns - previous) / gap
    filled = np.select(
        [has_previous & has_following, has_previous, has_following], [between, before, after], default=values
    )
    out: Array = np.where(on_sale & stockout, filled, values)
    return out
