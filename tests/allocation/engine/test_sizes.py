"""Size split: hand-checked cases and the exact-sum / within-one-unit properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.engine import AllocationInputError, size_split


def test_ties_go_to_the_larger_share() -> None:
    # 10 on 0.15/0.35/0.35/0.15: ideals 1.5/3.5/3.5/1.5, floors 1/3/3/1 = 8; 2 left, all remainders
    # 0.5, so the two larger shares (sizes 1 and 2) get them.
    assert size_split(10, [0.15, 0.35, 0.35, 0.15]).tolist() == [1, 4, 4, 1]


def test_per_store_split_adds_up_to_each_store() -> None:
    # Store 0: 10 -> 1/4/4/1 as above. Store 1: 0 -> nothing.
    # Store 2: 7 -> ideals 1.05/2.45/2.45/1.05, floors 1/2/2/1 = 6; one left to a 0.45 remainder:
    # sizes 1 and 2 tie on remainder and share, so the first (size 1): 1/3/2/1.
    split = size_split([10, 0, 7], [15, 35, 35, 15])  # shares are normalised
    assert split.tolist() == [[1, 0, 1], [4, 0, 3], [4, 0, 2], [1, 0, 1]]
    assert split.dtype == np.int64


def test_larger_remainder_beats_larger_share() -> None:
    # 5 on 0.5/0.3/0.2: ideals 2.5/1.5/1.0, floors 2/1/1 = 4; remainders 0.5/0.5/0 -> the tie between
    # sizes 0 and 1 goes to the larger share (size 0): 3/1/1.
    assert size_split(5, [0.5, 0.3, 0.2]).tolist() == [3, 1, 1]
    # 4 on 0.6/0.4: ideals 2.4/1.6, floors 2/1; the larger remainder (0.6, size 1) wins: 2/2.
    assert size_split(4, [0.6, 0.4]).tolist() == [2, 2]


def test_all_zero_curve_means_equal_shares() -> None:
    # 5 over 3 sizes: 1.67 each, floors 1/1/1; 2 left, all tie -> the first two sizes.
    assert size_split(5, [0, 0, 0]).tolist() == [2, 2, 1]


@pytest.mark.parametrize(
    ("total", "curve", "message"),
    [
        (-1, [1, 1], "whole units"),
        (2.5, [1, 1], "whole units"),
        (5, [1, -1], "at least 0"),
        (5, [], "at least one size"),
        (5, [[1, 1]], "one share per size"),
        ([[1, 2]], [1, 1], "one number per store"),
        (5, [1, float("nan")], "at least 0"),
    ],
)
def test_bad_input_is_rejected(total: object, curve: object, message: str) -> None:
    with pytest.raises(AllocationInputError, match=message):
        size_split(total, curve)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 500), min_size=1, max_size=8),
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=10),
)
def test_split_adds_up_exactly_and_stays_within_one_unit(totals: list[int], curve: list[float]) -> None:
    split = size_split(totals, curve)
    weights = np.asarray(curve)
    shares = weights / weights.sum() if weights.sum() > 0 else np.full(len(curve), 1 / len(curve))
    ideal = shares[:, None] * np.asarray(totals)[None, :]
    assert split.shape == (len(curve), len(totals))
    assert split.sum(axis=0).tolist() == totals
    assert np.all(split >= 0)
    assert np.all(np.abs(split - ideal) < 1 + 1e-9)
