"""Purchase suggestions from a reorder-point / order-up-to policy, and the review of open purchase
orders (DESIGN.md section 10).

Arrays are N SKU-locations (rows) x W weeks (columns); week 0 is the coming week. Units are
float64, week indexes int64. Everything is vectorised over the rows; the only Python loop runs
over the weeks, because a week's order depends on the stock that earlier weeks' orders leave.

Demand is lost, not back-ordered: projected on hand never goes below zero, and demand above the
stock of a week is unmet (a shopper who finds an empty shelf buys elsewhere). Back-ordering would
carry a negative balance forward and order it back, buying stock for sales that never happen.

Projection, week t = 0..W-1, with on_hand_0 the stock now:
    on_hand_{t+1} = max(0, on_hand_t + arrivals_t + suggested arrivals_t - forecast_t)
Review week t (t % review_period == 0): the inventory position is on_hand_t plus everything on
order that has not arrived by the start of week t (open POs and earlier suggestions, those
landing after the horizon included). Below the reorder point, order up to the order-up-to level:
the shortfall rounded up to the order multiple and at least the MOQ (itself rounded up to the
multiple). The order is placed in week t and lands in week t + lead_time, which may be after
the horizon: the order is still suggested, and counts as on order for the rest of the horizon.

A minimum order far above what the item needs is not suggested: with `max_moq_ratio` = k, a row
whose smallest order (the MOQ rounded up to the multiple) is more than k x its order-up-to level
places no order at all. The order-up-to level is the most stock the policy ever wants; an MOQ of
48 against an order-up-to of 2 buys 24 times that, years of a slow seller's demand. Where such
a row would have ordered, `skipped_week` and `skipped_units` say when and how much, so the buyer
sees the line and its reason instead of a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_SHORTFALL_TOLERANCE = 1e-9  # units: float noise below this is not a stock-out


@dataclass(frozen=True)
class Suggestions:
    """Suggested orders and the projections that explain them (arrays are read-only).

    order_units (N, W): units ordered in week t; arrival_week (N, W): the week that order lands
    (t + lead time, may be >= W), -1 where nothing is ordered; suggested_arrivals (N, W): units of
    suggestions landing in week t within the horizon; position (N, W): inventory position at the
    start of week t before ordering (an order is placed where it is below the reorder point on a
    review week); projected_on_hand / projected_without (N, W+1): stock at the start of weeks
    0..W with the suggestions / with open POs only; unmet_demand / unmet_without (N, W): lost
    sales with / without the suggestions; first_stockout_week (N,): first week with unmet demand
    without the suggestions, -1 if none; skipped_week (N,): the first review week a row held back
    by `max_moq_ratio` would have ordered, -1 if none; skipped_units (N,): what it would have
    ordered then (the MOQ, or more), 0 if none.
    """

    order_units: FloatArray
    arrival_week: IntArray
    suggested_arrivals: FloatArray
    position: FloatArray
    projected_on_hand: FloatArray
    projected_without: FloatArray
    unmet_demand: FloatArray
    unmet_without: FloatArray
    first_stockout_week: IntArray
    skipped_week: IntArray
    skipped_units: FloatArray

    def __post_init__(self) -> None:
        for field in fields(self):
            getattr(self, field.name).flags.writeable = False


@dataclass(frozen=True)
class Expedites:
    """Open-PO arrivals that land after the first projected stock-out week.

    weeks_earlier (N, W): how many weeks to pull the arrival of week j forward so that it lands
    in the stock-out week (the latest week in which it still prevents the stock-out); 0 where the
    arrival is not a candidate. units (N, W): the units of those arrivals, 0 elsewhere.
    """

    weeks_earlier: IntArray
    units: FloatArray


@dataclass(frozen=True)
class Excess:
    """Open-PO units that would land above the stock the item needs (de-expedite or cancel).

    units (N, W): units of the week-j arrival above the threshold; the whole arrival where stock
    already exceeds the threshold before it lands. threshold (N, W): order-up-to plus the
    forecast of weeks j .. j+weeks_of_cover-1. projected_on_hand (N, W+1): the stock if the
    excess units were taken out.
    """

    units: FloatArray
    threshold: FloatArray
    projected_on_hand: FloatArray


def suggest_orders(
    on_hand: npt.ArrayLike,
    arrivals: npt.ArrayLike,
    forecast: npt.ArrayLike,
    reorder_point: npt.ArrayLike,
    order_up_to: npt.ArrayLike,
    lead_time: npt.ArrayLike,
    moq: npt.ArrayLike,
    multiple: npt.ArrayLike,
    *,
    review_period: npt.ArrayLike = 1,
    max_moq_ratio: float | None = None,
) -> Suggestions:
    """Orders that keep each SKU-location's position at or above its reorder point.

    Per-row parameters take one value per row or a scalar for all. lead_time and review_period
    are whole weeks (lead_time >= 0, review_period >= 1); moq and multiple whole units >= 1.
    max_moq_ratio: rows whose smallest order is more than this many times their order-up-to
    level order nothing (see the module docstring); None: no such limit.
    """
    stock = _non_negative_vector("on_hand", on_hand)
    rows = stock.shape[0]
    forecast_units = _non_negative_matrix("forecast", forecast, rows)
    shape = forecast_units.shape
    open_arrivals = _non_negative_matrix("arrivals", arrivals, rows, shape)
    rop = _non_negative_vector("reorder_point", reorder_point, rows)
    out = _non_negative_vector("order_up_to", order_up_to, rows)
    if np.any(out < rop):
        raise ValueError("order_up_to must be at least the reorder_point")
    lead = _whole_vector("lead_time", lead_time, rows, minimum=0, unit="weeks")
    review = _whole_vector("review_period", review_period, rows, minimum=1, unit="weeks")
    step = _whole_vector("multiple", multiple, rows, minimum=1, unit="units").astype(np.float64)
    minimum_order = _whole_vector("moq", moq, rows, minimum=1, unit="units").astype(np.float64)
    minimum_order = np.ceil(minimum_order / step) * step
    if max_moq_ratio is not None and not (np.isfinite(max_moq_ratio) and max_moq_ratio > 0):
        raise ValueError("max_moq_ratio must be a number above 0")
    held = (
        minimum_order > max_moq_ratio * out if max_moq_ratio is not None else np.zeros(rows, dtype=np.bool_)
    )

    without, unmet_without = project_on_hand(stock, open_arrivals, forecast_units)
    plan = _plan(stock, open_arrivals, forecast_units, rop, out, lead, review, step, minimum_order, held)
    order_units, suggested_arrivals, position, projected, unmet, skipped_week, skipped_units = plan
    weeks = np.arange(shape[1], dtype=np.int64)
    arrival_week = np.where(order_units > 0, weeks[None, :] + lead[:, None], -1).astype(np.int64)
    return Suggestions(
        order_units=order_units,
        arrival_week=arrival_week,
        suggested_arrivals=suggested_arrivals,
        position=position,
        projected_on_hand=projected,
        projected_without=without,
        unmet_demand=unmet,
        unmet_without=unmet_without,
        first_stockout_week=first_stockout(unmet_without),
        skipped_week=skipped_week,
        skipped_units=skipped_units,
    )


def order_quantity(shortfall: FloatArray, multiple: FloatArray, moq: FloatArray) -> FloatArray:
    """Units to order for a shortfall > 0: rounded up to the multiple, at least the MOQ.

    The MOQ must already be a multiple of `multiple` (suggest_orders rounds it up once), so the
    result is always a whole number of multiples.
    """
    quantity: FloatArray = np.maximum(np.ceil(shortfall / multiple) * multiple, moq)
    return quantity


def project_on_hand(
    on_hand: FloatArray, arrivals: FloatArray, forecast: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(stock at the start of weeks 0..W (N, W+1), unmet demand (N, W)) under lost sales."""
    rows, weeks = forecast.shape
    projected = np.empty((rows, weeks + 1))
    unmet = np.empty((rows, weeks))
    projected[:, 0] = on_hand
    for week in range(weeks):
        flow = projected[:, week] + arrivals[:, week] - forecast[:, week]
        projected[:, week + 1] = np.maximum(flow, 0.0)
        unmet[:, week] = np.maximum(-flow, 0.0)
    return projected, unmet


