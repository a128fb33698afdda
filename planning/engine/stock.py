"""Stock from KPI targets (DESIGN.md section 5), receipts, OTB and projected stock.

Conventions: periods along the last axis; one line (1-D) or many (2-D) in, the same shape
out; retail $ (or units) as float64. Public functions check their inputs and call the
unchecked kernels (`_...`), which `recompute` uses directly after checking a whole plan once.
"""

from __future__ import annotations

import numpy as np

from planning.engine._arrays import (
    Array,
    ArrayLike,
    check_non_negative,
    check_positive,
    divide,
    drop,
    lift,
    like,
    per_line,
)

EXHAUSTION_RULES = ("wrap", "average", "next_plan")
_CHUNK_LINES = 4096  # bounds the (lines x periods x periods) comparison in the FWOS inverse


def check_exhaustion(exhaustion: str, next_sales: ArrayLike | None) -> None:
    if exhaustion not in EXHAUSTION_RULES:
        raise ValueError(f"exhaustion: unknown rule {exhaustion!r}; use one of {', '.join(EXHAUSTION_RULES)}")
    if exhaustion == "next_plan" and next_sales is None:
        raise ValueError("exhaustion: 'next_plan' needs next_sales (the following plan's weekly sales)")


def next_sales_2d(next_sales: ArrayLike | None, lines: int) -> Array | None:
    """The following plan's sales as (lines, weeks); a 1-D series serves a single line."""
    if next_sales is None:
        return None
    array = np.asarray(next_sales, dtype=np.float64)
    if array.ndim == 1:
        if lines != 1:
            raise ValueError(f"next_sales: give one row per line ({lines}), got a single series")
        array = array[None, :]
    if array.ndim != 2 or array.shape[0] != lines:
        raise ValueError(f"next_sales: expected shape ({lines}, weeks), got {array.shape}")
    checked, _ = lift("next_sales", array)
    check_non_negative("next_sales", checked)
    return checked


class ForwardSales:
    """Cumulative planned sales F(x) from the start of the plan to position x (in weeks, real),
    continued past the horizon by the exhaustion rule. F is piecewise linear and
    non-decreasing, so forward sales over [a, b) are F(b) - F(a) and FWOS inverts it.
    """

    def __init__(self, sales: Array, exhaustion: str, next_sales: Array | None) -> None:
        self.sales = sales
        self.exhaustion = exhaustion
        self.weeks = sales.shape[1]
        self.cumulative = np.concatenate([np.zeros((sales.shape[0], 1)), np.cumsum(sales, axis=1)], axis=1)
        self.total = self.cumulative[:, -1:]
        self.average = self.total / self.weeks
        # The following plan's sales, when the rule uses them and there are any.
        self.next_sales = (
            next_sales if exhaustion == "next_plan" and next_sales is not None and next_sales.size else None
        )
        if self.next_sales is not None:
            self.next_cumulative = np.concatenate(
                [np.zeros((self.next_sales.shape[0], 1)), np.cumsum(self.next_sales, axis=1)], axis=1
            )

    def at(self, x: Array) -> Array:
        """F(x) for x of shape (lines, k), x >= 0."""
        if self.exhaustion == "wrap":
            whole = np.floor(x)
            cycles = np.floor_divide(whole, self.weeks)
            index = (whole - cycles * self.weeks).astype(np.intp)
            wrapped: Array = cycles * self.total + self._within(self.cumulative, self.sales, index, x - whole)
            return wrapped
        inside = x < self.weeks
        whole = np.floor(np.where(inside, x, 0.0))
        result = self._within(self.cumulative, self.sales, whole.astype(np.intp), x - whole)
        beyond = x - self.weeks
        if self.next_sales is not None:
            extra = self._next_plan(self.next_sales, beyond)
        else:
            extra = beyond * self.average
        return np.where(inside, result, self.total + extra)

    def _next_plan(self, next_sales: Array, beyond: Array) -> Array:
        span = next_sales.shape[1]
        inside = beyond < span
        clipped = np.where(inside & (beyond > 0), beyond, 0.0)
        whole = np.floor(clipped)
        within = self._within(self.next_cumulative, next_sales, whole.astype(np.intp), clipped - whole)
        after = self.next_cumulative[:, -1:] + (beyond - span) * self.average
        return np.where(inside, within, after)

    @staticmethod
    def _within(cumulative: Array, sales: Array, index: np.ndarray, fraction: Array) -> Array:
        value = take_rows(cumulative, index)
        value += fraction * take_rows(sales, np.minimum(index, sales.shape[1] - 1))
        return value

    def position_of(self, target: Array) -> Array:
        """Smallest x with F(x) >= target (the inverse of `at`); NaN where sales never get there."""
        total = self.total
        if self.exhaustion == "wrap":
            cycles = np.floor(divide(target, total))
            remainder = target - np.nan_to_num(cycles) * total
            x = np.nan_to_num(cycles) * self.weeks + _smallest_reaching(
                self.cumulative, self.sales, remainder
            )
            return np.where(total > 0, x, np.where(target <= 0, 0.0, np.nan))
        inside = _smallest_reaching(self.cumulative, self.sales, np.minimum(target, total))
        beyond = target - total
        if self.next_sales is not None:
            next_total = self.next_cumulative[:, -1:]
            in_next = _smallest_reaching(
                self.next_cumulative, self.next_sales, np.minimum(beyond, next_total)
            )
            after = self.next_sales.shape[1] + divide(beyond - next_total, self.average)
            extra = np.where(beyond <= next_total, in_next, after)
        else:
            extra = divide(beyond, self.average)
        return np.where(target <= total, inside, self.weeks + extra)


