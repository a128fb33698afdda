"""Targets from a stock plan (switching a line's method keeps its EOP): hand-checked cases on
DESIGN.md's FWOS example (sales [100, 80, 120, 90], FWOS [2, 1.5, 2.5, 1] -> EOP [200, 165, 230,
100] with wrap) and round-trip properties: plan by method A, switch to B, the EOP stays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planning.engine import (
    PlanInputs,
    recompute,
    sell_through_from_eop,
    ssr_from_eop,
    targets_for_eop,
    turn_from_eop,
    wos_from_eop,
)

SALES = [100, 80, 120, 90]
EOP = [200, 165, 230, 100]


def _eop_by(method: str, sales: object, targets: object, **plan: object) -> np.ndarray:
    """EOP of a line planned by `method` with the inputs `targets_for_eop` gave."""
    found = targets_for_eop(method, sales, targets, **plan)  # type: ignore[arg-type]
    out = recompute(
        PlanInputs(
            sales=sales,  # type: ignore[arg-type]
            method=method,
            targets=np.nan_to_num(found.targets),
            turn=np.nan_to_num(found.turn, nan=1.0),
            receipts=np.nan_to_num(found.receipts),
            **plan,  # type: ignore[arg-type]
        )
    )
    eop: np.ndarray = out.eop[0]
    return eop


# --- hand-checked -------------------------------------------------------------------------------
def test_ssr_from_eop_takes_each_bop_from_the_eop_before() -> None:
    # BOP of week 2 = EOP of week 1 = 200 = SSR x 80 -> 2.5; 165 / 120 = 1.375; 230 / 90 = 2.5556;
    # week 1's target BOP closes week 4 (wrap): 100 / 100 = 1.
    np.testing.assert_allclose(ssr_from_eop(SALES, EOP), [1, 2.5, 1.375, 230 / 90])


def test_ssr_from_eop_under_average_closes_with_the_mean_target_bop() -> None:
    # EOP [200, 165, 230, 300]: the mean of the target BOPs must be 300, so week 1's is
    # 4 x 300 - (200 + 165 + 230) = 605 -> SSR 6.05.
    np.testing.assert_allclose(
        ssr_from_eop(SALES, [200, 165, 230, 300], exhaustion="average"), [6.05, 2.5, 1.375, 230 / 90]
    )
    # EOP [200, 165, 230, 100] cannot close so: 400 - 595 < 0, so week 1 plans no stock.
    assert ssr_from_eop(SALES, EOP, exhaustion="average")[0] == 0


def test_ssr_cannot_hold_stock_in_a_week_that_sells_nothing() -> None:
    sales = [100, 0, 120, 90]
    np.testing.assert_allclose(ssr_from_eop(sales, EOP), [1, 0, 1.375, 230 / 90])
    # ... so week 1 ends empty; every other week keeps its EOP.
    np.testing.assert_allclose(_eop_by("ssr", sales, EOP), [0, 165, 230, 100])


def test_sell_through_from_eop_is_sales_over_the_bop_it_needs() -> None:
    # 100 / 100 (closing week 4), 80 / 200, 120 / 165, 90 / 230
    np.testing.assert_allclose(sell_through_from_eop(SALES, EOP), [1, 0.4, 120 / 165, 90 / 230])


def test_sell_through_is_at_most_100_percent() -> None:
    # Week 2 would open with 50 but sells 80: 100%, so it opens with 80 (its sales).
    eop = [50, 165, 230, 100]
    np.testing.assert_allclose(sell_through_from_eop(SALES, eop), [1, 1, 120 / 165, 90 / 230])
    np.testing.assert_allclose(_eop_by("sell_through", SALES, eop), [80, 165, 230, 100])


def test_wos_from_eop_per_period() -> None:
    np.testing.assert_allclose(wos_from_eop(SALES, EOP), [2, 165 / 80, 230 / 120, 100 / 90])
    # A 4-week month selling 160 that ends with 100 on hand: WOS 2.5 (DESIGN.md section 5.2).
    np.testing.assert_allclose(wos_from_eop([160], [100], weeks_per_period=4), [2.5])
    assert wos_from_eop([0], [100])[0] == 0


def test_turn_from_eop_keeps_the_average_stock() -> None:
    # Span sales 390, average EOP (200 + 165 + 230 + 100) / 4 = 173.75 -> turn 2.2446; every
    # EOP of a turn line is then 173.75.
    np.testing.assert_allclose(turn_from_eop(SALES, EOP), [390 / 173.75])
    np.testing.assert_allclose(_eop_by("turn", SALES, EOP), [173.75] * 4)


def test_basic_stock_keeps_the_average_stock_and_the_sales_shape() -> None:
    # The same turn 2.2446: basic stock 173.75 - 97.5 = 76.25; BOP = sales + 76.25, so the EOPs
    # are the next weeks' 156.25, 196.25, 166.25 and (wrap) week 1's 176.25: average 173.75.
    np.testing.assert_allclose(turn_from_eop(SALES, EOP, method="basic_stock"), [390 / 173.75])
    np.testing.assert_allclose(_eop_by("basic_stock", SALES, EOP), [156.25, 196.25, 166.25, 176.25])


def test_basic_stock_turn_never_plans_a_negative_bop() -> None:
    # Sales [100, 0, 0, 0] (average 25) with no stock: a basic stock below 0 - 25 would open the
    # empty weeks negative; the least average stock is 25 - 0, turn 100 / 25 = 4.
    np.testing.assert_allclose(turn_from_eop([100, 0, 0, 0], [0, 0, 0, 0], method="basic_stock"), [4])


def test_turn_without_sales_or_stock_is_undefined() -> None:
    assert np.isnan(turn_from_eop([0, 0], [10, 10])[0])
    assert np.isnan(turn_from_eop([10, 10], [0, 0])[0])


def test_receipts_reproduce_the_eop_and_keep_a_shortfall() -> None:
    found = targets_for_eop("receipts", SALES, [200, 165, 230, -35], opening=150, markdowns=5)
    # EOP - BOP + sales + markdowns: 200 - 150 + 105, 165 - 200 + 85, 230 - 165 + 125, -35 - 230 + 95
    np.testing.assert_allclose(found.receipts[0], [155, 50, 190, -170])
    assert np.isnan(found.targets).all()
    assert np.isnan(found.turn).all()


def test_fwos_targets_come_back_from_their_eop() -> None:
    found = targets_for_eop("fwos", SALES, EOP)
    np.testing.assert_allclose(found.targets[0], [2, 1.5, 2.5, 1])
    # A shortfall is planned as no stock: FWOS 0.
    assert targets_for_eop("fwos", SALES, [-10, 165, 230, 100]).targets[0, 0] == 0


def test_unknown_methods_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown method 'magic'"):
        targets_for_eop("magic", SALES, EOP)
    with pytest.raises(ValueError, match="'ssr' has no span turn"):
        turn_from_eop(SALES, EOP, method="ssr")
    with pytest.raises(ValueError, match="exhaustion: unknown rule 'loop'"):
        ssr_from_eop(SALES, EOP, exhaustion="loop")


# --- properties: plan by A, switch to B, the EOP stays ------------------------------------------
PER_PERIOD = ("fwos", "wos", "ssr", "sell_through", "receipts")
PLANNED_BY = ("fwos", "wos", "ssr", "sell_through", "turn", "basic_stock")


def _plan(
    data: st.DataObject, method: str, lines: int, periods: int, rule: str
) -> tuple[PlanInputs, np.ndarray]:
    sales = data.draw(arrays(np.float64, (lines, periods), elements=st.floats(1, 5000, width=32)))
    if method == "sell_through":
        targets = data.draw(arrays(np.float64, (lines, periods), elements=st.floats(0.0625, 1, width=32)))
    else:
        targets = data.draw(arrays(np.float64, (lines, periods), elements=st.floats(0, 20, width=32)))
    turn = data.draw(arrays(np.float64, (lines,), elements=st.floats(0.5, 1.5, width=32)))
    opening = data.draw(arrays(np.float64, (lines,), elements=st.floats(0, 20000, width=32)))
    plan = PlanInputs(
        sales=sales, method=method, targets=targets, turn=turn, opening=opening, exhaustion=rule,
        markdowns=sales * 0.05, cost_complement=0.5,
    )  # fmt: skip
    return plan, recompute(plan).eop


def _switched(plan: PlanInputs, eop: np.ndarray, method: str) -> np.ndarray:
    found = targets_for_eop(
        method, plan.sales, eop, opening=plan.opening, markdowns=plan.markdowns, exhaustion=plan.exhaustion
    )
    switched = PlanInputs(
        sales=plan.sales, method=method, targets=np.nan_to_num(found.targets),
        turn=np.nan_to_num(found.turn, nan=1.0), receipts=np.nan_to_num(found.receipts),
        opening=plan.opening, exhaustion=plan.exhaustion, markdowns=plan.markdowns, cost_complement=0.5,
    )  # fmt: skip
    return recompute(switched).eop


def _target_bops(eop: np.ndarray, rule: str) -> np.ndarray:
    bops = np.concatenate([eop[:, -1:], eop[:, :-1]], axis=1)
    if rule == "average":
        bops[:, 0] = eop.shape[1] * eop[:, -1] - eop[:, :-1].sum(axis=1)
    return bops


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    planned_by=st.sampled_from(PLANNED_BY),
    switch_to=st.sampled_from(PER_PERIOD),
    lines=st.integers(1, 4),
    periods=st.integers(1, 12),
    rule=st.sampled_from(["wrap", "average"]),
)
def test_switching_to_a_per_period_method_keeps_the_eop_to_the_cent(
    data: st.DataObject, planned_by: str, switch_to: str, lines: int, periods: int, rule: str
) -> None:
    plan, eop = _plan(data, planned_by, lines, periods, rule)
    sales = np.asarray(plan.sales)
    if switch_to in ("ssr", "sell_through"):
        # What these methods can plan: a first target BOP `average` can reach; sell-through
        # opens every week with at least its sales.
        bops = _target_bops(eop, rule)
        assume((bops >= 0).all())
        if switch_to == "sell_through":
            assume((bops >= sales).all())

    np.testing.assert_allclose(_switched(plan, eop, switch_to), eop, rtol=0, atol=0.005)


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    planned_by=st.sampled_from(PLANNED_BY),
    first=st.sampled_from(PER_PERIOD),
    lines=st.integers(1, 3),
    periods=st.integers(2, 12),
)
def test_switching_there_and_back_keeps_the_eop(
    data: st.DataObject, planned_by: str, first: str, lines: int, periods: int
) -> None:
    plan, eop = _plan(data, planned_by, lines, periods, "wrap")
    assume(first != "sell_through" or (_target_bops(eop, "wrap") >= np.asarray(plan.sales)).all())
    there = _switched(plan, eop, first)
    back = _switched(plan, there, planned_by) if planned_by not in ("turn", "basic_stock") else None

    np.testing.assert_allclose(there, eop, rtol=0, atol=0.005)
    if back is not None:
        np.testing.assert_allclose(back, eop, rtol=0, atol=0.005)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    planned_by=st.sampled_from(PLANNED_BY),
    switch_to=st.sampled_from(["turn", "basic_stock"]),
    lines=st.integers(1, 4),
    periods=st.integers(1, 12),
    rule=st.sampled_from(["wrap", "average"]),
)
def test_switching_to_a_span_turn_keeps_the_average_stock(
    data: st.DataObject, planned_by: str, switch_to: str, lines: int, periods: int, rule: str
) -> None:
    plan, eop = _plan(data, planned_by, lines, periods, rule)
    sales = np.asarray(plan.sales)
    assume((eop.mean(axis=1) > 0.01).all())  # a turn line always holds stock: span sales / turn
    if switch_to == "basic_stock":
        # Basic stock plans BOP = sales + X - average sales, so its EOPs sum to sum(next BOPs) + n X
        # (the last closes on the first BOP, or on X itself by `average`): the X keeping the stock
        # must leave no BOP negative, X >= average - least sales (sales [1, 6], EOP [1, 6] by
        # `average` needs X = 2.25 < 2.5: not plannable by basic stock).
        shape = sales - sales.mean(axis=1, keepdims=True)
        closes = np.zeros(len(sales)) if rule == "average" else shape[:, 0]
        needed = (eop.sum(axis=1) - shape[:, 1:].sum(axis=1) - closes) / periods
        assume((needed >= sales.mean(axis=1) - sales.min(axis=1)).all())

    switched = _switched(plan, eop, switch_to)

    np.testing.assert_allclose(switched.mean(axis=1), eop.mean(axis=1), rtol=1e-9, atol=0.005)
