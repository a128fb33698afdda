"""Need-based allocation of DC stock to stores (DESIGN.md section 9).

Arrays are K SKUs (rows) x S stores (columns); a single SKU may be passed as a 1-D array of
stores and comes back 1-D. Units are float64 inside, whole units on the way out.

How a SKU's supply is shared:
1. Held back: ``ceil(available * holdback)`` units stay at the DC as a reserve; the rest, in whole
   packs, is what may be allocated.
2. Targets: each store's need in whole packs, a further pack for the rest of its need when that
   rest is at least ``round_up_share`` of a pack (0.5 by default: 7 of a 6-pack is one pack, 9
   is two, 2 is none), but never above its cap (``store_max``, rounded down to whole packs).
   Rounding every need up instead would ship a 6-pack to each store that needs one unit and, in
   short supply, leave others with nothing.
3. Enough supply (sum of targets <= allocatable): every store gets its target.
4. Short supply, priority tier by tier (lowest ``priority`` number first; all stores are one tier
   when it is not given):
   a. presentation minimums first, every tier in turn, so every store can dress its fixture
      before any store gets depth (shared fairly when even those do not fit);
   b. then the rest of the need, tier by tier, shared fairly: ``mode="fill_ratio"`` gives every store the same
      allocated / need; ``mode="wos"`` gives every store the same projected weeks of supply
      ``(stock + allocated) / weekly demand`` (stores already above that level get nothing more).
   Sharing is a water level found by bisection: each store's ideal allocation
   ``clip(level * weight - offset, lower, target)`` in (fractional) packs, and the level at which
   the ideals add up to the supply left.
5. Rounding: every store gets the whole packs of its ideal, and the packs left over go one each
   to the largest remainders (ties to the store with more need, then to the first store), so the
   total allocated is exact and no store gets a pack it had no room for.

Why a store got less than its need (``Shortfall``, one code per SKU and store): a store that got
its whole target is short only by pack rounding (PACK: "need 9 in packs of 4: rounded to 2
packs, 1 short"; BELOW_HALF_PACK: "need 1 in packs of 4: rounded to none") or by its capacity;
only a store below its target was short of supply (no stock, a higher tier first, or shared).
``shortfall_reason`` puts a code and the store's numbers into words (both in `allocation.engine.shortfall`).

Fairness and pack rounding: with whole units, "the same fill ratio for everyone" and "a store with
more need never has a lower fill ratio" cannot both hold exactly (need 10 and 3, supply 4: 3 + 1
has ratios 0.30 and 0.33; 4 + 0 has 0.40 and 0). Merchplan keeps the ratios as equal as rounding
allows: every store is less than one pack from its ideal share (so its fill ratio is within one
pack over its need of the common ratio), and a store with more need never gets fewer units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from allocation.engine.shortfall import EPSILON, SHORTFALL_TEXT, Shortfall, shortfall_codes

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = float | int | npt.ArrayLike

Mode = Literal["fill_ratio", "wos"]
MODES: tuple[Mode, ...] = ("fill_ratio", "wos")

_BISECTION_STEPS = 60  # the level to ~1e-18 of its range: far below a pack


class AllocationInputError(ValueError):
    """Inputs that cannot be allocated (negative stock, pack size 0, mismatched shapes)."""


@dataclass(frozen=True)
class Allocation:
    """Result per SKU x store (2-D, or 1-D when one SKU came in) and per SKU.

    need, allocated, fill_rate (allocated / need, 1 where the need is 0 and nothing was sent),
    projected_wos ((stock + allocated) / weekly demand; NaN without weekly demand, inf where
    demand is 0), shortfall (Shortfall codes); per SKU: held_back, left_at_dc (units neither held
    back nor sent: no need for them, or less than a whole pack), allocatable (whole packs after
    the holdback, in units). available = held_back + allocated + left_at_dc.
    """

    need: FloatArray
    allocated: IntArray
    fill_rate: FloatArray
    projected_wos: FloatArray
    shortfall: IntArray
    held_back: IntArray
    left_at_dc: IntArray
    allocatable: IntArray

    def explanation(self, sku: int, store: int) -> str:
        """The reason a store got less than its need, in words ("" if it got it all)."""
        code = self.shortfall[sku, store] if self.shortfall.ndim == 2 else self.shortfall[store]
        return SHORTFALL_TEXT[Shortfall(int(code))]


def store_need(
    forecast_over_coverage: ArrayLike,
    presentation_min: ArrayLike,
    on_hand: ArrayLike,
    in_transit: ArrayLike,
) -> FloatArray:
    """Need = max(0, forecast over the coverage weeks + presentation minimum - on hand - in transit)."""
    parts = [
        np.asarray(x, dtype=np.float64)
        for x in (forecast_over_coverage, presentation_min, on_hand, in_transit)
    ]
    for name, part in zip(("forecast", "presentation minimum", "on hand", "in transit"), parts, strict=True):
        _check_non_negative(part, name)
    forecast, minimum, stock, transit = parts
    return np.asarray(np.maximum(0.0, forecast + minimum - stock - transit), dtype=np.float64)


def allocate(
    need: ArrayLike,
    available: ArrayLike,
    *,
    pack_size: ArrayLike = 1,
    store_max: ArrayLike | None = None,
    presentation_min: ArrayLike | None = None,
    priority: ArrayLike | None = None,
    holdback: ArrayLike = 0.0,
    mode: Mode = "fill_ratio",
    weekly_demand: ArrayLike | None = None,
    stock: ArrayLike | None = None,
    round_up_share: float = 0.5,
) -> Allocation:
    """Share each SKU's available DC stock among the stores by need (see the module docstring).

    need: (K, S) or (S,) units; available: (K,) or scalar units at the DC; pack_size: (K,) or
    scalar units per pack; store_max: most units a store may receive, (K, S), (S,) or None for no
    cap; presentation_min: units a store needs to present the item, (K, S), (S,) or None (part of
    ``need`` already: here it only sets what is served first); priority: integers, lower is
    served first, (S,) or (K, S); holdback: share of the available kept at the DC,
    0 <= holdback < 1, scalar or (K,); weekly_demand and stock (on hand + in transit): (K, S) or
    (S,), for ``mode="wos"`` and the projected weeks of supply; round_up_share: in (0, 1], the
    part of a pack a store's remaining need must reach to be rounded up to a whole pack.
    """
    if mode not in MODES:
        raise AllocationInputError(f"Unknown mode {mode!r}: use one of {', '.join(MODES)}.")
    if not 0 < round_up_share <= 1:
        raise AllocationInputError("The round-up share of a pack is above 0 and at most 1.")
    single = np.ndim(need) == 1
    inputs = _checked_inputs(
        need,
        available,
        pack_size=pack_size,
        store_max=store_max,
        presentation_min=presentation_min,
        priority=priority,
        holdback=holdback,
        mode=mode,
        weekly_demand=weekly_demand,
        stock=stock,
    )
    targets = _pack_targets(inputs, mode, round_up_share)
    given = _share_by_tier(inputs, targets)
    result = _result(inputs, targets, given, round_up_share)
    return _squeeze(result) if single else result


@dataclass(frozen=True)
class _Inputs:
    """allocate's arguments, checked, per SKU x store (K, S) or per SKU (K,), in units."""

    needs: FloatArray
    supply: FloatArray
    packs: FloatArray
    reserve: FloatArray
    caps: FloatArray
    minimums: FloatArray | None
    demand: FloatArray | None
    position: FloatArray
    tiers: IntArray


