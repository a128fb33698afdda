"""Roll-ups, ratios of roll-ups and spreading: hand-checked cases and invariants."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from planning.engine.aggregate import ratio, rollup, rollup_lines, spread

MONTHS_454 = np.array([0] * 4 + [1] * 5 + [2] * 4)
WEEKS = np.arange(1.0, 14.0)  # 1, 2, ..., 13


def test_flow_sums_each_month_of_a_454_quarter() -> None:
    # 1+2+3+4 = 10; 5+...+9 = 35; 10+...+13 = 46
    np.testing.assert_array_equal(rollup(WEEKS, MONTHS_454, "flow"), [10.0, 35.0, 46.0])


def test_opening_takes_the_first_week_and_closing_the_last() -> None:
    np.testing.assert_array_equal(rollup(WEEKS, MONTHS_454, "opening"), [1.0, 5.0, 10.0])
    np.testing.assert_array_equal(rollup(WEEKS, MONTHS_454, "closing"), [4.0, 9.0, 13.0])


def test_rollup_of_many_lines() -> None:
    values = np.stack([WEEKS, 10 * WEEKS])
    np.testing.assert_array_equal(
        rollup(values, MONTHS_454, "flow"), [[10.0, 35.0, 46.0], [100.0, 350.0, 460.0]]
    )


def test_rollup_of_a_small_two_month_example() -> None:
    # weeks 0, 1 -> month 0; weeks 2, 3 -> month 1
    bop = [100.0, 90.0, 70.0, 60.0]
    eop = [90.0, 70.0, 60.0, 30.0]
    sales = [10.0, 20.0, 10.0, 30.0]
    parents = [0, 0, 1, 1]
    np.testing.assert_array_equal(rollup(sales, parents, "flow"), [30.0, 40.0])
    np.testing.assert_array_equal(rollup(bop, parents, "opening"), [100.0, 70.0])
    np.testing.assert_array_equal(rollup(eop, parents, "closing"), [70.0, 30.0])
    # month sell-through from components: 30 / 100 and 40 / 70, not the mean of weekly ratios
    np.testing.assert_allclose(
        ratio(rollup(sales, parents, "flow"), rollup(bop, parents, "opening")), [0.3, 40 / 70]
    )
    # month WOS: closing stock over average weekly sales (70 / 15, 30 / 20)
    weeks = rollup(np.ones(4), parents, "flow")
    np.testing.assert_allclose(
        ratio(rollup(eop, parents, "closing"), ratio(rollup(sales, parents, "flow"), weeks)), [70 / 15, 1.5]
    )


def test_parents_need_not_be_contiguous_and_keep_period_order() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    parents = [1, 0, 1, 0]
    np.testing.assert_array_equal(rollup(values, parents, "flow"), [6.0, 4.0])
    np.testing.assert_array_equal(rollup(values, parents, "opening"), [2.0, 1.0])
    np.testing.assert_array_equal(rollup(values, parents, "closing"), [4.0, 3.0])


def test_a_group_without_periods_is_nan() -> None:
    result = rollup([1.0, 2.0], [0, 2], "flow", groups=4)
    np.testing.assert_array_equal(result[[0, 2]], [1.0, 2.0])
    assert np.isnan(result[[1, 3]]).all()


def test_rollup_rejects_unknown_kind_and_bad_parents() -> None:
    kind: Any = "average"
    with pytest.raises(ValueError, match="kind: unknown 'average'"):
        rollup(WEEKS, MONTHS_454, kind)
    with pytest.raises(ValueError, match="one parent per period"):
        rollup(WEEKS, MONTHS_454[:-1], "flow")
    with pytest.raises(ValueError, match=r"period 9 has parent 2, outside 0\.\.1"):
        rollup(WEEKS, MONTHS_454, "flow", groups=2)
    with pytest.raises(ValueError, match="integer"):
        rollup(WEEKS, MONTHS_454.astype(float), "flow")
    with pytest.raises(ValueError, match="values: line 0, period 3"):
        rollup([1.0, 2.0, 3.0, math.nan], [0, 0, 1, 1], "flow")


def test_rollup_lines_sums_stocks_and_flows_into_parents() -> None:
    classes = [[10.0, 20.0], [1.0, 2.0], [100.0, 200.0]]
    np.testing.assert_array_equal(rollup_lines(classes, [0, 1, 0]), [[110.0, 220.0], [1.0, 2.0]])


def test_rollup_lines_parent_without_children_is_nan() -> None:
    result = rollup_lines([[1.0, 2.0]], [1], groups=3)
    np.testing.assert_array_equal(result[1], [1.0, 2.0])
    assert np.isnan(result[[0, 2]]).all()


def test_rollup_lines_needs_lines_by_periods() -> None:
    with pytest.raises(ValueError, match="2-D"):
        rollup_lines([1.0, 2.0], [0, 0])
    with pytest.raises(ValueError, match="line 2 has parent -1"):
        rollup_lines(np.ones((3, 2)), [0, 0, -1])


def test_ratio_is_nan_at_zero_denominator() -> None:
    result = ratio([1.0, 1.0], [0.0, 4.0])
    assert math.isnan(result[0])
    assert result[1] == 0.25


def test_spread_evenly_by_largest_remainder() -> None:
    # 33.33 each; the leftover unit goes to the first child on the tie
    np.testing.assert_array_equal(spread(100, [1, 1, 1]), [34.0, 33.0, 33.0])


def test_spread_in_proportion_to_current() -> None:
    # 60 x 1/6, 2/6, 3/6
    np.testing.assert_array_equal(spread(60, [1, 2, 3]), [10.0, 20.0, 30.0])
    # 10 x 1/3, 2/3 = 3.33, 6.67 -> floors 3, 6, the larger remainder (.67) gets the unit
    np.testing.assert_array_equal(spread(10, [1, 2]), [3.0, 7.0])


def test_spread_falls_back_to_reference_when_current_is_zero() -> None:
    # shares 2.5 and 7.5 -> floors 2, 7; tied .5 remainders, the first wins
    np.testing.assert_array_equal(spread(10, [0, 0, 0], reference=[1, 3, 0]), [3.0, 7.0, 0.0])


def test_spread_evenly_when_current_and_reference_are_zero() -> None:
    np.testing.assert_array_equal(spread(10, [0, 0, 0], reference=[0, 0, 0]), [4.0, 3.0, 3.0])
    np.testing.assert_array_equal(spread(10, [0, 0, 0]), [4.0, 3.0, 3.0])


def test_locked_children_keep_their_value_and_the_rest_absorb() -> None:
    # 100 - 10 = 90 over 20 : 30 -> 36, 54
    np.testing.assert_array_equal(spread(100, [10, 20, 30], locked=[True, False, False]), [10.0, 36.0, 54.0])


def test_spread_money_in_cents() -> None:
    # 100.00 over three equal children: 33.34, 33.33, 33.33
    result = spread(100.0, [5.0, 5.0, 5.0], decimals=2)
    np.testing.assert_allclose(result, [33.34, 33.33, 33.33])
    assert np.rint(result * 100).sum() == 10_000
    # 1,000.01 over 1 : 2 : 1 -> 250.0025, 500.005, 250.0025 -> 250.00, 500.01, 250.00 (largest remainder)
    np.testing.assert_allclose(spread(1000.01, [1.0, 2.0, 1.0], decimals=2), [250.0, 500.01, 250.0])


def test_spread_rows_each_with_its_total() -> None:
    result = spread([100, 10], [[1, 1, 1], [0, 0, 0]], reference=[[0, 0, 0], [1, 3, 0]])
    np.testing.assert_array_equal(result, [[34.0, 33.0, 33.0], [3.0, 7.0, 0.0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total": 50, "current": [10, 20], "locked": [True, True]}, "locked: row 0: every child is locked"),
        (
            {"total": [5, 10], "current": [[1, 2], [8, 4]], "locked": [[0, 0], [1, 1]]},
            "locked: row 1: the locked",
        ),
        ({"total": [5, 10], "current": [[1, 2], [8, 4]], "locked": [[0, 0], [1, 1]]}, "exceed the total"),
        ({"total": 10, "current": [1, -2]}, "current: row 0, child 1 is -2"),
        ({"total": [1, 2], "current": [[1, 2], [1, math.nan]]}, "current: row 1, child 1 is nan"),
        ({"total": 10, "current": [0, 0], "reference": [1, -1]}, "reference: row 0, child 1"),
        ({"total": [5, -1], "current": [[1, 2], [1, 2]]}, "total: row 1 is -1"),
        ({"total": math.inf, "current": [1, 2]}, "total: row 0 is inf"),
        ({"total": 3, "current": [1, 2], "locked": [True, False, False]}, "locked: shape"),
        ({"total": 3, "current": [1, 2], "decimals": -1}, "decimals"),
    ],
)
def test_spread_rejects_bad_input_naming_the_row(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        spread(**kwargs)


def test_fully_locked_row_with_matching_total_is_kept() -> None:
    np.testing.assert_array_equal(spread(30, [10, 20], locked=[True, True]), [10.0, 20.0])


amounts = st.floats(0.0, 1e6, allow_subnormal=False)


@st.composite
def spread_cases(draw: st.DrawFn) -> dict[str, Any]:
    rows = draw(st.integers(1, 4))
    children = draw(st.integers(1, 8))
    decimals = draw(st.sampled_from([0, 2]))
    grid = st.integers(0, 10**6).map(lambda cents: cents / 10**decimals)
    current = draw(hnp.arrays(np.float64, (rows, children), elements=grid | st.just(0.0)))
    reference = draw(hnp.arrays(np.float64, (rows, children), elements=amounts))
    locked = draw(hnp.arrays(np.bool_, (rows, children)))
    extra = draw(hnp.arrays(np.float64, rows, elements=amounts))
    total = np.where(locked, current, 0).sum(axis=1) + extra
    all_locked = locked.all(axis=1)
    total[all_locked] = np.where(locked, current, 0).sum(axis=1)[all_locked]
    return {
        "total": total,
        "current": current,
        "reference": reference,
        "locked": locked,
        "decimals": decimals,
    }


@settings(max_examples=300, deadline=None)
@given(case=spread_cases())
def test_spread_sums_exactly_respects_locks_and_is_never_negative(case) -> None:
    result = spread(**case)
    scale = 10 ** case["decimals"]
    units = np.rint(result * scale)
    np.testing.assert_array_equal(units.sum(axis=1), np.rint(case["total"] * scale))
    np.testing.assert_array_equal(result[case["locked"]], case["current"][case["locked"]])
    assert (result >= 0).all()
    np.testing.assert_allclose(result * scale, units, atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(case=spread_cases())
def test_spread_of_rows_equals_row_by_row(case) -> None:
    rows = [
        spread(
            case["total"][i],
            case["current"][i],
            locked=case["locked"][i],
            reference=case["reference"][i],
            decimals=case["decimals"],
        )
        for i in range(len(case["total"]))
    ]
    np.testing.assert_array_equal(spread(**case), np.stack(rows))


@settings(max_examples=200, deadline=None)
@given(case=spread_cases())
def test_spread_follows_current_proportions_within_one_unit(case) -> None:
    current, locked = case["current"], case["locked"]
    free_current = np.where(locked, 0, current).sum(axis=1)
    assume((free_current > 0).all())
    result = spread(**case)
    # The children sum to the total rounded to `decimals`, locked values counted rounded too.
    scale = 10.0 ** case["decimals"]
    rounded = np.rint(case["total"] * scale) / scale
    budget = rounded - np.where(locked, np.rint(current * scale) / scale, 0).sum(axis=1)
    exact = np.where(locked, current, budget[:, None] * current / free_current[:, None])
    assert (np.abs(result - exact) <= 10.0 ** -case["decimals"] + 1e-6 * (1 + exact)).all()


@st.composite
def nested_calendars(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """weeks -> months and months -> quarters, both contiguous and in order."""
    weeks_per_month = draw(st.lists(st.integers(1, 6), min_size=1, max_size=8))
    new_quarter = draw(
        st.lists(st.booleans(), min_size=len(weeks_per_month) - 1, max_size=len(weeks_per_month) - 1)
    )
    month_of_week = np.repeat(np.arange(len(weeks_per_month)), weeks_per_month)
    quarter_of_month = np.cumsum([0, *new_quarter])
    return month_of_week, quarter_of_month


@settings(max_examples=200, deadline=None)
@given(calendars=nested_calendars(), data=st.data())
def test_rolling_up_twice_equals_rolling_up_once(calendars, data) -> None:
    month_of_week, quarter_of_month = calendars
    values = data.draw(
        hnp.arrays(np.float64, (2, len(month_of_week)), elements=st.integers(0, 1000).map(float))
    )
    quarter_of_week = quarter_of_month[month_of_week]
    for kind in ("flow", "opening", "closing"):
        twice = rollup(rollup(values, month_of_week, kind), quarter_of_month, kind)
        np.testing.assert_array_equal(twice, rollup(values, quarter_of_week, kind))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), periods=st.integers(1, 20))
def test_flow_of_shuffled_parents_rolls_up_twice_like_once(data, periods) -> None:
    groups = data.draw(st.integers(1, periods))
    fine = data.draw(hnp.arrays(np.intp, periods, elements=st.integers(0, groups - 1)))
    coarse = data.draw(hnp.arrays(np.intp, groups, elements=st.integers(0, 2)))
    values = data.draw(hnp.arrays(np.float64, periods, elements=st.integers(0, 1000).map(float)))
    twice = rollup(np.nan_to_num(rollup(values, fine, "flow", groups=groups)), coarse, "flow", groups=3)
    once = rollup(values, coarse[fine], "flow", groups=3)
    np.testing.assert_array_equal(twice[~np.isnan(once)], once[~np.isnan(once)])


@settings(max_examples=200, deadline=None)
@given(data=st.data(), periods=st.integers(1, 20))
def test_opening_of_the_first_group_is_the_first_period(data, periods) -> None:
    values = data.draw(hnp.arrays(np.float64, (3, periods), elements=amounts))
    parents = np.sort(data.draw(hnp.arrays(np.intp, periods, elements=st.integers(0, 5))))
    parents -= parents[0]
    np.testing.assert_array_equal(rollup(values, parents, "opening")[:, 0], values[:, 0])


@settings(max_examples=200, deadline=None)
@given(data=st.data(), periods=st.integers(1, 20))
def test_gm_percent_of_rolled_up_components_is_the_sales_weighted_mean(data, periods) -> None:
    sales = data.draw(hnp.arrays(np.float64, periods, elements=st.floats(1.0, 1e6)))
    gm_percent = data.draw(hnp.arrays(np.float64, periods, elements=st.floats(-1.0, 1.0)))
    season = np.zeros(periods, dtype=np.intp)
    rolled = ratio(rollup(gm_percent * sales, season, "flow"), rollup(sales, season, "flow"))
    np.testing.assert_allclose(rolled, [(gm_percent * sales).sum() / sales.sum()], rtol=1e-9, atol=1e-12)
