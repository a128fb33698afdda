"""Inventory policy per SKU-location (DESIGN.md section 10): safety stock, reorder point,
order-up-to level, EOQ and the weeks of supply they imply.

Every function takes scalars or 1-D arrays (one value per SKU-location), broadcasts them
together and returns float64 (a numpy scalar for all-scalar input). Time is in weeks: demand
and its standard deviation per week, lead time and review period in weeks. Bad input raises
ValueError naming the argument and the first bad item (0-based).

Periodic review: an order placed at a review must last until the order of the *next* review
arrives, so the stock is exposed over the protection interval R + LT, not LT alone.
`safety_stock` is DESIGN's formula over whatever interval it is given; `policies` gives it
R + LT (DESIGN's worked example, with LT alone, is the continuous-review case).

z is kept in [0, Z_MAX]: a negative z would plan to be short on purpose (the cycle stock alone
already meets the target), and beyond 4 standard deviations the normal tail is fiction while
the stock it asks for keeps growing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from planning.engine.kpis import WEEKS_PER_YEAR

Array = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike
ServiceKind = Literal["fill_rate", "cycle"]
UnmetDemand = Literal["lost", "backordered"]

Z_MAX = 4.0
SERVICE_KINDS: tuple[ServiceKind, ...] = ("fill_rate", "cycle")
UNMET_DEMAND: tuple[UnmetDemand, ...] = ("lost", "backordered")
_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


# --- input checks ------------------------------------------------------------------------
def reject(name: str, array: Array, bad: npt.NDArray[np.bool_], problem: str) -> None:
    """ValueError naming `name` and the first item where `bad` holds."""
    if np.any(bad):
        index = int(np.flatnonzero(bad)[0])
        value = float(np.ravel(array)[index])
        raise ValueError(f"{name}: item {index} {problem} (got {value:g})")


def checked(name: str, values: ArrayLike, *, minimum: float | None = 0.0, allow_nan: bool = False) -> Array:
    """`values` as a float64 scalar or 1-D array: finite (NaN only if allowed) and >= minimum."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim > 1:
        raise ValueError(f"{name}: expected a scalar or one value per item (1-D), got {array.ndim}-D")
    flat = np.ravel(array)
    reject(name, array, np.isinf(flat) if allow_nan else ~np.isfinite(flat), "is not a finite number")
    if minimum is not None:
        reject(name, array, flat < minimum, "is negative" if minimum == 0 else f"is below {minimum:g}")
    return array


def _positive(name: str, values: ArrayLike) -> Array:
    array = checked(name, values)
    reject(name, array, np.ravel(array) <= 0, "must be greater than zero")
    return array


def _probability(name: str, values: ArrayLike) -> Array:
    array = checked(name, values, minimum=None)
    flat = np.ravel(array)
    reject(name, array, (flat <= 0) | (flat >= 1), "must lie strictly between 0 and 1")
    return array


def broadcast(**fields: Array) -> list[Array]:
    """The fields broadcast to one shape, or a ValueError listing the shapes that clash."""
    try:
        return [np.asarray(array, dtype=np.float64) for array in np.broadcast_arrays(*fields.values())]
    except ValueError:
        shapes = ", ".join(f"{name} {np.shape(array)}" for name, array in fields.items())
        raise ValueError(f"shapes do not match: {shapes}") from None


# --- z from a service target -------------------------------------------------------------
def normal_loss(z: ArrayLike) -> Array:
    """Standard normal loss G(z) = E[(X - z)+] = pdf(z) - z (1 - cdf(z)): the expected
    shortage, in standard deviations, when stock covers mean + z standard deviations."""
    z = np.asarray(z, dtype=np.float64)
    result: Array = np.exp(-0.5 * z * z) / _SQRT_2PI - z * special.ndtr(-z)
    return result


def z_for_cycle_service(service_level: ArrayLike) -> Array:
    """z such that demand over the protection interval stays below mean + z sd with
    probability `service_level` (the share of replenishment cycles without a stock-out)."""
    return _z_cycle(_probability("service_level", service_level))


def _z_cycle(level: Array) -> Array:
    result: Array = np.clip(special.ndtri(level), 0.0, Z_MAX)
    return result


