"""Pre-packs: the greedy pack need, the pack allocation and its invariants."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.engine import AllocationInputError, PrepackAllocation, allocate_prepacks, prepack_need

# Sizes S/M/L; pack A = 1/2/1 (4 units), pack B = 2/2/2 (6 units).
PACKS = [[1, 2, 1], [2, 2, 2]]


def test_greedy_takes_the_best_pack_then_the_smaller_on_a_tie() -> None:
    # Need 3/5/3: B covers 6 (A 4) -> B, uncovered 1/3/1; then A and B both cover 4 (more than
    # half of each) -> the smaller, A, uncovered 0/1/0; then A covers 1 <= 2, B 1 <= 3 -> stop.
    assert prepack_need([[3], [5], [3]], PACKS).tolist() == [[1], [1]]


def test_a_pack_is_added_only_when_it_covers_more_than_half_of_itself() -> None:
    # One 6-unit pack (1/2/3); need 3 (0/0/3) covers 3 = half -> none; need 4 (0/1/3) covers 4 -> one.
    pack = [[1, 2, 3]]
    need = [[0, 0], [0, 1], [3, 3]]
    assert prepack_need(need, pack).tolist() == [[0, 1]]


def test_stores_are_packed_independently() -> None:
    # Store 0: 3/5/3 -> one A, one B (as above). Store 1: 0/3/0 -> A covers 2 (not > 2), B 2 (not > 3):
    # nothing. Store 2: 1/2/1 -> A covers all 4 -> one A; then nothing uncovered.
    # Store 3: 6/6/6 -> B three times (6 each), then nothing uncovered.
    need = [[3, 0, 1, 6], [5, 3, 2, 6], [3, 0, 1, 6]]
    assert prepack_need(need, PACKS).tolist() == [[1, 0, 1, 0], [1, 0, 0, 3]]


def test_equal_packs_tie_to_the_first() -> None:
    assert prepack_need([[2], [2]], [[1, 1], [1, 1]]).tolist() == [[2], [0]]


def test_allocate_prepacks_enough_supply() -> None:
    # Pack need as above for stores 0..2: A 1/0/1, B 1/0/0; 5 of each on hand: everyone gets it.
    # Units: store 0 = A + B = 3/4/3; store 2 = A = 1/2/1.
    # Fill: store 0 3/3, 4/5, 3/3; store 1 nothing of 0/3/0 -> 1, 0, 1; store 2 1/2/1 of 1/2/1 -> 1.
    result = allocate_prepacks([[3, 0, 1], [5, 3, 2], [3, 0, 1]], PACKS, [5, 5])
    assert isinstance(result, PrepackAllocation)
    assert result.packs.tolist() == [[1, 0, 1], [1, 0, 0]]
    assert result.units.tolist() == [[3, 0, 1], [4, 0, 2], [3, 0, 1]]
    np.testing.assert_allclose(result.size_fill_rate, [[1.0, 1.0, 1.0], [0.8, 0.0, 1.0], [1.0, 1.0, 1.0]])
    assert result.allocation.left_at_dc.tolist() == [3, 4]


def test_store_max_caps_each_pack_type_in_its_own_units() -> None:
    # Store 0 needs 6/6/6 -> 3 B packs; store_max 13 units -> floor(13 / 6) = 2 B packs (and
    # floor(13 / 4) = 3 A packs, unused).
    result = allocate_prepacks([[6], [6], [6]], PACKS, [0, 9], store_max=[13])
    assert result.packs.tolist() == [[0], [2]]
    assert result.units.tolist() == [[4], [4], [4]]


def test_short_supply_and_holdback_share_whole_packs() -> None:
    # B need 3 and 1 packs; 5 B packs, holdback 0.2 keeps ceil(1) = 1 -> 4 to share = the need.
    result = allocate_prepacks([[6, 2], [6, 2], [6, 2]], PACKS, [0, 5], holdback=0.2)
    assert result.packs.tolist() == [[0, 0], [3, 1]]
    assert result.allocation.held_back.tolist() == [0, 1]
    # With 3 B packs (after holdback) for a need of 3 + 1: fill ratio 3/4 -> 2.25 and 0.75;
    # floors 2 + 0, the last pack to the larger remainder (0.75, store 1): 2 and 1.
    result = allocate_prepacks([[6, 2], [6, 2], [6, 2]], PACKS, [0, 4], holdback=0.2)
    assert result.packs.tolist() == [[0, 0], [2, 1]]


@pytest.mark.parametrize(
    ("need", "composition", "available", "message"),
    [
        ([[1], [1]], [[1, -1]], [1], "whole units of at least 0"),
        ([[1], [1]], [[0, 0]], [1], "Pack type 0 has no units"),
        ([[1], [1]], [[1, 1, 1]], [1], "expected pack types x sizes"),
        ([1, 1], [[1, 1]], [1], "sizes x stores"),
        ([[1], [-1]], [[1, 1]], [1], "at least 0"),
        ([[1], [1]], [[1, 1]], [1, 2], "one per pack type"),
    ],
)
def test_bad_input_is_rejected(need: object, composition: object, available: object, message: str) -> None:
    with pytest.raises(AllocationInputError, match=message):
        allocate_prepacks(need, composition, available)  # type: ignore[arg-type]


def test_bad_store_max_is_rejected() -> None:
    with pytest.raises(AllocationInputError, match="one per store"):
        allocate_prepacks([[1, 1], [1, 1]], [[1, 1]], [1], store_max=[5])
    with pytest.raises(AllocationInputError, match="cannot be negative"):
        allocate_prepacks([[1, 1], [1, 1]], [[1, 1]], [1], store_max=[5, -1])


@st.composite
def prepack_problems(draw: st.DrawFn) -> dict[str, Any]:
    sizes = draw(st.integers(1, 5))
    stores = draw(st.integers(1, 8))
    pack_types = draw(st.integers(1, 3))
    composition = [
        draw(st.lists(st.integers(0, 4), min_size=sizes, max_size=sizes).filter(lambda row: sum(row) > 0))
        for _ in range(pack_types)
    ]
    need = [draw(st.lists(st.integers(0, 20), min_size=stores, max_size=stores)) for _ in range(sizes)]
    return {
        "size_need": need,
        "composition": composition,
        "available_packs": draw(st.lists(st.integers(0, 30), min_size=pack_types, max_size=pack_types)),
        "store_max": draw(st.none() | st.lists(st.integers(0, 40), min_size=stores, max_size=stores)),
        "holdback": draw(st.sampled_from([0.0, 0.1, 0.3])),
    }


@settings(max_examples=200, deadline=None)
@given(prepack_problems())
def test_units_are_packs_times_composition_and_supply_is_never_exceeded(problem: dict[str, Any]) -> None:
    result = allocate_prepacks(**problem)
    composition = np.asarray(problem["composition"])
    available = np.asarray(problem["available_packs"])
    assert np.array_equal(result.units, composition.T @ result.packs)
    assert np.all(result.packs >= 0)
    held = np.ceil(available * problem["holdback"] - 1e-9)
    assert np.all(result.packs.sum(axis=1) <= available - held)
    # No cap (None) is an infinite one: the cap is checked on every example.
    store_max = np.inf if problem["store_max"] is None else np.asarray(problem["store_max"])[None, :]
    caps = np.floor(store_max / composition.sum(axis=1)[:, None])
    assert np.all(result.packs <= caps)


@settings(max_examples=200, deadline=None)
@given(prepack_problems())
def test_each_greedy_pack_covers_more_than_half_of_itself(problem: dict[str, Any]) -> None:
    # Re-play the packs chosen for each store: the total covered by them is more than half the
    # units they carry, and the pack need never exceeds what the size need could justify.
    need = np.asarray(problem["size_need"])
    composition = np.asarray(problem["composition"])
    packs = prepack_need(need, composition)
    units = composition.T @ packs
    covered = np.minimum(units, need).sum(axis=0)
    assert np.all((packs.sum(axis=0) == 0) | (2 * covered > units.sum(axis=0)))
