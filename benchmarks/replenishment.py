"""Benchmark: purchase suggestions for 50,000 SKU-locations x 26 weeks, cut to OTB and DC capacity.

Goal (from the replenishment issue): policies + suggestions + the OTB/capacity cut for 50,000
SKU-locations in under 10 s on this 2-core machine.

The inputs are synthetic but retail-like (seeded numpy, not timed): 25 departments with their
own seasonal shape; forecasts from a gamma spread of rates, a quarter of them intermittent (most
weeks zero, the odd week of a few units); demand sd from the forecast error; lead times 1-8
weeks with some variability; weekly or fortnightly review; packs (order multiples) of 1, 6, 12
or 24 and MOQs of 1-4 packs; on hand around the reorder point and open POs landing in the first
weeks. Each suggestion is charged to a budget group (department x fiscal month of its receipt, a
4-4-5 calendar; 25 x 8 = 200 groups) whose budget covers 70-90% of the suggested retail, and to
a capacity group (one of 4 DCs x receipt week) whose capacity covers ~110% of that DC's average
week, so the peak weeks bind. The optimiser therefore has to cut.

Stages timed: policies (replenishment/engine/policy.py when present, else the DESIGN.md
formulas inline), suggest_orders, constrain. Weekly review makes ~8 suggestions per
SKU-location, ~400,000 rows for the optimiser, whose MILP decides a core of ~10,000 of them
within --time-limit seconds (4 s: with the fallback LP's quarter on top, constrain stays
under 7 s at worst). Prints seconds per stage, SKU-locations per second, the sizes, how far
the objective is below the Lagrangian bound, the largest budget or capacity overrun (must be
0), the cut by reason, and OK/SLOW; exits 1 if slow.
Usage: python benchmarks/replenishment.py [--items 50000] [--seed 11] [--time-limit 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replenishment.engine.optimise import constrain
from replenishment.engine.suggest import suggest_orders

try:  # written alongside this benchmark; the inline formulas stand in until it lands
    from replenishment.engine.policy import PolicyInputs, policies

    HAS_POLICY = True
except ImportError:
    HAS_POLICY = False

WEEKS = 26
DEPARTMENTS = 25
MONTHS = 8  # receipts land up to 26 + 8 weeks out: 8 fiscal months
DCS = 4
RECEIPT_WEEKS = WEEKS + 8
GOAL_SECONDS = 10.0
Z_95 = 1.645
Float = npt.NDArray[np.float64]
Int = npt.NDArray[np.int64]


@dataclass
class Items:
    forecast: Float  # (N, W)
    demand: Float  # mean weekly forecast
    demand_sd: Float
    lead_time: Int
    lead_time_sd: Float
    review_period: Int
    on_hand: Float
    arrivals: Float  # (N, W)
    moq: Float
    multiple: Float
    retail: Float
    margin: Float
    department: Int
    dc: Int


def make_items(items: int, seed: int) -> Items:
    rng = np.random.default_rng(seed)
    department = rng.integers(0, DEPARTMENTS, items)
    weeks = np.arange(WEEKS)
    phase = rng.uniform(0, 2 * np.pi, DEPARTMENTS)
    amplitude = rng.uniform(0.1, 0.5, DEPARTMENTS)
    season = 1 + amplitude[:, None] * np.sin(2 * np.pi * weeks[None, :] / 52 + phase[:, None])

    rate = rng.gamma(1.2, 15.0, items) + 0.5
    forecast = rate[:, None] * season[department] * rng.gamma(20.0, 1 / 20.0, (items, WEEKS))
    intermittent = rng.random(items) < 0.25
    sparse = intermittent[:, None] & (rng.random((items, WEEKS)) < 0.7)
    forecast[intermittent] = rng.uniform(0.5, 4.0, (int(intermittent.sum()), WEEKS))
    forecast[sparse] = 0.0
    forecast = np.round(forecast, 1)
    demand = forecast.mean(axis=1)
    demand_sd = np.sqrt(demand) * rng.uniform(0.8, 1.6, items)

    lead_time = rng.integers(1, 9, items)
    multiple = rng.choice([1.0, 6.0, 12.0, 24.0], items, p=[0.2, 0.35, 0.3, 0.15])
    moq = multiple * rng.choice([1.0, 2.0, 4.0], items, p=[0.6, 0.3, 0.1])
    arrivals = np.zeros((items, WEEKS))
    has_po = rng.random(items) < 0.4
    po_week = rng.integers(0, 8, items)
    po_units = np.ceil(demand * rng.uniform(2, 6, items) / multiple) * multiple
    arrivals[has_po, po_week[has_po]] = po_units[has_po]
    retail = np.round(rng.lognormal(3.0, 0.7, items), 2)
    return Items(
        forecast=forecast,
        demand=demand,
        demand_sd=demand_sd,
        lead_time=lead_time,
        lead_time_sd=lead_time * rng.uniform(0.0, 0.25, items),
        review_period=rng.choice([1, 2], items, p=[0.7, 0.3]),
        on_hand=np.round(demand * (lead_time + rng.uniform(-1.0, 3.0, items)).clip(0)),
        arrivals=arrivals,
        moq=moq,
        multiple=multiple,
        retail=retail,
        margin=np.round(retail * rng.uniform(0.35, 0.65, items), 2),
        department=department,
        dc=rng.integers(0, DCS, items),
    )


def inventory_policies(items: Items) -> tuple[Float, Float]:
    """(reorder point, order-up-to) at a 95% service target."""
    if HAS_POLICY:
        result = policies(
            PolicyInputs(
                demand=items.demand,
                demand_sd=items.demand_sd,
                lead_time=items.lead_time,
                lead_time_sd=items.lead_time_sd,
                service_level=0.95,
                service_kind="cycle",
                review_period=items.review_period,
            )
        )
        return result.reorder_point, result.order_up_to
    d, lead, review = items.demand, items.lead_time, items.review_period
    safety = Z_95 * np.sqrt(lead * items.demand_sd**2 + d**2 * items.lead_time_sd**2)
    return d * lead + safety, d * (review + lead) + safety


def fiscal_month(week: Int) -> Int:
    """Month of a week from the start of the horizon on a 4-4-5 calendar."""
    quarter, within = np.divmod(week, 13)
    return np.asarray(quarter * 3 + np.minimum(within // 4, 2), dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--time-limit", type=float, default=4.0, help="MILP time limit, seconds")
    args = parser.parse_args()

    items = make_items(args.items, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    reorder_point, order_up_to = inventory_policies(items)
    timings["policies"] = time.perf_counter() - started

    started = time.perf_counter()
    suggestions = suggest_orders(
        items.on_hand,
        items.arrivals,
        items.forecast,
        reorder_point,
        order_up_to,
        items.lead_time,
        items.moq,
        items.multiple,
        review_period=items.review_period,
    )
    timings["suggest_orders"] = time.perf_counter() - started

    # Budgets and capacities are set from the suggestions, so this part is not timed.
    row, week = np.nonzero(suggestions.order_units)
    units = suggestions.order_units[row, week]
    arrival = np.minimum(suggestions.arrival_week[row, week], RECEIPT_WEEKS - 1)
    retail = items.retail[row]
    budget_group = items.department[row] * MONTHS + fiscal_month(arrival)
    suggested_retail = np.bincount(budget_group, units * retail, minlength=DEPARTMENTS * MONTHS)
    budget = np.round(suggested_retail * rng.uniform(0.7, 0.9, DEPARTMENTS * MONTHS), 2)
    capacity_group = items.dc[row] * RECEIPT_WEEKS + arrival
    received = np.bincount(capacity_group, units, minlength=DCS * RECEIPT_WEEKS).reshape(DCS, RECEIPT_WEEKS)
    capacity = np.repeat(np.round(1.1 * received.mean(axis=1)), RECEIPT_WEEKS)
    margin = items.margin[row]
    service_value = 0.5 * margin * (suggestions.first_stockout_week[row] >= 0)

    started = time.perf_counter()
    result = constrain(
        units,
        retail,
        margin,
        service_value,
        budget_group,
        budget,
        capacity_group,
        capacity,
        items.moq[row],
        items.multiple[row],
        time_limit=args.time_limit,
    )
    timings["constrain"] = time.perf_counter() - started
    total = sum(timings.values())

    source = "policy.py" if HAS_POLICY else "inline formulas"
    print(f"replenishment: {args.items:,} SKU-locations x {WEEKS} weeks (policies from {source})")
    for stage, seconds in timings.items():
        print(f"  {stage:<15} {seconds:6.2f} s  {args.items / seconds:>12,.0f} SKU-locations/s")
    print(f"  total           {total:6.2f} s  {args.items / total:>12,.0f} SKU-locations/s")
    print(
        f"  {units.shape[0]:,} suggestions, {units.sum():,.0f} units,"
        f" ${(units * retail).sum():,.0f} at retail;"
        f" {int((suggested_retail > budget).sum())} of {budget.shape[0]} budgets and"
        f" {int((received.ravel() > capacity).sum())} of {capacity.shape[0]} DC-weeks too small"
    )
    kept = result.kept_units
    spent = np.bincount(budget_group, kept * retail, minlength=budget.shape[0])
    landed = np.bincount(capacity_group, kept, minlength=capacity.shape[0])
    overrun = max((spent - budget).max(), (landed - capacity).max(), 0.0)
    gap = (result.bound - result.objective) / result.bound
    print(
        f"  constrain: {result.status}, objective {result.objective:,.0f}, {gap:.4%} below the bound;"
        f" kept {kept.sum():,.0f} units, ${spent.sum():,.0f} of ${budget.sum():,.0f} budget;"
        f" largest overrun {overrun:g}"
    )
    cut = result.cut_units > 0
    reasons = ", ".join(
        f"{reason} {int((result.reason == reason).sum()):,}" for reason in np.unique(result.reason[cut])
    )
    print(f"  cut {int(cut.sum()):,} suggestions ({reasons})")
    ok = total < GOAL_SECONDS
    print(f"  goal (< {GOAL_SECONDS:.0f} s): {'OK' if ok else 'SLOW'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
