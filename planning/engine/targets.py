"""The inverse of DESIGN.md section 5: the KPI targets under which a stock-planning method
reproduces a given stock plan.

When a planner switches a line's method (FWOS to stock-to-sales, say), the line's current EOP
is turned into the new method's targets, so that recomputing gives the same stock instead of
reading an FWOS of 47.7 as an SSR of 47.7. FWOS, WOS, SSR, sell-through and entered receipts
have a target per period and reproduce any EOP they can hold (an SSR cannot hold stock in a
week that sells nothing; a sell-through cannot open a week with less than it sells). Turn and
basic stock have one turn per line: the turn chosen keeps the span's average EOP (so the
average inventory and the span's turn stay as they were), and the shape flattens.

Same conventions as `stock`: one line (1-D) or many (2-D), periods on the last axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planning.engine._arrays import (
    Array,
    ArrayLike,
    check_non_negative,
    divide,
    drop,
    lift,
    like,
    per_line,
)
from planning.engine.stock import EXHAUSTION_RULES, _fwos_from_eop, check_exhaustion, next_sales_2d

SWITCHABLE = ("fwos", "wos", "ssr", "sell_through", "turn", "basic_stock", "receipts")


@dataclass(frozen=True)
class MethodTargets:
    """What a line of the method enters to reproduce a stock plan, 2-D (lines, periods) and
    (lines,). Inputs the method does not use are NaN."""

    method: str
    targets: Array  # FWOS, WOS, SSR or sell-through per period
    turn: Array  # the span turn of turn and basic-stock lines
    receipts: Array  # entered receipts of receipts lines


def _stock_2d(sales: ArrayLike, eop: ArrayLike) -> tuple[Array, Array, bool]:
    sales_2d, was_1d = lift("sales", sales)
    check_non_negative("sales", sales_2d)
    eop_2d = like("eop", eop, sales_2d.shape)
    return sales_2d, eop_2d, was_1d


def _check_rule(exhaustion: str) -> None:
    """The BOP methods close the last period by the rule (or an entered closing stock); they
    need no next plan's sales, so `next_plan` without them closes as `wrap` (as `recompute`)."""
    if exhaustion not in EXHAUSTION_RULES:
        raise ValueError(f"exhaustion: unknown rule {exhaustion!r}; use one of {', '.join(EXHAUSTION_RULES)}")


def _closing_2d(closing: ArrayLike | None, lines: int) -> Array | None:
    if closing is None:
        return None
    closing_2d = per_line("closing", closing, lines)
    check_non_negative("closing", closing_2d[:, 0])
    return closing_2d


def _target_bop(eop: Array, exhaustion: str, closing: Array | None) -> Array:
    """The target BOPs that `stock._eop_from_bop` turns into `eop`: BOP[p] = EOP[p-1] from the
    second period on; the first period's target BOP only closes the last period (`wrap` takes
    it as the last EOP, `average` the mean of all target BOPs). With an entered closing stock it
    closes nothing: it repeats the last EOP, a neutral value. Negative where `average` cannot
    reach the last EOP (the caller clips)."""
    bop = np.empty_like(eop)
    bop[:, 1:] = eop[:, :-1]
    periods = eop.shape[1]
    if closing is None and exhaustion == "average":
        bop[:, 0] = periods * eop[:, -1] - eop[:, :-1].sum(axis=1)
    else:
        bop[:, 0] = eop[:, -1]
    return bop


def _wos(sales: Array, eop: Array, weeks_per_period: float) -> Array:
    return np.nan_to_num(divide(eop, sales, scale=weeks_per_period))


def _ssr(sales: Array, eop: Array, exhaustion: str, closing: Array | None) -> Array:
    # At least zero: where `average` cannot reach the last EOP the first period plans none.
    return np.maximum(np.nan_to_num(divide(_target_bop(eop, exhaustion, closing), sales)), 0.0)


