"""Purchase suggestions and the open-PO review: hand-checked cases, input checks, invariants."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from replenishment.engine.suggest import (
    cut_to_terms,
    excess_arrivals,
    expedite_candidates,
    suggest_orders,
)


def one_item(on_hand, forecast, rop, out, lead, moq, multiple, arrivals=None, **options):
    weeks = len(forecast)
    return suggest_orders(
        [on_hand],
        [arrivals if arrivals is not None else [0] * weeks],
        [forecast],
        [rop],
        [out],
        [lead],
        [moq],
        [multiple],
        **options,
    )


# --- hand-checked cases ---------------------------------------------------------------------
def test_order_is_placed_when_the_position_falls_below_the_reorder_point() -> None:
    # on hand 10, forecast 5/wk, ROP 8, OUT 20, lead 2, MOQ 12, multiple 6
    # week 0: position 10 >= 8, no order; 10 - 5 -> 5
    # week 1: position 5 < 8: 20 - 5 = 15 -> up to 18 (3 x 6) >= MOQ 12; lands week 3; 5 - 5 -> 0
    # week 2: position 0 + 18 on order = 18; 0 - 5: 5 lost -> 0
    # week 3: 0 + 18 - 5 = 13; week 4: 13 - 5 = 8 (position 8, not below 8); week 5: 8 - 5 = 3
    result = one_item(10, [5, 5, 5, 5, 5, 5], 8, 20, 2, 12, 6)
    np.testing.assert_array_equal(result.order_units, [[0, 18, 0, 0, 0, 0]])
    np.testing.assert_array_equal(result.arrival_week, [[-1, 3, -1, -1, -1, -1]])
    np.testing.assert_array_equal(result.suggested_arrivals, [[0, 0, 0, 18, 0, 0]])
    np.testing.assert_array_equal(result.position, [[10, 5, 18, 18, 13, 8]])
    np.testing.assert_array_equal(result.projected_on_hand, [[10, 5, 0, 0, 13, 8, 3]])
    np.testing.assert_array_equal(result.unmet_demand, [[0, 0, 5, 0, 0, 0]])
    # without the order: 10, 5, 0 and 5 lost every week from week 2
    np.testing.assert_array_equal(result.projected_without, [[10, 5, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(result.unmet_without, [[0, 0, 5, 5, 5, 5]])
    np.testing.assert_array_equal(result.first_stockout_week, [2])


def test_the_moq_is_rounded_up_to_the_multiple_and_wins_over_a_small_need() -> None:
    # position 9 < ROP 10: need 12 - 9 = 3 -> 10 (one multiple); MOQ 25 -> 30 (3 x 10)
    result = one_item(9, [0, 0], 10, 12, 1, 25, 10)
    np.testing.assert_array_equal(result.order_units, [[30, 0]])
    # week 1: position 9 + 30 on order = 39, no second order
    np.testing.assert_array_equal(result.position, [[9, 39]])


def test_open_purchase_orders_count_in_the_position() -> None:
    # on hand 5 < ROP 10, but 20 arrive in week 2: position 25, no order; 5 - 4 -> 1, 1 - 4: 3 lost
    # week 2: 0 + 20 - 4 = 16
    result = one_item(5, [4, 4, 4], 10, 30, 1, 1, 1, arrivals=[0, 0, 20])
    np.testing.assert_array_equal(result.order_units, [[0, 0, 0]])
    np.testing.assert_array_equal(result.position, [[25, 21, 20]])
    np.testing.assert_array_equal(result.projected_without, [[5, 1, 0, 16]])
    np.testing.assert_array_equal(result.first_stockout_week, [1])


def test_lead_time_zero_lands_in_the_week_ordered() -> None:
    # position 2 < 5: order 10 - 2 = 8, lands at once: 2 + 8 - 6 = 4
    result = one_item(2, [6], 5, 10, 0, 1, 1)
    np.testing.assert_array_equal(result.order_units, [[8]])
    np.testing.assert_array_equal(result.projected_on_hand, [[2, 4]])
    np.testing.assert_array_equal(result.unmet_demand, [[0]])


def test_an_order_landing_after_the_horizon_is_suggested_once_and_stays_on_order() -> None:
    # lead 5 > 3 weeks: week 0 orders 20 - 0 = 20 (arrives week 5); the position stays 20 after
    result = one_item(0, [1, 1, 1], 5, 20, 5, 1, 1)
    np.testing.assert_array_equal(result.order_units, [[20, 0, 0]])
    np.testing.assert_array_equal(result.arrival_week, [[5, -1, -1]])
    np.testing.assert_array_equal(result.suggested_arrivals, [[0, 0, 0]])
    np.testing.assert_array_equal(result.position, [[0, 20, 20]])


def test_orders_are_placed_on_review_weeks_only() -> None:
    # review every 2 weeks, lead 1, forecast 4: week 0 position 6 >= 5; week 1 position 2 < 5 but
    # no review; week 2 position 0: order 12, lands week 3
    result = one_item(6, [4, 4, 4, 4], 5, 12, 1, 1, 1, review_period=2)
    np.testing.assert_array_equal(result.order_units, [[0, 0, 12, 0]])


def test_an_empty_horizon_suggests_nothing() -> None:
    result = suggest_orders([5.0], np.zeros((1, 0)), np.zeros((1, 0)), [8], [20], [1], [1], [1])
    assert result.order_units.shape == (1, 0)
    np.testing.assert_array_equal(result.projected_on_hand, [[5]])
    np.testing.assert_array_equal(result.first_stockout_week, [-1])


def test_rows_are_independent() -> None:
    result = suggest_orders(
        [10, 0], [[0, 0], [0, 0]], [[5, 5], [1, 1]], [8, 3], [20, 6], [2, 1], [12, 1], [6, 1]
    )
    # row 0: week 1 as in the first case (18); row 1: week 0 position 0 < 3: order 6
    np.testing.assert_array_equal(result.order_units, [[0, 18], [6, 0]])


def test_expedite_candidates_are_the_arrivals_after_the_first_stockout() -> None:
    # row 0: stock-out in week 1; arrivals in weeks 1 (counted already), 3 (2 weeks late), 4 (3)
    # row 1: never out of stock; row 2: out in week 0, its arrival in week 2 is 2 weeks late
    arrivals = [[0, 10, 0, 7, 5], [0, 0, 8, 0, 0], [0, 0, 4, 0, 0]]
    result = expedite_candidates(arrivals, np.array([1, -1, 0]))
    np.testing.assert_array_equal(result.weeks_earlier, [[0, 0, 0, 2, 3], [0] * 5, [0, 0, 2, 0, 0]])
    np.testing.assert_array_equal(result.units, [[0, 0, 0, 7, 5], [0] * 5, [0, 0, 4, 0, 0]])


def test_excess_arrivals_count_the_units_above_order_up_to_plus_cover() -> None:
    # OUT 10, 1 week of cover, forecast 5/wk: threshold 15 every week
    # week 0: 20 on hand + 0 arriving, no arrival; 20 - 5 = 15
    # week 1: 15 + 8 = 23 > 15: all 8 excess (stock already at 15); 15 - 5 = 10
    # week 2: 10 + 12 = 22: 7 excess, 5 kept; 15 - 5 = 10
    result = excess_arrivals([20], [[0, 8, 12]], [[5, 5, 5]], [10], weeks_of_cover=1)
    np.testing.assert_array_equal(result.threshold, [[15, 15, 15]])
    np.testing.assert_array_equal(result.units, [[0, 8, 7]])
    np.testing.assert_array_equal(result.projected_on_hand, [[20, 15, 10, 10]])


def test_excess_cover_past_the_horizon_uses_the_average_forecast() -> None:
    # forecast [2, 4]: average 3; 2 weeks of cover: week 0: 2 + 4 = 6, week 1: 4 + 3 = 7
    result = excess_arrivals([0], [[0, 0]], [[2, 4]], [5], weeks_of_cover=2)
    np.testing.assert_array_equal(result.threshold, [[11, 12]])
    np.testing.assert_array_equal(result.units, [[0, 0]])


# --- input checks ------------------------------------------------------------------------
GOOD: dict[str, Any] = {
    "on_hand": [1.0],
    "arrivals": [[0.0, 0.0]],
    "forecast": [[1.0, 1.0]],
    "reorder_point": [2.0],
    "order_up_to": [4.0],
    "lead_time": [1],
    "moq": [1],
    "multiple": [1],
}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("on_hand", [-1.0], "on_hand must not be negative"),
        ("arrivals", [[0.0, -2.0]], "arrivals must not be negative"),
        ("forecast", [[1.0, -1.0]], "forecast must not be negative"),
        ("forecast", [[1.0, np.nan]], "forecast: must be finite"),
        ("lead_time", [-1], "lead_time must not be negative"),
        ("lead_time", [1.5], "lead_time must be a whole number of weeks"),
        ("moq", [0], "MOQ must be at least 1"),
        ("multiple", [0], "multiple must be at least 1"),
        ("order_up_to", [1.0], "order_up_to must be at least the reorder_point"),
        ("arrivals", [[0.0, 0.0, 0.0]], r"arrivals: expected shape \(1, 2\), got \(1, 3\)"),
        ("reorder_point", [2.0, 2.0], r"reorder_point: expected shape \(1,\), got \(2,\)"),
        ("forecast", [1.0, 1.0], r"forecast: expected shape \(1, weeks\), got \(2,\)"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(name: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        suggest_orders(**{**GOOD, name: value})


def test_review_period_must_be_at_least_one_week() -> None:
    with pytest.raises(ValueError, match="review_period must be at least 1"):
        suggest_orders(**GOOD, review_period=0)


def test_results_are_read_only() -> None:
    result = suggest_orders(**GOOD)
    with pytest.raises(ValueError, match="read-only"):
        result.order_units[0, 0] = 5


# --- invariants ----------------------------------------------------------------------------
@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    rows = draw(st.integers(1, 6))
    weeks = draw(st.integers(1, 10))
    units = st.floats(0, 60, allow_nan=False).map(lambda value: round(value, 1))
    po_units = st.sampled_from([0.0, 0.0, 0.0, 12.0, 30.0])
    reorder_point = draw(hnp.arrays(np.float64, rows, elements=units))
    return {
        "on_hand": draw(hnp.arrays(np.float64, rows, elements=units)),
        "arrivals": draw(hnp.arrays(np.float64, (rows, weeks), elements=po_units)),
        "forecast": draw(hnp.arrays(np.float64, (rows, weeks), elements=units)),
        "reorder_point": reorder_point,
        "order_up_to": reorder_point + draw(hnp.arrays(np.float64, rows, elements=units)),
        "lead_time": draw(hnp.arrays(np.int64, rows, elements=st.integers(0, 4))),
        "moq": draw(hnp.arrays(np.int64, rows, elements=st.integers(1, 40))),
        "multiple": draw(hnp.arrays(np.int64, rows, elements=st.sampled_from([1, 2, 6, 12, 24]))),
        "review_period": draw(hnp.arrays(np.int64, rows, elements=st.integers(1, 3))),
    }


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_orders_are_whole_multiples_at_or_above_the_moq(case: dict[str, Any]) -> None:
    result = suggest_orders(**case)
    multiple = case["multiple"][:, None]
    ordered = result.order_units > 0
    assert np.all(np.mod(result.order_units, multiple) == 0)
    assert np.all(
        result.order_units[ordered] >= np.broadcast_to(case["moq"][:, None], ordered.shape)[ordered]
    )
    np.testing.assert_array_equal(ordered, result.arrival_week >= 0)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_the_position_after_ordering_is_at_least_the_reorder_point_on_review_weeks(
    case: dict[str, Any],
) -> None:
    result = suggest_orders(**case)
    weeks = np.arange(result.order_units.shape[1])
    review = weeks[None, :] % case["review_period"][:, None] == 0
    after = result.position + result.order_units
    assert np.all(
        after[review] >= np.broadcast_to(case["reorder_point"][:, None], review.shape)[review] - 1e-9
    )


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_no_order_when_the_position_never_falls_below_the_reorder_point(case: dict[str, Any]) -> None:
    # The position without suggestions: stock plus the open POs still to come. With the reorder
    # point at its lowest value over the horizon nothing is ever below it.
    result = suggest_orders(**case)
    still_to_come = np.cumsum(case["arrivals"][:, ::-1], axis=1)[:, ::-1]
    position = result.projected_without[:, :-1] + still_to_come
    lowest = position.min(axis=1)
    quiet = suggest_orders(**{**case, "reorder_point": lowest, "order_up_to": lowest + 10})
    np.testing.assert_array_equal(quiet.order_units, 0)
    np.testing.assert_array_equal(quiet.projected_on_hand, result.projected_without)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_the_projection_balances(case: dict[str, Any]) -> None:
    # stock at the end = stock at the start + what arrives - what sells (forecast - lost)
    result = suggest_orders(**case)
    sold = case["forecast"] - result.unmet_demand
    arrived = case["arrivals"] + result.suggested_arrivals
    np.testing.assert_allclose(np.diff(result.projected_on_hand, axis=1), arrived - sold, atol=1e-9)
    assert np.all(result.projected_on_hand >= 0)
    assert np.all(sold >= -1e-9)
    landed = result.arrival_week < case["forecast"].shape[1]
    np.testing.assert_allclose(
        result.suggested_arrivals.sum(), result.order_units[landed & (result.arrival_week >= 0)].sum()
    )


def test_cut_to_terms_by_hand() -> None:
    # 50 units, 20 excess: 30 needed. Multiple 12, MOQ 24 -> 36. MOQ 40 (48 in multiples of 12)
    # -> 48. MOQ 60 -> 60 >= 50: no cut, keep all 50. All excess -> 0. No terms -> 30.
    kept = cut_to_terms([50, 50, 50, 50, 50], [20, 20, 20, 50, 20], [24, 40, 60, 24, 1], [12, 12, 12, 12, 1])
    assert kept.tolist() == [36.0, 48.0, 50.0, 0.0, 30.0]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 500),
    st.integers(0, 600),
    st.integers(1, 120),
    st.integers(1, 48),
)
def test_a_cut_keeps_whole_multiples_at_least_the_moq_or_the_whole_line(
    units: int, excess: int, moq: int, multiple: int
) -> None:
    (kept,) = cut_to_terms([units], [excess], [moq], [multiple]).tolist()
    needed = max(units - excess, 0)
    if needed == 0:
        assert kept == 0
    elif kept < units:
        assert kept % multiple == 0
        assert kept >= moq
        assert kept >= needed
        assert kept - needed < max(multiple, -(-moq // multiple) * multiple)
    else:
        assert kept == units
        # No cut: the needed units rounded to the terms reach the line's units.
        assert max(-(-needed // multiple) * multiple, -(-moq // multiple) * multiple) >= units
