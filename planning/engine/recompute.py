"""One call from a plan's entered inputs to every derived measure, lines of any method mixed.

The grid request (one line), the Celery recompute (a whole plan), the API and the
benchmarks all call `recompute`. It checks the whole plan once, then runs the unchecked
kernels of `stock` per method group, vectorised over that group's lines.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from planning.engine._arrays import (
    Array,
    ArrayLike,
    check_non_negative,
    check_positive,
    lift,
    like,
    per_line,
)
from planning.engine.kpis import (
    average_inventory_of,
    gm_percent_of,
    gmroi_of,
    sell_through_of_available,
    turn_of,
    weeks_of_supply,
)
from planning.engine.stock import (
    _bop_from_basic_stock,
    _bop_from_turn,
    _eop_from_bop,
    _eop_from_fwos,
    _fwos_from_eop,
    _project_stock,
    check_exhaustion,
    check_sell_through,
    next_sales_2d,
)

# The six ways to plan stock from a KPI target (DESIGN.md section 5), and receipts entered.
METHODS = ("fwos", "wos", "ssr", "sell_through", "turn", "basic_stock", "receipts")
PERIOD_TARGET_METHODS = ("fwos", "wos", "ssr", "sell_through")  # a target per period
SPAN_TURN_METHODS = ("turn", "basic_stock")  # one turn per line for the whole span
BOP_METHODS = ("ssr", "sell_through", "turn", "basic_stock")  # targets set BOP, so EOP[p] = BOP[p+1]


@dataclass(frozen=True)
class PlanInputs:
    """A plan's entered values for N lines x T periods (retail $ unless noted).

    `targets` holds each period's KPI for fwos/wos/ssr/sell_through lines; `turn` the span
    turn for turn/basic_stock lines; `receipts` the entered receipts for `receipts` lines.
    `closing` (optional, per line) closes BOP-method lines; `cost_complement` (1 - IMU%,
    per line) turns retail into cost for GM and GMROI, which are NaN without it.

    In season (DESIGN.md section 11) the first `closed_weeks` periods are closed: their sales,
    markdowns and shrink are this year's actuals and `actual_eop` (lines x periods, read on the
    closed periods only) their actual closing stock. Closed periods keep that stock, their
    receipts are the ones it implies (the actual receipts) and they have no OTB; the first open
    period opens on the last closed period's actual EOP and the targets derive the rest.
    """

    sales: ArrayLike
    method: ArrayLike | list[str]
    targets: ArrayLike | None = None
    turn: ArrayLike | None = None
    receipts: ArrayLike | None = None
    markdowns: ArrayLike = 0.0
    shrink: ArrayLike = 0.0
    on_order: ArrayLike = 0.0
    # What was received against each period (open: purchase-order receipts; closed: the actual
    # receipts): bought already, so the OTB leaves it out. May be negative (returns to vendor).
    received: ArrayLike = 0.0
    opening: ArrayLike = 0.0
    exhaustion: str = "wrap"
    next_sales: ArrayLike | None = None
    closing: ArrayLike | None = None
    cost_complement: ArrayLike | None = None
    weeks_per_period: float = 1.0
    closed_weeks: int = 0
    actual_eop: ArrayLike | None = None


@dataclass(frozen=True)
class PlanOutputs:
    """Every measure as (lines, periods) float64; ratios are NaN where undefined."""

    sales: Array
    markdowns: Array
    shrink: Array
    on_order: Array
    received: Array
    bop: Array
    eop: Array
    receipts: Array
    otb: Array
    wos: Array
    fwos: Array
    turn: Array  # annualised, per period
    sell_through: Array  # of available: sales / (BOP + receipts)
    cogs: Array
    gross_margin: Array
    gm_percent: Array
    gmroi: Array  # annualised, per period

    def measures(self) -> dict[str, Array]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class CheckedPlan:
    """A plan's inputs after `check_plan`: all 2-D (lines, periods) or (lines, 1)."""

    sales: Array
    markdowns: Array
    shrink: Array
    on_order: Array
    opening: Array
    method: npt.NDArray[np.str_]
    targets: Array
    turn: Array
    receipts: Array
    next_sales: Array | None
    closing: Array | None
    cost_complement: Array
    closed_weeks: int = 0
    actual_eop: Array | None = None  # (lines, closed_weeks): the closed periods' actual EOP
    received: Array | float = 0.0

    def line(self, index: int) -> CheckedPlan:
        """The same plan restricted to one line (keeps 2-D shapes)."""
        lines = self.sales.shape[0]
        if not 0 <= index < lines:
            raise ValueError(f"line: {index} is not a line of this plan (0..{lines - 1})")
        rows = slice(index, index + 1)
        arrays: dict[str, Any] = {
            field.name: value[rows]
            for field in fields(self)
            if isinstance(value := getattr(self, field.name), np.ndarray)
        }
        return replace(self, **arrays)


