"""The allocation engine: hand-checked cases and the invariants as hypothesis properties."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from allocation.engine import AllocationInputError, Shortfall, allocate, store_need


def test_store_need_follows_design_section_9() -> None:
    # forecast 12 over the coverage weeks + presentation minimum 4 - on hand 5 - in transit 2 = 9
    need = store_need([12, 3], [4, 2], [5, 9], [2, 0])
    assert need.tolist() == [9.0, 0.0]  # the second store has more than it needs: 0, not -4


def test_enough_supply_gives_every_store_its_need() -> None:
    result = allocate([10, 6, 0], 30)
    assert result.allocated.tolist() == [10, 6, 0]
    assert result.fill_rate.tolist() == [1.0, 1.0, 1.0]
    assert result.left_at_dc.tolist() == [14]
    assert result.shortfall.tolist() == [Shortfall.NONE] * 3


def test_scarce_supply_gives_every_store_the_same_fill_ratio() -> None:
    # 30 units for a need of 40 + 20 + 10 = 70: 3/7 each, 17.14 / 8.57 / 4.29.
    # Floors 17 + 8 + 4 = 29; the one unit left goes to the largest remainder (0.57, store 2).
    result = allocate([40, 20, 10], 30)
    assert result.allocated.tolist() == [17, 9, 4]
    assert result.allocated.sum() == 30
    assert result.shortfall.tolist() == [Shortfall.SHARED] * 3
    assert (
        result.explanation(0, 0) == "Short supply: shared fairly with the other stores (by the run's rule)."
    )


def test_packs_round_fairly_and_never_split() -> None:
    # Packs of 6; needs 7 and 20 are 1.17 and 3.33 packs: targets of 1 and 3 (the rests, 0.17
    # and 0.33 of a pack, are below half a pack); 4 packs (24 units) on hand: both targets met.
    result = allocate([7, 20], 24, pack_size=6)
    assert result.allocated.tolist() == [6, 18]
    # Needs 10 and 21 (1.67 and 3.5 packs: targets 2 and 4) for 4 packs: short. Water level over
    # packs: ideals 10/6 x and 21/6 x adding to 4 -> 1.29 and 2.71 packs; floors 1 + 2, the last
    # pack to the larger remainder (0.71).
    short = allocate([10, 21], 24, pack_size=6)
    assert short.allocated.tolist() == [6, 18]
    assert short.shortfall.tolist() == [Shortfall.SHARED, Shortfall.SHARED]
    assert all(units % 6 == 0 for units in result.allocated)
    assert result.shortfall.tolist() == [Shortfall.PACK, Shortfall.PACK]  # 1 and 2 short, less than a pack


def test_enough_supply_rounds_a_need_to_the_nearest_whole_pack() -> None:
    # 7 of a 6-pack: 1 pack (the rest, 1, is under half a pack); 9: 2 packs (the rest is half);
    # 2: none (a third of a pack, below half a pack).
    result = allocate([7, 0, 9, 2], 100, pack_size=6)
    assert result.allocated.tolist() == [6, 0, 12, 0]
    assert result.allocatable.tolist() == [96]  # 16 whole packs
    assert result.left_at_dc.tolist() == [82]  # 78 in packs nobody needs + 4 loose units
    assert result.shortfall.tolist() == [
        Shortfall.PACK,
        Shortfall.NONE,
        Shortfall.NONE,
        Shortfall.BELOW_HALF_PACK,
    ]
    # Rounding every rest up (a share just above 0) ships a pack for 2 units.
    assert allocate([7, 2], 100, pack_size=6, round_up_share=1e-6).allocated.tolist() == [12, 6]
    with pytest.raises(AllocationInputError, match="round-up share"):
        allocate([7, 2], 100, pack_size=6, round_up_share=0)


def test_store_max_caps_and_the_rest_goes_elsewhere() -> None:
    # Store 1 may take 5 at most; the others get their full need from the 20 units.
    result = allocate([10, 6, 4], 20, store_max=[5, 100, 100])
    assert result.allocated.tolist() == [5, 6, 4]
    assert result.shortfall[0] == Shortfall.CAPPED
    assert result.explanation(0, 0) == "Capped by the store's capacity."


def test_holdback_keeps_a_reserve_at_the_dc() -> None:
    # 10% of 20 = 2 units held back; 18 to share for a need of 20 -> 9 + 9.
    result = allocate([10, 10], 20, holdback=0.1)
    assert result.held_back.tolist() == [2]
    assert result.allocatable.tolist() == [18]
    assert result.allocated.tolist() == [9, 9]


def test_presentation_minimums_first_then_priority_tiers() -> None:
    # 12 units: every store first gets its presentation minimum of 2 (6 units), then tier 1
    # (store 1) gets the rest of its need (8 more, only 6 left): 8, 2, 2.
    result = allocate([10, 6, 4], 12, presentation_min=[2, 2, 2], priority=[1, 2, 2])
    assert result.allocated.tolist() == [8, 2, 2]
    assert result.shortfall.tolist() == [Shortfall.SHARED, Shortfall.LOWER_PRIORITY, Shortfall.LOWER_PRIORITY]


def test_priority_per_sku_and_store() -> None:
    # Each SKU ranks the stores by its own segment there: SKU 0 serves store 0 first, SKU 1 store 1.
    # 6 units each for needs of 5 and 5: the first-tier store gets all 5, the other 1.
    result = allocate([[5, 5], [5, 5]], [6, 6], priority=[[1, 3], [3, 1]])
    assert result.allocated.tolist() == [[5, 1], [1, 5]]
    assert result.shortfall.tolist() == [
        [Shortfall.NONE, Shortfall.LOWER_PRIORITY],
        [Shortfall.LOWER_PRIORITY, Shortfall.NONE],
    ]
    with pytest.raises(AllocationInputError, match="Priority has shape"):
        allocate([[5, 5], [5, 5]], [6, 6], priority=[[1, 3, 2]])


def test_wos_mode_levels_projected_weeks_of_supply() -> None:
    # Demand 5, 3, 2 a week, stock 0, 3, 6, 8 units: level L with 5L + (3L - 3) = 8 -> L = 1.375
    # (store 3 already has 3 weeks): 6.875 and 1.125 -> 6 + 1, the spare unit to 0.875.
    result = allocate([10, 6, 4], 8, mode="wos", weekly_demand=[5, 3, 2], stock=[0, 3, 6])
    assert result.allocated.tolist() == [7, 1, 0]
    assert result.projected_wos.round(2).tolist() == [1.4, 1.33, 3.0]


def test_a_batch_of_skus_is_allocated_row_by_row() -> None:
    result = allocate([[10, 10], [4, 0]], [10, 50], pack_size=[1, 2])
    assert result.allocated.tolist() == [[5, 5], [4, 0]]
    assert result.left_at_dc.tolist() == [0, 46]


def test_no_supply_says_so() -> None:
    result = allocate([3, 4], 0)
    assert result.allocated.tolist() == [0, 0]
    assert result.explanation(0, 1) == "No stock to allocate after the holdback."


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"need": [-1, 2], "available": 5}, "Need cannot be negative"),
        ({"need": [1, 2], "available": -5}, "Available cannot be negative"),
        ({"need": [1, 2], "available": 5, "pack_size": 0}, "Pack size must be"),
        ({"need": [1, 2], "available": 5, "holdback": 1.0}, "Holdback"),
        ({"need": [1, 2], "available": 5, "store_max": [1, 2, 3]}, "Store maximum has shape"),
        ({"need": [1, 2], "available": 5, "mode": "wos"}, "weekly demand"),
        ({"need": [1, 2], "available": 5, "mode": "even"}, "Unknown mode"),
        ({"need": [1, 2], "available": 5, "priority": [1.5, 2]}, "whole numbers"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AllocationInputError, match=message):
        allocate(**kwargs)  # type: ignore[arg-type]


@st.composite
def problems(draw: st.DrawFn) -> dict[str, object]:
    stores = draw(st.integers(1, 12))
    need = draw(st.lists(st.integers(0, 60), min_size=stores, max_size=stores))
    return {
        "need": np.array(need, dtype=float),
        "available": draw(st.integers(0, 400)),
        "pack_size": draw(st.sampled_from([1, 2, 3, 6, 12])),
        "store_max": draw(st.none() | st.lists(st.integers(0, 80), min_size=stores, max_size=stores)),
        "holdback": draw(st.sampled_from([0.0, 0.1, 0.25])),
    }


@settings(max_examples=300, deadline=None)
@given(problems())
def test_never_over_allocates_and_totals_are_exact(problem: dict[str, object]) -> None:
    result = allocate(**problem)  # type: ignore[arg-type]
    pack = int(problem["pack_size"])  # type: ignore[call-overload]
    assert np.all(result.allocated % pack == 0)
    available = int(problem["available"])  # type: ignore[call-overload]
    assert result.held_back[0] + result.allocated.sum() + result.left_at_dc[0] == available
    assert result.allocated.sum() <= result.allocatable[0] <= available - result.held_back[0]
    assert result.left_at_dc[0] >= 0
    # No cap (None) is an infinite one: the cap is checked on every example.
    caps = np.inf if problem["store_max"] is None else np.asarray(problem["store_max"])
    assert np.all(result.allocated <= caps)
    # Nobody gets more than its need rounded up to whole packs.
    assert np.all(result.allocated <= np.ceil(result.need / pack) * pack)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_fill_ratios_are_as_equal_as_packs_allow(problem: dict[str, object]) -> None:
    problem = {**problem, "store_max": None}
    result = allocate(**problem)  # type: ignore[arg-type]
    pack = int(problem["pack_size"])  # type: ignore[call-overload]
    need, sent = result.need, result.allocated
    short = sent < need
    assume(short.any())  # with every store served in full there is no ratio to compare
    # While a store is short of its target (its need to the nearest whole pack, half up), a pack
    # left over would have gone to it.
    assert result.allocatable[0] - result.allocated.sum() < pack or not np.any(
        sent + pack <= np.floor(need / pack + 0.5) * pack
    )
    for i in np.flatnonzero(need > 0):
        for j in np.flatnonzero(need > 0):
            # Every store is within one pack of the common ratio, so two stores' ratios differ by
            # at most a pack over each need (ratios above 1 come from rounding a small need up to
            # a whole pack: they count as 1).
            gap = pack / need[i] + pack / need[j]
            assert min(1, sent[i] / need[i]) >= min(1, sent[j] / need[j]) - gap - 1e-9
    # A store with more need never gets fewer units (over every pair of stores with a need).
    positive = need > 0
    more_need = (need[:, None] > need[None, :]) & positive[:, None] & positive[None, :]
    assert not np.any(more_need & (sent[:, None] < sent[None, :]))


@settings(max_examples=200, deadline=None)
@given(problems(), st.lists(st.integers(1, 3), min_size=12, max_size=12))
def test_a_lower_tier_gets_nothing_until_higher_tiers_are_full(
    problem: dict[str, object], tiers: list[int]
) -> None:
    need = np.asarray(problem["need"])
    priority = np.array(tiers[: len(need)])
    result = allocate(**{**problem, "store_max": None, "priority": priority})  # type: ignore[arg-type]
    pack = int(problem["pack_size"])  # type: ignore[call-overload]
    target = np.floor(need / pack + 0.5) * pack
    for tier in np.unique(priority):
        lower_served = result.allocated[priority > tier].sum() > 0
        full = np.all(result.allocated[priority == tier] == target[priority == tier])
        assert full or not lower_served, f"tier {tier} is short while a lower tier is served"


def test_batch_matches_one_sku_at_a_time() -> None:
    rng = np.random.default_rng(7)
    need = rng.poisson(6, (20, 15)).astype(float)
    available = rng.integers(0, 120, 20)
    caps = rng.integers(0, 12, 15)
    batch = allocate(need, available, pack_size=2, store_max=caps, presentation_min=np.full(15, 2.0))
    for sku in range(20):
        alone = allocate(
            need[sku], available[sku], pack_size=2, store_max=caps, presentation_min=np.full(15, 2.0)
        )
        assert batch.allocated[sku].tolist() == alone.allocated.tolist()
