"""Simulate periodic-review (R, s, S) replenishment to check what service a policy delivers.

Vectorised over items, one step per week. Each week, in this order:
1. orders due this week arrive (on hand up, on order down);
2. on review weeks (every R weeks, from week 0) an item whose projected position (on hand +
   on order - the forecast until the next review, mean x R) is below s orders S - position
   (DESIGN.md section 10's rule: order now if waiting for the next review would drop below
   the reorder point), at least the minimum order, rounded up to the order multiple; it
   arrives L weeks later (L = 0: at once, before demand). With S = s + mean x R, as
   `policy.policies` sets them, every review orders back up to S;
3. demand max(0, mean + sd Z), Z standard normal: the forecast plus its measured error,
   truncated because customers do not return stock. What on hand cannot serve is lost
   (unmet_demand="lost", a store) or backordered and served first from the next arrivals
   ("backordered", a DC; on hand goes negative).

Lead times are whole weeks: round-half-up of the lead time, or of a normal(L, sd_L) draw per
order when sd_L > 0 (floored at 0, capped at the largest L + 6 sd_L); each order draws its own,
so orders may cross.
The first `warmup` weeks settle the pipeline and count in no metric. Demand and lead times
come from separate streams of `seed`, so policies compared on one seed meet the same demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from replenishment.engine.policy import UNMET_DEMAND, UnmetDemand, broadcast, checked

Array = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike

_UNMET_TOLERANCE = 1e-9  # units: float noise is not a stock-out


@dataclass(frozen=True)
class Simulation:
    """Per item over the measured weeks.

    fill_rate: units served / units demanded (NaN without demand). stockout_weeks: weeks
    with unmet demand. average_on_hand: mean of on hand after receipts and after demand,
    i.e. the time average when demand flows evenly through the week. orders_placed: orders
    issued. replenishment_cycles: periods from one arrival to the next, both measured;
    cycles_with_stockout: those with any unmet demand (a stock-out happens at the end of a
    cycle, just before an arrival).
    """

    fill_rate: Array
    stockout_weeks: Counts
    average_on_hand: Array
    orders_placed: Counts
    replenishment_cycles: Counts
    cycles_with_stockout: Counts

    @property
    def cycle_service_level(self) -> Array:
        """Share of replenishment cycles without a stock-out (NaN without a cycle)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = 1.0 - self.cycles_with_stockout / self.replenishment_cycles
        return result


@dataclass
class _State:
    """What moves from week to week, one entry per item."""

    on_hand: Array
    on_order: Array
    pipeline: Array  # (items, horizon): arrivals by week modulo the horizon
    is_cycle_measured: npt.NDArray[np.bool_]  # the current cycle began in a measured week
    is_cycle_short: npt.NDArray[np.bool_]


@dataclass
class _Totals:
    demanded: Array
    served: Array
    on_hand: Array
    stockout_weeks: Counts
    orders_placed: Counts
    cycles: Counts
    cycles_short: Counts


def simulate(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    reorder_point: ArrayLike,
    order_up_to: ArrayLike,
    lead_time: ArrayLike,
    *,
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 1,
    weeks: int = 52,
    seed: int = 0,
    initial_on_hand: ArrayLike | None = None,
    warmup: int = 8,
    order_multiple: ArrayLike | None = None,
    minimum_order: ArrayLike | None = None,
    unmet_demand: UnmetDemand = "lost",
) -> Simulation:
    """Run `warmup` + `weeks` weeks of the (R, s, S) policy and measure the last `weeks`.

    Items start with `order_up_to` on hand (or `initial_on_hand`) and nothing on order.
    Everything per item broadcasts (scalars or 1-D); review_period in whole weeks >= 1.
    """
    if weeks < 1 or warmup < 0:
        raise ValueError(f"weeks must be >= 1 and warmup >= 0, got weeks={weeks}, warmup={warmup}")
    if unmet_demand not in UNMET_DEMAND:
        raise ValueError(f"unmet_demand: unknown {unmet_demand!r}; use one of {', '.join(UNMET_DEMAND)}")
    mean, sd, s, big_s, lt, lt_sd, review, start, multiple, minimum = _inputs(
        demand_mean,
        demand_sd,
        reorder_point,
        order_up_to,
        lead_time,
        lead_time_sd,
        review_period,
        initial_on_hand,
        order_multiple,
        minimum_order,
    )
    items = mean.shape[0]
    horizon = int(np.ceil(np.max(lt + 6.0 * lt_sd, initial=0.0))) + 1
    state = _State(
        on_hand=start.copy(),
        on_order=np.zeros(items),
        pipeline=np.zeros((items, horizon)),
        is_cycle_measured=np.zeros(items, dtype=bool),
        is_cycle_short=np.zeros(items, dtype=bool),
    )
    totals = _Totals(
        demanded=np.zeros(items),
        served=np.zeros(items),
        on_hand=np.zeros(items),
        stockout_weeks=np.zeros(items, dtype=np.int64),
        orders_placed=np.zeros(items, dtype=np.int64),
        cycles=np.zeros(items, dtype=np.int64),
        cycles_short=np.zeros(items, dtype=np.int64),
    )
    demand_stream, lead_stream = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(2)
    )
    rows = np.arange(items)
    for week in range(warmup + weeks):
        is_measured = week >= warmup
        _receive(state, week % horizon, totals, is_measured=is_measured)
        quantity = _order_quantity(state, week, mean, review, s, big_s, multiple, minimum)
        lead = _lead_times(lt, lt_sd, horizon - 1, lead_stream)
        _place(state, quantity, lead, week, rows)
        demand = np.maximum(0.0, mean + sd * demand_stream.standard_normal(items))
        _serve(state, demand, totals, is_measured=is_measured, is_lost=unmet_demand == "lost")
        if is_measured:
            totals.orders_placed += quantity > 0
    return _result(totals, weeks)


