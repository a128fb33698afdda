"""Why a store got less than its need: one ``Shortfall`` code per SKU and store, worked out from
what `allocation.engine.allocate` gave it (``shortfall_codes``), and put into words
(``SHORTFALL_TEXT``, ``shortfall_reason``)."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EPSILON = 1e-9  # packs: float noise in an ideal allocation is not a remainder


class Shortfall(IntEnum):
    """Why a store got less than its need (one code per store and SKU)."""

    NONE = 0
    NO_SUPPLY = 1  # nothing could be allocated (no stock after holdback)
    SHARED = 2  # short supply shared fairly with the other stores
    LOWER_PRIORITY = 3  # higher-priority stores took the supply first
    CAPPED = 4  # the store's capacity (store_max) stops it
    PACK = 5  # got its need rounded to whole packs: short by less than a pack
    BELOW_HALF_PACK = 6  # its need is under the round-up share of one pack: rounded to none


SHORTFALL_TEXT: dict[Shortfall, str] = {
    Shortfall.NONE: "",
    Shortfall.NO_SUPPLY: "No stock to allocate after the holdback.",
    Shortfall.SHARED: "Short supply: shared fairly with the other stores (by the run's rule).",
    Shortfall.LOWER_PRIORITY: "Short supply: higher-priority stores were served first.",
    Shortfall.CAPPED: "Capped by the store's capacity.",
    Shortfall.PACK: "Short by less than a pack: allocations come in whole packs.",
    Shortfall.BELOW_HALF_PACK: "Needs less than half a pack: rounded to none (whole packs only).",
}


def _share_of_a_pack(round_up_share: float) -> str:
    return "half a pack" if abs(round_up_share - 0.5) < 1e-9 else f"{round_up_share:.0%} of a pack"


def shortfall_reason(
    code: int, need: float, allocated: int, pack_size: int, *, round_up_share: float = 0.5
) -> str:
    """The reason in words with the store's numbers where rounding decided: "Need 9 in packs
    of 4: rounded to 2 packs (8 units), 1 short: less than a pack."; "Need 1 in packs of 4:
    less than half a pack, rounded to none."; the plain SHORTFALL_TEXT otherwise."""
    shortfall = Shortfall(int(code))
    if shortfall == Shortfall.PACK:
        packs = allocated // pack_size if pack_size else 0
        return (
            f"Need {need:g} in packs of {pack_size}: rounded to {packs} pack{'s' if packs != 1 else ''} "
            f"({allocated} units), {need - allocated:g} short: less than a pack."
        )
    if shortfall == Shortfall.BELOW_HALF_PACK:
        return (
            f"Need {need:g} in packs of {pack_size}: less than {_share_of_a_pack(round_up_share)}, "
            "rounded to none."
        )
    return SHORTFALL_TEXT[shortfall]


def shortfall_codes(
    given: FloatArray,
    target: FloatArray,
    cap_packs: FloatArray,
    needs: FloatArray,
    pack_column: FloatArray,
    tiers: IntArray,
    supply_packs: FloatArray,
    round_up_share: float,
) -> IntArray:
    """One code per store: why it got less than its need.

    A store that got its whole target (its need in whole packs, within its cap) is short only by
    that rounding (PACK, or BELOW_HALF_PACK when the target is no pack at all) or by its cap
    (CAPPED, when the cap is below the rounded need): supply and priority played no part, whatever
    the other stores got. A store below its target was short of supply: NO_SUPPLY when there was
    nothing to allocate, LOWER_PRIORITY when a higher tier reached a better fill ratio, else SHARED.
    """
    sent = given * pack_column
    got_less = sent < needs - EPSILON
    reached = given >= target - EPSILON
    rounded = np.floor(needs / pack_column + (1.0 - round_up_share) + EPSILON)  # before the cap
    codes = np.where(got_less, Shortfall.SHARED, Shortfall.NONE).astype(np.int64)
    fill = np.where(needs > 0, sent / np.where(needs > 0, needs, 1.0), 1.0)
    for tier in np.unique(tiers)[1:]:
        earlier = (tiers < tier) & (needs > 0)
        best_earlier = np.where(earlier, fill, -1.0).max(axis=1, keepdims=True)
        behind = (tiers == tier) & (fill < best_earlier - EPSILON)
        codes[got_less & ~reached & behind] = Shortfall.LOWER_PRIORITY
    codes[got_less & ~reached & (supply_packs[:, None] <= 0)] = Shortfall.NO_SUPPLY
    rounding = got_less & reached
    capped = rounding & (cap_packs < rounded - EPSILON)
    by_rounding = rounding & ~capped
    rounded_to_packs = rounded[by_rounding] > EPSILON
    codes[by_rounding] = np.where(rounded_to_packs, Shortfall.PACK, Shortfall.BELOW_HALF_PACK)
    codes[capped] = Shortfall.CAPPED
    return codes