def first_stockout(unmet: FloatArray) -> IntArray:
    """Index of the first week with unmet demand per row, -1 if demand is always met."""
    short = unmet > _SHORTFALL_TOLERANCE
    if not short.shape[1]:
        return np.full(short.shape[0], -1, dtype=np.int64)
    first = np.argmax(short, axis=1).astype(np.int64)
    return np.where(short.any(axis=1), first, -1).astype(np.int64)


def expedite_candidates(arrivals: npt.ArrayLike, first_stockout_week: npt.ArrayLike) -> Expedites:
    """Open-PO arrivals to pull forward: those landing after the row's first stock-out week.

    first_stockout_week is Suggestions.first_stockout_week (projected with open POs only). An
    arrival in the stock-out week itself is already counted there and cannot help earlier than
    it does, so only later ones are candidates; each is told to land in the stock-out week.
    """
    stockout = np.asarray(first_stockout_week)
    if stockout.ndim != 1 or not np.issubdtype(stockout.dtype, np.integer):
        raise ValueError("first_stockout_week: expected a 1-D array of week indexes")
    units = _non_negative_matrix("arrivals", arrivals, stockout.shape[0])
    weeks = np.arange(units.shape[1], dtype=np.int64)[None, :]
    start = stockout.astype(np.int64)[:, None]
    is_candidate = (start >= 0) & (weeks > start) & (units > 0)
    weeks_earlier = np.where(is_candidate, weeks - start, 0).astype(np.int64)
    return Expedites(weeks_earlier=weeks_earlier, units=np.where(is_candidate, units, 0.0))


