"""In-season rebalancing: transfers from overstocked stores to understocked ones.

Weeks of supply (WOS) = stock / weekly demand (infinite for a store with stock and no demand).
For each SKU, and within each group of stores (e.g. a region; transfers never cross groups):

- Donors are stores above ``max_wos``. A donor gives at most its excess ``stock - max_wos x
  demand`` in whole packs, so it keeps at least ``max_wos`` weeks (a store with stock and no
  demand can give all of it, in whole packs).
- Receivers are stores with demand below ``min_wos``. A receiver is filled up to ``min_wos``:
  ``min_wos x demand - stock`` rounded up to whole packs, but never so far that it would end above
  ``max_wos`` (then rounded down instead).
- The neediest receiver first (lowest WOS; ties to the first store) takes from the donor with the
  most excess left (ties to the first store), then the next donor, until it is filled or the
  donors are empty. A transfer of fewer than ``min_units`` units is dropped (not worth the trip).

Stock is only moved, never created: the stock summed over the stores is the same after.

Hand-checked: demand 10 / 10 / 10 / 5, stock 80 / 5 / 20 / 0, min 3 and max 6 weeks.
WOS 8 / 0.5 / 2 / 0: store 0 is the donor with 80 - 6 x 10 = 20 spare; the receivers by need
are store 3 (wants 3 x 5 - 0 = 15), store 1 (3 x 10 - 5 = 25) and store 2 (3 x 10 - 20 = 10).
Store 3 gets 15 (0 -> 3 weeks), store 1 the 5 left (0.5 -> 1 week), store 2 nothing; store 0
ends at 60 units = 6 weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocation.engine.allocate import AllocationInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EPSILON = 1e-9


@dataclass(frozen=True)
class Transfer:
    """Move ``units`` of SKU ``sku`` from one store to another; the weeks of supply of both
    stores just before and just after this transfer (inf for a store without demand)."""

    sku: int
    from_store: int
    to_store: int
    units: int
    from_wos_before: float
    from_wos_after: float
    to_wos_before: float
    to_wos_after: float


def rebalance(
    stock: npt.ArrayLike,
    weekly_demand: npt.ArrayLike,
    *,
    min_wos: float,
    max_wos: float,
    pack_size: npt.ArrayLike = 1,
    group: npt.ArrayLike | None = None,
    min_units: int = 1,
) -> list[Transfer]:
    """Transfers for stock (K, S) or (S,) whole units and weekly demand of the same shape (see the
    module docstring for the rule); pack_size is scalar or (K,), group (S,) integers (None: one
    group). Transfers come per SKU, per group (in order of group id), neediest receiver first."""
    stocks, demand = _inputs(stock, weekly_demand)
    skus, stores = stocks.shape
    if not (np.isfinite(min_wos) and np.isfinite(max_wos)) or min_wos < 0 or max_wos < 0:
        raise AllocationInputError("Weeks of supply limits must be numbers of at least 0.")
    if min_wos > max_wos:
        raise AllocationInputError(f"min_wos ({min_wos}) cannot be above max_wos ({max_wos}).")
    if min_units < 0:
        raise AllocationInputError("min_units cannot be negative.")
    packs = _packs(pack_size, skus)
    groups = _groups(group, stores)
    transfers: list[Transfer] = []
    for sku in range(skus):
        for group_id in np.unique(groups):
            members = np.flatnonzero(groups == group_id)
            transfers += _rebalance_group(
                sku, members, stocks[sku], demand[sku], min_wos, max_wos, int(packs[sku]), min_units
            )
    return transfers


def _rebalance_group(
    sku: int,
    members: IntArray,
    stock: FloatArray,
    demand: FloatArray,
    min_wos: float,
    max_wos: float,
    pack: int,
    min_units: int,
) -> list[Transfer]:
    """Greedy transfers among the stores of one group for one SKU, in whole packs."""
    level = stock.copy()
    spare = {
        int(s): int(np.floor((stock[s] - max_wos * demand[s]) / pack + _EPSILON))
        for s in members
        if stock[s] > max_wos * demand[s] + _EPSILON
    }
    receivers = [int(s) for s in members if demand[s] > 0 and stock[s] < min_wos * demand[s] - _EPSILON]
    receivers.sort(key=lambda s: (stock[s] / demand[s], s))
    transfers: list[Transfer] = []
    for receiver in receivers:
        wanted = _packs_wanted(stock[receiver], demand[receiver], min_wos, max_wos, pack)
        for donor in sorted(spare, key=lambda s: (-spare[s], s)):
            moved = min(wanted, spare[donor])
            if wanted <= 0 or moved <= 0:
                break
            if moved * pack < min_units:
                continue
            transfers.append(_move(sku, donor, receiver, moved * pack, level, demand))
            spare[donor] -= moved
            wanted -= moved
    return transfers


def _packs_wanted(stock: float, demand: float, min_wos: float, max_wos: float, pack: int) -> int:
    """Packs to bring a receiver up to min_wos, rounded up unless that would pass max_wos.

    E.g. demand 5, stock 2, min 3 weeks, packs of 6: short 3 x 5 - 2 = 13 -> 3 packs, ending at
    20 units = 4 weeks; with max_wos 3.5 there is room for (17.5 - 2) / 6 = 2.58 -> 2 packs only,
    ending at 14 units = 2.8 weeks.
    """
    up = int(np.ceil((min_wos * demand - stock) / pack - _EPSILON))
    room = int(np.floor((max_wos * demand - stock) / pack + _EPSILON))
    return max(min(up, room), 0)


def _move(sku: int, donor: int, receiver: int, units: int, level: FloatArray, demand: FloatArray) -> Transfer:
    before = _wos(level[donor], demand[donor]), _wos(level[receiver], demand[receiver])
    level[donor] -= units
    level[receiver] += units
    return Transfer(
        sku=sku,
        from_store=donor,
        to_store=receiver,
        units=units,
        from_wos_before=before[0],
        from_wos_after=_wos(level[donor], demand[donor]),
        to_wos_before=before[1],
        to_wos_after=_wos(level[receiver], demand[receiver]),
    )


def _wos(stock: float, demand: float) -> float:
    return float(stock / demand) if demand > 0 else float("inf")


def _inputs(stock: npt.ArrayLike, weekly_demand: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    stocks = np.asarray(stock, dtype=np.float64)
    demand = np.asarray(weekly_demand, dtype=np.float64)
    if stocks.ndim not in (1, 2) or stocks.shape != demand.shape:
        raise AllocationInputError(
            f"Stock {stocks.shape} and weekly demand {demand.shape} must have the same shape, (S,) or (K, S)."
        )
    for name, values in (("Stock", stocks), ("Weekly demand", demand)):
        if not np.all(np.isfinite(values)):
            raise AllocationInputError(f"{name} has missing or infinite values.")
        if np.any(values < 0):
            raise AllocationInputError(f"{name} cannot be negative.")
    if np.any(stocks != np.floor(stocks)):
        raise AllocationInputError("Stock must be whole units.")
    return np.atleast_2d(stocks), np.atleast_2d(demand)


def _packs(pack_size: npt.ArrayLike, skus: int) -> IntArray:
    packs = np.asarray(pack_size, dtype=np.float64).reshape(-1)
    if packs.size == 1:
        packs = np.full(skus, packs[0])
    if packs.size != skus:
        raise AllocationInputError(f"Pack size has {packs.size} values for {skus} SKUs.")
    if not np.all(np.isfinite(packs)) or np.any(packs < 1) or np.any(packs != np.floor(packs)):
        raise AllocationInputError("Pack size must be a whole number of units, at least 1.")
    return packs.astype(np.int64)


def _groups(group: npt.ArrayLike | None, stores: int) -> IntArray:
    if group is None:
        return np.zeros(stores, dtype=np.int64)
    groups = np.asarray(group).reshape(-1)
    if groups.size != stores:
        raise AllocationInputError(f"Group has {groups.size} values for {stores} stores.")
    as_float = groups.astype(np.float64)
    if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
        raise AllocationInputError("Group must be whole numbers (one id per store).")
    return groups.astype(np.int64)
