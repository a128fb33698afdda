"""Launch demand and need for a product with no history of its own."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.engine import AllocationInputError, launch_demand, launch_need


def test_demand_follows_the_like_item() -> None:
    # 30 a week; like item sold 20/10/0/30 of 60 -> shares 1/3, 1/6, 0, 1/2 -> 10/5/0/15.
    np.testing.assert_allclose(launch_demand(30, [20, 10, 0, 30]), [10, 5, 0, 15])


def test_fallback_weight_when_the_like_item_sold_nothing() -> None:
    # Like item sold nothing: weights 1/3 of 4 -> 10 x 0.25 and 10 x 0.75.
    np.testing.assert_allclose(launch_demand(10, [0, 0], [1, 3]), [2.5, 7.5])
    # No fallback (or an all-zero one): equal shares.
    np.testing.assert_allclose(launch_demand(10, [0, 0]), [5, 5])
    np.testing.assert_allclose(launch_demand(9, [0, 0, 0], [0, 0, 0]), [3, 3, 3])


def test_fallback_is_ignored_when_the_like_item_sold() -> None:
    np.testing.assert_allclose(launch_demand(12, [1, 0, 2], [5, 5, 5]), [4, 0, 8])


def test_need_is_demand_over_coverage_plus_minimum_rounded_up() -> None:
    # 10/5/0/15 a week over 4 weeks + 3 presentation minimum = 43/23/3/63.
    assert launch_need([10, 5, 0, 15], 4, 3).tolist() == [43, 23, 3, 63]
    # 2.1 x 7 = 14.7 + 1 = 15.7 -> 16; 29/7 a week x 7 = 29 (29.000000000000004 in floats) + 0 -> 29,
    # not 30: the float noise is not a unit.
    assert launch_need([2.1, 29 / 7], 7, [1, 0]).tolist() == [16, 29]
    assert launch_need([2.0], 3).dtype == np.int64


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: launch_demand(-1, [1]), "Total weekly demand"),
        (lambda: launch_demand(float("nan"), [1]), "Total weekly demand"),
        (lambda: launch_demand(1, [-1, 2]), "Like-item units must be numbers of at least 0"),
        (lambda: launch_demand(1, []), "one number per store"),
        (lambda: launch_demand(1, [0, 0], [1]), "Fallback weight has 1 values for 2 stores"),
        (lambda: launch_need([1, 2], -1), "Coverage weeks"),
        (lambda: launch_need([1, 2], 2, [1, 2, 3]), "Presentation minimum has 3 values for 2 stores"),
        (lambda: launch_need([1, -2], 2), "Weekly demand must be numbers of at least 0"),
    ],
)
def test_bad_input_is_rejected(call: object, message: str) -> None:
    with pytest.raises(AllocationInputError, match=message):
        call()  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0, 1000, allow_nan=False),
    st.lists(st.integers(0, 50), min_size=1, max_size=10),
    st.floats(0, 12, allow_nan=False),
)
def test_demand_adds_up_and_need_covers_it(total: float, like: list[int], weeks: float) -> None:
    demand = launch_demand(total, like)
    assert demand.sum() == pytest.approx(total)
    assert np.all(demand >= 0)
    need = launch_need(demand, weeks, 2)
    assert np.all(need >= demand * weeks + 2 - 1e-6)
    assert np.all(need < demand * weeks + 2 + 1)
