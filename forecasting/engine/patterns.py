"""Demand patterns (Syntetos-Boylan): how often an item sells and how much the sizes vary.

ADI, the average demand interval, is on-sale weeks with stock per week with a sale; CV2 is the
squared coefficient of variation of the non-zero weekly sales (population variance / mean^2).
Stock-out weeks are left out of both: a week without stock says nothing about demand.

            CV2 < 0.49      CV2 >= 0.49
ADI < 1.32  smooth          erratic
ADI >= 1.32 intermittent    lumpy
and no_demand for an item without a sale in a week with stock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from forecasting.engine.panel import Array, Mask, Panel, build_panel
from forecasting.engine.validation import check_history

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")


@dataclass(frozen=True)
class Patterns:
    adi: Array  # NaN for no_demand
    cv2: Array  # NaN for no_demand
    pattern: npt.NDArray[np.object_]  # one of PATTERNS

    @property
    def intermittent(self) -> Mask:
        """Gets the intermittent-demand models: intermittent, lumpy and no_demand."""
        slow: Mask = ~(self.adi < ADI_CUTOFF)
        return slow


def pattern_stats(panel: Panel) -> Patterns:
    known = panel.on_sale & ~panel.stockout
    sold = known & (panel.sales > 0)
    weeks = known.sum(axis=1)
    selling_weeks = sold.sum(axis=1)
    has_sales = selling_weeks > 0
    adi = np.full(len(weeks), np.nan)
    np.divide(weeks, selling_weeks, out=adi, where=has_sales)

    sizes = np.where(sold, panel.sales, 0.0)
    mean = np.zeros(len(weeks))
    np.divide(sizes.sum(axis=1), selling_weeks, out=mean, where=has_sales)
    deviation = np.where(sold, panel.sales - mean[:, None], 0.0)
    variance = np.zeros(len(weeks))
    np.divide((deviation**2).sum(axis=1), selling_weeks, out=variance, where=has_sales)
    cv2 = np.full(len(weeks), np.nan)
    np.divide(variance, mean**2, out=cv2, where=has_sales & (mean > 0))

    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    pattern = np.select(
        [~has_sales, frequent & steady, frequent, steady],
        ["no_demand", "smooth", "erratic", "intermittent"],
        default="lumpy",
    ).astype(object)
    return Patterns(adi=adi, cv2=cv2, pattern=pattern)


def demand_patterns(history: pd.DataFrame) -> pd.DataFrame:
    """Columns unique_id, adi, cv2, pattern; one row per unique_id, sorted by it.

    `history` as for `forecast`: unique_id, ds, y and optionally is_stockout.
    """
    panel = build_panel(check_history(history))
    stats = pattern_stats(panel)
    return pd.DataFrame(
        {"unique_id": panel.ids.to_numpy(), "adi": stats.adi, "cv2": stats.cv2, "pattern": stats.pattern}
    )
