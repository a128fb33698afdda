"""Why a store got less than its need, told truthfully: pack rounding is its own reason (with the
numbers), a need below half a pack is "rounded to none", and "higher-priority stores were served
first" only where supply ran short for it. Numbers by hand in each test."""

import pytest

from allocation.engine import Shortfall, allocate, shortfall_reason

LESS = "less than a pack."


def test_enough_supply_a_lower_tier_store_short_by_rounding_says_pack() -> None:
    # Packs of 4, 40 units for needs 8 (tier 1), 9 and 1 (tier 2). Targets: 8 = 2 packs; 9 =
    # 2.25 packs -> 2 (the quarter is under half a pack); 1 = 0.25 -> none. 16 units go out: no
    # store waited for another, so neither lower-tier shortfall is about priority.
    result = allocate([8, 9, 1], 40, pack_size=4, priority=[1, 2, 2])
    assert result.allocated.tolist() == [8, 8, 0]
    assert result.shortfall.tolist() == [Shortfall.NONE, Shortfall.PACK, Shortfall.BELOW_HALF_PACK]
    assert result.explanation(0, 1) == "Short by less than a pack: allocations come in whole packs."
    assert result.explanation(0, 2) == "Needs less than half a pack: rounded to none (whole packs only)."


def test_short_supply_still_names_priority_where_it_decided() -> None:
    # 8 units in packs of 4 for needs 8 (tier 1) and 8 (tier 2): tier 1 takes both packs.
    # The tier-2 store reached none of its 2-pack target: priority. The need of 1 (tier 2)
    # would be rounded to none whatever the supply: pack rounding, not priority.
    result = allocate([8, 8, 1], 8, pack_size=4, priority=[1, 2, 2])
    assert result.allocated.tolist() == [8, 0, 0]
    assert result.shortfall.tolist() == [Shortfall.NONE, Shortfall.LOWER_PRIORITY, Shortfall.BELOW_HALF_PACK]


def test_no_supply_and_capacity_keep_their_reasons() -> None:
    # Nothing at the DC: the store needing 8 has no stock to get; the one needing 1 of a 4-pack
    # would get none anyway.
    empty = allocate([8, 1], 0, pack_size=4)
    assert empty.shortfall.tolist() == [Shortfall.NO_SUPPLY, Shortfall.BELOW_HALF_PACK]
    # Room for 1 pack (cap 5 -> 1 whole pack) against a need of 9 (2 packs): capped, not rounding.
    capped = allocate([9], 40, pack_size=4, store_max=[5])
    assert capped.allocated.tolist() == [4]
    assert capped.shortfall.tolist() == [Shortfall.CAPPED]


@pytest.mark.parametrize(
    ("code", "need", "allocated", "pack", "text"),
    [
        (
            Shortfall.PACK,
            9,
            8,
            4,
            "Need 9 in packs of 4: rounded to 2 packs (8 units), 1 short: less than a pack.",
        ),
        (
            Shortfall.PACK,
            7,
            6,
            6,
            "Need 7 in packs of 6: rounded to 1 pack (6 units), 1 short: less than a pack.",
        ),
        (Shortfall.BELOW_HALF_PACK, 1, 0, 4, "Need 1 in packs of 4: less than half a pack, rounded to none."),
        (Shortfall.LOWER_PRIORITY, 8, 0, 4, "Short supply: higher-priority stores were served first."),
        (Shortfall.NONE, 8, 8, 4, ""),
    ],
)
def test_reasons_carry_the_numbers(code: Shortfall, need: int, allocated: int, pack: int, text: str) -> None:
    assert shortfall_reason(code, need, allocated, pack) == text
