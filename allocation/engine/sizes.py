"""Splitting whole-unit totals across sizes by a size curve.

A store's allocation of a style is decided in total; the size curve (the share of sales each size
takes) then says how many of each size to send. The split must be whole units and must add up
exactly to the store's total, so it is the floor of each ideal share plus one unit each to the
largest remainders (ties to the size with the larger share, then to the first size).

Hand-checked: 10 units on the curve 0.15 / 0.35 / 0.35 / 0.15 -> ideals 1.5 / 3.5 / 3.5 / 1.5,
floors 1 / 3 / 3 / 1 = 8; the 2 units left go to the remainders of 0.5, which all tie, so to the
larger shares (the two middle sizes): 1 / 4 / 4 / 1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocation.engine.allocate import AllocationInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EPSILON = 1e-9  # units: float noise in an ideal share is not a remainder


def size_split(total: float | int | npt.ArrayLike, curve: npt.ArrayLike) -> IntArray:
    """Whole units per size and store (Z, S) adding up exactly to each store's total.

    total: whole units per store (S,), per SKU (K,) or a scalar (the result is then (Z,));
    curve: (Z,) non-negative shares, normalised here (an all-zero curve means equal shares).
    Every size is less than one unit from its ideal ``share x total``.
    """
    totals = np.asarray(total, dtype=np.float64)
    scalar = totals.ndim == 0
    if totals.ndim > 1:
        raise AllocationInputError("Total must be a number or one number per store.")
    if not np.all(np.isfinite(totals)) or np.any(totals < 0) or np.any(totals != np.floor(totals)):
        raise AllocationInputError("Total must be whole units, at least 0.")
    totals = totals.reshape(-1)
    shares = _shares(curve)
    ideal = shares[:, None] * totals[None, :]
    whole = np.floor(ideal + _EPSILON)
    # Rounded so float noise does not decide ties: equal remainders go to the larger share.
    remainder = np.round(np.maximum(ideal - whole, 0.0), 9)
    extra = np.rint(totals - whole.sum(axis=0)).astype(np.int64)
    index = np.broadcast_to(np.arange(ideal.shape[0])[:, None], ideal.shape)
    order = np.lexsort((index, np.broadcast_to(-shares[:, None], ideal.shape), -remainder), axis=0)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, index, axis=0)
    split = (whole + (rank < extra[None, :])).astype(np.int64)
    return np.asarray(split[:, 0] if scalar else split, dtype=np.int64)


def _shares(curve: npt.ArrayLike) -> FloatArray:
    """The curve as shares adding up to 1 (equal shares when it is all zero)."""
    weights = np.asarray(curve, dtype=np.float64)
    if weights.ndim != 1 or weights.size == 0:
        raise AllocationInputError("Size curve must be one share per size, with at least one size.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise AllocationInputError("Size curve shares must be numbers of at least 0.")
    total = weights.sum()
    if total <= 0:
        return np.full(weights.size, 1.0 / weights.size)
    return np.asarray(weights / total, dtype=np.float64)