@dataclass(frozen=True)
class _Targets:
    """What the sharing works with, in (fractional) packs: per SKU the units held back and the
    whole packs left to allocate; per SKU x store the cap, the target, the presentation floor,
    and the weight and offset of the water level."""

    held: FloatArray
    supply_packs: FloatArray
    pack_column: FloatArray
    cap_packs: FloatArray
    target: FloatArray
    floor_target: FloatArray
    weight: FloatArray
    offset: FloatArray


def _checked_inputs(
    need: ArrayLike,
    available: ArrayLike,
    *,
    pack_size: ArrayLike,
    store_max: ArrayLike | None,
    presentation_min: ArrayLike | None,
    priority: ArrayLike | None,
    holdback: ArrayLike,
    mode: Mode,
    weekly_demand: ArrayLike | None,
    stock: ArrayLike | None,
) -> _Inputs:
    """The arguments as float64 arrays of one shape; AllocationInputError names the first bad one."""
    needs = _matrix(need, "need", None)
    skus, stores = needs.shape
    shape = (skus, stores)
    supply = _per_sku(available, "available", skus)
    packs = _per_sku(pack_size, "pack size", skus)
    if np.any(packs < 1) or np.any(packs != np.floor(packs)):
        raise AllocationInputError("Pack size must be a whole number of units, at least 1.")
    reserve = _per_sku(holdback, "holdback", skus)
    if np.any(reserve >= 1):
        raise AllocationInputError("Holdback is a share of the stock: at least 0 and below 1.")
    caps = _matrix(store_max, "store maximum", shape) if store_max is not None else np.full(shape, np.inf)
    minimums = (
        _matrix(presentation_min, "presentation minimum", shape) if presentation_min is not None else None
    )
    demand = _matrix(weekly_demand, "weekly demand", shape) if weekly_demand is not None else None
    position = _matrix(stock, "stock", shape) if stock is not None else np.zeros(shape)
    if mode == "wos" and demand is None:
        raise AllocationInputError('mode="wos" needs the weekly demand of every store.')
    tiers = _priority(priority, shape)
    return _Inputs(needs, supply, packs, reserve, caps, minimums, demand, position, tiers)


