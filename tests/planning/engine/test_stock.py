"""Stock from KPI targets: DESIGN.md's worked examples, hand-checked cases, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planning.engine import (
    bop_from_basic_stock,
    bop_from_sell_through,
    bop_from_ssr,
    bop_from_turn,
    eop_from_bop,
    eop_from_fwos,
    fwos_from_eop,
    otb,
    project_stock,
    receipts,
    wos,
)

SALES = [100, 80, 120, 90]
FWOS = [2, 1.5, 2.5, 1]


# --- DESIGN.md section 5.1, the FWOS worked example -------------------------------------
def test_fwos_wrap_matches_the_worked_example() -> None:
    # week 1: 80 + 120; week 2: 120 + 0.5 x 90; week 3: 90 + 100 + 0.5 x 80; week 4: 100
    np.testing.assert_allclose(eop_from_fwos(SALES, FWOS), [200, 165, 230, 100])


def test_fwos_average_matches_the_worked_example() -> None:
    # average 97.5: week 3: 90 + 97.5 + 48.75; week 4: 97.5
    np.testing.assert_allclose(eop_from_fwos(SALES, FWOS, exhaustion="average"), [200, 165, 236.25, 97.5])


def test_fwos_next_plan_matches_the_worked_example() -> None:
    # next sales [110, 70]: week 3: 90 + 110 + 0.5 x 70; week 4: 110
    eop = eop_from_fwos(SALES, FWOS, exhaustion="next_plan", next_sales=[110, 70])
    np.testing.assert_allclose(eop, [200, 165, 235, 110])


def test_fwos_next_plan_falls_back_to_the_average_when_it_runs_out() -> None:
    # week 4 with FWOS 3.5: next plan 110 + 70, then the plan's average 97.5 + 0.5 x 97.5
    eop = eop_from_fwos(SALES, [0, 0, 0, 3.5], exhaustion="next_plan", next_sales=[110, 70])
    np.testing.assert_allclose(eop, [0, 0, 0, 110 + 70 + 97.5 + 48.75])


def test_fwos_longer_than_the_horizon_wraps_repeatedly() -> None:
    # week 1 with FWOS 9.25: weeks 2,3,4 (290) + a full cycle (390) + weeks 1,2 (180) + 1,... :
    # positions 1..9 cover 80+120+90 +100+80+120+90 +100+80 = 860, then 0.25 x 120 = 30
    np.testing.assert_allclose(eop_from_fwos(SALES, [9.25, 0, 0, 0]), [890, 0, 0, 0])


def test_fwos_inverse_recovers_the_worked_example_under_every_rule() -> None:
    for rule, extra in (("wrap", {}), ("average", {}), ("next_plan", {"next_sales": [110, 70]})):
        eop = eop_from_fwos(SALES, FWOS, exhaustion=rule, **extra)
        np.testing.assert_allclose(fwos_from_eop(SALES, eop, exhaustion=rule, **extra), FWOS)


def test_fwos_of_stock_no_forward_sales_can_use_up_is_undefined() -> None:
    np.testing.assert_array_equal(fwos_from_eop([0, 0, 0], [0, 5, 0]), [0, np.nan, 0])


def test_fwos_skips_weeks_without_sales() -> None:
    # 150 after week 1 covers week 2 (0), week 3 (100) and half of week 4 (100)
    np.testing.assert_allclose(fwos_from_eop([50, 0, 100, 100], [150, 0, 0, 0]), [2.5, 0, 0, 0])


# --- WOS, SSR, sell-through, turn, basic stock ---------------------------------------------
def test_wos_is_eop_over_the_average_weekly_sales_of_the_period() -> None:
    # a month with weekly sales 30, 40, 50, 40 (average 40) ending with 100 on hand: 2.5
    assert wos(100, [30, 40, 50, 40]) == pytest.approx(2.5)
    np.testing.assert_allclose(wos([100, 80], [[30, 40, 50, 40], [20, 20, 20, 20]]), [2.5, 4])
    assert np.isnan(wos(100, [0, 0, 0, 0]))


def test_ssr_sets_bop_and_eop_is_the_next_bop() -> None:
    bop = bop_from_ssr([100, 200, 300], [4, 3, 2])
    np.testing.assert_allclose(bop, [400, 600, 600])
    np.testing.assert_allclose(eop_from_bop(bop, closing=500), [600, 600, 500])
    np.testing.assert_allclose(eop_from_bop(bop), [600, 600, 400])  # wrap: the first BOP
    np.testing.assert_allclose(eop_from_bop(bop, exhaustion="average"), [600, 600, 1600 / 3])


def test_sell_through_sets_bop() -> None:
    np.testing.assert_allclose(bop_from_sell_through([100, 50], [0.25, 0.5]), [400, 100])


def test_turn_sets_a_flat_bop_of_the_average_stock() -> None:
    # season sales 600,000 at turn 2: average stock 300,000 every period
    sales = [130_000, 70_000, 100_000, 100_000, 100_000, 100_000]
    np.testing.assert_allclose(bop_from_turn(sales, 2), [300_000] * 6)


def test_basic_stock_matches_the_worked_example() -> None:
    # 600,000 over 6 months at turn 2: average stock 300,000, average month 100,000, basic 200,000
    sales = [130_000, 70_000, 100_000, 100_000, 100_000, 100_000]
    np.testing.assert_allclose(
        bop_from_basic_stock(sales, 2), [330_000, 270_000, 300_000, 300_000, 300_000, 300_000]
    )


def test_basic_stock_refuses_a_turn_that_makes_stock_negative() -> None:
    np.testing.assert_allclose(bop_from_basic_stock([300, 0, 0], 2), [350, 50, 50])  # basic 150 - 100
    # turn 6: average stock 50 - average period 100 = basic -50: the empty periods would open at -50
    with pytest.raises(
        ValueError, match=r"turn too high for this sales shape\): line 0, period 1 is negative"
    ):
        bop_from_basic_stock([300, 0, 0], 6)


# --- receipts, OTB, projection --------------------------------------------------------------
def test_receipts_and_otb_match_the_design_example() -> None:
    # sales 80,000, markdowns 6,000, shrink 1,000, EOP 150,000, BOP 120,000 -> receipts 117,000
    planned = receipts([120_000], [150_000], [80_000], [6_000], [1_000])
    np.testing.assert_array_equal(planned, [117_000])
    np.testing.assert_array_equal(otb(planned, [45_000]), [72_000])


def test_project_stock_from_entered_receipts() -> None:
    bop, eop = project_stock(200, [0, 300, 0], [100, 120, 90], markdowns=[10, 10, 10])
    np.testing.assert_allclose(bop, [200, 90, 260])
    np.testing.assert_allclose(eop, [90, 260, 160])


def test_project_stock_keeps_a_projected_shortfall() -> None:
    _, eop = project_stock(50, [0, 0], [40, 40])
    np.testing.assert_allclose(eop, [10, -30])


# --- errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: eop_from_fwos(np.array([[1, 2], [3, np.nan]]), [[1, 1], [1, 1]]),
            r"sales: line 1, period 1 is not a finite",
        ),
        (lambda: eop_from_fwos([[1, 2], [3, -4]], 1), r"sales: line 1, period 1 is negative"),
        (lambda: eop_from_fwos([1, 2], [1, -1]), r"fwos: line 0, period 1 is negative"),
        (lambda: eop_from_fwos([1, 2], [1, np.inf]), r"fwos: line 0, period 1 is not a finite"),
        (lambda: eop_from_fwos([1, 2, 3], [1, 1]), r"fwos: shape \(2,\) does not match"),
        (lambda: eop_from_fwos([1, 2], [1, 1], exhaustion="forever"), r"unknown rule 'forever'"),
        (lambda: eop_from_fwos([1, 2], [1, 1], exhaustion="next_plan"), r"'next_plan' needs next_sales"),
        (
            lambda: bop_from_sell_through([1, 2], [0.5, 0]),
            r"sell_through: line 0, period 1 must be greater than zero",
        ),
        (lambda: bop_from_sell_through([1, 2], [0.5, 1.5]), r"sell_through above 100%: line 0, period 1"),
        (lambda: bop_from_turn([[1, 2], [3, 4]], [2, 0]), r"turn: line 1 must be greater than zero"),
        (lambda: bop_from_ssr([1, 2], [1, -2]), r"ssr: line 0, period 1 is negative"),
        (lambda: eop_from_bop([1, 2], exhaustion="next_plan"), r"needs the next plan's opening stock"),
        (lambda: eop_from_fwos(np.ones((2, 2, 2)), 1), r"expected 1-D .* or 2-D"),
    ],
)
def test_bad_input_names_the_measure_line_and_period(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


# --- properties -------------------------------------------------------------------------
def _plans(min_value: float = 0.0) -> st.SearchStrategy[np.ndarray]:
    return st.integers(1, 4).flatmap(
        lambda lines: st.integers(1, 12).flatmap(
            lambda periods: arrays(
                np.float64, (lines, periods), elements=st.floats(min_value, 1000, width=32)
            )
        )
    )


@settings(max_examples=200, deadline=None)
@given(sales=_plans(min_value=1.0), data=st.data(), rule=st.sampled_from(["wrap", "average", "next_plan"]))
def test_fwos_inverse_round_trips(sales: np.ndarray, data: st.DataObject, rule: str) -> None:
    fwos = data.draw(arrays(np.float64, sales.shape, elements=st.floats(0, 30, width=32)))
    extra = (
        {"next_sales": data.draw(arrays(np.float64, (sales.shape[0], 3), elements=st.floats(1, 500)))}
        if rule == "next_plan"
        else {}
    )
    eop = eop_from_fwos(sales, fwos, exhaustion=rule, **extra)
    np.testing.assert_allclose(
        fwos_from_eop(sales, eop, exhaustion=rule, **extra), fwos, rtol=1e-7, atol=1e-7
    )


@settings(max_examples=200, deadline=None)
@given(sales=_plans(), data=st.data())
def test_eop_grows_with_fwos(sales: np.ndarray, data: st.DataObject) -> None:
    fwos = data.draw(arrays(np.float64, sales.shape, elements=st.floats(0, 20, width=32)))
    more = fwos + data.draw(st.floats(0, 5))
    assert (eop_from_fwos(sales, more) >= eop_from_fwos(sales, fwos) - 1e-6).all()


@settings(max_examples=100, deadline=None)
@given(sales=_plans(), data=st.data())
def test_two_dimensional_calls_equal_stacked_one_dimensional_calls(
    sales: np.ndarray, data: st.DataObject
) -> None:
    fwos = data.draw(arrays(np.float64, sales.shape, elements=st.floats(0, 20, width=32)))
    stacked = np.vstack([eop_from_fwos(row, f) for row, f in zip(sales, fwos, strict=True)])
    np.testing.assert_allclose(eop_from_fwos(sales, fwos), stacked)
    # a turn of 1 over the span keeps basic stock non-negative for any sales shape
    basic = np.vstack([bop_from_basic_stock(row, 1.0) for row in sales])
    np.testing.assert_allclose(bop_from_basic_stock(sales, 1.0), basic)


@settings(max_examples=100, deadline=None)
@given(sales=_plans(), data=st.data())
def test_projected_stock_satisfies_the_identity(sales: np.ndarray, data: st.DataObject) -> None:
    entered = data.draw(arrays(np.float64, sales.shape, elements=st.floats(0, 1000, width=32)))
    markdowns = data.draw(arrays(np.float64, sales.shape, elements=st.floats(0, 100, width=32)))
    opening = data.draw(st.floats(0, 5000))
    bop, eop = project_stock(opening, entered, sales, markdowns)
    np.testing.assert_allclose(eop, bop + entered - sales - markdowns, atol=1e-6)
    np.testing.assert_allclose(bop[:, 1:], eop[:, :-1])
    np.testing.assert_allclose(bop[:, 0], opening)
