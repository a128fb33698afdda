"""Size curves: each size's share of its style-color's sales, and splitting forecasts by them.

A size's recent units are its sales over the last `weeks` weeks of the whole frame, each week
weighted 0.5 ** (age / half_life_weeks) (the latest week has age 0). Thirteen weeks of one
style-color are few units, so the share is smoothed toward the item's full-history curve (a
uniform curve over its sizes when it has sold nothing) with `prior_units` pseudo-units:
    share = (recent units of the size + prior_units x prior share) / (recent units + prior_units)
then normalised so that an item's shares sum to 1 to the last bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.engine.validation import check_history


def _check_settings(weeks: int, half_life_weeks: float, prior_units: float) -> None:
    if not isinstance(weeks, int) or isinstance(weeks, bool) or weeks < 1:
        raise ValueError(f"weeks: expected a whole number of weeks >= 1, got {weeks!r}")
    if not half_life_weeks > 0:
        raise ValueError(f"half_life_weeks: expected a positive number of weeks, got {half_life_weeks!r}")
    if not prior_units >= 0:
        raise ValueError(f"prior_units: expected a number of units >= 0, got {prior_units!r}")


def size_curves(
    sales: pd.DataFrame, *, weeks: int = 13, half_life_weeks: float = 4.0, prior_units: float = 10.0
) -> pd.DataFrame:
    """Columns unique_id, size_id, share, sorted; every size in `sales` appears, sold or not.

    `sales`: unique_id (the style-color), size_id, ds (weekly datetime64), y (units >= 0).
    """
    _check_settings(weeks, half_life_weeks, prior_units)
    if isinstance(sales, pd.DataFrame) and sales.empty:
        return pd.DataFrame({"unique_id": [], "size_id": [], "share": []})  # nothing sold, nothing to split
    frame = check_history(sales, name="sales", keys=("unique_id", "size_id"))
    age = ((frame["ds"].max() - frame["ds"]) / pd.Timedelta(days=7)).to_numpy(dtype=np.float64)
    y = frame["y"].to_numpy()
    parts = pd.DataFrame(
        {
            "unique_id": frame["unique_id"],
            "size_id": frame["size_id"],
            "recent": np.where(age < weeks, y * 0.5 ** (age / half_life_weeks), 0.0),
            "total": y,
        }
    )
    sizes = parts.groupby(["unique_id", "size_id"], sort=True).sum().reset_index()
    item = sizes.groupby("unique_id", sort=False)
    item_recent = item["recent"].transform("sum").to_numpy()
    item_total = item["total"].transform("sum").to_numpy()
    count = item["total"].transform("size").to_numpy()
    total = sizes["total"].to_numpy()
    prior = np.divide(total, item_total, out=1.0 / count, where=item_total > 0)
    denominator = item_recent + prior_units
    share = np.divide(
        sizes["recent"].to_numpy() + prior_units * prior, denominator, out=prior.copy(), where=denominator > 0
    )
    sizes["share"] = share
    sizes["share"] = share / sizes.groupby("unique_id", sort=False)["share"].transform("sum").to_numpy()
    return sizes.loc[:, ["unique_id", "size_id", "share"]]


def split_to_sizes(forecasts: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Columns unique_id, size_id, ds, yhat: each item's weekly yhat times each size's share, in
    fractional units (rounding to whole units is the caller's, with the largest remainder)."""
    for frame, name, columns in (
        (forecasts, "forecasts", ("unique_id", "ds", "yhat")),
        (shares, "shares", ("unique_id", "size_id", "share")),
    ):
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    without = pd.Index(forecasts["unique_id"].unique()).difference(pd.Index(shares["unique_id"].unique()))
    if len(without):
        raise ValueError(
            f"shares: no size curve for {len(without):,} forecast item(s), the first {without[0]!r}"
        )
    split = forecasts.loc[:, ["unique_id", "ds", "yhat"]].merge(
        shares.loc[:, ["unique_id", "size_id", "share"]], on="unique_id", how="inner"
    )
    split["yhat"] = split["yhat"].to_numpy() * split["share"].to_numpy()
    return (
        split.loc[:, ["unique_id", "size_id", "ds", "yhat"]]
        .sort_values(["unique_id", "ds", "size_id"], kind="stable")
        .reset_index(drop=True)
    )
