"""Between the database and the engine: load a version's entered values as arrays, run the
engine, and turn its float output into the Decimal column values that get stored."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from core.money import to_places
from planning.engine import PlanInputs, PlanOutputs, recompute
from planning.plans.measures import DERIVED

# The engine's inputs: the planner's values, and what purchase orders and actuals bought
# (on order, received: kept by `planning.plans.purchases`, never typed).
ENTERED_FIELDS = (
    "sales", "sales_units", "markdowns", "shrink", "on_order", "target", "receipts_entered", "received",
)  # fmt: skip
PURCHASE_FIELDS = ("on_order", "received")
CENTS = Decimal("0.01")
RATIO = Decimal("0.0001")
MONEY_DERIVED = {"bop", "eop", "receipts", "otb", "gross_margin"}


@dataclass
class LineBlock:
    """Entered values of some lines of one version: (lines, weeks) arrays plus line settings."""

    line_ids: list[int]
    methods: list[str]
    opening: np.ndarray
    turn: np.ndarray
    entered: dict[str, np.ndarray]
    # In season: each closed week's actual EOP (lines x periods), NaN in the open weeks.
    actual_eop: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        rows, periods = self.entered["sales"].shape
        return rows, periods


def closed_weeks(block: LineBlock) -> int:
    """How many leading periods are closed: those whose actual EOP is known on every line."""
    actual = block.actual_eop
    if actual is None or actual.size == 0:
        return 0
    known = ~np.isnan(actual).any(axis=0)
    return int(known.argmin()) if not known.all() else int(known.size)


def plan_inputs(block: LineBlock, *, exhaustion: str, cost_complement: float) -> PlanInputs:
    """The engine's inputs for a block of lines (empty targets and turns made neutral); the
    leading weeks with an actual EOP are closed (DESIGN.md 11)."""
    entered = block.entered
    closed = closed_weeks(block)
    return PlanInputs(
        sales=entered["sales"],
        method=block.methods,
        targets=np.nan_to_num(entered["target"]),
        turn=np.where(np.isnan(block.turn), 1.0, block.turn),
        receipts=entered["receipts_entered"],
        markdowns=entered["markdowns"],
        shrink=entered["shrink"],
        on_order=entered["on_order"],
        received=entered["received"],
        opening=block.opening,
        # A following plan is not linked yet: `next_plan` falls back to the average.
        exhaustion=exhaustion,
        next_sales=np.zeros((block.shape[0], 0)) if exhaustion == "next_plan" else None,
        cost_complement=cost_complement,
        closed_weeks=closed,
        actual_eop=np.nan_to_num(block.actual_eop) if closed and block.actual_eop is not None else None,
    )


def run_engine(block: LineBlock, *, exhaustion: str, cost_complement: float) -> PlanOutputs:
    return recompute(plan_inputs(block, exhaustion=exhaustion, cost_complement=cost_complement))


def to_decimal(value: float, field: str) -> Decimal | None:
    """Round once on the way out, half up: money to cents, ratios to 4 places; undefined stays
    empty. (A GM at IMU 50% often ends in half a cent: 0.005 is 0.01, never 0.00 by half-even.)"""
    if math.isnan(value) or math.isinf(value):
        return None
    return to_places(value, CENTS if field in MONEY_DERIVED else RATIO)


def derived_columns(outputs: PlanOutputs, row: int, period: int) -> dict[str, Decimal | None]:
    measures = outputs.measures()
    values = {field: to_decimal(float(measures[field][row, period]), field) for field in DERIVED}
    for field in ("bop", "eop", "receipts", "otb"):
        values[field] = values[field] if values[field] is not None else Decimal("0.00")
    return values


def total_block(block: LineBlock, outputs: PlanOutputs) -> LineBlock:
    """The plan-total line: flows and stocks summed over the lines; the engine recomputes its
    ratios from those components (as a receipts-entered line that reproduces the summed EOP)."""
    entered = {name: values.sum(axis=0, keepdims=True) for name, values in block.entered.items()}
    entered["receipts_entered"] = outputs.receipts.sum(axis=0, keepdims=True)
    entered["target"] = np.full_like(entered["sales"], np.nan)
    # Summed as it is: a week some line has no actual for (NaN) is open on the total too.
    actual = None if block.actual_eop is None else block.actual_eop.sum(axis=0, keepdims=True)
    return LineBlock([], ["receipts"], block.opening.sum(keepdims=True), np.array([np.nan]), entered, actual)


def block_from_rows(
    rows: list[tuple[Any, ...]], lines: list[tuple[int, str, Decimal, Decimal | None]]
) -> LineBlock:
    """rows: (line_id, period, *ENTERED_FIELDS[, actual_eop]) ordered by line then period; lines:
    (id, method, opening, turn) in the same order."""
    line_ids = [line[0] for line in lines]
    index = {line_id: i for i, line_id in enumerate(line_ids)}
    periods = 1 + max((row[1] for row in rows), default=-1)
    entered = {name: np.zeros((len(lines), periods)) for name in ENTERED_FIELDS}
    if rows:
        line_index = np.fromiter((index[row[0]] for row in rows), dtype=np.intp, count=len(rows))
        period_index = np.fromiter((row[1] for row in rows), dtype=np.intp, count=len(rows))
        for offset, name in enumerate(ENTERED_FIELDS, start=2):
            column = np.array([np.nan if row[offset] is None else float(row[offset]) for row in rows])
            entered[name][line_index, period_index] = column
    actual = np.full((len(lines), periods), np.nan)
    width = 2 + len(ENTERED_FIELDS)
    if rows and len(rows[0]) > width:
        values = [np.nan if row[width] is None else float(row[width]) for row in rows]
        actual[line_index, period_index] = values
    return LineBlock(
        line_ids=line_ids,
        methods=[line[1] for line in lines],
        opening=np.array([float(line[2]) for line in lines]),
        turn=np.array([np.nan if line[3] is None else float(line[3]) for line in lines]),
        entered=entered,
        actual_eop=actual,
    )