# G is convex and decreasing on [0, Z_MAX]: a fine table inverted by interpolation, then one
# Newton step, gives z to ~1e-10 for any number of items at the cost of a few array passes.
_Z_FINE = np.linspace(0.0, Z_MAX, 2001)
_LOSS_FINE = normal_loss(_Z_FINE)
_Z_FINE.flags.writeable = False
_LOSS_FINE.flags.writeable = False


def z_for_fill_rate(
    fill_rate: ArrayLike, demand_per_cycle: ArrayLike, sigma_lead_time_demand: ArrayLike
) -> Array:
    """z for a fill rate when unmet demand is backordered: the expected shortage per cycle,
    sigma G(z), is the share (1 - fill_rate) of the demand per cycle Q:
    G(z) = (1 - fill_rate) Q / sigma.

    Q: demand per review cycle (d R, the usual order quantity). sigma: sd of demand over the
    protection interval (the lead time, plus the review period under periodic review). z is
    0 where Q alone meets the target or nothing is uncertain (sigma 0), Z_MAX where the target
    needs more (e.g. Q = 0 with uncertain demand).
    """
    fill, cycle, sigma = broadcast(
        fill_rate=_probability("fill_rate", fill_rate),
        demand_per_cycle=checked("demand_per_cycle", demand_per_cycle),
        sigma_lead_time_demand=checked("sigma_lead_time_demand", sigma_lead_time_demand),
    )
    return _z_fill(fill, cycle, sigma)