def excess_arrivals(
    on_hand: npt.ArrayLike,
    arrivals: npt.ArrayLike,
    forecast: npt.ArrayLike,
    order_up_to: npt.ArrayLike,
    *,
    weeks_of_cover: int = 4,
) -> Excess:
    """Open-PO units landing above order-up-to + weeks_of_cover weeks of forecast.

    Weeks are taken in order, and the excess found in a week is taken out of the stock carried
    to later weeks: otherwise one early surplus would be counted again against every later
    arrival. Cover needed past the horizon uses the row's average weekly forecast.
    """
    if isinstance(weeks_of_cover, bool) or not isinstance(weeks_of_cover, int) or weeks_of_cover < 0:
        raise ValueError("weeks_of_cover must be a whole number of weeks >= 0")
    stock = _non_negative_vector("on_hand", on_hand)
    demand = _non_negative_matrix("forecast", forecast, stock.shape[0])
    units = _non_negative_matrix("arrivals", arrivals, stock.shape[0], demand.shape)
    out = _non_negative_vector("order_up_to", order_up_to, stock.shape[0])
    threshold = out[:, None] + _forward_cover(demand, weeks_of_cover)

    rows, weeks = demand.shape
    excess = np.zeros((rows, weeks))
    projected = np.empty((rows, weeks + 1))
    projected[:, 0] = stock
    for week in range(weeks):
        landed = projected[:, week] + units[:, week]
        excess[:, week] = np.clip(landed - threshold[:, week], 0.0, units[:, week])
        projected[:, week + 1] = np.maximum(landed - excess[:, week] - demand[:, week], 0.0)
    return Excess(units=excess, threshold=threshold, projected_on_hand=projected)