def _check(inputs: PlanInputs) -> CheckedPlan:
    sales, _ = lift("sales", inputs.sales)
    lines, periods = sales.shape
    if periods == 0:
        raise ValueError("sales: the plan has no periods")
    method = np.asarray(inputs.method, dtype=str).reshape(-1)
    if method.size == 1 and lines > 1:
        method = np.repeat(method, lines)
    if method.shape != (lines,):
        raise ValueError(f"method: expected one method per line ({lines}), got {method.size}")
    unknown = ~np.isin(method, METHODS)
    if unknown.any():
        line = int(np.argmax(unknown))
        raise ValueError(
            f"method: line {line} has unknown method {str(method[line])!r}; use one of {', '.join(METHODS)}"
        )
    check_exhaustion(inputs.exhaustion, inputs.next_sales)
    check_positive("weeks_per_period", np.array([[inputs.weeks_per_period]], dtype=np.float64))
    checked = {
        name: like(name, getattr(inputs, name), sales.shape) for name in ("markdowns", "shrink", "on_order")
    }
    for name, array in {"sales": sales, **checked}.items():
        check_non_negative(name, array)
    opening = per_line("opening", inputs.opening, lines)
    check_non_negative("opening", opening[:, 0])
    targets = _targets(inputs, method, sales.shape)
    turn = _span_turn(inputs, method, lines)
    entered = _entered_receipts(inputs, method, sales.shape)
    closing = None if inputs.closing is None else per_line("closing", inputs.closing, lines)
    if closing is not None:
        check_non_negative("closing", closing[:, 0])
    complement = (
        np.full((lines, 1), np.nan)
        if inputs.cost_complement is None
        else per_line("cost_complement", inputs.cost_complement, lines)
    )
    check_non_negative("cost_complement", np.nan_to_num(complement[:, 0]))
    closed, actual_eop = _closed(inputs, sales.shape)
    received = like("received", inputs.received, sales.shape)
    return CheckedPlan(
        sales, checked["markdowns"], checked["shrink"], checked["on_order"], opening, method, targets, turn,
        entered, next_sales_2d(inputs.next_sales, lines), closing, complement, closed, actual_eop, received,
    )  # fmt: skip


def _closed(inputs: PlanInputs, shape: tuple[int, int]) -> tuple[int, Array | None]:
    closed = int(inputs.closed_weeks)
    if not 0 <= closed <= shape[1]:
        raise ValueError(f"closed_weeks: {closed} is not between 0 and the plan's {shape[1]} periods")
    if closed == 0:
        return 0, None
    if inputs.actual_eop is None:
        raise ValueError(f"actual_eop: {closed} closed weeks need their actual closing stock")
    actual = like("actual_eop", inputs.actual_eop, shape)[:, :closed]
    check_non_negative("actual_eop", actual)
    return closed, np.ascontiguousarray(actual)


