"""Demand and need for a new product with no sales history of its own.

The total weekly rate comes from the plan (or a like item's rate); it is spread over the stores in
proportion to what a like item sold in each store, because where the like item sold is the best
guess at where the new one will. If the like item sold nothing anywhere, the shares come from a
fallback weight (e.g. store capacity or grade), and are equal without one. Stores where the like
item sold nothing (while it sold elsewhere) get no demand: ``launch_need`` still sends them their
presentation minimum.

Hand-checked: 30 a week, like item sold 20 / 10 / 0 / 30 (60 in all) -> shares 1/3, 1/6, 0, 1/2
-> 10 / 5 / 0 / 15 a week. Over 4 weeks with a presentation minimum of 3: 43 / 23 / 3 / 63.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocation.engine.allocate import AllocationInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EPSILON = 1e-9  # units: 12.000000001 from float noise is 12, not 13


def launch_demand(
    total_weekly: float,
    like_units: npt.ArrayLike,
    fallback_weight: npt.ArrayLike | None = None,
) -> FloatArray:
    """Weekly demand per store (S,) adding up to ``total_weekly``: shares of the like item's units
    per store (S,) if it sold anything, else of ``fallback_weight`` (S,), else equal shares."""
    if not np.isfinite(total_weekly) or total_weekly < 0:
        raise AllocationInputError("Total weekly demand must be a number of at least 0.")
    like = _per_store(like_units, "like-item units", None)
    weight = like
    if like.sum() <= 0:
        weight = (
            _per_store(fallback_weight, "fallback weight", like.size)
            if fallback_weight is not None
            else np.ones(like.size)
        )
        if weight.sum() <= 0:
            weight = np.ones(like.size)
    return np.asarray(total_weekly * weight / weight.sum(), dtype=np.float64)


def launch_need(
    weekly_demand: npt.ArrayLike,
    coverage_weeks: float,
    presentation_min: npt.ArrayLike = 0,
) -> IntArray:
    """Whole units per store (S,) for the first shipment: demand over the coverage weeks plus the
    presentation minimum (scalar or (S,)), rounded up (there is no stock yet to subtract)."""
    demand = _per_store(weekly_demand, "weekly demand", None)
    if not np.isfinite(coverage_weeks) or coverage_weeks < 0:
        raise AllocationInputError("Coverage weeks must be a number of at least 0.")
    minimum = np.asarray(presentation_min, dtype=np.float64)
    if minimum.ndim == 0:
        minimum = np.full(demand.size, float(minimum))
    minimum = _per_store(minimum, "presentation minimum", demand.size)
    return np.ceil(demand * coverage_weeks + minimum - _EPSILON).astype(np.int64)


def _per_store(values: npt.ArrayLike, name: str, stores: int | None) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise AllocationInputError(f"{name.capitalize()} must be one number per store.")
    if stores is not None and array.size != stores:
        raise AllocationInputError(f"{name.capitalize()} has {array.size} values for {stores} stores.")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise AllocationInputError(f"{name.capitalize()} must be numbers of at least 0.")
    return array