def _pack_targets(inputs: _Inputs, mode: Mode, round_up_share: float) -> _Targets:
    """Steps 1 and 2 of the module docstring: the holdback, and every store's target in packs."""
    needs, shape = inputs.needs, inputs.needs.shape
    held = np.ceil(inputs.supply * inputs.reserve - EPSILON)
    supply_packs = np.floor((inputs.supply - held) / inputs.packs + EPSILON)
    pack_column = inputs.packs[:, None]
    cap_packs = np.floor(inputs.caps / pack_column + EPSILON)
    target = np.minimum(np.floor(needs / pack_column + (1.0 - round_up_share) + EPSILON), cap_packs)
    floor_target = (
        np.minimum(np.ceil(np.minimum(inputs.minimums, needs) / pack_column - EPSILON), target)
        if inputs.minimums is not None
        else np.zeros(shape)
    )
    if inputs.demand is not None and mode == "wos":
        weight, offset = inputs.demand / pack_column, inputs.position / pack_column
    else:
        weight, offset = needs / pack_column, np.zeros(shape)
    return _Targets(held, supply_packs, pack_column, cap_packs, target, floor_target, weight, offset)


def _share_by_tier(inputs: _Inputs, targets: _Targets) -> FloatArray:
    """Steps 3 and 4: the packs each store is given, presentation minimums first (every tier in
    turn), then the rest of the need, tier by tier."""
    shape = inputs.needs.shape
    given = np.zeros(shape)
    left = targets.supply_packs.copy()
    tier_masks = [inputs.tiers == tier for tier in np.unique(inputs.tiers)]
    if inputs.minimums is not None:
        for in_tier in tier_masks:
            given, left = _share(
                given,
                left,
                in_tier,
                targets.floor_target,
                targets.floor_target,
                np.zeros(shape),
                inputs.needs,
            )
    for in_tier in tier_masks:
        given, left = _share(
            given, left, in_tier, targets.target, targets.weight, targets.offset, inputs.needs
        )
    return given


def _result(inputs: _Inputs, targets: _Targets, given: FloatArray, round_up_share: float) -> Allocation:
    """The packs given, in units, with their fill rates, weeks of supply and shortfall reasons."""
    allocated = (given * targets.pack_column).astype(np.int64)
    allocatable = (targets.supply_packs * inputs.packs).astype(np.int64)
    return Allocation(
        need=inputs.needs,
        allocated=allocated,
        fill_rate=_fill_rate(allocated, inputs.needs),
        projected_wos=_weeks_of_supply(inputs.position, allocated, inputs.demand),
        shortfall=shortfall_codes(
            given,
            targets.target,
            targets.cap_packs,
            inputs.needs,
            targets.pack_column,
            inputs.tiers,
            targets.supply_packs,
            round_up_share,
        ),
        held_back=targets.held.astype(np.int64),
        left_at_dc=(inputs.supply - targets.held).astype(np.int64) - allocated.sum(axis=1),
        allocatable=allocatable,
    )