def take_rows(matrix: Array, index: np.ndarray) -> Array:
    """matrix[i, index[i, j]] for every (i, j): `take_along_axis` through a flat view, which
    spares numpy building a broadcast index per axis (the hot spot of a 100,000-line plan)."""
    offsets = np.arange(matrix.shape[0], dtype=np.intp)[:, None] * matrix.shape[1]
    flat: Array = np.take(matrix.ravel(), index + offsets)
    return flat


def _smallest_reaching(cumulative: Array, sales: Array, remainder: Array) -> Array:
    """Within one horizon: smallest y in [0, T] with cum[floor y] + frac * sales >= remainder."""
    result = np.empty_like(remainder)
    for start in range(0, remainder.shape[0], _CHUNK_LINES):
        rows = slice(start, start + _CHUNK_LINES)
        cum, need = cumulative[rows], remainder[rows]
        # How many cumulative points lie strictly below the need (a vectorised searchsorted).
        count = (cum[:, None, :] < need[:, :, None]).sum(axis=2)
        before = np.maximum(count - 1, 0)
        base = take_rows(cum, before)
        week_sales = take_rows(sales[rows], np.minimum(before, sales.shape[1] - 1))
        fraction = divide(need - base, week_sales)
        result[rows] = np.where(count == 0, 0.0, before + np.nan_to_num(fraction))
    return result


def _eop_from_fwos(sales: Array, fwos: Array, exhaustion: str, next_sales: Array | None) -> Array:
    if exhaustion == "wrap":
        return _eop_from_fwos_wrap(sales, fwos)
    forward = ForwardSales(sales, exhaustion, next_sales)
    start = np.arange(1, sales.shape[1] + 1, dtype=np.float64)[None, :]
    # F at whole positions 1..T is the cumulative sum itself: no need to evaluate it.
    eop: Array = forward.at(start + fwos) - forward.cumulative[:, 1:]
    return eop


def _eop_from_fwos_wrap(sales: Array, fwos: Array) -> Array:
    """The hot path (wrap, the default rule) in integer index arithmetic:
    EOP[t] = F(t + 1 + fwos) - F(t + 1), F(x) = cycles x total + cum[x mod T] + frac x sales."""
    lines, weeks = sales.shape
    inclusive = np.cumsum(sales, axis=1)
    exclusive = inclusive - sales  # sales before each week: the same layout as `sales`
    whole = np.floor(fwos)
    fraction = fwos - whole
    position = whole.astype(np.intp) + np.arange(1, weeks + 1, dtype=np.intp)
    cycles, index = np.divmod(position, weeks)
    flat = index + np.arange(lines, dtype=np.intp)[:, None] * weeks
    eop: Array = cycles * inclusive[:, -1:]
    eop += np.take(exclusive.ravel(), flat)
    eop += fraction * np.take(sales.ravel(), flat)
    eop -= inclusive
    return eop


