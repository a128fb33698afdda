"""A run's need and limits per SKU and store, before the allocation: whole units to send, each
store's cap from its room, and the supply a what-if (unlimited stock) assumes. Pure numpy; the
run service (`allocation.runs`) loads the arrays and calls these."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_ROUNDING_SLACK = 1e-9  # 3.0000000001 short after float arithmetic is 3 units, not 4


def whole_unit_need(
    demand_over_coverage: npt.ArrayLike,
    presentation_min: npt.ArrayLike,
    on_hand: npt.ArrayLike,
    in_transit: npt.ArrayLike,
) -> FloatArray:
    """DESIGN.md section 9: forecast over the coverage + presentation minimum - on hand - in
    transit, at least 0, rounded up to whole units (0.2 of a unit short is a unit to send).
    Demand 10.2, minimum 2, on hand 5, in transit 1: 6.2 short, 7 to send."""
    demand, minimum, stock, transit = (
        np.asarray(part, dtype=np.float64)
        for part in (demand_over_coverage, presentation_min, on_hand, in_transit)
    )
    raw = demand + minimum - stock - transit
    return np.asarray(np.ceil(np.maximum(raw, 0.0) - _ROUNDING_SLACK), dtype=np.float64)


def store_caps(need: FloatArray, room: FloatArray) -> FloatArray:
    """Per SKU and store (need is SKUs x stores), the most units the store may get: where its
    room (capacity - stock, inf for no limit) is less than the run's total need there, each
    SKU's part of the room in proportion to its need (rounded down); no cap (inf) where the room
    holds it all. Room 30 and needs 20 and 40: 10 and 20."""
    total = need.sum(axis=0)
    tight = np.isfinite(room) & (total > room)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.floor(need * np.where(total > 0, room / np.where(total > 0, total, 1.0), 0.0))
    return np.asarray(np.where(tight[None, :], part, np.inf), dtype=np.float64)


def unlimited_supply(need: FloatArray, caps: FloatArray, pack_size: int) -> IntArray:
    """A what-if's supply per SKU: every store's need in whole packs (rounded up), within its cap
    in whole packs (rounded down). Need 7 and 3 in packs of 4, no cap: 8 + 4 = 12; a cap of 5 on
    the first store: 4 + 4 = 8."""
    packs = np.minimum(np.ceil(need / pack_size), np.floor(caps / pack_size))
    supply = (packs * pack_size).sum(axis=1)
    return np.where(np.isfinite(supply), supply, 0).astype(np.int64)