def _sell_through(sales: Array, eop: Array, exhaustion: str, closing: Array | None) -> Array:
    bop = _target_bop(eop, exhaustion, closing)
    # A week that sells nothing opens with nothing whatever its target; one that would open
    # with less than it sells (or nothing) gets 100%, the least stock sell-through can plan.
    st = divide(sales, bop)
    return np.where((sales > 0) & (bop > sales), st, 1.0)


def _span_turn(method: str, sales: Array, eop: Array, exhaustion: str, closing: Array | None) -> Array:
    """The span turn whose EOPs have the same average as `eop`.

    Both span methods give EOP[p] = a[p] + b[p] x X with X = span sales / turn (the average
    target BOP) and b in {0, 1} (0 where an entered closing stock sets the last EOP): the X
    keeping the sum of EOP is (sum(eop) - sum(a)) / sum(b). Basic stock also needs every target
    BOP (sales[p] + X - average sales) to be at least zero, so X is at least average - least.
    """
    lines = sales.shape[0]
    span = sales.sum(axis=1)
    offset = np.zeros_like(sales)  # a
    weight = np.ones_like(sales)  # b
    if method == "basic_stock":
        shape = sales - sales.mean(axis=1, keepdims=True)  # target BOP = shape + X
        offset[:, :-1] = shape[:, 1:]
        offset[:, -1] = 0.0 if exhaustion == "average" else shape[:, 0]
    if closing is not None:
        offset[:, -1], weight[:, -1] = closing[:, 0], 0.0
    covered = weight.sum(axis=1)
    average = divide((eop - offset).sum(axis=1), covered)
    if method == "basic_stock":
        least = sales.mean(axis=1) - sales.min(axis=1)
        average = np.maximum(np.nan_to_num(average, nan=least), least)
    # Turn = span sales / average stock; undefined (NaN) without sales or without stock.
    turn: Array = np.where(span > 0, divide(span, average), np.nan)
    return turn.reshape(lines)


def _receipts(sales: Array, eop: Array, opening: Array, markdowns: Array, shrink: Array) -> Array:
    bop = np.concatenate([opening, eop[:, :-1]], axis=1)
    entered: Array = eop - bop + sales + markdowns + shrink
    return entered


def wos_from_eop(sales: ArrayLike, eop: ArrayLike, *, weeks_per_period: float = 1.0) -> Array:
    """WOS targets giving `eop`: EOP x weeks per period / sales (0 where a period sells nothing:
    no WOS holds stock there). Example: a 4-week month selling 160 ending with 100: WOS 2.5."""
    sales_2d, eop_2d, was_1d = _stock_2d(sales, eop)
    return drop(_wos(sales_2d, np.maximum(eop_2d, 0.0), weeks_per_period), was_1d)


def ssr_from_eop(
    sales: ArrayLike, eop: ArrayLike, *, exhaustion: str = "wrap", closing: ArrayLike | None = None
) -> Array:
    """SSR targets giving `eop` (BOP[p] = SSR[p] x sales[p] and EOP[p] = BOP[p+1]):
    SSR[p] = EOP[p-1] / sales[p]; the first period's SSR closes the last one. Example: sales
    [100, 80, 120, 90], EOP [200, 165, 230, 100] with wrap: SSR [1, 2.5, 1.375, 2.5556]."""
    sales_2d, eop_2d, was_1d = _stock_2d(sales, eop)
    _check_rule(exhaustion)
    closing_2d = _closing_2d(closing, len(sales_2d))
    return drop(_ssr(sales_2d, np.maximum(eop_2d, 0.0), exhaustion, closing_2d), was_1d)


