"""A replenishment run: policies and purchase suggestions for the chosen departments, cut to the
OTB left and the DC receiving capacity, written as ItemPolicy and Suggestion rows.

Stages (the run's progress counts them): read the inputs, compute policies, suggest orders,
fit them to OTB and capacity, write. A failure marks the run failed with its message and
writes nothing (the rows are written in one transaction at the end).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from numpy.typing import NDArray

from core.money import to_cents
from core.runs import Progress, run_execute, run_finish
from forecasting.selectors import latest_closed_week
from otb import ledger
from otb.services import month_key, month_label
from planning.models import Department
from replenishment import tasks  # the task computing a run; tasks imports this module back
from replenishment.engine.optimise import Constrained, constrain, service_premium
from replenishment.engine.policy import Policies, PolicyInputs, UnmetDemand, policies
from replenishment.engine.suggest import Suggestions, suggest_orders, units_short_without
from replenishment.inputs import Inputs, gather
from replenishment.models import ItemPolicy, ReceivingCapacity, ReplenishmentRun, Suggestion

logger = logging.getLogger(__name__)
STAGES = 5
REVIEW_WEEKS = 1
# An order whose smallest quantity (the MOQ rounded up to the order multiple) is more than this
# many times the SKU-location's order-up-to level is not suggested: the order-up-to level is the
# most stock the policy ever wants, so 4 times it is several replenishment cycles bought at once
# (an MOQ of 48 against an order-up-to of 2 is 24 times: years of a slow seller's demand). The
# line shows on the worksheet as skipped, with its reason. A module constant: a setting
# (MERCHPLAN_MAX_MOQ_TO_ORDER_UP_TO) would let a retailer tune it.
MAX_MOQ_TO_ORDER_UP_TO = 4.0


def start_run(*, user: User | None, department_ids: list[int], horizon: int = 26) -> ReplenishmentRun:
    """Queue a run; the worker starts it once the run row is committed."""
    if not department_ids:
        raise ValueError("Choose at least one department.")
    if not 4 <= horizon <= 52:
        raise ValueError("The horizon is 4 to 52 weeks.")
    with transaction.atomic():
        run = ReplenishmentRun.objects.create(
            as_of=latest_closed_week(), horizon=horizon, created_by=user, progress_total=STAGES
        )
        run.departments.set(department_ids)
        transaction.on_commit(lambda: tasks.replenishment_run.delay(run.pk))
    return run


def execute(run_id: int) -> ReplenishmentRun:
    """Compute a queued run (core.runs.run_execute: a task delivered twice computes it once; a
    failure marks the run failed with its message and writes nothing)."""
    run = ReplenishmentRun.objects.get(pk=run_id)
    return run_execute(run, lambda progress: _compute(run, progress))


def _compute(run: ReplenishmentRun, progress: Progress) -> None:
    inputs = gather(list(run.departments.values_list("pk", flat=True)), run.as_of, run.horizon)
    progress(1, STAGES)
    found = _policies(inputs)
    progress(2)
    # Orders land in whole weeks: the nearest week to the lead time the policy protects.
    suggested = suggest_orders(
        inputs.on_hand, inputs.arrivals, inputs.forecast, found.reorder_point, found.order_up_to,
        np.rint(inputs.lead_time).astype(np.int64), inputs.moq, inputs.multiple,
        review_period=REVIEW_WEEKS, max_moq_ratio=MAX_MOQ_TO_ORDER_UP_TO,
    )  # fmt: skip
    progress(3)
    rows, fitted, reasons = _fit(inputs, suggested)
    progress(4)
    with transaction.atomic():
        locked = ReplenishmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ReplenishmentRun.Status.RUNNING:
            return  # expired meanwhile: its rows are not written
        _write(run, inputs, found, suggested, rows, fitted, reasons)
        run.sku_locations = inputs.size
        run.save(update_fields=["sku_locations", "optimiser_status"])
        run_finish(run, message=" ".join(inputs.notes))


def lead_time_demand(forecast: NDArray[np.float64], weeks: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean weekly forecast over each row's first `weeks` weeks (at least one week)."""
    horizon = forecast.shape[1]
    span = np.clip(np.ceil(weeks).astype(np.int64), 1, max(horizon, 1))
    if horizon == 0:
        return np.zeros(forecast.shape[0])
    totals = np.cumsum(forecast, axis=1)[np.arange(forecast.shape[0]), span - 1]
    result: NDArray[np.float64] = totals / span
    return result


