"""Retail KPIs from plan measures (DESIGN.md section 4).

Inputs follow the engine's convention: one line (1-D, periods) or many (2-D, lines x periods).
Elementwise KPIs return the input's shape. Span KPIs (average inventory, turn) reduce the last
axis: (lines,) for 2-D input and a 0-d array for 1-D input, so the return type is always an
ndarray (`float(result)` gives a plain number). A zero denominator gives NaN: undefined, not
invented. Stocks must be non-negative (a ratio over negative stock means nothing); flows only
finite, because returns and stock-count gains make negative sales or shrink legitimate.

The `*_of` functions at the end are the KPIs from span components (sums, first and last
stocks): elementwise, broadcasting, any shape. They are the one definition of each KPI that
the grid, the recompute, the weekly report, the API and the exports all call (README,
"Formulas"). Given components, stock at or below zero (a plan short of stock) makes a stock
ratio undefined (NaN), not an error: a page must show a dash, never fail.
"""

from __future__ import annotations

import numpy as np

from planning.engine._arrays import (
    STOCK_NOISE,
    Array,
    ArrayLike,
    check_non_negative,
    check_positive,
    divide,
    lift,
    like,
    per_line,
)

WEEKS_PER_YEAR = 52.0


def _lift(name: str, values: ArrayLike) -> tuple[Array, tuple[int, ...]]:
    """Like `lift`, also taking a scalar (a span total); returns the 2-D array and the input shape."""
    array = np.asarray(values, dtype=np.float64)
    lifted, _ = lift(name, array.reshape(1) if array.ndim == 0 else array)
    return lifted, array.shape


def _stock(name: str, values: ArrayLike, shape: tuple[int, ...]) -> Array:
    array = like(name, values, shape)
    check_non_negative(name, array)
    return array


def _span(per_line_values: Array, was_1d: bool) -> Array:
    """A span reduction's result: (lines,), or a 0-d array for one line."""
    return per_line_values.reshape(()) if was_1d else per_line_values


def _annualise(name: str, value: Array, weeks: ArrayLike | None) -> Array:
    """Scale a span figure to a year; `weeks` is a scalar or one value per line."""
    if weeks is None:
        return value
    per_year = per_line("weeks", weeks, value.shape[0])
    check_positive("weeks", per_year, f"{name} is annualised by 52 / weeks")
    scale = WEEKS_PER_YEAR / per_year
    return value * (scale if value.ndim == 2 else scale[:, 0])


