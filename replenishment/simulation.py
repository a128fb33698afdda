"""The policy simulator over a run's item policies: a year of weekly demand drawn from each item's
measured forecast error, played against its reorder point and order-up-to level. Reports the
fill rate achieved against the target, stock-out weeks and average stock, item by item and by
ABC x XYZ cell. DC rows backorder what they cannot ship; store rows lose the sale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from planning.models import Location
from replenishment.engine.simulate import simulate
from replenishment.models import ItemPolicy, ReplenishmentRun

WEEKS = 52


@dataclass(frozen=True)
class CellResult:
    cell: str
    items: int
    target_fill: float  # demand-weighted target, 0..1
    achieved_fill: float
    stockout_weeks: float  # per item, average
    average_on_hand: float  # units per item


@dataclass(frozen=True)
class Simulated:
    run_id: int
    weeks: int
    seeds: int
    cells: list[CellResult]
    items: int


def simulate_run(
    run: ReplenishmentRun, *, department_id: int | None = None, weeks: int = WEEKS, seeds: int = 1
) -> Simulated:
    """Each seed replays another year; results average over seeds. Items without demand are left
    out (a fill rate needs demand)."""
    rows = ItemPolicy.objects.filter(run=run, demand__gt=0)
    if department_id is not None:
        rows = rows.filter(sku__style_color__style__subclass__merch_class__department_id=department_id)
    values = list(
        rows.values_list(
            "segment", "demand", "demand_sd", "reorder_point", "order_up_to", "lead_time", "lead_time_sd",
            "service_level", "location__kind",
        )
    )  # fmt: skip
    if not values:
        return Simulated(run_id=run.pk, weeks=weeks, seeds=seeds, cells=[], items=0)
    segment = np.array([row[0] for row in values])
    numbers = np.array([row[1:8] for row in values], dtype=np.float64)
    at_dc = np.array([row[8] == Location.Kind.DC for row in values])
    served = np.zeros(len(values))
    demanded = np.zeros(len(values))
    stockouts = np.zeros(len(values))
    on_hand = np.zeros(len(values))
    for seed in range(seeds):
        for rows_mask, unmet in ((at_dc, "backordered"), (~at_dc, "lost")):
            if not rows_mask.any():
                continue
            part = numbers[rows_mask]
            result = simulate(
                part[:, 0], part[:, 1], part[:, 2], part[:, 3], part[:, 4],
                lead_time_sd=part[:, 5], weeks=weeks, seed=seed, unmet_demand=unmet,  # type: ignore[arg-type]
            )  # fmt: skip
            fill = np.nan_to_num(result.fill_rate, nan=1.0)
            # Weight by demand: a cell's fill rate is units served over units demanded.
            served[rows_mask] += fill * part[:, 0]
            demanded[rows_mask] += part[:, 0]
            stockouts[rows_mask] += result.stockout_weeks
            on_hand[rows_mask] += result.average_on_hand
    target = numbers[:, 6]
    cells = [
        _cell(
            str(cell),
            segment == cell,
            served,
            demanded,
            target,
            numbers[:, 0],
            stockouts / seeds,
            on_hand / seeds,
        )
        for cell in sorted(set(segment.tolist()))
    ]
    return Simulated(run_id=run.pk, weeks=weeks, seeds=seeds, cells=cells, items=len(values))


def _cell(
    cell: str,
    mask: NDArray[np.bool_],
    served: NDArray[np.float64],
    demanded: NDArray[np.float64],
    target: NDArray[np.float64],
    demand: NDArray[np.float64],
    stockouts: NDArray[np.float64],
    on_hand: NDArray[np.float64],
) -> CellResult:
    return CellResult(
        cell=cell,
        items=int(mask.sum()),
        target_fill=float((target[mask] * demand[mask]).sum() / demand[mask].sum()),
        achieved_fill=float(served[mask].sum() / demanded[mask].sum()),
        stockout_weeks=float(stockouts[mask].mean()),
        average_on_hand=float(on_hand[mask].mean()),
    )