def _policies(inputs: Inputs) -> Policies:
    """What a DC cannot ship waits for its next receipt (stores order again): backordered. What
    a store cannot sell is lost: direct-to-store rows use the lost-sales fill rate."""
    demand = lead_time_demand(inputs.forecast, inputs.lead_time + REVIEW_WEEKS)
    groups: tuple[tuple[UnmetDemand, NDArray[np.bool_]], ...] = (
        ("backordered", ~inputs.direct_to_store),
        ("lost", inputs.direct_to_store),
    )
    parts = {
        kind: policies(
            PolicyInputs(
                demand=demand[rows],
                demand_sd=inputs.demand_sd[rows],
                lead_time=inputs.lead_time[rows],
                lead_time_sd=inputs.lead_time_sd[rows],
                service_level=inputs.service_level[rows],
                review_period=float(REVIEW_WEEKS),
                order_cost=inputs.order_cost[rows],
                holding_cost=(inputs.holding_rate * inputs.unit_cost)[rows],
                unmet_demand=kind,
            )
        )
        for kind, rows in groups
    }
    fields = ("z", "safety_stock", "reorder_point", "order_up_to", "eoq", "fwos_target")
    merged = {name: np.zeros(inputs.size) for name in fields}
    for kind, rows in groups:
        for name in fields:
            merged[name][rows] = getattr(parts[kind], name)
    return Policies(**merged)


def _fit(
    inputs: Inputs, suggested: Suggestions
) -> tuple[tuple[NDArray[np.int64], NDArray[np.int64]], Constrained, list[str]]:
    """Suggestions arriving within the horizon, cut to the OTB left per department x arrival
    month and to each DC's receiving capacity per week; and each one's cut reason.

    Value of a kept unit: its margin, plus the service premium of the stock-out its order
    prevents (`service_premium`: units short over the horizon without the order, at retail,
    weighted by the segment's target fill rate). When OTB is short, an item about to run out is
    kept before one with months of cover, whatever their ABC class."""
    item, week = np.nonzero(suggested.order_units > 0)
    arrival = suggested.arrival_week[item, week]
    inside = arrival < len(inputs.weeks)
    item, week, arrival = item[inside], week[inside], arrival[inside]
    months = np.array([month_key(inputs.weeks[int(index)]) for index in arrival], dtype=np.int64)
    budget_of = list(zip(inputs.department_ids[item].tolist(), months.tolist(), strict=True))
    budget_keys = sorted(set(budget_of))
    budget_index = {key: index for index, key in enumerate(budget_keys)}
    by_department: dict[int, list[int]] = defaultdict(list)
    for department, key in budget_keys:
        by_department[department].append(key)
    left: dict[tuple[int, int], float] = {}
    unbudgeted: set[tuple[int, int]] = set()
    for department, keys in by_department.items():
        approved = ledger.approved_receipts(department, keys)
        committed = ledger.committed(department, keys)
        for key in keys:
            left[department, key] = float(approved.get(key, Decimal(0)) - committed.get(key, Decimal(0)))
            if key not in approved:
                unbudgeted.add((department, key))
    capacities = dict(ReceivingCapacity.objects.values_list("location_id", "units_per_week"))
    arriving_at = list(zip(inputs.location_ids[item].tolist(), arrival.tolist(), strict=True))
    capacity_keys = sorted({(dc, at) for dc, at in arriving_at if dc in capacities})
    capacity_index = {key: index for index, key in enumerate(capacity_keys)}
    # Open purchase orders already take part of each week's receiving.
    row_of = defaultdict(list)
    for row, dc in enumerate(inputs.location_ids.tolist()):
        row_of[dc].append(row)
    capacity = np.array(
        [max(capacities[dc] - float(inputs.arrivals[row_of[dc], at].sum()), 0.0) for dc, at in capacity_keys]
    )
    margin = inputs.unit_retail - inputs.unit_cost
    units = suggested.order_units[item, week]
    short = units_short_without(
        inputs.on_hand, inputs.arrivals, inputs.forecast, suggested.suggested_arrivals, item, arrival, units
    )
    fitted = constrain(
        units,
        inputs.unit_retail[item],
        margin[item],
        service_premium(short, units, inputs.unit_retail[item], inputs.service_level[item]),
        np.array([budget_index[key] for key in budget_of], dtype=np.int64),
        np.array([max(left[key], 0.0) for key in budget_keys]),
        np.array([capacity_index.get(key, -1) for key in arriving_at], dtype=np.int64),
        capacity,
        inputs.moq[item],
        inputs.multiple[item],
    )
    codes = dict(Department.objects.filter(pk__in=list(by_department)).values_list("pk", "code"))
    reasons = [
        _cut_reason(
            str(fitted.reason[k]),
            int(fitted.cut_units[k]),
            f"{codes.get(key[0], key[0])} {month_label(key[1])}" if key in unbudgeted else None,
        )
        for k, key in enumerate(budget_of)
    ]
    return (item, week), fitted, reasons