def _targets(inputs: PlanInputs, method: npt.NDArray[np.str_], shape: tuple[int, int]) -> Array:
    uses = np.isin(method, PERIOD_TARGET_METHODS)
    if not uses.any():
        return np.zeros(shape)
    if inputs.targets is None:
        raise ValueError(f"targets: line {int(np.argmax(uses))} ({method[uses][0]}) needs KPI targets")
    targets = like("targets", inputs.targets, shape)
    rows = uses[:, None]
    check_non_negative("targets (fwos, wos, ssr)", np.where(rows, targets, 0.0))
    sell_through = (method == "sell_through")[:, None]
    if sell_through.any():
        check_sell_through(np.where(sell_through, targets, 1.0))
    return targets


def _span_turn(inputs: PlanInputs, method: npt.NDArray[np.str_], lines: int) -> Array:
    uses = np.isin(method, SPAN_TURN_METHODS)
    if not uses.any():
        return np.ones((lines, 1))
    if inputs.turn is None:
        raise ValueError(f"turn: line {int(np.argmax(uses))} ({method[uses][0]}) needs a turn target")
    turn = per_line("turn", inputs.turn, lines)
    check_positive("turn", np.where(uses, turn[:, 0], 1.0))
    return turn


def _entered_receipts(inputs: PlanInputs, method: npt.NDArray[np.str_], shape: tuple[int, int]) -> Array:
    uses = method == "receipts"
    if not uses.any():
        return np.zeros(shape)
    if inputs.receipts is None:
        raise ValueError(f"receipts: line {int(np.argmax(uses))} plans by receipts but none were entered")
    # Negative entered receipts are returns to vendors or transfers out: legal, only finite.
    return like("receipts", inputs.receipts, shape)


def _stock(plan: CheckedPlan, exhaustion: str, weeks_per_period: float) -> tuple[Array, Array, Array]:
    """(BOP, EOP, FWOS) for every line, computed per method group."""
    sales, opening = plan.sales, plan.opening
    eop = np.empty_like(sales)
    bop = np.empty_like(sales)
    fwos = np.empty_like(sales)
    leaving = sales + plan.markdowns + plan.shrink
    methods = np.unique(plan.method)
    for method in methods:
        # A plan of one method (the usual case) is a slice: no copies of its arrays.
        rows: slice | np.ndarray = slice(None) if len(methods) == 1 else np.flatnonzero(plan.method == method)
        group_sales = sales[rows]
        next_sales = None if plan.next_sales is None else plan.next_sales[rows]
        if method == "receipts":
            group_bop, group_eop = _project_stock(opening[rows], plan.receipts[rows] - leaving[rows])
        else:
            if method == "fwos":
                group_eop = _eop_from_fwos(group_sales, plan.targets[rows], exhaustion, next_sales)
            elif method == "wos":
                group_eop = plan.targets[rows] * group_sales / weeks_per_period
            else:
                target_bop = _target_bop(method, group_sales, plan.targets[rows], plan.turn[rows])
                closing = None if plan.closing is None else plan.closing[rows]
                group_eop = _eop_from_bop(target_bop, closing, exhaustion)
            group_bop = np.concatenate([opening[rows], group_eop[:, :-1]], axis=1)
        if plan.closed_weeks:
            group_bop, group_eop = _with_actuals(plan, rows, method, group_eop, leaving[rows])
        eop[rows], bop[rows] = group_eop, group_bop
        # FWOS is the input for FWOS lines (exactly); others get it from their EOP.
        fwos[rows] = (
            plan.targets[rows]
            if method == "fwos"
            else _fwos_from_eop(group_sales, np.maximum(group_eop, 0.0), exhaustion, next_sales)
        )
        if plan.closed_weeks and method == "fwos":  # a closed week's FWOS is what its stock covers
            covered = _fwos_from_eop(group_sales, group_eop, exhaustion, next_sales)
            fwos[rows, : plan.closed_weeks] = covered[:, : plan.closed_weeks]
    return bop, eop, fwos