def _loss_target(fill: Array, cycle: Array, sigma: Array) -> Array:
    """(1 - fill) Q / sigma: inf where sigma is 0 (z 0), NaN where Q is 0 too (also z 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        result: Array = (1.0 - fill) * cycle / sigma
    return result


def _z_fill(fill: Array, cycle: Array, sigma: Array) -> Array:
    target = _loss_target(fill, cycle, sigma)
    z = np.interp(target, _LOSS_FINE[::-1], _Z_FINE[::-1])
    inside = (z > 0) & (z < Z_MAX)
    with np.errstate(invalid="ignore"):
        step = (normal_loss(z) - target) / special.ndtr(-z)  # G'(z) = -(1 - cdf(z))
    z = np.clip(np.where(inside, z + step, z), 0.0, Z_MAX)
    result: Array = np.where(sigma > 0, z, 0.0)
    return result


# Lost sales. Demand that finds the shelf empty is gone, so the stock when an order arrives
# is at least that order Q (the shelf cannot go below zero), where backorders would have eaten
# into it. Spreading the protection interval's uncertainty evenly over its R + LT weeks, with
# theta^2 = R / (R + LT) the share after the arrival, the expected shortage per cycle is
# sigma K(z, theta), K(z, theta) = E[(theta r - max(theta q, z - c l))+] for independent
# standard normals r, q, l and c = sqrt(1 - theta^2); K <= G. Checked against `simulate` in
# the tests. It understates shortages a little when LT = 0 (no order is outstanding, so the
# floor never helps), which weekly planning rarely meets.
# K(z, theta) = theta * integral of Phi(u) (1 - Phi(u)) Phi((theta u - z) / c) du, tabulated
# over z and the angle phi (theta = cos phi), in which it is smooth.
_Z_COARSE = np.linspace(0.0, Z_MAX, 101)
_ANGLES = np.linspace(0.0, np.pi / 2, 41)
_Z_COARSE.flags.writeable = False
_ANGLES.flags.writeable = False


@functools.cache
def _lost_sales_table() -> Array:
    """K over (_ANGLES, _Z_COARSE); computed once per process on first use (~0.1 s)."""
    u = np.linspace(-9.0, 9.0, 1441)
    weight = special.ndtr(u) * special.ndtr(-u)
    table = np.empty((_ANGLES.size, _Z_COARSE.size))
    table[0] = _no_lead_time_loss(_Z_COARSE)
    for row, angle in enumerate(_ANGLES[1:], start=1):
        theta, c = np.cos(angle), np.sin(angle)
        inner = special.ndtr((theta * u[None, :] - _Z_COARSE[:, None]) / c)
        table[row] = theta * np.trapezoid(weight * inner, u, axis=1)
    table.flags.writeable = False
    return table


def _no_lead_time_loss(z: Array) -> Array:
    """K(z, 1) = integral from z to inf of Phi (1 - Phi), in closed form (the integrand of the
    table steps at u = z there): 1/sqrt(pi) - z Phi - phi + z Phi^2 + 2 phi Phi - Phi(sqrt2 z)/sqrt(pi)."""
    cdf, pdf = special.ndtr(z), np.exp(-0.5 * z * z) / _SQRT_2PI
    root_pi = np.sqrt(np.pi)
    result: Array = (
        1 / root_pi - z * cdf - pdf + z * cdf**2 + 2 * pdf * cdf - special.ndtr(np.sqrt(2) * z) / root_pi
    )
    return result


def lost_sales_loss(z: ArrayLike, review_period: ArrayLike, lead_time: ArrayLike) -> Array:
    """K(z, theta): the expected shortage per cycle under lost sales, in sds of protection-
    interval demand (the lost-sales counterpart of `normal_loss`), interpolated."""
    zs, r, lt = broadcast(
        z=checked("z", z),
        review_period=_positive("review_period", review_period),
        lead_time=checked("lead_time", lead_time),
    )
    row, weight = _angle_position(r, lt)
    column = np.clip(zs, 0.0, Z_MAX) / (_Z_COARSE[1] - _Z_COARSE[0])
    low = np.minimum(column.astype(np.intp), _Z_COARSE.size - 2)
    within = column - low
    values = [_column_values(row, weight, low + step) for step in (0, 1)]
    result: Array = (1 - within) * values[0] + within * values[1]
    return result


def _angle_position(review_period: Array, lead_time: Array) -> tuple[npt.NDArray[np.intp], Array]:
    """Row below and weight of the next row for theta = sqrt(R / (R + LT)) = cos(angle)."""
    angle = np.arccos(np.sqrt(review_period / (review_period + lead_time)))
    position = angle / (_ANGLES[1] - _ANGLES[0])
    row = np.minimum(position.astype(np.intp), _ANGLES.size - 2)
    return row, position - row


def _column_values(row: npt.NDArray[np.intp], weight: Array, column: npt.NDArray[np.intp]) -> Array:
    table = _lost_sales_table()
    result: Array = (1 - weight) * table[row, column] + weight * table[row + 1, column]
    return result


def z_for_lost_sales_fill_rate(
    fill_rate: ArrayLike,
    demand_per_cycle: ArrayLike,
    sigma_protection_demand: ArrayLike,
    review_period: ArrayLike,
    lead_time: ArrayLike,
) -> Array:
    """z for a fill rate when unmet demand is lost: K(z, theta) = (1 - fill_rate) Q / sigma
    (see `lost_sales_loss`). Less stock than `z_for_fill_rate` asks for: lost demand does not
    carry a deficit into the next cycle, which matters most at lower targets and long lead
    times (van Donselaar & Broekmeulen 2013 describe the same effect)."""
    fill, cycle, sigma, r, lt = broadcast(
        fill_rate=_probability("fill_rate", fill_rate),
        demand_per_cycle=checked("demand_per_cycle", demand_per_cycle),
        sigma_protection_demand=checked("sigma_protection_demand", sigma_protection_demand),
        review_period=_positive("review_period", review_period),
        lead_time=checked("lead_time", lead_time),
    )
    return _z_lost(fill, cycle, sigma, r, lt)


def _z_lost(fill: Array, cycle: Array, sigma: Array, review_period: Array, lead_time: Array) -> Array:
    """Binary search over the z grid (K decreases in z), then linear within the cell."""
    target = np.atleast_1d(_loss_target(fill, cycle, sigma))
    row, weight = _angle_position(np.atleast_1d(review_period), np.atleast_1d(lead_time))
    low = np.zeros(target.shape, dtype=np.intp)  # K(z_low) >= target, unless even z = 0 is enough
    high = np.full(target.shape, _Z_COARSE.size - 1, dtype=np.intp)
    while np.any(high - low > 1):
        middle = (low + high) // 2
        is_short = _column_values(row, weight, middle) >= target
        low, high = np.where(is_short, middle, low), np.where(is_short, high, middle)
    at_low, at_high = _column_values(row, weight, low), _column_values(row, weight, high)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((at_low - target) / (at_low - at_high), 0.0, 1.0)
    z = np.where(at_low < target, 0.0, _Z_COARSE[low] + share * (_Z_COARSE[high] - _Z_COARSE[low]))
    z = np.where(at_high > target, Z_MAX, z)
    result: Array = np.where(sigma > 0, z.reshape(np.shape(sigma)), 0.0)
    return result


# --- stock levels ------------------------------------------------------------------------
def demand_sd_over(
    demand: ArrayLike, demand_sd: ArrayLike, weeks: ArrayLike, lead_time_sd: ArrayLike
) -> Array:
    """sd of demand over `weeks` whose end is uncertain by lead_time_sd:
    sqrt(weeks sd_d^2 + d^2 sd_LT^2) (weekly errors independent)."""
    d, sd, span, lt_sd = broadcast(
        demand=checked("demand", demand),
        demand_sd=checked("demand_sd", demand_sd),
        weeks=checked("weeks", weeks),
        lead_time_sd=checked("lead_time_sd", lead_time_sd),
    )
    return _sigma(d, sd, span, lt_sd)


def _sigma(d: Array, sd: Array, span: Array, lt_sd: Array) -> Array:
    result: Array = np.sqrt(span * sd**2 + d**2 * lt_sd**2)
    return result


def safety_stock(
    demand: ArrayLike, demand_sd: ArrayLike, lead_time: ArrayLike, lead_time_sd: ArrayLike, z: ArrayLike
) -> Array:
    """SS = z sqrt(LT sd_d^2 + d^2 sd_LT^2) in units: covers forecast error over the lead
    time and late deliveries. Under periodic review pass LT + R as `lead_time`."""
    sigma = demand_sd_over(demand, demand_sd, checked("lead_time", lead_time), lead_time_sd)
    sigma, zs = broadcast(sigma=sigma, z=checked("z", z))
    result: Array = zs * sigma
    return result


def reorder_point(demand: ArrayLike, lead_time: ArrayLike, safety: ArrayLike) -> Array:
    """ROP = d LT + SS: what the lead time needs plus the safety stock."""
    d, lt, ss = broadcast(
        demand=checked("demand", demand),
        lead_time=checked("lead_time", lead_time),
        safety=checked("safety", safety),
    )
    result: Array = d * lt + ss
    return result


def order_up_to(
    demand: ArrayLike, review_period: ArrayLike, lead_time: ArrayLike, safety: ArrayLike
) -> Array:
    """S = d (R + LT) + SS: an order must last until the next review's order arrives."""
    d, r, lt, ss = broadcast(
        demand=checked("demand", demand),
        review_period=_positive("review_period", review_period),
        lead_time=checked("lead_time", lead_time),
        safety=checked("safety", safety),
    )
    result: Array = d * (r + lt) + ss
    return result


