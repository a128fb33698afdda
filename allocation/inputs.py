"""What an allocation run needs, read from the database into arrays of K SKUs x S stores: the
stores the DC supplies (filtered by cluster or grade), their stock, their demand over the
coverage weeks, each SKU-store's ABC x XYZ cell with its presentation minimum and priority from
the policy matrix, each store's room, and the supply at the DC or on the incoming order.

Demand per SKU and store, in units a week (DESIGN.md section 9 takes it over the coverage):
- forecast: the style-color's forecast over the coverage weeks (the planner's override where
  there is one) x the SKU's size share x the store's share of the style-color's last 13 weeks'
  units at all selling locations (the class's, when the style-color sold nothing; equal shares
  when nothing sold); where the style-color has no forecast, the SKU's own sales rate at the
  store over the last 13 weeks;
- launch from a like item: the like item's weekly rate of the last 13 weeks, store by store,
  x the new SKU's size share;
- launch from the plan: the planned units a week, spread over the stores by the class's sales.

Segments: ABC x XYZ of each SKU at each store over the last 26 weeks (revenue share among the
run's SKU-stores, spread of weekly units), the shared `planning.engine.segmentation.segment`;
a launch takes its like item's cell at the store; a SKU-store that sold nothing is "CZ".
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q, Sum
from numpy.typing import NDArray

from allocation.models import AllocationRun, Transfer
from forecasting.models import LikeItem
from forecasting.selectors import weeks_after, weeks_up_to
from otb.models import PurchaseOrderLine
from planning import clock
from planning.engine.segmentation import segment
from planning.models import FiscalWeek, Location, SalesHistory, Sku, StockPosition
from replenishment.health import supplying_dc
from replenishment.inputs import style_color_forecasts
from replenishment.models import SegmentPolicy

SHARE_WEEKS = 13  # the weeks of sales that split demand between stores
SEGMENT_WEEKS = 26  # the weeks of sales that place a SKU-store in ABC x XYZ
NO_SALES_CELL = "CZ"

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


class AllocationSetupError(ValueError):
    """The run cannot be computed as set up (no stores, no SKUs, an order without the SKUs)."""


@dataclass(frozen=True)
class RunInputs:
    sku_ids: list[int]  # K
    store_ids: list[int]  # S
    available: Ints  # (K,)
    on_hand: Ints  # (K, S)
    in_transit: Ints  # (K, S)
    weekly_demand: Floats  # (K, S)
    demand_over_coverage: Floats  # (K, S)
    segments: NDArray[np.str_]  # (K, S)
    presentation_min: Ints  # (K, S)
    priority: Ints  # (K, S)
    room: Floats  # (S,) units the store can still take, inf without a capacity
    demand_note: str


def run_stores(run: AllocationRun) -> list[Location]:
    """Open selling locations the run's DC supplies, narrowed to its cluster or grade."""
    rows = Location.objects.values_list("pk", "kind", "supplied_by_id")
    supplier = supplying_dc(rows)
    ids = [location for location, dc in supplier.items() if dc == run.dc_id]
    today = clock.today()
    stores = Location.objects.filter(pk__in=ids).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
    if run.cluster:
        stores = stores.filter(cluster__iexact=run.cluster)
    if run.grade:
        stores = stores.filter(grade__iexact=run.grade)
    return list(stores.order_by("code"))


def run_skus(run: AllocationRun) -> list[Sku]:
    return list(
        Sku.objects.filter(style_color__in=run.style_colors.all()).order_by(
            "style_color__code", "size_order", "code"
        )
    )


def latest_stock(
    week_id: int, location_ids: list[int], sku_ids: list[int] | None
) -> list[tuple[int, int, int, int]]:
    """(sku, location, on hand, in transit) at the end of a week: each pair's latest stock row at
    or before it (rows are written when the position changes). One query with a window."""
    table = StockPosition._meta.db_table
    sku_filter = f"AND sku_id IN ({','.join('%s' for _ in sku_ids)})" if sku_ids is not None else ""
    places = ",".join("%s" for _ in location_ids)
    sql = f"""
        SELECT sku_id, location_id, on_hand, in_transit FROM (
            SELECT sku_id, location_id, on_hand, in_transit,
                   ROW_NUMBER() OVER (PARTITION BY sku_id, location_id ORDER BY fiscal_week_id DESC) AS rank
            FROM {table}
            WHERE fiscal_week_id <= %s AND location_id IN ({places}) {sku_filter}
        ) latest WHERE rank = 1
    """  # noqa: S608 - the table name is ours, every value is a parameter
    if not location_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, [week_id, *location_ids, *(sku_ids or [])])
        return [(int(a), int(b), int(c), int(d)) for a, b, c, d in cursor.fetchall()]