def _cost_complement(values: ArrayLike, shape: tuple[int, ...], own_shape: tuple[int, ...]) -> Array:
    """1 - IMU%: a scalar, one value per line, or one per line and period (the values' own shape)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim > 0 and array.shape == own_shape:
        complement = like("cost_complement", array, shape)
    else:
        complement = np.broadcast_to(per_line("cost_complement", array, shape[0]), shape)
    check_non_negative("cost_complement", complement)
    return complement


def average_inventory(bop: ArrayLike, eop: ArrayLike) -> Array:
    """(BOP[first] + EOP[1] + ... + EOP[n]) / (n + 1) over the last axis.

    Counting the opening once and every close once weights each stock-take equally, so a
    span's figure does not depend on where within it stock was received.
    >>> float(average_inventory([120, 100, 140], [100, 140, 160]))
    130.0
    """
    closing, was_1d = lift("eop", eop)
    check_non_negative("eop", closing)
    opening = _stock("bop", bop, closing.shape)
    if closing.shape[1] == 0:
        raise ValueError("eop: the span has no periods")
    average = (opening[:, 0] + closing.sum(axis=1)) / (closing.shape[1] + 1)
    return _span(average, was_1d)


def turn(sales: ArrayLike, bop: ArrayLike, eop: ArrayLike, *, weeks: ArrayLike | None = None) -> Array:
    """Span sales / average inventory; annualised by 52 / weeks when the span's weeks are given.

    How many times the average stock sold through; NaN when the average stock is zero.
    >>> round(float(turn([100, 120, 80], [120, 100, 140], [100, 140, 160], weeks=3)), 6)
    40.0
    """
    flows, was_1d = lift("sales", sales)
    inventory = average_inventory(like("bop", bop, flows.shape), like("eop", eop, flows.shape))
    return _span(
        _annualise("turn", divide(flows.sum(axis=1), inventory, tolerance=STOCK_NOISE), weeks), was_1d
    )


def sell_through(sales: ArrayLike, bop: ArrayLike) -> Array:
    """Sales / BOP: the share of the opening stock sold in the period."""
    flows, shape = _lift("sales", sales)
    return divide(flows, _stock("bop", bop, flows.shape), tolerance=STOCK_NOISE).reshape(shape)


def sell_through_available(sales: ArrayLike, bop: ArrayLike, receipts: ArrayLike) -> Array:
    """Sales / (BOP + receipts): the share of everything available in the period that sold."""
    flows, shape = _lift("sales", sales)
    available = _stock("bop", bop, flows.shape) + like("receipts", receipts, flows.shape)
    check_non_negative("bop + receipts", available)
    return divide(flows, available, tolerance=STOCK_NOISE).reshape(shape)


def gross_margin(sales: ArrayLike, cogs: ArrayLike) -> Array:
    """GM$ = sales - COGS."""
    flows, shape = _lift("sales", sales)
    return (flows - like("cogs", cogs, flows.shape)).reshape(shape)


def gm_percent(sales: ArrayLike, cogs: ArrayLike) -> Array:
    """GM% = (sales - COGS) / sales; NaN at zero sales. Never average it: recompute from sums."""
    flows, shape = _lift("sales", sales)
    return divide(flows - like("cogs", cogs, flows.shape), flows).reshape(shape)


def to_cost(retail_values: ArrayLike, cost_complement: ArrayLike) -> Array:
    """Retail $ to cost $: x (1 - IMU%). E.g. 72,000 retail OTB at IMU 55% is 32,400 at cost.

    `cost_complement` is a scalar, one value per line, or one per line and period.
    """
    retail, shape = _lift("retail_values", retail_values)
    return (retail * _cost_complement(cost_complement, retail.shape, shape)).reshape(shape)


def cogs_retail_method(
    sales: ArrayLike, markdowns: ArrayLike, shrink: ArrayLike, cost_complement: ArrayLike
) -> Array:
    """COGS under the retail method = (1 - IMU%) x (sales + markdowns + shrink).

    Markdowns and shrink take retail value out of stock without revenue, yet their cost is
    charged, which is why maintained margin lands below the initial markup.
    IMU 55%, sales 80,000, markdowns 6,000, shrink 1,000 -> COGS 39,150, GM 40,850, GM% 51.06%.
    """
    flows, shape = _lift("sales", sales)
    leaving = flows + like("markdowns", markdowns, flows.shape) + like("shrink", shrink, flows.shape)
    return (leaving * _cost_complement(cost_complement, flows.shape, shape)).reshape(shape)


def gmroi(
    gross_margin: ArrayLike, average_inventory_cost: ArrayLike, *, weeks: ArrayLike | None = None
) -> Array:
    """GM$ / average inventory at cost, annualised by 52 / weeks when given; elementwise.

    The caller passes span totals and span averages (for many lines, as a column (lines, 1)
    so that `weeks` can differ per line). NaN when the average inventory is zero.
    """
    margin, shape = _lift("gross_margin", gross_margin)
    inventory = _stock("average_inventory_cost", average_inventory_cost, margin.shape)
    return _annualise("gmroi", divide(margin, inventory, tolerance=STOCK_NOISE), weeks).reshape(shape)


def stock_to_sales(bop: ArrayLike, sales: ArrayLike) -> Array:
    """BOP / sales, NaN at zero sales. A monthly SSR of 4 implies an annual turn of about 12/4 = 3."""
    opening, shape = _lift("bop", bop)
    check_non_negative("bop", opening)
    return divide(opening, like("sales", sales, opening.shape)).reshape(shape)


# -- KPIs from span components: one definition each (README, "Formulas") ---------------------


def _of(values: ArrayLike) -> Array:
    return np.asarray(values, dtype=np.float64)


def _stock_ratio(numerator: Array, stock: Array) -> Array:
    """numerator / stock, NaN where the stock is zero (to float noise) or negative."""
    result = divide(numerator, stock, tolerance=STOCK_NOISE)
    return np.where(stock > STOCK_NOISE, result, np.nan)


def _per_year(value: Array, weeks: ArrayLike) -> Array:
    """x 52 / weeks, elementwise; NaN where a span has no weeks."""
    span = _of(weeks)
    return value * divide(WEEKS_PER_YEAR, np.where(span > 0, span, 0.0))


def gm_percent_of(gross_margin: ArrayLike, sales: ArrayLike) -> Array:
    """GM% = GM$ / sales. Sales 168.00 with GM 100.80 -> 0.60; NaN at zero sales."""
    return divide(_of(gross_margin), _of(sales))


def markdown_percent(markdowns: ArrayLike, sales: ArrayLike) -> Array:
    """Markdown % = markdowns / sales (both at retail): 10 on 408 -> 0.0245; NaN at zero sales."""
    return divide(_of(markdowns), _of(sales))


def sell_through_of_available(sales: ArrayLike, available: ArrayLike) -> Array:
    """Sell-through of available = sales / (BOP + receipts), `available` being BOP + receipts.

    Over any span: BOP of its first period, receipts summed. Where receipts are not recorded
    (actual stock), available = EOP + sales + markdowns + shrink, the same stock by the stock
    identity. BOP 120, receipts 80, sales 100 -> 0.50. NaN when nothing was available.
    """
    return _stock_ratio(_of(sales), _of(available))


def weeks_of_supply(eop: ArrayLike, sales: ArrayLike, weeks: ArrayLike) -> Array:
    """WOS = EOP / average weekly sales of the window = EOP / (sales / weeks).

    5,000 of stock after 4 weeks selling 4,000 in all: 5.0 weeks. NaN when the window sold
    nothing. A negative EOP (a planned shortfall) gives a negative WOS: the shortfall in weeks.
    """
    return divide(_of(eop), divide(_of(sales), _of(weeks)))


def average_inventory_of(opening: ArrayLike, closing_sum: ArrayLike, closes: ArrayLike) -> Array:
    """(BOP of the first period + the sum of every period's EOP) / (periods + 1).

    BOP 120 and closes 100, 140, 160 (sum 400, 3 closes): 520 / 4 = 130.
    """
    return (_of(opening) + _of(closing_sum)) / (_of(closes) + 1.0)


def turn_of(sales: ArrayLike, average_inventory: ArrayLike, weeks: ArrayLike) -> Array:
    """Turn = span sales / average inventory (both at retail), annualised x 52 / weeks.

    300 over 3 weeks on an average of 130: 300 / 130 x 52 / 3 = 40.0. NaN without stock.
    """
    return _per_year(_stock_ratio(_of(sales), _of(average_inventory)), weeks)


def gmroi_of(gross_margin: ArrayLike, average_inventory_cost: ArrayLike, weeks: ArrayLike) -> Array:
    """GMROI = span GM$ / average inventory at cost, annualised x 52 / weeks.

    GM 320 over 4 weeks on an average cost stock of 90: 320 / 90 x 13 = 46.22. NaN without stock.
    """
    return _per_year(_stock_ratio(_of(gross_margin), _of(average_inventory_cost)), weeks)
