"""Policy simulator: hand-traced weeks, determinism, and the service the policies promise."""

from __future__ import annotations

import numpy as np
import pytest

from replenishment.engine.policy import PolicyInputs, ServiceKind, UnmetDemand, policies
from replenishment.engine.simulate import Simulation, simulate


# --- hand-traced, demand without error ---------------------------------------------------
def test_a_well_set_policy_never_runs_out() -> None:
    # d 10, LT 2, SS 10: s = 30, S = 40. From week 1 each review sees position 30 (projected
    # 20 < 30) and orders 10; from week 3 one arrives every week: on hand 20 after the arrival,
    # 10 after demand -> average 15 = SS + d R / 2. Measured weeks 8..17: an arrival every week,
    # the first opens the first measured cycle -> 9 cycles.
    result = simulate(10, 0, 30, 40, 2, weeks=10, warmup=8)
    assert result.fill_rate[0] == 1
    assert result.stockout_weeks[0] == 0
    assert result.average_on_hand[0] == pytest.approx(15)
    assert result.orders_placed[0] == 10
    assert result.replenishment_cycles[0] == 9
    assert result.cycles_with_stockout[0] == 0


def test_lost_sales_hand_trace() -> None:
    # d 10, LT 2, s 10, S 20 (the reorder point is below lead-time demand). On hand after
    # arrivals / position at review / order / on hand after demand:
    # w0 20/20/-/10  w1 10/10/10->w3/0  w2 0/10/10->w4/0 lost 10  w3 10/20/-/0
    # w4 10/10/10->w6/0  w5 0/10/10->w7/0 lost 10  w6 10/20/-/0  w7 10/10/->w9/0
    # w8 0/10/->w10/0 lost 10  w9 10/20/-/0  w10 10/10/->w12/0
    # measured w2..w10: 3 weeks lost of 9 -> fill 6/9; orders in w2 w4 w5 w7 w8 w10;
    # on hand (start + end) / 2: 0, 5, 5, 0, 5, 5, 0, 5, 5 -> 30 / 9;
    # arrivals w3 (opens), w4, w6 (short: w5), w7, w9 (short: w8), w10 -> 5 cycles, 2 short.
    result = simulate(10, 0, 10, 20, 2, weeks=9, warmup=2)
    assert result.fill_rate[0] == pytest.approx(6 / 9)
    assert result.stockout_weeks[0] == 3
    assert result.orders_placed[0] == 6
    assert result.average_on_hand[0] == pytest.approx(30 / 9)
    assert result.replenishment_cycles[0] == 5
    assert result.cycles_with_stockout[0] == 2
    assert result.cycle_service_level[0] == pytest.approx(3 / 5)


def test_backorders_carry_the_deficit_forward() -> None:
    # Same policy with backorders: from week 2 on hand is -10 after every week's demand and
    # each arrival only clears the backlog, so no demand from week 2 on is served at once.
    result = simulate(10, 0, 10, 20, 2, weeks=9, warmup=2, unmet_demand="backordered")
    assert result.fill_rate[0] == 0
    assert result.stockout_weeks[0] == 9
    assert result.average_on_hand[0] == 0


def test_minimum_order_quantity() -> None:
    # d 10, LT 0, s 0, S 10, minimum 30: week 1 position 0 -> order 30 (arrives at once):
    # on hand 30 -> 20 -> 10 -> 0, then again in week 4 and 7: weeks 1..9 have 3 orders,
    # on hand (start + end) / 2 = 25, 15, 5 per cycle -> 15.
    result = simulate(10, 0, 0, 10, 0, weeks=9, warmup=1, minimum_order=30)
    assert result.orders_placed[0] == 3
    assert result.average_on_hand[0] == pytest.approx(15)
    assert result.fill_rate[0] == 1


def test_order_multiple() -> None:
    # d 10, LT 0, s 0, S 10, multiple 25: w1 order 10 -> 25 (on hand 25 -> 15), w2 15 -> 5,
    # w3 order 5 -> 25 (30 -> 20), w4 -> 10, w5 -> 0, w6 order 10 -> 25 ... weeks 1..10:
    # orders in weeks 1, 3, 6, 8 -> 4, every unit served.
    result = simulate(10, 0, 0, 10, 0, weeks=10, warmup=1, order_multiple=25)
    assert result.orders_placed[0] == 4
    assert result.fill_rate[0] == 1