def _fwos_from_eop(sales: Array, eop: Array, exhaustion: str, next_sales: Array | None) -> Array:
    forward = ForwardSales(sales, exhaustion, next_sales)
    start = np.arange(1, sales.shape[1] + 1, dtype=np.float64)[None, :]
    position = forward.position_of(forward.cumulative[:, 1:] + eop)
    return np.where(eop > 0, np.maximum(position - start, 0.0), 0.0)


def eop_from_fwos(
    sales: ArrayLike, fwos: ArrayLike, *, exhaustion: str = "wrap", next_sales: ArrayLike | None = None
) -> Array:
    """EOP[t] = planned sales of the FWOS[t] weeks after t, a fraction of the last one counted.

    Past the horizon: `wrap` continues from the plan's first week (repeatedly), `average`
    uses the plan's average weekly sales, `next_plan` the following plan's sales and then
    the average. Worked example (DESIGN.md): sales [100, 80, 120, 90], FWOS [2, 1.5, 2.5, 1]
    with wrap give EOP [200, 165, 230, 100].
    """
    check_exhaustion(exhaustion, next_sales)
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    fwos_2d = like("fwos", fwos, sales_2d.shape)
    check_non_negative("fwos", fwos_2d)
    return drop(
        _eop_from_fwos(sales_2d, fwos_2d, exhaustion, next_sales_2d(next_sales, len(sales_2d))), was_1d
    )


def fwos_from_eop(
    sales: ArrayLike, eop: ArrayLike, *, exhaustion: str = "wrap", next_sales: ArrayLike | None = None
) -> Array:
    """Forward weeks an EOP covers: weeks counted forward until the stock is used up, with the
    fraction of the last. NaN where forward sales never use it up (all zero ahead)."""
    check_exhaustion(exhaustion, next_sales)
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    eop_2d = like("eop", eop, sales_2d.shape)
    check_non_negative("eop", eop_2d)
    return drop(
        _fwos_from_eop(sales_2d, eop_2d, exhaustion, next_sales_2d(next_sales, len(sales_2d))), was_1d
    )


def wos(eop: ArrayLike, sales: ArrayLike) -> Array:
    """Weeks of supply, backward-looking: EOP over the average weekly sales of the period.

    `sales` carries the period's weeks on its last axis (one more axis than `eop`); when the
    shapes are equal every period is one week. NaN where the period sold nothing.
    """
    eop_array = np.asarray(eop, dtype=np.float64)
    sales_array = np.asarray(sales, dtype=np.float64)
    for name, array in (("eop", eop_array), ("sales", sales_array)):
        lifted, _ = lift(name, np.atleast_1d(array).reshape(1, -1))
        check_non_negative(name, lifted)
    weekly = sales_array.mean(axis=-1) if sales_array.ndim == eop_array.ndim + 1 else sales_array
    return divide(eop_array, weekly)


def bop_from_ssr(sales: ArrayLike, ssr: ArrayLike) -> Array:
    """Stock-to-sales: BOP[p] = SSR[p] x sales[p]."""
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    ssr_2d = like("ssr", ssr, sales_2d.shape)
    check_non_negative("ssr", ssr_2d)
    return drop(ssr_2d * sales_2d, was_1d)


def bop_from_sell_through(sales: ArrayLike, sell_through: ArrayLike) -> Array:
    """Sell-through %: BOP[p] = sales[p] / ST[p], ST in (0, 1]."""
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    st = like("sell_through", sell_through, sales_2d.shape)
    check_sell_through(st)
    return drop(sales_2d / st, was_1d)


def check_sell_through(st: Array) -> None:
    check_positive("sell_through", st)
    check_non_negative("sell_through above 100%", 1.0 - st)


def _bop_from_turn(sales: Array, turn: Array) -> Array:
    average_stock = sales.sum(axis=1, keepdims=True) / turn
    return np.broadcast_to(average_stock, sales.shape).copy()


def _bop_from_basic_stock(sales: Array, turn: Array) -> Array:
    basic = sales.sum(axis=1, keepdims=True) / turn - sales.mean(axis=1, keepdims=True)
    bop: Array = sales + basic
    return bop


def bop_from_turn(sales: ArrayLike, turn: ArrayLike) -> Array:
    """Turn: every period opens with the span's average stock = span sales / turn (flat).

    `turn` is the turn over the span the periods cover (not annualised), one per line.
    """
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    turn_2d = per_line("turn", turn, len(sales_2d))
    check_positive("turn", turn_2d[:, 0])
    return drop(_bop_from_turn(sales_2d, turn_2d), was_1d)