def units_short_without(
    on_hand: npt.ArrayLike,
    arrivals: npt.ArrayLike,
    forecast: npt.ArrayLike,
    suggested_arrivals: npt.ArrayLike,
    row: npt.ArrayLike,
    arrival_week: npt.ArrayLike,
    units: npt.ArrayLike,
) -> FloatArray:
    """The stock-out each suggested order prevents: for order k (of row[k], landing in week
    arrival_week[k] with units[k]), the units of demand left unmet over the horizon without it,
    all other open POs and suggestions landing as planned, less those unmet with it; at most
    units[k]. 0 for an order landing after the horizon (it cannot prevent one within it).
    Lost sales, as project_on_hand: an order landing into years of cover prevents nothing.
    """
    stock = _non_negative_vector("on_hand", on_hand)
    demand = _non_negative_matrix("forecast", forecast, stock.shape[0])
    landing = _non_negative_matrix("arrivals", arrivals, stock.shape[0], demand.shape)
    landing = landing + _non_negative_matrix(
        "suggested_arrivals", suggested_arrivals, stock.shape[0], demand.shape
    )
    rows = np.asarray(row, dtype=np.int64)
    if rows.ndim != 1 or np.any((rows < 0) | (rows >= stock.shape[0])):
        raise ValueError("row: expected a 1-D array of row indexes")
    week = np.asarray(arrival_week, dtype=np.int64)
    ordered = _non_negative_vector("units", units, rows.shape[0])
    if week.shape != rows.shape:
        raise ValueError(f"arrival_week: expected shape {rows.shape}, got {week.shape}")
    with_order = landing[rows]
    without = with_order.copy()
    inside = np.flatnonzero((week >= 0) & (week < demand.shape[1]))
    without[inside, week[inside]] = np.maximum(without[inside, week[inside]] - ordered[inside], 0.0)
    _, unmet_with = project_on_hand(stock[rows], with_order, demand[rows])
    _, unmet_without = project_on_hand(stock[rows], without, demand[rows])
    prevented: FloatArray = np.clip(unmet_without.sum(axis=1) - unmet_with.sum(axis=1), 0.0, ordered)
    return prevented


def cut_to_terms(
    units: npt.ArrayLike, excess: npt.ArrayLike, moq: npt.ArrayLike, multiple: npt.ArrayLike
) -> FloatArray:
    """Units an order line keeps when `excess` of its `units` are not needed, within the
    vendor's terms: the units still needed rounded up to the order multiple and at least the
    MOQ (itself rounded up to the multiple, as suggest_orders does). Where that is not below
    `units`, the line keeps all its units: no cut fits the terms (cancel the whole line or
    leave it; the caller decides). A line that needs nothing (excess >= units) keeps 0.
    """
    ordered = _non_negative_vector("units", units)
    rows = ordered.shape[0]
    surplus = np.minimum(_non_negative_vector("excess", excess, rows), ordered)
    step = _whole_vector("multiple", multiple, rows, minimum=1, unit="units").astype(np.float64)
    minimum = _whole_vector("moq", moq, rows, minimum=1, unit="units").astype(np.float64)
    minimum = np.ceil(minimum / step) * step
    needed = ordered - surplus
    keep = np.maximum(np.ceil(needed / step - _SHORTFALL_TOLERANCE) * step, minimum)
    kept: FloatArray = np.where(needed <= _SHORTFALL_TOLERANCE, 0.0, np.minimum(keep, ordered))
    return kept