def sell_through_from_eop(
    sales: ArrayLike, eop: ArrayLike, *, exhaustion: str = "wrap", closing: ArrayLike | None = None
) -> Array:
    """Sell-through targets giving `eop` (BOP[p] = sales[p] / ST[p]): ST[p] = sales[p] / EOP[p-1],
    at most 100%. Example: sales [100, 80, 120, 90], EOP [200, 165, 230, 100] with wrap:
    ST [1, 0.4, 0.7273, 0.3913] (the first is 100 / 100)."""
    sales_2d, eop_2d, was_1d = _stock_2d(sales, eop)
    _check_rule(exhaustion)
    closing_2d = _closing_2d(closing, len(sales_2d))
    return drop(_sell_through(sales_2d, np.maximum(eop_2d, 0.0), exhaustion, closing_2d), was_1d)


def turn_from_eop(
    sales: ArrayLike,
    eop: ArrayLike,
    *,
    method: str = "turn",
    exhaustion: str = "wrap",
    closing: ArrayLike | None = None,
) -> Array:
    """The span turn (one per line) of a `turn` or `basic_stock` line that keeps the average EOP
    of `eop`. Example: sales [100, 80, 120, 90] (390), EOP [200, 165, 230, 100] (average 173.75):
    turn 390 / 173.75 = 2.2446 (every EOP then 173.75). NaN without sales or without stock."""
    if method not in ("turn", "basic_stock"):
        raise ValueError(f"method: {method!r} has no span turn; use 'turn' or 'basic_stock'")
    sales_2d, eop_2d, was_1d = _stock_2d(sales, eop)
    _check_rule(exhaustion)
    closing_2d = _closing_2d(closing, len(sales_2d))
    turn = _span_turn(method, sales_2d, np.maximum(eop_2d, 0.0), exhaustion, closing_2d)
    return turn[0:1] if was_1d else turn


def targets_for_eop(
    method: str,
    sales: ArrayLike,
    eop: ArrayLike,
    *,
    opening: ArrayLike = 0.0,
    markdowns: ArrayLike = 0.0,
    shrink: ArrayLike = 0.0,
    exhaustion: str = "wrap",
    next_sales: ArrayLike | None = None,
    closing: ArrayLike | None = None,
    weeks_per_period: float = 1.0,
) -> MethodTargets:
    """The inputs of a `method` line that reproduce the stock plan `eop` (as closely as the
    method can: see the module docstring), with the same keywords as `recompute.PlanInputs`.

    A negative EOP (a shortfall projected from entered receipts) is planned as zero by the
    stock methods; entered receipts reproduce it.
    """
    if method not in SWITCHABLE:
        raise ValueError(f"method: unknown method {method!r}; use one of {', '.join(SWITCHABLE)}")
    check_exhaustion(exhaustion, next_sales)
    sales_2d, eop_2d, _ = _stock_2d(sales, eop)
    lines = len(sales_2d)
    closing_2d = _closing_2d(closing, lines)
    stock = np.maximum(eop_2d, 0.0)
    targets = np.full_like(sales_2d, np.nan)
    turn = np.full(lines, np.nan)
    entered = np.full_like(sales_2d, np.nan)
    if method == "fwos":
        fwos = _fwos_from_eop(sales_2d, stock, exhaustion, next_sales_2d(next_sales, lines))
        targets = np.nan_to_num(fwos)  # no forward sales: no FWOS holds stock
    elif method == "wos":
        targets = _wos(sales_2d, stock, weeks_per_period)
    elif method == "ssr":
        targets = _ssr(sales_2d, stock, exhaustion, closing_2d)
    elif method == "sell_through":
        targets = _sell_through(sales_2d, stock, exhaustion, closing_2d)
    elif method in ("turn", "basic_stock"):
        turn = _span_turn(method, sales_2d, stock, exhaustion, closing_2d)
    else:
        opening_2d = per_line("opening", opening, lines)
        flows = [
            like(name, value, sales_2d.shape)
            for name, value in (("markdowns", markdowns), ("shrink", shrink))
        ]
        entered = _receipts(sales_2d, eop_2d, opening_2d, flows[0], flows[1])
    return MethodTargets(method, targets, turn, entered)