def _money(value: float) -> Decimal:
    return to_cents(Decimal(str(value)))


@transaction.atomic
def _write(
    run: ReplenishmentRun,
    inputs: Inputs,
    found: Policies,
    suggested: Suggestions,
    rows: tuple[NDArray[np.int64], NDArray[np.int64]],
    fitted: Constrained,
    reasons: list[str],
) -> None:
    weeks = inputs.weeks
    on_order = inputs.arrivals.sum(axis=1)
    demand = lead_time_demand(inputs.forecast, inputs.lead_time + REVIEW_WEEKS)
    stockout = suggested.first_stockout_week
    created = ItemPolicy.objects.bulk_create(
        ItemPolicy(
            run=run, sku_id=int(inputs.sku_ids[i]), location_id=int(inputs.location_ids[i]),
            segment=str(inputs.segment[i]), demand=float(demand[i]),
            demand_sd=float(inputs.demand_sd[i]), lead_time=float(inputs.lead_time[i]),
            lead_time_sd=float(inputs.lead_time_sd[i]), service_level=float(inputs.service_level[i]),
            safety_stock=float(found.safety_stock[i]), reorder_point=float(found.reorder_point[i]),
            order_up_to=float(found.order_up_to[i]),
            eoq=None if np.isnan(found.eoq[i]) else float(found.eoq[i]),
            fwos_target=None if np.isnan(found.fwos_target[i]) else float(found.fwos_target[i]),
            on_hand=int(inputs.on_hand[i]), on_order=int(on_order[i]),
            first_stockout_week=weeks[int(stockout[i])] if stockout[i] >= 0 else None,
            **_skipped(inputs, found, suggested, i),
        )
        for i in range(inputs.size)
    )  # fmt: skip
    item, week = rows
    arrival = suggested.arrival_week
    Suggestion.objects.bulk_create(
        Suggestion(
            run=run, policy=created[int(i)], vendor_id=int(inputs.vendor_ids[i]),
            department_id=int(inputs.department_ids[i]), order_week=weeks[int(t)],
            arrival_week=weeks[int(arrival[i, t])], month_key=month_key(weeks[int(arrival[i, t])]),
            suggested_units=int(suggested.order_units[i, t]), units=int(fitted.kept_units[k]),
            cut_reason=reasons[k],
            unit_cost=_money(float(inputs.unit_cost[i])), unit_retail=_money(float(inputs.unit_retail[i])),
        )
        for k, (i, t) in enumerate(zip(item, week, strict=True))
    )  # fmt: skip
    run.optimiser_status = fitted.status


def skip_reason(moq: int, multiple: int, order_up_to: float, ratio: float = MAX_MOQ_TO_ORDER_UP_TO) -> str:
    """Why an order was not suggested: "Not suggested: the smallest order, 48 (MOQ 48), is 24
    times the order-up-to level of 2 (more than 4 times). Order by hand if it must be bought." """
    least = math.ceil(moq / multiple) * multiple
    terms = f"MOQ {moq:,}" + (f" in multiples of {multiple:,}" if least != moq else "")
    level = f"{order_up_to:,.0f}" if order_up_to >= 1 else f"{order_up_to:.1f}"
    times = f"{least / order_up_to:,.0f} times" if order_up_to > 0 else "far above"
    return (
        f"Not suggested: the smallest order, {least:,} ({terms}), is {times} the order-up-to level "
        f"of {level} (more than {ratio:g} times). Order by hand if it must be bought."
    )


def _skipped(inputs: Inputs, found: Policies, suggested: Suggestions, row: int) -> dict[str, object]:
    """A policy's skipped order (units, the week it would have been placed, why), if any."""
    week = int(suggested.skipped_week[row])
    if week < 0:
        return {}
    return {
        "skipped_units": int(suggested.skipped_units[row]),
        "skipped_week": inputs.weeks[week],
        "skip_reason": skip_reason(
            int(inputs.moq[row]), int(inputs.multiple[row]), float(found.order_up_to[row])
        ),
    }


def _cut_reason(reason: str, cut: int, unbudgeted: str | None) -> str:
    """Why `cut` units of a suggestion were cut: "no approved OTB budget for W01 FY2027 M02"
    when its arrival month has no approved budget at all (nothing could be kept), else which
    limit left too little."""
    if not cut:
        return ""
    if unbudgeted is not None:
        return f"{cut} units cut: no approved OTB budget for {unbudgeted}"
    return f"{cut} units cut: {reason or 'OTB'} left too little"