def gather(run: AllocationRun) -> RunInputs:
    stores = run_stores(run)
    if not stores:
        where = " of cluster " + run.cluster if run.cluster else ""
        where += " of grade " + run.grade if run.grade else ""
        raise AllocationSetupError(f"{run.dc.code} supplies no open store{where}: nothing to allocate to.")
    skus = run_skus(run)
    if not skus:
        raise AllocationSetupError("Choose at least one style-color with sizes to allocate.")
    store_ids = [store.pk for store in stores]
    sku_ids = [sku.pk for sku in skus]
    shape = (len(sku_ids), len(store_ids))
    row = {sku: index for index, sku in enumerate(sku_ids)}
    column = {store: index for index, store in enumerate(store_ids)}

    on_hand = np.zeros(shape, dtype=np.int64)
    in_transit = np.zeros(shape, dtype=np.int64)
    for sku, location, units, transit in latest_stock(run.as_of_id, store_ids, sku_ids):
        on_hand[row[sku], column[location]] = units
        in_transit[row[sku], column[location]] = transit
    # Planned transfers not yet shipped are on their way too, as far as a new need is concerned.
    for sku, location, units in (
        Transfer.objects.filter(
            sku_id__in=sku_ids, to_location_id__in=store_ids, status=Transfer.Status.PLANNED
        )
        .values_list("sku_id", "to_location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        in_transit[row[sku], column[location]] += units

    coverage = float(run.coverage_weeks)
    over, note = _demand(run, skus, store_ids, coverage)
    segments = _segments(run, skus, store_ids)
    policy = {cell.cell: cell for cell in SegmentPolicy.objects.all()}
    minimum = np.vectorize(
        lambda cell: policy[cell].presentation_min if cell in policy else 0, otypes=[np.int64]
    )
    priority = np.vectorize(
        lambda cell: policy[cell].allocation_priority if cell in policy else 3, otypes=[np.int64]
    )
    # A store shows a SKU it sells: no minimum for one with no demand there (exited, not carried).
    shelf = np.where(over > 0, minimum(segments), 0).astype(np.int64)
    return RunInputs(
        sku_ids=sku_ids,
        store_ids=store_ids,
        available=_available(run, sku_ids),
        on_hand=on_hand,
        in_transit=in_transit,
        weekly_demand=over / coverage,
        demand_over_coverage=over,
        segments=segments,
        presentation_min=shelf,
        priority=priority(segments),
        room=_room(run, stores),
        demand_note=note,
    )


def _available(run: AllocationRun, sku_ids: list[int]) -> Ints:
    """Per SKU: the DC's on hand less what planned transfers already promised, or the open units
    of the incoming order's lines for the DC."""
    index = {sku: position for position, sku in enumerate(sku_ids)}
    available = np.zeros(len(sku_ids), dtype=np.int64)
    if run.source == AllocationRun.Source.PURCHASE_ORDER:
        for sku, units, received in PurchaseOrderLine.objects.filter(
            order_id=run.purchase_order_id,
            location_id=run.dc_id,
            sku_id__in=sku_ids,
            status__in=PurchaseOrderLine.OPEN_STATUSES,
        ).values_list("sku_id", "units", "received_units"):
            available[index[sku]] += units - received
        return available
    for sku, _, units, _ in latest_stock(run.as_of_id, [run.dc_id], sku_ids):
        available[index[sku]] += units
    for sku, units in (
        Transfer.objects.filter(
            sku_id__in=sku_ids, from_location_id=run.dc_id, status=Transfer.Status.PLANNED
        )
        .values_list("sku_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        available[index[sku]] = max(0, available[index[sku]] - units)
    return available


def _room(run: AllocationRun, stores: list[Location]) -> Floats:
    """Units each store can still take: capacity - all its stock (on hand + in transit, every
    SKU); unlimited where no capacity is set."""
    room = np.full(len(stores), np.inf)
    capped = [store for store in stores if store.capacity_units]
    if not capped:
        return room
    held: dict[int, int] = defaultdict(int)
    for _, location, units, transit in latest_stock(run.as_of_id, [store.pk for store in capped], None):
        held[location] += units + transit
    for position, store in enumerate(stores):
        if store.capacity_units:
            room[position] = max(0, store.capacity_units - held[store.pk])
    return room


def _coverage_weeks(run: AllocationRun, coverage: float) -> tuple[list[FiscalWeek], Floats]:
    """The weeks after the run's week that the coverage spans, and how much of each counts
    (2.5 weeks: 1, 1, 0.5)."""
    weeks = weeks_after(run.as_of, math.ceil(coverage))
    weights = np.ones(len(weeks))
    if weeks and coverage % 1:
        weights[-1] = coverage % 1
    return weeks, weights


def _store_shares(style_ids: list[int], store_ids: list[int], as_of: FiscalWeek) -> dict[int, Floats]:
    """Per style-color: each store's share of its last 13 weeks' units at all selling locations
    (its class's when it sold nothing; equal shares among selling locations when that sold
    nothing either)."""
    week_ids = [week.pk for week in weeks_up_to(as_of, SHARE_WEEKS)]
    column = {store: position for position, store in enumerate(store_ids)}
    selling = ~Q(location__kind=Location.Kind.DC)
    by_style: dict[int, Floats] = defaultdict(lambda: np.zeros(len(store_ids)))
    total_style: dict[int, float] = defaultdict(float)
    for style, location, units in (
        SalesHistory.objects.filter(selling, sku__style_color_id__in=style_ids, fiscal_week_id__in=week_ids)
        .values_list("sku__style_color_id", "location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        total_style[style] += units
        if location in column:
            by_style[style][column[location]] += units
    class_of = dict(
        Sku.objects.filter(style_color_id__in=style_ids)
        .values_list("style_color_id", "style_color__style__subclass__merch_class_id")
        .distinct()
    )
    by_class: dict[int, Floats] = defaultdict(lambda: np.zeros(len(store_ids)))
    total_class: dict[int, float] = defaultdict(float)
    for merch_class, location, units in (
        SalesHistory.objects.filter(
            selling,
            sku__style_color__style__subclass__merch_class_id__in=set(class_of.values()),
            fiscal_week_id__in=week_ids,
        )
        .values_list("sku__style_color__style__subclass__merch_class_id", "location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        total_class[merch_class] += units
        if location in column:
            by_class[merch_class][column[location]] += units
    selling_count = Location.objects.exclude(kind=Location.Kind.DC).count() or 1
    shares: dict[int, Floats] = {}
    for style in style_ids:
        merch_class = class_of.get(style)
        if total_style[style] > 0:
            shares[style] = by_style[style] / total_style[style]
        elif merch_class is not None and total_class[merch_class] > 0:
            shares[style] = by_class[merch_class] / total_class[merch_class]
        else:
            shares[style] = np.full(len(store_ids), 1.0 / selling_count)
    return shares


def _sales_rate(sku_ids: list[int], store_ids: list[int], as_of: FiscalWeek) -> Floats:
    """Mean weekly units of each SKU at each store over the last 13 weeks."""
    week_ids = [week.pk for week in weeks_up_to(as_of, SHARE_WEEKS)]
    row = {sku: position for position, sku in enumerate(sku_ids)}
    column = {store: position for position, store in enumerate(store_ids)}
    rate = np.zeros((len(sku_ids), len(store_ids)))
    for sku, location, units in (
        SalesHistory.objects.filter(
            sku_id__in=sku_ids, location_id__in=store_ids, fiscal_week_id__in=week_ids
        )
        .values_list("sku_id", "location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        rate[row[sku], column[location]] = units / len(week_ids)
    return rate


def _demand(run: AllocationRun, skus: list[Sku], store_ids: list[int], coverage: float) -> tuple[Floats, str]:
    """Units each SKU will sell at each store over the coverage weeks, and where that came from."""
    style_ids = sorted({sku.style_color_id for sku in skus})
    weeks, weights = _coverage_weeks(run, coverage)
    forecast, _, size_share = style_color_forecasts([run.department_id], weeks, style_ids)
    over = np.zeros((len(skus), len(store_ids)))
    if run.demand == AllocationRun.Demand.FORECAST:
        shares = _store_shares(style_ids, store_ids, run.as_of)
        rate = _sales_rate([sku.pk for sku in skus], store_ids, run.as_of)
        fallback = 0
        for position, sku in enumerate(skus):
            series = forecast.get(sku.style_color_id)
            if series is not None and series.any():
                total = float(np.dot(series, weights))
                over[position] = total * size_share.get(sku.pk, 0.0) * shares[sku.style_color_id]
            else:
                over[position] = rate[position] * coverage
                fallback += 1
        note = "Demand from the forecast"
        if fallback:
            note += f"; {fallback} SKUs without a forecast use their last {SHARE_WEEKS} weeks' sales"
        return over, note + "."
    weekly = _launch_weekly(run, style_ids, store_ids)
    for position, sku in enumerate(skus):
        sizes = [other for other in skus if other.style_color_id == sku.style_color_id]
        share = size_share.get(sku.pk, 1.0 / len(sizes))
        over[position] = weekly[sku.style_color_id] * share * coverage
    if run.demand == AllocationRun.Demand.LIKE_ITEM:
        return over, "Launch: demand from the like item's store sales of the last 13 weeks."
    return (
        over,
        f"Launch: {run.planned_weekly_units} units a week from the plan, spread by the class's sales.",
    )


def demand_over(
    department_id: int, as_of: FiscalWeek, skus: list[Sku], store_ids: list[int], coverage: float
) -> Floats:
    """Units a week of each SKU at each store over the next `coverage` weeks, from the forecast
    (or the recent sales rate), as an allocation run reads it."""
    reader = AllocationRun(
        department_id=department_id, as_of=as_of, demand=AllocationRun.Demand.FORECAST,
        coverage_weeks=Decimal(str(coverage)),
    )  # fmt: skip
    over, _ = _demand(reader, skus, store_ids, coverage)
    return over / coverage


def _launch_weekly(run: AllocationRun, style_ids: list[int], store_ids: list[int]) -> dict[int, Floats]:
    """Per launching style-color: units a week at each store. From the plan: the planned units x
    each store's share of the class's sales; from a like item: its own rate at each store."""
    if run.demand == AllocationRun.Demand.PLAN:
        shares = _store_shares(style_ids, store_ids, run.as_of)  # the class's, for a new item
        total = float(run.planned_weekly_units or 0)
        return {style: total * shares[style] for style in style_ids}
    week_ids = [week.pk for week in weeks_up_to(run.as_of, SHARE_WEEKS)]
    column = {store: position for position, store in enumerate(store_ids)}
    weekly: dict[int, Floats] = {}
    for style in style_ids:
        like = _like_of(run, style)
        units = np.zeros(len(store_ids))
        for location, sold in (
            SalesHistory.objects.filter(
                sku__style_color_id=like, location_id__in=store_ids, fiscal_week_id__in=week_ids
            )
            .values_list("location_id")
            .annotate(units=Sum("units"))
            .order_by()
        ):
            units[column[location]] += sold
        if not units.any():
            raise AllocationSetupError(
                f"The like item sold nothing at these stores in the last {SHARE_WEEKS} weeks: "
                "choose another one or launch from the plan."
            )
        weekly[style] = units / max(len(week_ids), 1)
    return weekly


def _like_of(run: AllocationRun, style_id: int) -> int:
    if run.like_style_color_id is not None:
        return run.like_style_color_id
    like = LikeItem.objects.filter(style_color_id=style_id).values_list("like_id", flat=True).first()
    if like is None:
        raise AllocationSetupError(
            "A launch from a like item needs one: choose it on the run or link one to the style-color."
        )
    return int(like)


def _segments(run: AllocationRun, skus: list[Sku], store_ids: list[int]) -> NDArray[np.str_]:
    """Each SKU's ABC x XYZ cell at each store from its last 26 weeks there (see the module
    docstring)."""
    cells = np.full((len(skus), len(store_ids)), NO_SALES_CELL, dtype="<U2")
    week_ids = [week.pk for week in weeks_up_to(run.as_of, SEGMENT_WEEKS)]
    launch = run.demand != AllocationRun.Demand.FORECAST
    # A launch has no sales of its own: each size borrows the like item's cell at the store.
    source = {sku.pk: sku.pk for sku in skus}
    if launch and run.demand == AllocationRun.Demand.LIKE_ITEM:
        like_sizes: dict[tuple[int, str], int] = {}
        likes = {sku.style_color_id: _like_of(run, sku.style_color_id) for sku in skus}
        for pk, style, size in Sku.objects.filter(style_color_id__in=set(likes.values())).values_list(
            "pk", "style_color_id", "size"
        ):
            like_sizes[style, size] = pk
        source = {sku.pk: like_sizes.get((likes[sku.style_color_id], sku.size), 0) for sku in skus}
    elif launch:
        return cells
    row = {sku.pk: position for position, sku in enumerate(skus)}
    column = {store: position for position, store in enumerate(store_ids)}
    week_column = {week: position for position, week in enumerate(week_ids)}
    pairs: dict[tuple[int, int], int] = {}
    units: list[list[float]] = []
    revenue: list[float] = []
    back: dict[int, list[int]] = defaultdict(list)
    for sku in skus:
        back[source[sku.pk]].append(sku.pk)
    for sku, location, week, sold, value in (
        SalesHistory.objects.filter(
            sku_id__in=[pk for pk in back if pk], location_id__in=store_ids, fiscal_week_id__in=week_ids
        )
        .values_list("sku_id", "location_id", "fiscal_week_id")
        .annotate(units=Sum("units"), value=Sum("retail_value"))
        .order_by()
    ):
        key = (sku, location)
        if key not in pairs:
            pairs[key] = len(units)
            units.append([0.0] * len(week_ids))
            revenue.append(0.0)
        units[pairs[key]][week_column[week]] += sold
        revenue[pairs[key]] += float(value)
    if not pairs:
        return cells
    found = segment(
        np.asarray(units),
        np.asarray(revenue),
        abc=settings.MERCHPLAN_ABC_THRESHOLDS,
        xyz=settings.MERCHPLAN_XYZ_THRESHOLDS,
    )
    for (sold_sku, location), position in pairs.items():
        for target in back[sold_sku]:
            cells[row[target], column[location]] = str(found.cell[position])
    return cells
