"""Replenishment policy: DESIGN.md section 10's worked example, hand-checked values, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from replenishment.engine.policy import (
    Z_MAX,
    PolicyInputs,
    eoq,
    fwos_target,
    lost_sales_loss,
    normal_loss,
    order_up_to,
    policies,
    reorder_point,
    safety_stock,
    selling_stock,
    z_for_cycle_service,
    z_for_fill_rate,
    z_for_lost_sales_fill_rate,
)


# --- DESIGN.md section 10, the worked example --------------------------------------------
def test_safety_stock_reorder_point_and_order_up_to_match_the_worked_example() -> None:
    # d 40/wk, sd 12, LT 3 wk, sd_LT 0.5 wk, 95% -> z 1.645:
    # SS = 1.645 x sqrt(3 x 144 + 1600 x 0.25) = 1.645 x sqrt(832) = 47.45
    z = z_for_cycle_service(0.95)
    assert z == pytest.approx(1.6449, abs=1e-4)
    safety = safety_stock(40, 12, 3, 0.5, z)
    assert safety == pytest.approx(47.4, abs=0.05)
    assert reorder_point(40, 3, safety) == pytest.approx(167.4, abs=0.05)  # 120 + 47.4
    assert order_up_to(40, 1, 3, safety) == pytest.approx(207.4, abs=0.05)  # 40 x 4 + 47.4


def test_policies_protect_the_review_period_too() -> None:
    # Weekly review: the interval at risk is R + LT = 4 weeks:
    # SS = 1.6449 x sqrt(4 x 144 + 1600 x 0.25) = 1.6449 x sqrt(976) = 1.6449 x 31.241 = 51.39
    # EOQ: annual demand 40 x 52 = 2,080, order cost 50, holding 2.6/unit-year:
    # sqrt(2 x 2,080 x 50 / 2.6) = sqrt(80,000) = 282.84; FWOS: 51.39 / 40 + 1 / 2 = 1.785
    result = policies(
        PolicyInputs(40, 12, 3, 0.5, 0.95, service_kind="cycle", order_cost=50, holding_cost=2.6)
    )
    assert result.safety_stock == pytest.approx(51.39, abs=0.01)
    assert result.reorder_point == pytest.approx(171.39, abs=0.01)
    assert result.order_up_to == pytest.approx(211.39, abs=0.01)
    assert result.eoq == pytest.approx(282.84, abs=0.01)
    assert result.fwos_target == pytest.approx(1.785, abs=0.001)


# --- hand-checked pieces -----------------------------------------------------------------
def test_eoq_hand_example_and_missing_costs() -> None:
    # sqrt(2 x 1,000 x 50 / 4) = sqrt(25,000) = 158.11
    assert eoq(1000, 50, 4) == pytest.approx(158.114, abs=1e-3)
    result = eoq([1000, 1000, 1000, 1000, 0], [50, np.nan, 0, 50, 50], [4, 4, 4, 0, 4])
    np.testing.assert_allclose(result, [158.114, np.nan, np.nan, np.nan, 0], atol=1e-3)


def test_fwos_target_is_safety_weeks_plus_half_a_review() -> None:
    # 47.4 / 40 + 1 / 2 = 1.685; 20 / 10 + 2 / 2 = 3; no demand -> NaN
    np.testing.assert_allclose(fwos_target([40, 10, 0], [47.4, 20, 5], [1, 2, 1]), [1.685, 3, np.nan])


def test_selling_stock_by_hand() -> None:
    # no forecast error: no safety stock. 2/wk, R 1, minimum 4: 0 + 1 + 4 = 5; R 2: 2 + 4 = 6;
    # no demand: the minimum alone; a web shop (minimum 0) at 10/wk: 5
    result = selling_stock([2, 2, 0, 10], 0, 0.95, [4, 4, 3, 0], lead_time=1.0, review_period=1.0)
    np.testing.assert_allclose(result, [5, 5, 3, 5])
    np.testing.assert_allclose(selling_stock(2, 0, 0.95, 4, lead_time=1.0, review_period=2.0), 6)


def test_selling_stock_safety_is_the_store_policy() -> None:
    # 10/wk with sd 4 at 95%, LT 1, R 1: the lost-sales policy's safety stock + 5 + minimum 3
    safety = policies(PolicyInputs(10.0, 4.0, 1.0, 0.0, 0.95, review_period=1.0)).safety_stock
    assert float(safety) > 0
    np.testing.assert_allclose(selling_stock(10, 4, 0.95, 3, lead_time=1.0, review_period=1.0), safety + 8)
    with pytest.raises(ValueError, match="presentation_min"):
        selling_stock(10, 4, 0.95, -1, lead_time=1.0, review_period=1.0)
    with pytest.raises(ValueError, match="service_level"):
        selling_stock(10, 4, 1.0, 0, lead_time=1.0, review_period=1.0)


@settings(max_examples=60, deadline=None)
@given(
    demand=st.floats(0, 500),
    sd=st.floats(0, 200),
    level=st.floats(0.5, 0.995),
    minimum=st.integers(0, 20),
    review=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_selling_stock_covers_the_shelf_and_half_a_delivery_and_grows_with_the_error(
    demand: float, sd: float, level: float, minimum: int, review: float
) -> None:
    stock = float(selling_stock(demand, sd, level, minimum, lead_time=1.0, review_period=review))
    assert stock >= minimum + demand * review / 2 - 1e-9
    more_error = float(
        selling_stock(demand, sd * 1.5 + 1, level, minimum, lead_time=1.0, review_period=review)
    )
    assert more_error >= stock - 1e-6


def test_normal_loss_matches_the_table() -> None:
    # published G(z): 0.3989, 0.1978, 0.0833, 0.0085
    np.testing.assert_allclose(normal_loss([0, 0.5, 1.0, 2.0]), [0.3989, 0.1978, 0.0833, 0.0085], atol=5e-5)


def test_fill_rate_z_hand_checked_against_the_loss_table() -> None:
    # G(z) = (1 - fill) Q / sigma: 0.10 x 98.9 / 50 = 0.1978 = G(0.5); 0.05 x 83.3 / 50 = 0.0833 = G(1.0)
    np.testing.assert_allclose(z_for_fill_rate([0.90, 0.95], [98.9, 83.3], 50), [0.5, 1.0], atol=2e-3)


def test_fill_rate_z_at_its_limits() -> None:
    # sigma 0: nothing uncertain -> 0; 0.5 x 100 / 10 = 5 > G(0) -> 0; Q 0 with uncertainty -> Z_MAX
    np.testing.assert_array_equal(z_for_fill_rate([0.9, 0.5, 0.9], [100, 100, 0], [0, 10, 10]), [0, 0, Z_MAX])


def test_fill_rate_z_agrees_with_a_root_finder() -> None:
    rng = np.random.default_rng(3)
    fill, cycle, sigma = rng.uniform(0.8, 0.999, 200), rng.uniform(1, 100, 200), rng.uniform(1, 60, 200)
    z = z_for_fill_rate(fill, cycle, sigma)
    for i in np.flatnonzero((z > 0) & (z < Z_MAX)):
        target = (1 - fill[i]) * cycle[i] / sigma[i]
        expected = brentq(lambda x, t=target: normal_loss(x) - t, 0, Z_MAX, xtol=1e-12)
        assert z[i] == pytest.approx(expected, abs=1e-8)


def test_lost_sales_loss_hand_checked() -> None:
    # z 0: by symmetry K(0, theta) = theta / (2 sqrt(pi)); theta^2 = R / (R + LT):
    # R 1, LT 3 -> theta 0.5 -> 0.14105; R 1, LT 0 -> theta 1 -> 0.28209.
    # LT 0, z 1: 1/sqrt(pi) - Phi(1) - phi(1) + Phi(1)^2 + 2 phi(1) Phi(1) - Phi(sqrt 2)/sqrt(pi)
    #          = 0.564190 - 0.841345 - 0.241971 + 0.707861 + 0.407159 - 0.519818 = 0.076076
    np.testing.assert_allclose(
        lost_sales_loss([0, 0, 1], 1, [3, 0, 0]), [0.14105, 0.28209, 0.076076], atol=1e-4
    )


def test_lost_sales_loss_matches_its_definition_by_monte_carlo() -> None:
    # K(z, theta) = E[(theta r - max(theta q, z - c l))+], r, q, l independent standard normals
    rng = np.random.default_rng(11)
    r, q, noise = rng.standard_normal((3, 2_000_000))
    for z, review, lead in ((0.3, 1, 3), (1.0, 2, 2), (1.5, 1, 8)):
        theta = np.sqrt(review / (review + lead))
        c = np.sqrt(1 - theta**2)
        expected = np.mean(np.maximum(theta * r - np.maximum(theta * q, z - c * noise), 0))
        assert lost_sales_loss(z, review, lead) == pytest.approx(expected, rel=0.01)


def test_lost_sales_z_is_zero_exactly_where_the_cycle_stock_suffices() -> None:
    # R 1, LT 3: K(0) = 0.141047; Q 28.2095, sigma 10: fill 1 - 0.141047 x 10 / 28.2095 = 0.95
    z = z_for_lost_sales_fill_rate([0.949, 0.951], 28.2095, 10, 1, 3)
    assert z[0] == 0
    assert 0 < z[1] < 0.05


def test_lost_sales_need_less_stock_than_backorders() -> None:
    rng = np.random.default_rng(5)
    fill, cycle, sigma = rng.uniform(0.8, 0.999, 1000), rng.uniform(1, 100, 1000), rng.uniform(1, 60, 1000)
    review, lead = rng.choice([1.0, 2.0, 4.0], 1000), rng.uniform(0, 12, 1000)
    lost = z_for_lost_sales_fill_rate(fill, cycle, sigma, review, lead)
    assert np.all(lost <= z_for_fill_rate(fill, cycle, sigma) + 1e-3)


def test_scalars_and_arrays_broadcast() -> None:
    result = safety_stock([40, 10], 12, 3, 0.5, 1.645)
    assert result.shape == (2,)
    assert result[0] == pytest.approx(47.4, abs=0.05)


# --- bad input ---------------------------------------------------------------------------
GOOD = {"demand": [40, 40], "demand_sd": 12, "lead_time": 3, "lead_time_sd": 0.5, "service_level": 0.95}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lead_time", [3, -1], r"lead_time: item 1 is negative \(got -1\)"),
        ("lead_time_sd", [-0.5, 0], r"lead_time_sd: item 0 is negative"),
        ("demand", [40, -2], r"demand: item 1 is negative"),
        ("demand_sd", [np.nan, 1], r"demand_sd: item 0 is not a finite number"),
        ("service_level", [0.95, 1.0], r"service_level: item 1 must lie strictly between 0 and 1"),
        ("service_level", [0, 0.5], r"service_level: item 0 must lie strictly between 0 and 1"),
        ("review_period", [1, 0], r"review_period: item 1 must be greater than zero"),
        ("order_cost", [5, -1], r"order_cost: item 1 is negative"),
        ("demand", [1, 2, 3], r"shapes do not match: demand \(3,\)"),
        ("demand", [[40]], r"demand: expected a scalar or one value per item"),
        ("service_kind", "always", r"service_kind: unknown 'always'"),
        ("unmet_demand", "queued", r"unmet_demand: unknown 'queued'"),
    ],
)
def test_policies_name_the_field_and_the_first_bad_item(field, value, message) -> None:
    inputs = {**GOOD, "review_period": [1, 1], field: value}
    with pytest.raises(ValueError, match=message):
        policies(PolicyInputs(**inputs))


def test_single_functions_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="fill_rate: item 0 must lie strictly between 0 and 1"):
        z_for_fill_rate(1.0, 10, 5)
    with pytest.raises(ValueError, match="z: item 1 is negative"):
        safety_stock(40, 12, 3, 0.5, [1, -1])
    with pytest.raises(ValueError, match="review_period: item 0 must be greater than zero"):
        order_up_to(40, 0, 3, 10)
    with pytest.raises(ValueError, match="holding_cost_per_unit_year: item 0 is not a finite number"):
        eoq(100, 5, np.inf)


# --- invariants --------------------------------------------------------------------------
demands = st.floats(0.5, 500)
cvs = st.floats(0.05, 1.5)
lead_times = st.floats(0, 26)
lead_time_sds = st.floats(0, 3)
levels = st.floats(0.5, 0.999)
reviews = st.sampled_from([1.0, 2.0, 4.0])
kinds = st.sampled_from([("cycle", "lost"), ("fill_rate", "lost"), ("fill_rate", "backordered")])


def _safety(demand, cv, lead, lead_sd, level, review, kind) -> float:
    service_kind, unmet = kind
    inputs = PolicyInputs(demand, demand * cv, lead, lead_sd, level, service_kind, review, unmet_demand=unmet)
    return float(policies(inputs).safety_stock)


@settings(max_examples=300, deadline=None)
@given(demands, cvs, lead_times, lead_time_sds, levels, levels, reviews, kinds)
def test_safety_stock_grows_with_the_service_level(
    demand, cv, lead, lead_sd, level, other, review, kind
) -> None:
    low, high = sorted((level, other))
    assert (
        _safety(demand, cv, lead, lead_sd, low, review, kind)
        <= _safety(demand, cv, lead, lead_sd, high, review, kind) + 1e-6 * demand
    )


@settings(max_examples=300, deadline=None)
@given(demands, cvs, st.floats(1.0, 3.0), lead_times, lead_time_sds, levels, reviews, kinds)
def test_safety_stock_grows_with_demand_uncertainty(
    demand, cv, factor, lead, lead_sd, level, review, kind
) -> None:
    base = _safety(demand, cv, lead, lead_sd, level, review, kind)
    assert base <= _safety(demand, cv * factor, lead, lead_sd, level, review, kind) + 1e-6 * demand
    assert base <= _safety(demand, cv, lead, lead_sd * factor + 0.1, level, review, kind) + 1e-6 * demand


@settings(max_examples=300, deadline=None)
@given(
    demands,
    cvs,
    lead_times,
    st.floats(0, 10),
    lead_time_sds,
    levels,
    reviews,
    kinds.filter(lambda k: k[1] != "lost" or k[0] == "cycle"),
)
def test_safety_stock_grows_with_the_lead_time(demand, cv, lead, extra, lead_sd, level, review, kind) -> None:
    # Not for lost-sales fill rates: there a longer lead time moves uncertainty before the
    # arrival, where the empty shelf absorbs it, and the safety stock may shrink.
    base = _safety(demand, cv, lead, lead_sd, level, review, kind)
    assert base <= _safety(demand, cv, lead + extra, lead_sd, level, review, kind) + 1e-6 * demand


@settings(max_examples=300, deadline=None)
@given(demands, cvs, lead_times, lead_time_sds, levels, reviews, kinds)
def test_reorder_point_covers_the_lead_time_and_order_up_to_covers_the_reorder_point(
    demand, cv, lead, lead_sd, level, review, kind
) -> None:
    service_kind, unmet = kind
    result = policies(
        PolicyInputs(demand, demand * cv, lead, lead_sd, level, service_kind, review, unmet_demand=unmet)
    )
    assert result.reorder_point >= demand * lead - 1e-9
    assert result.order_up_to >= result.reorder_point
    assert 0 <= result.z <= Z_MAX