def _inputs(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    reorder_point: ArrayLike,
    order_up_to: ArrayLike,
    lead_time: ArrayLike,
    lead_time_sd: ArrayLike,
    review_period: ArrayLike,
    initial_on_hand: ArrayLike | None,
    order_multiple: ArrayLike | None,
    minimum_order: ArrayLike | None,
) -> list[Array]:
    """Checked inputs broadcast to 1-D arrays of one length (order_multiple 0: no rounding)."""
    fields = {
        "demand_mean": checked("demand_mean", demand_mean),
        "demand_sd": checked("demand_sd", demand_sd),
        "reorder_point": checked("reorder_point", reorder_point),
        "order_up_to": checked("order_up_to", order_up_to),
        "lead_time": checked("lead_time", lead_time),
        "lead_time_sd": checked("lead_time_sd", lead_time_sd),
        "review_period": checked("review_period", review_period, minimum=1.0),
        "initial_on_hand": checked(
            "initial_on_hand", order_up_to if initial_on_hand is None else initial_on_hand
        ),
        "order_multiple": checked("order_multiple", 0.0 if order_multiple is None else order_multiple),
        "minimum_order": checked("minimum_order", 0.0 if minimum_order is None else minimum_order),
    }
    arrays = [np.atleast_1d(array) for array in broadcast(**fields)]
    named = dict(zip(fields, arrays, strict=True))
    _require(
        "review_period",
        named["review_period"],
        named["review_period"] != np.round(named["review_period"]),
        "not a whole number of weeks",
    )
    _require(
        "order_up_to",
        named["order_up_to"],
        named["order_up_to"] < named["reorder_point"],
        "below reorder_point",
    )
    return arrays


def _require(name: str, values: Array, bad: npt.NDArray[np.bool_], problem: str) -> None:
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: item {index} is {problem} (got {values[index]:g})")


def _receive(state: _State, slot: int, totals: _Totals, *, is_measured: bool) -> None:
    """Book this week's arrivals; an arrival closes the replenishment cycle before it."""
    arriving = state.pipeline[:, slot].copy()
    state.pipeline[:, slot] = 0.0
    state.on_hand += arriving
    state.on_order -= arriving
    closes = arriving > 0
    if is_measured:
        counted = closes & state.is_cycle_measured
        totals.cycles += counted
        totals.cycles_short += counted & state.is_cycle_short
    state.is_cycle_measured[closes] = is_measured
    state.is_cycle_short[closes] = False


def _order_quantity(
    state: _State,
    week: int,
    mean: Array,
    review: Array,
    s: Array,
    big_s: Array,
    multiple: Array,
    minimum: Array,
) -> Array:
    """S - position where a review finds the projected position below s; 0 elsewhere."""
    position = state.on_hand + state.on_order
    projected = position - mean * review
    is_ordering = (week % review == 0) & (projected < s) & (big_s > position)
    quantity = np.where(is_ordering, np.maximum(big_s - position, minimum), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rounded = np.ceil(quantity / multiple - 1e-9) * multiple
    result: Array = np.where(multiple > 0, rounded, quantity)
    return result


def _lead_times(lt: Array, lt_sd: Array, longest: int, stream: np.random.Generator) -> npt.NDArray[np.int64]:
    """Whole weeks, rounded half up; drawn from normal(lt, lt_sd) where lt_sd > 0."""
    drawn = lt + lt_sd * stream.standard_normal(lt.shape[0]) if np.any(lt_sd > 0) else lt
    weeks: npt.NDArray[np.int64] = np.clip(np.floor(drawn + 0.5), 0, longest).astype(np.int64)
    return weeks


def _place(
    state: _State, quantity: Array, lead: npt.NDArray[np.int64], week: int, rows: npt.NDArray[np.intp]
) -> None:
    """Orders with lead time 0 land at once; the others wait in the pipeline."""
    is_now = lead == 0
    state.on_hand += np.where(is_now, quantity, 0.0)
    later = np.where(is_now, 0.0, quantity)
    state.pipeline[rows, (week + lead) % state.pipeline.shape[1]] += later
    state.on_order += later


def _serve(state: _State, demand: Array, totals: _Totals, *, is_measured: bool, is_lost: bool) -> None:
    """Serve from what is on the shelf; the rest is lost, or backordered (on hand negative)."""
    start = np.maximum(state.on_hand, 0.0)
    served = np.minimum(start, demand)
    state.on_hand -= served if is_lost else demand
    is_short = demand - served > _UNMET_TOLERANCE
    state.is_cycle_short |= is_short
    if is_measured:
        totals.demanded += demand
        totals.served += served
        totals.stockout_weeks += is_short
        totals.on_hand += (start + np.maximum(state.on_hand, 0.0)) / 2.0


def _result(totals: _Totals, weeks: int) -> Simulation:
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(totals.demanded > 0, totals.served / totals.demanded, np.nan)
    return Simulation(
        fill_rate=fill,
        stockout_weeks=totals.stockout_weeks,
        average_on_hand=totals.on_hand / weeks,
        orders_placed=totals.orders_placed,
        replenishment_cycles=totals.cycles,
        cycles_with_stockout=totals.cycles_short,
    )
