"""ABC / XYZ segmentation: hand-checked examples, input errors, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planning.engine.segmentation import segment

FLAT_UNITS = np.ones((4, 3))


def test_abc_the_item_crossing_a_threshold_stays_in_the_higher_class() -> None:
    # revenue 600, 300, 60, 40 of 1,000: shares .60, .30, .06, .04.
    # ranked above each item: 0, .60, .90, .96
    # item 0: 0 < .80 -> A; item 1: .60 < .80 -> A (it takes the total from 60% to 90%);
    # item 2: .90 >= .80 but < .95 -> B (it crosses 95%); item 3: .96 -> C.
    segments = segment(FLAT_UNITS, [600, 300, 60, 40])
    assert segments.abc.tolist() == ["A", "A", "B", "C"]
    np.testing.assert_allclose(segments.revenue_share, [0.6, 0.3, 0.06, 0.04])
    np.testing.assert_allclose(segments.cumulative_share, [0.6, 0.9, 0.96, 1.0])


def test_segment_hand_checked_example() -> None:
    units = [
        [10, 10, 10, 10],  # mean 10, std 0                             -> CV 0      X
        [5, 15, 5, 15],  # mean 10, std 5                               -> CV 0.5    Y (not < 0.5)
        [0, 0, 0, 40],  # mean 10, std sqrt((3 x 100 + 900) / 4) = 17.32 -> CV 1.732  Z
        [0, 0, 0, 0],  # mean 0                                         -> CV NaN    Z
        [1, 2, 3, 4],  # mean 2.5, std sqrt(1.25) = 1.118               -> CV 0.447  X
    ]
    # revenue 500, 300, 100, 0, 100 of 1,000, ranked 0, 1, 2, 4, 3 (ties keep item order):
    # ranked above: item 0: 0 -> A; item 1: .5 -> A (reaches exactly 80%);
    # item 2: .8 -> B; item 4: .9 -> B; item 3: no revenue -> C.
    segments = segment(units, [500, 300, 100, 0, 100])
    assert segments.abc.tolist() == ["A", "A", "B", "C", "B"]
    assert segments.xyz.tolist() == ["X", "Y", "Z", "Z", "X"]
    assert segments.cell.tolist() == ["AX", "AY", "BZ", "CZ", "BX"]
    np.testing.assert_allclose(segments.cumulative_share, [0.5, 0.8, 0.9, 1.0, 1.0])
    np.testing.assert_allclose(segments.cv, [0, 0.5, np.sqrt(300) / 10, np.nan, np.sqrt(1.25) / 2.5])


def test_revenue_defaults_to_total_units() -> None:
    # totals 80, 15, 5: shares .80, .15, .05 -> A (reaches 80%), B (reaches 95%), C
    segments = segment([[40, 40], [5, 10], [5, 0]])
    assert segments.abc.tolist() == ["A", "B", "C"]


def test_thresholds_are_settings() -> None:
    # CVs 0, 0.5, 1.732, NaN
    segments = segment([[1, 1], [1, 3], [0, 1], [0, 0]], abc=(0.5, 0.9), xyz=(0.6, 2.0))
    assert segments.xyz.tolist() == ["X", "X", "Y", "Z"]
    # totals 2, 4, 1, 0 of 7: ranked 1, 0, 2; above 0, 4/7 = .571, 6/7 = .857 -> A, B, B, C
    assert segments.abc.tolist() == ["B", "A", "B", "C"]


def test_no_revenue_at_all_makes_every_item_c() -> None:
    segments = segment(FLAT_UNITS, [0, 0, 0, 0])
    assert segments.abc.tolist() == ["C"] * 4
    np.testing.assert_array_equal(segments.revenue_share, 0)


def test_no_items_gives_empty_segments() -> None:
    segments = segment(np.zeros((0, 5)))
    assert segments.abc.shape == segments.xyz.shape == segments.cell.shape == (0,)


@pytest.mark.parametrize(
    ("units", "revenue", "kwargs", "message"),
    [
        ([[1, -2]], None, {}, r"weekly_units: item 0, week 1 is negative \(-2\)"),
        ([[1, np.nan]], None, {}, "weekly_units: item 0, week 1 is not a finite number"),
        ([1, 2], None, {}, "weekly_units: expected 2-D"),
        (np.zeros((2, 0)), None, {}, "at least one week"),
        ([[1], [1]], [5, -1], {}, r"revenue: item 1 is negative \(-1\)"),
        ([[1], [1]], [5, 1, 2], {}, r"revenue: expected one value per item \(2\)"),
        ([[1]], None, {"abc": (0.95, 0.8)}, "abc: thresholds must increase"),
        ([[1]], None, {"abc": (0.8, 1.2)}, r"abc: thresholds must lie in \(0, 1\]"),
        ([[1]], None, {"abc": (0, 0.8)}, r"abc: thresholds must lie in \(0, 1\]"),
        ([[1]], None, {"xyz": (1.0, 1.0)}, "xyz: thresholds must increase"),
        ([[1]], None, {"xyz": (-0.5, 1.0)}, "xyz: thresholds must lie in"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(units, revenue, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        segment(units, revenue, **kwargs)


# --- invariants -------------------------------------------------------------------------
revenues = arrays(np.int64, st.integers(1, 40), elements=st.integers(0, 1_000_000))
demands = st.integers(1, 30).flatmap(
    lambda items: arrays(np.float64, (items, 8), elements=st.just(0.0) | st.floats(1e-3, 1e4))
)


@settings(max_examples=200, deadline=None)
@given(revenues)
def test_a_items_hold_at_most_the_a_threshold_plus_one_item(revenue) -> None:
    segments = segment(np.ones((revenue.size, 1)), revenue)
    a_shares = segments.revenue_share[segments.abc == "A"]
    if a_shares.size:
        # without its smallest item (the one that crossed 80%) A stays below 80%
        assert a_shares.sum() - a_shares.min() < 0.80 + 1e-9
    if segments.revenue_share[segments.abc != "A"].sum() > 0:
        assert a_shares.sum() >= 0.80 - 1e-9  # A stops only once it has reached 80%


@settings(max_examples=200, deadline=None)
@given(revenues)
def test_every_item_gets_exactly_one_class(revenue) -> None:
    segments = segment(np.ones((revenue.size, 2)), revenue)
    assert segments.abc.shape == segments.xyz.shape == (revenue.size,)
    assert set(segments.abc.tolist()) <= {"A", "B", "C"}
    assert set(segments.xyz.tolist()) <= {"X", "Y", "Z"}
    assert np.all(segments.abc[revenue == 0] == "C")


@settings(max_examples=200, deadline=None)
@given(revenues, st.floats(1e-3, 1e6))
def test_scaling_revenue_keeps_the_abc_classes(revenue, factor) -> None:
    units = np.ones((revenue.size, 1))
    assert segment(units, revenue * factor).abc.tolist() == segment(units, revenue).abc.tolist()


@settings(max_examples=200, deadline=None)
@given(demands, st.floats(1e-3, 1e3))
def test_cv_does_not_depend_on_the_unit_of_demand(units, factor) -> None:
    before, after = segment(units), segment(units * factor)
    np.testing.assert_allclose(after.cv, before.cv, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(np.isnan(after.cv), np.isnan(before.cv))
