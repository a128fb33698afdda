"""KPIs: hand-checked figures, undefined ratios, shapes, bad input and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from planning.engine.kpis import (
    average_inventory,
    cogs_retail_method,
    gm_percent,
    gmroi,
    gross_margin,
    sell_through,
    sell_through_available,
    stock_to_sales,
    to_cost,
    turn,
)

BOP = [120.0, 100.0, 140.0]
EOP = [100.0, 140.0, 160.0]
SALES = [100.0, 120.0, 80.0]


def test_average_inventory_counts_the_opening_and_every_close() -> None:
    # by hand: the opening 120 and the closes 100, 140, 160 average 520 / 4
    assert average_inventory(BOP, EOP) == 130.0


def test_average_inventory_of_one_line_is_a_0d_array() -> None:
    result = average_inventory(BOP, EOP)
    assert isinstance(result, np.ndarray)
    assert result.shape == ()


def test_average_inventory_reduces_the_last_axis_of_many_lines() -> None:
    result = average_inventory(np.array([BOP, [10, 10, 10]]), np.array([EOP, [20, 30, 40]]))
    # line 1: (10 + 20 + 30 + 40) / 4 = 25
    np.testing.assert_array_equal(result, [130.0, 25.0])


def test_turn_is_span_sales_over_average_inventory() -> None:
    assert turn(SALES, BOP, EOP) == pytest.approx(300 / 130)


def test_turn_annualised_by_52_over_weeks() -> None:
    # 300 / 130 * 52 / 3 = 40
    assert turn(SALES, BOP, EOP, weeks=3) == pytest.approx(40.0)


def test_turn_takes_weeks_per_line() -> None:
    result = turn([SALES, SALES], [BOP, BOP], [EOP, EOP], weeks=[3, 52])
    np.testing.assert_allclose(result, [40.0, 300 / 130])


def test_turn_is_nan_without_inventory() -> None:
    assert math.isnan(turn([5.0, 5.0], [0.0, 0.0], [0.0, 0.0]))


def test_turn_rejects_weeks_of_zero() -> None:
    with pytest.raises(ValueError, match="weeks: line 0"):
        turn(SALES, BOP, EOP, weeks=0)


def test_monthly_ssr_of_4_is_an_annual_turn_of_about_3() -> None:
    sales = np.array([80, 70, 90, 100, 110, 120, 100, 90, 80, 90, 140, 130], dtype=float)
    bop = 4 * sales
    eop = np.append(bop[1:], bop[0])  # EOP[p] = BOP[p + 1], wrapping the year
    assert stock_to_sales(bop, sales) == pytest.approx(np.full(12, 4.0))
    assert turn(sales, bop, eop, weeks=52) == pytest.approx(3.0, rel=0.1)
    flat = np.full(12, 100.0)
    assert turn(flat, 4 * flat, 4 * flat, weeks=52) == pytest.approx(3.0)


def test_sell_through_of_bop_and_of_available() -> None:
    np.testing.assert_allclose(sell_through(SALES, BOP), [100 / 120, 1.2, 80 / 140])
    # available = BOP + receipts = 120 + 80, 100 + 0
    np.testing.assert_allclose(sell_through_available([100.0, 50.0], [120.0, 100.0], [80.0, 0.0]), [0.5, 0.5])


def test_sell_through_is_nan_at_zero_stock() -> None:
    result = sell_through([0.0, 10.0], [0.0, 20.0])
    assert math.isnan(result[0])
    assert result[1] == 0.5


def test_retail_method_cogs_from_design_example() -> None:
    # IMU 55%: (80,000 + 6,000 + 1,000) x 0.45 = 39,150
    cogs = cogs_retail_method([80_000.0], [6_000.0], [1_000.0], 1 - 0.55)
    assert cogs == pytest.approx([39_150.0])
    assert gross_margin([80_000.0], cogs) == pytest.approx([40_850.0])
    assert gm_percent([80_000.0], cogs) == pytest.approx([0.510625])


def test_maintained_margin_is_below_imu_when_there_are_markdowns() -> None:
    cogs = cogs_retail_method([80_000.0], [6_000.0], [1_000.0], 0.45)
    assert gm_percent([80_000.0], cogs)[0] < 0.55
    assert gm_percent([80_000.0], cogs_retail_method([80_000.0], [0.0], [0.0], 0.45))[0] == pytest.approx(
        0.55
    )


def test_cost_complement_per_line_and_per_period() -> None:
    sales = [[100.0, 200.0], [100.0, 200.0]]
    per_line = cogs_retail_method(sales, 0.0, 0.0, [0.5, 0.4])
    np.testing.assert_allclose(per_line, [[50.0, 100.0], [40.0, 80.0]])
    per_cell = cogs_retail_method(sales, 0.0, 0.0, [[0.5, 0.4], [0.3, 0.2]])
    np.testing.assert_allclose(per_cell, [[50.0, 80.0], [30.0, 40.0]])


def test_otb_at_cost_from_design_example() -> None:
    # 72,000 retail OTB at IMU 55% -> 72,000 x 0.45
    assert to_cost([72_000.0], 0.45) == pytest.approx([32_400.0])
    assert to_cost(72_000.0, 0.45) == pytest.approx(32_400.0)


def test_gm_percent_is_nan_at_zero_sales() -> None:
    result = gm_percent([0.0, 100.0], [0.0, 60.0])
    assert math.isnan(result[0])
    assert result[1] == pytest.approx(0.4)


def test_gmroi_annualised() -> None:
    # 26 weeks: GM 40,850 over average inventory at cost 50,000, x 52 / 26
    assert gmroi(40_850.0, 50_000.0) == pytest.approx(0.817)
    assert gmroi(40_850.0, 50_000.0, weeks=26) == pytest.approx(1.634)
    np.testing.assert_allclose(gmroi([[10.0], [10.0]], [[5.0], [5.0]], weeks=[26, 52]), [[4.0], [2.0]])


def test_gmroi_is_nan_without_inventory() -> None:
    assert math.isnan(gmroi([10.0], [0.0])[0])


def test_stock_to_sales_is_nan_at_zero_sales() -> None:
    result = stock_to_sales([400.0, 400.0], [100.0, 0.0])
    assert result[0] == 4.0
    assert math.isnan(result[1])


def test_many_lines_equal_stacked_single_lines() -> None:
    sales = np.array([SALES, [10.0, 0.0, 30.0]])
    bop = np.array([BOP, [50.0, 40.0, 0.0]])
    eop = np.array([EOP, [40.0, 0.0, 20.0]])
    cogs = sales * 0.6
    for many, one in [
        (sell_through(sales, bop), lambda i: sell_through(sales[i], bop[i])),
        (gm_percent(sales, cogs), lambda i: gm_percent(sales[i], cogs[i])),
        (stock_to_sales(bop, sales), lambda i: stock_to_sales(bop[i], sales[i])),
        (turn(sales, bop, eop, weeks=3), lambda i: turn(sales[i], bop[i], eop[i], weeks=3)),
        (average_inventory(bop, eop), lambda i: average_inventory(bop[i], eop[i])),
    ]:
        np.testing.assert_array_equal(many, np.stack([one(0), one(1)]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: average_inventory([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, -1.0]]),
            "eop: line 1, period 1",
        ),
        (lambda: turn([1.0, math.nan], BOP[:2], EOP[:2]), "sales: line 0, period 1"),
        (lambda: sell_through([[1.0, 2.0]], [[-5.0, 2.0]]), "bop: line 0, period 0"),
        (lambda: sell_through_available([1.0], [1.0], [-3.0]), r"bop \+ receipts: line 0, period 0"),
        (lambda: gm_percent([[1.0], [1.0]], [[0.5], [math.inf]]), "cogs: line 1, period 0"),
        (lambda: to_cost([1.0, 2.0], [0.5, -0.1]), "cost_complement: line 0, period 1"),
        (lambda: gmroi([1.0, 2.0], [1.0, -2.0]), "average_inventory_cost: line 0, period 1"),
        (lambda: stock_to_sales([1.0], [[1.0, 2.0]]), "sales: shape"),
    ],
)
def test_bad_input_names_measure_line_and_period(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_span_needs_periods() -> None:
    with pytest.raises(ValueError, match="no periods"):
        average_inventory([], [])


stock = st.floats(0.0, 1e6, allow_subnormal=False)
positive_stock = st.floats(1.0, 1e6)
sales_values = st.floats(0.0, 1e6, allow_subnormal=False)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    periods=st.integers(1, 12),
    lines=st.integers(1, 4),
)
def test_turn_times_average_inventory_is_span_sales(data, periods, lines) -> None:
    shape = (lines, periods)
    sales = data.draw(hnp.arrays(np.float64, shape, elements=sales_values))
    bop = data.draw(hnp.arrays(np.float64, shape, elements=positive_stock))
    eop = data.draw(hnp.arrays(np.float64, shape, elements=stock))
    np.testing.assert_allclose(
        turn(sales, bop, eop) * average_inventory(bop, eop), sales.sum(axis=1), rtol=1e-9, atol=1e-9
    )


@settings(max_examples=200, deadline=None)
@given(
    sales=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(1e-6, 1e6)),
    share=st.floats(0.0, 10.0),
)
def test_gm_percent_never_exceeds_one_for_non_negative_cogs(sales, share) -> None:
    result = gm_percent(sales, sales * share)
    assert np.all(result <= 1.0)
    assert np.all(np.isfinite(result))


@settings(max_examples=200, deadline=None)
@given(
    sales=hnp.arrays(np.float64, st.integers(1, 20), elements=st.just(0.0) | st.floats(0.01, 1e6)),
    markdowns=st.floats(0.0, 1e5),
    shrink=st.floats(0.0, 1e5),
    imu=st.floats(0.0, 0.9),
)
def test_retail_method_margin_is_at_most_imu(sales, markdowns, shrink, imu) -> None:
    cogs = cogs_retail_method(sales, markdowns, shrink, 1 - imu)
    result = gm_percent(sales, cogs)
    defined = sales > 0
    assert np.all(result[defined] <= imu + 1e-12)
    assert np.all(np.isnan(result[~defined]))


def test_stock_left_at_float_noise_counts_as_zero_not_as_a_huge_turn() -> None:
    # 100 sold against stock that subtraction left at 1e-14 instead of 0: undefined, not 1e16.
    assert np.isnan(turn([100.0], [1e-14], [1e-14]))
    assert np.isnan(sell_through([100.0], [1e-14]))
    assert sell_through([50.0], [0.01]).tolist() == [pytest.approx(5000.0)]  # a real cent of stock counts