def _with_actuals(
    plan: CheckedPlan, rows: slice | np.ndarray, method: str, eop: Array, leaving: Array
) -> tuple[Array, Array]:
    """(BOP, EOP) of a method group in season: closed periods at their actual EOP, the first open
    period opening on the last of them. Targets' EOPs do not depend on the BOP (FWOS, WOS) or set
    the next period's BOP (SSR, sell-through, turn): they stand; entered receipts move the stock
    on from the actual one."""
    closed, actual = plan.closed_weeks, np.asarray(plan.actual_eop)[rows]  # checked with closed_weeks
    eop = eop.copy()
    eop[:, :closed] = actual
    if method == "receipts":
        net = plan.receipts[rows][:, closed:] - leaving[:, closed:]
        eop[:, closed:] = actual[:, -1:] + np.cumsum(net, axis=1)
    bop = np.concatenate([plan.opening[rows], eop[:, :-1]], axis=1)
    return bop, eop


def _target_bop(method: str, sales: Array, targets: Array, turn: Array) -> Array:
    if method == "ssr":
        return targets * sales
    if method == "sell_through":
        return sales / targets
    if method == "turn":
        return _bop_from_turn(sales, turn)
    bop = _bop_from_basic_stock(sales, turn)
    check_non_negative("bop from basic stock (turn too high for this sales shape)", bop)
    return bop


def _open_to_buy(receipts: Array, received: Array | float, on_order: Array, closed: int) -> Array:
    """Planned receipts less what was received and what is on order; a closed week received
    what it received: nothing is left to buy in it."""
    otb = receipts - received
    otb -= on_order
    otb[:, :closed] = 0.0
    return otb


def recompute(inputs: PlanInputs) -> PlanOutputs:
    """Derive BOP, EOP, receipts, OTB, WOS, FWOS, turn, sell-through, GM and GMROI."""
    return derive(check_plan(inputs), inputs.exhaustion, inputs.weeks_per_period)


def check_plan(inputs: PlanInputs) -> CheckedPlan:
    """Validate a whole plan once; errors name the measure, line and period."""
    return _check(inputs)


def derive(plan: CheckedPlan, exhaustion: str, weeks_per_period: float) -> PlanOutputs:
    bop, eop, fwos = _stock(plan, exhaustion, weeks_per_period)
    sales, markdowns, shrink = plan.sales, plan.markdowns, plan.shrink
    # In-place arithmetic: on a 100,000-line plan every temporary costs 40 MB of traffic.
    leaving = sales + markdowns
    leaving += shrink
    planned_receipts = eop - bop
    planned_receipts += leaving
    # A period's average stock is its BOP and EOP averaged: the span rule with one close.
    average_stock = average_inventory_of(bop, eop, 1.0)
    available = bop + planned_receipts
    cogs = leaving
    cogs *= plan.cost_complement  # retail method: cost of everything that left stock
    gross_margin = sales - cogs
    average_cost = average_stock * plan.cost_complement
    return PlanOutputs(
        sales=sales,
        markdowns=markdowns,
        shrink=shrink,
        on_order=plan.on_order,
        received=np.broadcast_to(plan.received, sales.shape),
        bop=bop,
        eop=eop,
        receipts=planned_receipts,
        otb=_open_to_buy(planned_receipts, plan.received, plan.on_order, plan.closed_weeks),
        wos=weeks_of_supply(eop, sales, weeks_per_period),
        fwos=fwos,
        turn=turn_of(sales, average_stock, weeks_per_period),
        sell_through=sell_through_of_available(sales, available),
        cogs=cogs,
        gross_margin=gross_margin,
        gm_percent=gm_percent_of(gross_margin, sales),
        gmroi=gmroi_of(gross_margin, average_cost, weeks_per_period),
    )