def eoq(annual_demand: ArrayLike, order_cost: ArrayLike, holding_cost_per_unit_year: ArrayLike) -> Array:
    """Economic order quantity sqrt(2 D K / h). NaN where the order cost K or the holding cost
    h is missing (NaN) or zero: a cost nobody set must not pose as a recommendation."""
    demand, order, holding = broadcast(
        annual_demand=checked("annual_demand", annual_demand),
        order_cost=checked("order_cost", order_cost, allow_nan=True),
        holding_cost_per_unit_year=checked(
            "holding_cost_per_unit_year", holding_cost_per_unit_year, allow_nan=True
        ),
    )
    return _eoq(demand, order, holding)


def _eoq(demand: Array, order: Array, holding: Array) -> Array:
    known = (order > 0) & (holding > 0)  # False for NaN
    with np.errstate(divide="ignore", invalid="ignore"):
        result: Array = np.where(known, np.sqrt(2.0 * demand * order / holding), np.nan)
    return result


def fwos_target(demand: ArrayLike, safety: ArrayLike, review_period: ArrayLike) -> Array:
    """Forward weeks of supply the policy implies: average stock (safety stock plus half an
    order of d R) in weeks of demand, SS / d + R / 2. NaN where d is 0 (no demand to cover)."""
    d, ss, r = broadcast(
        demand=checked("demand", demand),
        safety=checked("safety", safety),
        review_period=_positive("review_period", review_period),
    )
    return _fwos(d, ss, r)


