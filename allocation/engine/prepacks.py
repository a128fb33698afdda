"""Allocating pre-packs: fixed size mixes that ship as whole packs.

A store's need is per size, but the DC can only send whole packs of a few fixed mixes, so the
need is first turned into packs per store (``prepack_need``), then the packs are shared among the
stores like any SKU (``allocate``, pack size 1, one row per pack type).

Packs per store, greedily: add the pack type that covers the most still-uncovered units, as long
as that pack covers more than half of its own units from uncovered need (so a store needing 3 of
a 6-unit pack gets none and 4 gets one: less than half would send more surplus than need). Ties go
to the smaller pack (less surplus), then to the first pack type.

Hand-checked: sizes S/M/L, pack A = 1/2/1 (4 units), pack B = 2/2/2 (6 units), need 3/5/3.
Step 1: A covers 1+2+1 = 4, B covers 2+2+2 = 6 -> B; uncovered 1/3/1.
Step 2: A covers 1+2+1 = 4 > 2, B covers 1+2+1 = 4 > 3 -> tie, the smaller pack A; uncovered 0/1/0.
Step 3: A covers 1 (not more than 2), B covers 1 (not more than 3) -> stop: one A and one B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocation.engine.allocate import Allocation, AllocationInputError, Mode, allocate

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EPSILON = 1e-9


@dataclass(frozen=True)
class PrepackAllocation:
    """Packs (P, S) sent per pack type and store, the units (Z, S) they hold per size, the
    underlying pack ``Allocation`` (rows are pack types), and size_fill_rate (Z, S): units / size
    need, 1 where the need is 0 (it can be above 1: a pack may carry sizes a store did not need).
    """

    packs: IntArray
    units: IntArray
    allocation: Allocation
    size_fill_rate: FloatArray


def prepack_need(size_need: npt.ArrayLike, composition: npt.ArrayLike) -> IntArray:
    """Whole packs (P, S) per pack type and store covering the size need (Z, S) greedily (see the
    module docstring); composition (P, Z) is the units of each size in one pack."""
    needs = _size_need(size_need)
    packs = _composition(composition, needs.shape[0])
    return _greedy(needs, packs)


def allocate_prepacks(
    size_need: npt.ArrayLike,
    composition: npt.ArrayLike,
    available_packs: npt.ArrayLike,
    *,
    store_max: npt.ArrayLike | None = None,
    priority: npt.ArrayLike | None = None,
    holdback: npt.ArrayLike = 0.0,
    mode: Mode = "fill_ratio",
    weekly_demand: npt.ArrayLike | None = None,
    stock: npt.ArrayLike | None = None,
) -> PrepackAllocation:
    """Share the DC's packs (P,) among the stores by their pack need (``prepack_need``).

    store_max: most units a store may receive, (S,); it is applied per pack type as
    ``floor(store_max / units in the pack)`` packs, so a store receiving several pack types may get
    up to store_max units of each. priority and holdback are as in ``allocate`` (the holdback is a
    share of each pack type's packs). weekly_demand and stock, for ``mode="wos"``, are in packs of
    each type, (P, S).
    """
    needs = _size_need(size_need)
    packs = _composition(composition, needs.shape[0])
    pack_units = packs.sum(axis=1)
    supply = np.asarray(available_packs, dtype=np.float64)
    if supply.shape != (packs.shape[0],):
        raise AllocationInputError(
            f"Available packs has shape {supply.shape}; expected one per pack type ({packs.shape[0]},)."
        )
    caps = None
    if store_max is not None:
        cap_units = np.asarray(store_max, dtype=np.float64)
        if cap_units.shape != (needs.shape[1],):
            raise AllocationInputError(
                f"Store maximum has shape {cap_units.shape}; expected one per store ({needs.shape[1]},)."
            )
        if np.any(np.isnan(cap_units)) or np.any(cap_units < 0):
            raise AllocationInputError("Store maximum cannot be negative or missing.")
        caps = np.floor(cap_units[None, :] / pack_units[:, None] + _EPSILON)
    result = allocate(
        _greedy(needs, packs).astype(np.float64),
        supply,
        store_max=caps,
        priority=priority,
        holdback=holdback,
        mode=mode,
        weekly_demand=weekly_demand,
        stock=stock,
    )
    sent = result.allocated
    units = (packs.T @ sent).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(needs > 0, units / np.where(needs > 0, needs, 1.0), 1.0)
    return PrepackAllocation(packs=sent, units=units, allocation=result, size_fill_rate=fill)


def _greedy(needs: FloatArray, packs: IntArray) -> IntArray:
    """One greedy step per loop for all stores at once, until no store has a pack worth adding."""
    pack_types, stores = packs.shape[0], needs.shape[1]
    units = packs.sum(axis=1).astype(np.float64)
    count = np.zeros((pack_types, stores), dtype=np.int64)
    uncovered = needs.copy()
    order_keys = (
        np.broadcast_to(np.arange(pack_types)[:, None], count.shape),
        np.broadcast_to(units[:, None], count.shape),
    )
    every_store = np.arange(stores)
    while True:
        covered = np.minimum(packs[:, :, None], uncovered[None, :, :]).sum(axis=1)
        worth = 2 * covered > units[:, None] + _EPSILON
        if not worth.any():
            return count
        score = np.where(worth, covered, -1.0)
        best = np.lexsort((*order_keys, -score), axis=0)[0]
        adding = worth[best, every_store]
        count[best[adding], every_store[adding]] += 1
        uncovered[:, adding] = np.maximum(uncovered[:, adding] - packs[best[adding]].T, 0.0)


def _size_need(size_need: npt.ArrayLike) -> FloatArray:
    needs = np.asarray(size_need, dtype=np.float64)
    if needs.ndim != 2:
        raise AllocationInputError(f"Size need must be sizes x stores (Z, S); got shape {needs.shape}.")
    if not np.all(np.isfinite(needs)) or np.any(needs < 0):
        raise AllocationInputError("Size need must be numbers of at least 0.")
    return needs


def _composition(composition: npt.ArrayLike, sizes: int) -> IntArray:
    packs = np.asarray(composition, dtype=np.float64)
    if packs.ndim != 2 or packs.shape[1] != sizes or packs.shape[0] == 0:
        raise AllocationInputError(
            f"Composition has shape {packs.shape}; expected pack types x sizes (P, {sizes}) with P >= 1."
        )
    if not np.all(np.isfinite(packs)) or np.any(packs < 0) or np.any(packs != np.floor(packs)):
        raise AllocationInputError("Composition must be whole units of at least 0 per size.")
    empty = np.flatnonzero(packs.sum(axis=1) == 0)
    if empty.size:
        raise AllocationInputError(f"Pack type {int(empty[0])} has no units: every pack needs at least one.")
    return packs.astype(np.int64)