def test_starting_stock_and_longer_reviews() -> None:
    # Nothing on hand, LT 0, review every 2 weeks, s 0, S 20: week 0 orders 20 at once, then
    # 20 -> 10 -> 0 by week 2's review, which orders 20 again: all served, 1 order per 2 weeks.
    result = simulate(10, 0, 0, 20, 0, review_period=2, initial_on_hand=0, weeks=10, warmup=0)
    assert result.fill_rate[0] == 1
    assert result.orders_placed[0] == 5


def test_no_demand_means_no_fill_rate_and_no_orders() -> None:
    result = simulate([0, 10], 0, 0, [0, 20], 1, weeks=5)
    assert np.isnan(result.fill_rate[0])
    assert result.orders_placed[0] == 0


# --- determinism, shapes and errors ------------------------------------------------------
def test_the_seed_decides_the_demand() -> None:
    args = ([40, 10], [12, 5], [150, 40], [190, 50], 3)
    first, again = simulate(*args, lead_time_sd=0.5, seed=4), simulate(*args, lead_time_sd=0.5, seed=4)
    np.testing.assert_array_equal(first.fill_rate, again.fill_rate)
    np.testing.assert_array_equal(first.average_on_hand, again.average_on_hand)
    other = simulate(*args, lead_time_sd=0.5, seed=5)
    assert not np.array_equal(first.average_on_hand, other.average_on_hand)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order_up_to": [50, 10]}, r"order_up_to: item 1 is below reorder_point \(got 10\)"),
        ({"review_period": 1.5}, r"review_period: item 0 is not a whole number of weeks"),
        ({"review_period": 0}, r"review_period: item 0 is below 1"),
        ({"demand_mean": [10, -1]}, r"demand_mean: item 1 is negative"),
        ({"lead_time": np.nan}, r"lead_time: item 0 is not a finite number"),
        ({"weeks": 0}, r"weeks must be >= 1"),
        ({"unmet_demand": "queued"}, r"unmet_demand: unknown 'queued'"),
    ],
)
def test_bad_input_is_rejected(kwargs, message) -> None:
    arguments = {"demand_mean": 10, "demand_sd": 2, "reorder_point": 30, "order_up_to": 40, "lead_time": 2}
    with pytest.raises(ValueError, match=message):
        simulate(**{**arguments, **kwargs})


# --- the service the policies promise ----------------------------------------------------
ITEMS = 2000


def _population() -> dict[str, np.ndarray]:
    """Store items as they come: 5..100 units a week, forecast error 20..60% of demand,
    lead times 1..8 weeks (half of them with a late-delivery sd), weekly or fortnightly review."""
    rng = np.random.default_rng(7)
    demand = rng.uniform(5, 100, ITEMS)
    return {
        "demand": demand,
        "demand_sd": demand * rng.uniform(0.2, 0.6, ITEMS),
        "lead_time": rng.integers(1, 9, ITEMS).astype(float),
        "lead_time_sd": rng.choice([0.0, 0.0, 0.5, 1.0], ITEMS),
        "review_period": rng.choice([1.0, 2.0], ITEMS),
    }


def _run(level: float, kind: ServiceKind, unmet: UnmetDemand) -> Simulation:
    items = _population()
    policy = policies(
        PolicyInputs(
            items["demand"],
            items["demand_sd"],
            items["lead_time"],
            items["lead_time_sd"],
            level,
            kind,
            items["review_period"],
            unmet_demand=unmet,
        )
    )
    return simulate(
        items["demand"],
        items["demand_sd"],
        policy.reorder_point,
        policy.order_up_to,
        items["lead_time"],
        lead_time_sd=items["lead_time_sd"],
        review_period=items["review_period"],
        weeks=52,
        seed=1,
        unmet_demand=unmet,
    )


@pytest.mark.parametrize("unmet", ["lost", "backordered"])
@pytest.mark.parametrize("level", [0.90, 0.95, 0.98])
def test_fill_rate_policies_deliver_their_fill_rate(level, unmet) -> None:
    # Observed (seed 1): lost 0.911, 0.952, 0.981; backordered 0.911, 0.955, 0.981
    result = _run(level, "fill_rate", unmet)
    assert np.nanmean(result.fill_rate) == pytest.approx(level, abs=0.02)


@pytest.mark.parametrize("unmet", ["lost", "backordered"])
@pytest.mark.parametrize("level", [0.90, 0.95, 0.98])
def test_cycle_service_policies_keep_their_share_of_cycles_without_stock_out(level, unmet) -> None:
    # Observed (seed 1): lost 0.926, 0.960, 0.982; backordered 0.898, 0.948, 0.978
    result = _run(level, "cycle", unmet)
    share = 1 - result.cycles_with_stockout.sum() / result.replenishment_cycles.sum()
    assert share == pytest.approx(level, abs=0.03)