def _fwos(d: Array, ss: Array, r: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result: Array = np.where(d > 0, (ss + d * r / 2.0) / d, np.nan)
    return result


# --- everything at once ------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyInputs:
    """Per SKU-location (scalars broadcast). Demand and its sd per week (the sd from the
    measured forecast error); lead time, its sd and the review period in weeks; costs in money
    (NaN: not set, so no EOQ). unmet_demand: 'lost' (a store) or 'backordered' (a DC)."""

    demand: ArrayLike
    demand_sd: ArrayLike
    lead_time: ArrayLike
    lead_time_sd: ArrayLike
    service_level: ArrayLike
    service_kind: ServiceKind = "fill_rate"
    review_period: ArrayLike = 1.0
    order_cost: ArrayLike = np.nan
    holding_cost: ArrayLike = np.nan  # per unit and year
    unmet_demand: UnmetDemand = "lost"


@dataclass(frozen=True)
class Policies:
    """The policy per SKU-location, in units (fwos_target in weeks, eoq in units per order)."""

    z: Array
    safety_stock: Array
    reorder_point: Array
    order_up_to: Array
    eoq: Array
    fwos_target: Array


def policies(inputs: PolicyInputs) -> Policies:
    """z from the service target, then safety stock over the protection interval R + LT,
    reorder point, order-up-to level, EOQ and target weeks of supply.

    A fill-rate target takes d R as the order quantity (`z_for_lost_sales_fill_rate` or
    `z_for_fill_rate`, by unmet_demand); a cycle target is the normal quantile.
    """
    _check_choice("service_kind", inputs.service_kind, SERVICE_KINDS)
    _check_choice("unmet_demand", inputs.unmet_demand, UNMET_DEMAND)
    d, sd, lt, lt_sd, level, r, order, holding = broadcast(
        demand=checked("demand", inputs.demand),
        demand_sd=checked("demand_sd", inputs.demand_sd),
        lead_time=checked("lead_time", inputs.lead_time),
        lead_time_sd=checked("lead_time_sd", inputs.lead_time_sd),
        service_level=_probability("service_level", inputs.service_level),
        review_period=_positive("review_period", inputs.review_period),
        order_cost=checked("order_cost", inputs.order_cost, allow_nan=True),
        holding_cost=checked("holding_cost", inputs.holding_cost, allow_nan=True),
    )
    sigma = _sigma(d, sd, lt + r, lt_sd)
    if inputs.service_kind == "cycle":
        z = _z_cycle(level)
    elif inputs.unmet_demand == "lost":
        z = _z_lost(level, d * r, sigma, r, lt)
    else:
        z = _z_fill(level, d * r, sigma)
    safety: Array = z * sigma
    return Policies(
        z=z,
        safety_stock=safety,
        reorder_point=d * lt + safety,
        order_up_to=d * (r + lt) + safety,
        eoq=_eoq(d * WEEKS_PER_YEAR, order, holding),
        fwos_target=_fwos(d, safety, r),
    )


def selling_stock(
    demand: ArrayLike,
    demand_sd: ArrayLike,
    service_level: ArrayLike,
    presentation_min: ArrayLike,
    *,
    lead_time: float,
    review_period: float,
) -> Array:
    """Average units a selling location holds of an item it is restocked with from a DC:
    safety stock (the location's own policy: its demand and sd, the DC-to-store lead time and
    review period, a fill-rate target with lost sales), half a review period's demand (cycle
    stock) and the presentation minimum, which the shelf shows and never sells down.

    Why stores hold more weeks than the DC: each store's forecast error is its own, and the
    errors of many stores do not pool as they do at the DC. 0 demand: the minimum alone.
    E.g. 2 a week, no error, R = 1, minimum 4: 0 + 2 x 1 / 2 + 4 = 5 units (2.5 weeks).
    """
    d, sd, level, minimum = broadcast(
        demand=checked("demand", demand),
        demand_sd=checked("demand_sd", demand_sd),
        service_level=_probability("service_level", service_level),
        presentation_min=checked("presentation_min", presentation_min),
    )
    policy = policies(
        PolicyInputs(
            demand=d,
            demand_sd=sd,
            lead_time=lead_time,
            lead_time_sd=0.0,
            service_level=level,
            review_period=review_period,
            unmet_demand="lost",
        )
    )
    result: Array = policy.safety_stock + d * review_period / 2.0 + minimum
    return result


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}: unknown {value!r}; use one of {', '.join(choices)}")