def bop_from_basic_stock(sales: ArrayLike, turn: ArrayLike) -> Array:
    """Basic stock: BOP[p] = sales[p] + (span sales / turn - average period sales).

    Example (DESIGN.md): 600,000 over 6 months at turn 2: basic 200,000; a 130,000 month
    opens with 330,000. A turn so high that a BOP would go negative is refused.
    """
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    turn_2d = per_line("turn", turn, len(sales_2d))
    check_positive("turn", turn_2d[:, 0])
    bop = _bop_from_basic_stock(sales_2d, turn_2d)
    check_non_negative("bop from basic stock (turn too high for this sales shape)", bop)
    return drop(bop, was_1d)


def _eop_from_bop(bop: Array, closing: Array | None, exhaustion: str) -> Array:
    eop = np.empty_like(bop)
    eop[:, :-1] = bop[:, 1:]
    if closing is not None:
        eop[:, -1:] = closing
    elif exhaustion == "average":
        eop[:, -1] = bop.mean(axis=1)
    else:
        eop[:, -1] = bop[:, 0]
    return eop


def eop_from_bop(bop: ArrayLike, *, closing: ArrayLike | None = None, exhaustion: str = "wrap") -> Array:
    """EOP[p] = BOP[p+1]. The last period takes `closing` (an entered closing stock, or the next
    plan's first BOP); without it, `wrap` uses the first BOP and `average` the average BOP."""
    bop_2d, was_1d = lift("bop", bop)
    check_non_negative("bop", bop_2d)
    if exhaustion == "next_plan" and closing is None:
        raise ValueError("closing: 'next_plan' needs the next plan's opening stock as `closing`")
    if exhaustion not in EXHAUSTION_RULES:
        raise ValueError(f"exhaustion: unknown rule {exhaustion!r}; use one of {', '.join(EXHAUSTION_RULES)}")
    closing_2d = None if closing is None else per_line("closing", closing, len(bop_2d))
    if closing_2d is not None:
        check_non_negative("closing", closing_2d[:, 0])
    return drop(_eop_from_bop(bop_2d, closing_2d, exhaustion), was_1d)


def receipts(
    bop: ArrayLike, eop: ArrayLike, sales: ArrayLike, markdowns: ArrayLike = 0, shrink: ArrayLike = 0
) -> Array:
    """Receipts that make the stock identity hold: EOP - BOP + sales + markdowns + shrink."""
    eop_2d, was_1d = lift("eop", eop)
    shape = eop_2d.shape
    flows = [
        like(name, value, shape)
        for name, value in (("sales", sales), ("markdowns", markdowns), ("shrink", shrink))
    ]
    return drop(eop_2d - like("bop", bop, shape) + flows[0] + flows[1] + flows[2], was_1d)


def otb(planned_receipts: ArrayLike, on_order: ArrayLike, received: ArrayLike = 0.0) -> Array:
    """Open-to-buy = planned receipts - received - on order (negative: over-bought)."""
    receipts_2d, was_1d = lift("receipts", planned_receipts)
    shape = receipts_2d.shape
    return drop(receipts_2d - like("received", received, shape) - like("on_order", on_order, shape), was_1d)


def _project_stock(opening: Array, net: Array) -> tuple[Array, Array]:
    eop = opening + np.cumsum(net, axis=1)
    bop = np.concatenate([opening, eop[:, :-1]], axis=1)
    return bop, eop


def project_stock(
    opening: ArrayLike,
    planned_receipts: ArrayLike,
    sales: ArrayLike,
    markdowns: ArrayLike = 0,
    shrink: ArrayLike = 0,
) -> tuple[Array, Array]:
    """(BOP, EOP) when receipts are entered instead of a stock target. A negative EOP is kept:
    it is the projected shortfall the grid flags, not an input error."""
    receipts_2d, was_1d = lift("receipts", planned_receipts)
    shape = receipts_2d.shape
    opening_2d = per_line("opening", opening, shape[0])
    net = (
        receipts_2d
        - like("sales", sales, shape)
        - like("markdowns", markdowns, shape)
        - like("shrink", shrink, shape)
    )
    bop, eop = _project_stock(opening_2d, net)
    return drop(bop, was_1d), drop(eop, was_1d)
