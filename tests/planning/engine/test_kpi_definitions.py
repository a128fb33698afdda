"""One definition per KPI (README, "Formulas"): the span-component KPIs the grid, the recompute and
the weekly report share, and rounding half up once. Numbers by hand; hypothesis for invariants."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from planning.engine import PlanInputs, recompute
from planning.engine.kpis import (
    average_inventory,
    average_inventory_of,
    gm_percent_of,
    gmroi_of,
    markdown_percent,
    sell_through_of_available,
    turn,
    turn_of,
    weeks_of_supply,
)
from planning.engine.rounding import money, shown_money, shown_percent, shown_ratio

D = Decimal


def test_span_kpis_by_hand() -> None:
    assert float(gm_percent_of(100.80, 168.00)) == pytest.approx(0.60)
    assert float(markdown_percent(10.0, 408.0)) == pytest.approx(10 / 408)
    # BOP 120 + receipts 80 available, 100 sold: half
    assert float(sell_through_of_available(100.0, 120.0 + 80.0)) == 0.5
    # 5,000 on hand after 4 weeks that sold 4,000: 1,000 a week -> 5 weeks
    assert float(weeks_of_supply(5000.0, 4000.0, 4)) == 5.0
    # the opening 120 and the closes 100, 140, 160 average 520 / 4
    assert float(average_inventory_of(120.0, 400.0, 3)) == 130.0
    # 300 / 130 x 52 / 3
    assert float(turn_of(300.0, 130.0, 3)) == pytest.approx(40.0)
    # 320 / 90 x 52 / 4
    assert float(gmroi_of(320.0, 90.0, 4)) == pytest.approx(46.2222222)


def test_undefined_span_kpis_are_nan_not_errors() -> None:
    assert math.isnan(gm_percent_of(10.0, 0.0))
    assert math.isnan(markdown_percent(10.0, 0.0))
    assert math.isnan(weeks_of_supply(100.0, 0.0, 4))
    # nothing available, or a plan short of stock (returns to vendor beyond the stock)
    assert math.isnan(sell_through_of_available(10.0, 0.0))
    assert math.isnan(sell_through_of_available(10.0, -50.0))
    assert math.isnan(turn_of(10.0, -5.0, 4))
    assert math.isnan(turn_of(10.0, 1e-9, 4))  # float noise is no stock
    assert math.isnan(gmroi_of(10.0, 0.0, 4))
    assert math.isnan(turn_of(10.0, 5.0, 0))  # a span without weeks
    # a planned shortfall: the weeks of supply it is short by
    assert float(weeks_of_supply(-200.0, 400.0, 4)) == -2.0


def test_span_kpis_are_elementwise_over_columns() -> None:
    # three grid columns: a week, a month of 4 weeks, the season of 13
    sales = np.array([100.0, 400.0, 1300.0])
    average = np.array([200.0, 250.0, 260.0])
    weeks = np.array([1, 4, 13])
    np.testing.assert_allclose(turn_of(sales, average, weeks), [26.0, 20.8, 20.0])


def test_the_recompute_uses_the_same_definitions() -> None:
    out = recompute(
        PlanInputs(
            sales=[100, 80], method="fwos", targets=[2, 1], opening=200, markdowns=5, cost_complement=0.45
        )
    )
    bop, eop, receipts = out.bop[0], out.eop[0], out.receipts[0]
    np.testing.assert_allclose(out.sell_through[0], sell_through_of_available(out.sales[0], bop + receipts))
    np.testing.assert_allclose(out.turn[0], turn_of(out.sales[0], average_inventory_of(bop, eop, 1), 1))
    np.testing.assert_allclose(out.wos[0], weeks_of_supply(eop, out.sales[0], 1))
    np.testing.assert_allclose(out.gm_percent[0], gm_percent_of(out.gross_margin[0], out.sales[0]))
    average_cost = average_inventory_of(bop, eop, 1) * 0.45
    np.testing.assert_allclose(out.gmroi[0], gmroi_of(out.gross_margin[0], average_cost, 1))


def test_rounding_is_half_up_once() -> None:
    assert money(2.675) == D("2.68")  # the float's own digits, not its binary 2.67499999...
    assert money(-0.125) == D("-0.13")  # away from zero
    assert shown_money(D("1234.50")) == D("1235")  # a tie: half to even would give 1234
    assert shown_money(1234.4999999999998) == D("1235")  # a float sum of cents is read as cents
    assert shown_money(-2.5) == D("-3")
    assert shown_percent(41 / 80) == D("51.3")  # 0.5125 exactly: up, where the binary rounds down
    assert shown_percent(0.51249) == D("51.2")
    assert shown_ratio(2.25) == D("2.3")


cents = st.integers(-(10**9), 10**9)


@settings(max_examples=300, deadline=None)
@given(st.lists(cents, min_size=1, max_size=60), st.integers(0, 2))
def test_shown_money_of_a_float_sum_of_cents_is_the_exact_sum_rounded_half_up(amounts, places) -> None:
    total = sum(float(D(amount) / 100) for amount in amounts)
    exact = (sum(D(amount) for amount in amounts) / D(100)).quantize(D(1).scaleb(-places), ROUND_HALF_UP)
    assert shown_money(total, places) == exact


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**9), st.integers(1, 10**9))
def test_shown_percent_of_a_quotient_is_the_exact_quotient_rounded_half_up(numerator, denominator) -> None:
    exact = (D(numerator) * 100 / D(denominator)).quantize(D("0.1"), ROUND_HALF_UP)
    assert shown_percent(numerator / denominator) == exact


stock_values = st.floats(0.0, 1e7, allow_subnormal=False)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), periods=st.integers(1, 26))
def test_turn_of_components_is_the_span_turn(data, periods) -> None:
    sales = data.draw(hnp.arrays(np.float64, periods, elements=stock_values))
    bop = data.draw(hnp.arrays(np.float64, periods, elements=st.floats(1.0, 1e7)))
    eop = data.draw(hnp.arrays(np.float64, periods, elements=stock_values))
    average = average_inventory_of(bop[0], eop.sum(), periods)
    assert float(average) == pytest.approx(float(average_inventory(bop, eop)), rel=1e-12)
    assert float(turn_of(sales.sum(), average, periods)) == pytest.approx(
        float(turn(sales, bop, eop, weeks=periods)), rel=1e-9
    )
    # turn x average stock x weeks / 52 gives back the span's sales
    assert float(turn_of(sales.sum(), average, periods)) * float(average) * periods / 52 == pytest.approx(
        sales.sum(), rel=1e-9, abs=1e-6
    )


@settings(max_examples=200, deadline=None)
@given(
    bop=st.floats(0.0, 1e7),
    receipts=st.floats(0.0, 1e7),
    share_sold=st.floats(0.0, 1.0),
    markdowns=st.floats(0.0, 1e5),
)
def test_sell_through_of_available_lies_between_0_and_1_and_matches_the_stock_identity(
    bop, receipts, share_sold, markdowns
) -> None:
    available = bop + receipts
    sales = available * share_sold
    result = float(sell_through_of_available(sales, available))
    if available <= 1e-6:
        assert math.isnan(result)
        return
    assert 0.0 <= result <= 1.0 + 1e-12
    # actual stock has no receipts recorded: EOP + sales + markdowns is the same available stock
    eop = available - sales - markdowns
    assert float(sell_through_of_available(sales, eop + sales + markdowns)) == pytest.approx(result)


@settings(max_examples=200, deadline=None)
@given(
    eop=st.floats(0.0, 1e7), weekly=hnp.arrays(np.float64, st.integers(1, 13), elements=st.floats(1.0, 1e6))
)
def test_weeks_of_supply_times_the_weekly_rate_is_the_stock(eop, weekly) -> None:
    result = float(weeks_of_supply(eop, weekly.sum(), len(weekly)))
    assert result * weekly.sum() / len(weekly) == pytest.approx(eop, rel=1e-9, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    margins=hnp.arrays(np.float64, 4, elements=st.floats(-1e6, 1e6)),
    sales=hnp.arrays(np.float64, 4, elements=st.floats(1.0, 1e6)),
)
def test_gm_percent_of_summed_parts_is_their_sales_weighted_mean(margins, sales) -> None:
    # Roll-ups recompute from summed parts: the sales-weighted mean of the parts' GM%.
    whole = float(gm_percent_of(margins.sum(), sales.sum()))
    weighted = float((gm_percent_of(margins, sales) * sales).sum() / sales.sum())
    assert whole == pytest.approx(weighted, rel=1e-9, abs=1e-9)