def _share(
    given: FloatArray,
    left: FloatArray,
    in_tier: npt.NDArray[np.bool_],
    upper: FloatArray,
    weight: FloatArray,
    offset: FloatArray,
    needs: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Give the stores in the tier whole packs up to ``upper``, sharing ``left`` packs per SKU by
    the water level of ``clip(level * weight - offset, given, upper)``; returns the new totals."""
    lower = given
    upper = np.where(in_tier, np.maximum(upper, lower), lower)
    wanted = (upper - lower).sum(axis=1)
    enough = wanted <= left + EPSILON
    ideal = np.where(enough[:, None], upper, lower)
    short = ~enough & (left > EPSILON)
    if np.any(short):
        rows = np.flatnonzero(short)
        ideal[rows] = _water_fill(
            lower[rows], upper[rows], weight[rows], offset[rows], left[rows] + lower[rows].sum(axis=1)
        )
        ideal[rows] = _round_largest_remainder(
            ideal[rows], lower[rows], upper[rows], left[rows] + lower[rows].sum(axis=1), needs[rows]
        )
    spent = (ideal - given).sum(axis=1)
    return ideal, left - spent


def _water_fill(
    lower: FloatArray, upper: FloatArray, weight: FloatArray, offset: FloatArray, total: FloatArray
) -> FloatArray:
    """Per row, the level at which sum(clip(level * weight - offset, lower, upper)) == total."""
    positive = weight > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(positive, (upper + offset) / np.where(positive, weight, 1.0), 0.0)
    low = np.zeros(len(total))
    high = np.maximum(reach.max(axis=1, initial=0.0), 0.0) + 1.0
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        filled = np.clip(middle[:, None] * weight - offset, lower, upper).sum(axis=1)
        below = filled < total
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return np.asarray(np.clip(low[:, None] * weight - offset, lower, upper), dtype=np.float64)


def _round_largest_remainder(
    ideal: FloatArray, lower: FloatArray, upper: FloatArray, total: FloatArray, needs: FloatArray
) -> FloatArray:
    """Whole packs: the floor of each ideal, then one more pack each to the largest remainders
    (ties: more need, then the first store) until the row adds up to ``total`` packs."""
    whole = np.maximum(np.floor(ideal + EPSILON), lower)
    has_room = whole < upper
    # Rounded so that float noise from the bisection does not decide ties: equal shares go to
    # the store with more need.
    remainder = np.where(has_room, np.round(np.maximum(ideal - whole, 0.0), 6), -1.0)
    extra = np.floor(total - whole.sum(axis=1) + EPSILON).astype(np.int64)
    stores = ideal.shape[1]
    order = np.lexsort((np.broadcast_to(np.arange(stores), ideal.shape), -needs, -remainder), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(stores), ideal.shape), axis=1)
    bonus = (rank < extra[:, None]) & has_room
    return np.asarray(whole + bonus, dtype=np.float64)


def _fill_rate(allocated: IntArray, needs: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(needs > 0, allocated / np.where(needs > 0, needs, 1.0), 1.0)
    return np.asarray(rate, dtype=np.float64)


def _weeks_of_supply(position: FloatArray, allocated: IntArray, demand: FloatArray | None) -> FloatArray:
    if demand is None:
        return np.full(allocated.shape, np.nan)
    stock_after = position + allocated
    with np.errstate(divide="ignore", invalid="ignore"):
        weeks = np.where(demand > 0, stock_after / np.where(demand > 0, demand, 1.0), np.inf)
    return np.asarray(weeks, dtype=np.float64)


def _squeeze(result: Allocation) -> Allocation:
    return Allocation(
        need=result.need[0],
        allocated=result.allocated[0],
        fill_rate=result.fill_rate[0],
        projected_wos=result.projected_wos[0],
        shortfall=result.shortfall[0],
        held_back=result.held_back,
        left_at_dc=result.left_at_dc,
        allocatable=result.allocatable,
    )


def _matrix(values: ArrayLike | None, name: str, shape: tuple[int, int] | None) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise AllocationInputError(f"{name.capitalize()} must be per store, or per SKU and store.")
    if shape is not None:
        if array.shape[1] != shape[1] or array.shape[0] not in (1, shape[0]):
            raise AllocationInputError(f"{name.capitalize()} has shape {array.shape}; expected {shape}.")
        array = np.broadcast_to(array, shape)
    _check_non_negative(array, name)
    return np.array(array, dtype=np.float64)


def _per_sku(values: ArrayLike, name: str, skus: int) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 1:
        array = np.full(skus, array[0])
    if array.size != skus:
        raise AllocationInputError(f"{name.capitalize()} has {array.size} values for {skus} SKUs.")
    _check_non_negative(array, name)
    return array


def _priority(priority: ArrayLike | None, shape: tuple[int, int]) -> IntArray:
    """Tiers per SKU and store: (S,) for every SKU alike, or (K, S) (e.g. from each SKU's
    segment at each store)."""
    if priority is None:
        return np.zeros(shape, dtype=np.int64)
    tiers = np.asarray(priority)
    if tiers.ndim == 1:
        if tiers.size != shape[1]:
            raise AllocationInputError(f"Priority has {tiers.size} values for {shape[1]} stores.")
        tiers = tiers[None, :]
    if tiers.ndim != 2 or tiers.shape[1] != shape[1] or tiers.shape[0] not in (1, shape[0]):
        raise AllocationInputError(f"Priority has shape {tiers.shape}; expected ({shape[1]},) or {shape}.")
    if not np.all(np.isfinite(tiers.astype(np.float64))) or np.any(tiers != np.round(tiers)):
        raise AllocationInputError("Priority must be whole numbers (1 is served first).")
    return np.array(np.broadcast_to(tiers, shape), dtype=np.int64)


def _check_non_negative(array: FloatArray, name: str) -> None:
    if np.any(np.isnan(array)):
        raise AllocationInputError(f"{name.capitalize()} has missing values.")
    if np.any(array < 0):
        raise AllocationInputError(f"{name.capitalize()} cannot be negative.")