def _plan(
    on_hand: FloatArray,
    arrivals: FloatArray,
    forecast: FloatArray,
    reorder_point: FloatArray,
    order_up_to: FloatArray,
    lead_time: IntArray,
    review_period: IntArray,
    multiple: FloatArray,
    moq: FloatArray,
    held: BoolArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, IntArray, FloatArray]:
    """The week loop: (order units, suggested arrivals, position, projected on hand, unmet,
    skipped week, skipped units). `held` rows never order; their first would-be order is kept."""
    rows, weeks = forecast.shape
    # Open-PO units not yet arrived at the start of week t: arrivals of weeks t..W-1.
    open_on_order = np.cumsum(arrivals[:, ::-1], axis=1)[:, ::-1]
    suggested_on_order = np.zeros(rows)  # ordered, not landed yet (after the horizon included)
    order_units = np.zeros((rows, weeks))
    suggested_arrivals = np.zeros((rows, weeks))
    position = np.empty((rows, weeks))
    projected = np.empty((rows, weeks + 1))
    unmet = np.empty((rows, weeks))
    skipped_week = np.full(rows, -1, dtype=np.int64)
    skipped_units = np.zeros(rows)
    projected[:, 0] = on_hand
    for week in range(weeks):
        position[:, week] = projected[:, week] + open_on_order[:, week] + suggested_on_order
        ordering = (week % review_period == 0) & (position[:, week] < reorder_point)
        first_skip = np.flatnonzero(ordering & held & (skipped_week < 0))
        skipped_week[first_skip] = week
        skipped_units[first_skip] = order_quantity(
            order_up_to[first_skip] - position[first_skip, week], multiple[first_skip], moq[first_skip]
        )
        ordered = np.flatnonzero(ordering & ~held)
        quantity = order_quantity(
            order_up_to[ordered] - position[ordered, week], multiple[ordered], moq[ordered]
        )
        order_units[ordered, week] = quantity
        suggested_on_order[ordered] += quantity
        lands = week + lead_time[ordered]
        within = lands < weeks
        suggested_arrivals[ordered[within], lands[within]] += quantity[within]

        landed = suggested_arrivals[:, week]
        suggested_on_order -= landed
        flow = projected[:, week] + arrivals[:, week] + landed - forecast[:, week]
        projected[:, week + 1] = np.maximum(flow, 0.0)
        unmet[:, week] = np.maximum(-flow, 0.0)
    return order_units, suggested_arrivals, position, projected, unmet, skipped_week, skipped_units


def _forward_cover(forecast: FloatArray, weeks_of_cover: int) -> FloatArray:
    """Forecast of weeks j .. j+weeks_of_cover-1 for each week j, past the horizon at the average."""
    rows, weeks = forecast.shape
    average = forecast.mean(axis=1, keepdims=True) if weeks else np.zeros((rows, 1))
    extended = np.concatenate([forecast, np.repeat(average, weeks_of_cover, axis=1)], axis=1)
    cumulative = np.concatenate([np.zeros((rows, 1)), np.cumsum(extended, axis=1)], axis=1)
    cover: FloatArray = cumulative[:, weeks_of_cover : weeks_of_cover + weeks] - cumulative[:, :weeks]
    return cover


def _finite(name: str, values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: must be finite numbers (no NaN or infinity)")
    return array


def _non_negative_vector(name: str, values: npt.ArrayLike, rows: int | None = None) -> FloatArray:
    """A (rows,) float64 array >= 0; a scalar is repeated when the row count is known."""
    array = _finite(name, values)
    if rows is not None and array.ndim == 0:
        array = np.full(rows, float(array))
    if array.ndim != 1 or (rows is not None and array.shape[0] != rows):
        expected = f"({rows},)" if rows is not None else "one value per row (1-D)"
        raise ValueError(f"{name}: expected shape {expected}, got {array.shape}")
    if np.any(array < 0):
        raise ValueError(f"{name} must not be negative")
    return array


def _non_negative_matrix(
    name: str, values: npt.ArrayLike, rows: int, shape: tuple[int, ...] | None = None
) -> FloatArray:
    """A (rows, weeks) float64 array >= 0, of exactly `shape` when given."""
    array = _finite(name, values)
    if array.ndim != 2 or array.shape[0] != rows or (shape is not None and array.shape != shape):
        expected = shape if shape is not None else f"({rows}, weeks)"
        raise ValueError(f"{name}: expected shape {expected}, got {array.shape}")
    if np.any(array < 0):
        raise ValueError(f"{name} must not be negative")
    return array


def _whole_vector(name: str, values: npt.ArrayLike, rows: int, *, minimum: int, unit: str) -> IntArray:
    """A (rows,) int64 array of whole numbers >= minimum; a scalar is repeated."""
    array = _finite(name, values)
    if array.ndim == 0:
        array = np.full(rows, float(array))
    if array.shape != (rows,):
        raise ValueError(f"{name}: expected shape ({rows},), got {array.shape}")
    label = "MOQ" if name == "moq" else name
    if np.any(array < minimum):
        rule = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
        raise ValueError(f"{label} {rule}")
    if np.any(array != np.round(array)):
        raise ValueError(f"{label} must be a whole number of {unit}")
    return array.astype(np.int64)
