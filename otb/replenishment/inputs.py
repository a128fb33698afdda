"""What the replenishment engine needs, read from the database into arrays: one row per SKU at
each DC it is bought for (at each store, for a vendor that ships direct to store), the coming
weeks' forecast, open purchase order arrivals, stock, the vendor's terms and reliability, and
the ABC x XYZ cell with its policy defaults.

Demand at a DC is the style-color forecast (the planner's override where there is one) x the
SKU's size share x the DC's share of the sales of the locations it supplies; at a store, x the
store's share of the sales of all selling locations. Its spread is the forecast error the run
measured for the style-color (`SeriesFit.error_sd`) scaled the same way; where a run measured
none, sqrt(demand), the spread of Poisson demand, stands in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import F, Sum
from numpy.typing import NDArray

from forecasting.models import ForecastOverride, ForecastRun, SeriesFit, SizeShare, StyleColorForecast
from forecasting.selectors import weeks_after, weeks_up_to
from otb.models import PurchaseOrder, PurchaseOrderLine, SegmentPolicy, VendorItem
from otb.replenishment.reliability import vendor_reliability
from planning.engine.segmentation import segment
from planning.models import FiscalWeek, Location, SalesHistory, Sku
from planning.selectors import stock_as_of

SALES_WEEKS = 52  # the year of sales that places an item in ABC x XYZ


@dataclass
class Inputs:
    """Row i of every array is one SKU at one DC; week j is the j-th week after `as_of`."""

    weeks: list[FiscalWeek]
    sku_ids: NDArray[np.int64]
    location_ids: NDArray[np.int64]
    style_color_ids: NDArray[np.int64]
    department_ids: NDArray[np.int64]
    vendor_ids: NDArray[np.int64]
    unit_cost: NDArray[np.float64]
    unit_retail: NDArray[np.float64]
    forecast: NDArray[np.float64]  # (N, W) units a week
    demand_sd: NDArray[np.float64]  # (N,) units a week
    arrivals: NDArray[np.float64]  # (N, W) open PO units landing each week
    on_hand: NDArray[np.float64]
    lead_time: NDArray[np.float64]  # weeks
    lead_time_sd: NDArray[np.float64]
    moq: NDArray[np.int64]
    multiple: NDArray[np.int64]
    order_cost: NDArray[np.float64]  # NaN: not set, no EOQ
    holding_rate: NDArray[np.float64]
    segment: NDArray[np.str_]
    service_level: NDArray[np.float64]
    direct_to_store: NDArray[np.bool_]  # rows at a store: unmet demand is a lost sale
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return int(self.sku_ids.shape[0])


def gather(department_ids: list[int], as_of: FiscalWeek, horizon: int) -> Inputs:
    weeks = weeks_after(as_of, horizon)
    terms = {
        item.style_color_id: item
        for item in VendorItem.objects.filter(
            style_color__style__subclass__merch_class__department_id__in=department_ids
        )
    }
    skus = list(
        Sku.objects.filter(style_color_id__in=list(terms))
        .order_by("pk")
        .values_list(
            "pk", "style_color_id", "style_color__style__subclass__merch_class__department_id",
            "style_color__unit_cost", "style_color__retail_price",
        )
    )  # fmt: skip
    dc_shares, store_shares = _dc_shares(as_of), _store_shares(as_of)
    notes = []
    if not dc_shares:
        notes.append("No distribution centre: only direct-to-store items are replenished.")
    rows = [
        (sku, location, share)
        for sku in skus
        for location, share in (store_shares if terms[sku[1]].direct_to_store else dc_shares).items()
    ]
    count, horizon_weeks = len(rows), len(weeks)
    sku_ids = np.array([row[0][0] for row in rows], dtype=np.int64)
    style_colors = np.array([row[0][1] for row in rows], dtype=np.int64)
    dc_share = np.array([row[2] for row in rows], dtype=np.float64)

    forecast_sc, error_sd_sc, size_share = _forecasts(department_ids, weeks, list(terms))
    forecast = np.zeros((count, horizon_weeks))
    demand_sd = np.zeros(count)
    for index, (sku, _dc, _share) in enumerate(rows):
        share = size_share.get(sku[0], 0.0) * dc_share[index]
        forecast[index] = forecast_sc.get(sku[1], np.zeros(horizon_weeks)) * share
        error = error_sd_sc.get(sku[1])
        demand_sd[index] = error * share if error is not None else np.nan
    mean_demand = forecast.mean(axis=1) if horizon_weeks else np.zeros(count)
    unmeasured = np.isnan(demand_sd)
    demand_sd[unmeasured] = np.sqrt(mean_demand[unmeasured])

    reliability = vendor_reliability(sorted({item.vendor_id for item in terms.values()}))
    vendor = np.array([terms[style].vendor_id for style in style_colors], dtype=np.int64)
    quoted = np.array([float(terms[style].lead_time_weeks) for style in style_colors])
    measured = [reliability.get(int(vendor_id)) for vendor_id in vendor]
    lead_time = np.array(
        [r.lead_time_mean if r and r.is_measured else q for r, q in zip(measured, quoted, strict=True)]
    )
    lead_time_sd = np.array([r.lead_time_sd if r and r.is_measured else 0.0 for r in measured], dtype=float)

    cells = _segments(sku_ids, as_of)
    service = {policy.cell: float(policy.service_level) for policy in SegmentPolicy.objects.all()}
    cell = np.array([cells.get(int(sku), "CZ") for sku in sku_ids], dtype="<U2")
    location_ids = np.array([row[1] for row in rows], dtype=np.int64)
    stock = stock_as_of(as_of.pk, location_ids=sorted(set(location_ids.tolist())))
    return Inputs(
        weeks=weeks,
        sku_ids=sku_ids,
        location_ids=location_ids,
        style_color_ids=style_colors,
        department_ids=np.array([row[0][2] for row in rows], dtype=np.int64),
        vendor_ids=vendor,
        unit_cost=np.array([float(row[0][3]) for row in rows]),
        unit_retail=np.array([float(row[0][4]) for row in rows]),
        forecast=forecast,
        demand_sd=demand_sd,
        arrivals=_arrivals(sku_ids, location_ids, weeks),
        on_hand=np.array(
            [float(stock.get((int(s), int(d)), 0)) for s, d in zip(sku_ids, location_ids, strict=True)]
        ),
        lead_time=lead_time,
        lead_time_sd=lead_time_sd,
        moq=np.array([terms[style].moq for style in style_colors], dtype=np.int64),
        multiple=np.array([terms[style].order_multiple for style in style_colors], dtype=np.int64),
        order_cost=np.array([_or_nan(terms[style].order_cost) for style in style_colors]),
        holding_rate=np.array([_or_nan(terms[style].holding_rate) for style in style_colors]),
        segment=cell,
        direct_to_store=np.array([terms[style].direct_to_store for style in style_colors], dtype=bool),
        service_level=np.array([service.get(str(value), 0.9) for value in cell]),
        notes=notes,
    )


def _or_nan(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def _dc_shares(as_of: FiscalWeek) -> dict[int, float]:
    """Each DC's share of the last 13 weeks' sales of the locations it supplies (equal shares
    when there are no sales yet)."""
    dcs = list(Location.objects.filter(kind=Location.Kind.DC).values_list("pk", flat=True))
    if len(dcs) <= 1:
        return dict.fromkeys(dcs, 1.0)
    week_ids = [week.pk for week in weeks_up_to(as_of, 13)]
    sales = dict(
        SalesHistory.objects.filter(fiscal_week_id__in=week_ids, location__supplied_by_id__in=dcs)
        .values_list("location__supplied_by_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    total = sum(sales.values())
    if not total:
        return dict.fromkeys(dcs, 1 / len(dcs))
    return {dc: sales.get(dc, 0) / total for dc in dcs}


def _store_shares(as_of: FiscalWeek) -> dict[int, float]:
    """Each store's (and web fulfilment location's) share of the last 13 weeks' sales."""
    selling = list(
        Location.objects.filter(kind__in=[Location.Kind.STORE, Location.Kind.ECOMMERCE]).values_list(
            "pk", flat=True
        )
    )
    week_ids = [week.pk for week in weeks_up_to(as_of, 13)]
    sales = dict(
        SalesHistory.objects.filter(fiscal_week_id__in=week_ids, location_id__in=selling)
        .values_list("location_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    total = sum(sales.values())
    if not total:
        return dict.fromkeys(selling, 1 / len(selling)) if selling else {}
    return {location: sales[location] / total for location in selling if sales.get(location)}


def _forecasts(
    department_ids: list[int], weeks: list[FiscalWeek], style_color_ids: list[int]
) -> tuple[dict[int, NDArray[np.float64]], dict[int, float], dict[int, float]]:
    """Per style-color: the weeks' forecast (overrides win), the run's measured error sd; per
    SKU: its size share. From the newest successful run of each department."""
    column = {week.pk: index for index, week in enumerate(weeks)}
    runs = {}
    for department in department_ids:
        run = (
            ForecastRun.objects.filter(departments=department, status=ForecastRun.Status.SUCCEEDED)
            .order_by("-created_at", "-pk")
            .first()
        )
        if run is not None:
            runs[run.pk] = run
    forecast: dict[int, NDArray[np.float64]] = defaultdict(lambda: np.zeros(len(weeks)))
    errors: dict[int, float] = {}
    shares: dict[int, float] = {}
    for run_id in runs:
        for style, week, units in StyleColorForecast.objects.filter(
            run_id=run_id, style_color_id__in=style_color_ids, fiscal_week_id__in=list(column)
        ).values_list("style_color_id", "fiscal_week_id", "units"):
            forecast[style][column[week]] = float(units)
        errors.update(
            (style, float(error))
            for style, error in SeriesFit.objects.filter(
                run_id=run_id, style_color_id__in=style_color_ids, error_sd__isnull=False
            ).values_list("style_color_id", "error_sd")
            if error is not None
        )
        shares.update(
            (sku, float(share))
            for sku, share in SizeShare.objects.filter(run_id=run_id).values_list("sku_id", "share")
        )
    for style, week, units in ForecastOverride.objects.filter(
        style_color_id__in=style_color_ids, fiscal_week_id__in=list(column)
    ).values_list("style_color_id", "fiscal_week_id", "units"):
        forecast[style][column[week]] = float(units)
    # SKUs without a size share split their style-color equally.
    sizes: dict[int, list[int]] = defaultdict(list)
    for sku, style in Sku.objects.filter(style_color_id__in=style_color_ids).values_list(
        "pk", "style_color_id"
    ):
        sizes[style].append(sku)
    for members in sizes.values():
        if not any(sku in shares for sku in members):
            shares.update(dict.fromkeys(members, 1 / len(members)))
    return dict(forecast), errors, shares


def _arrivals(
    sku_ids: NDArray[np.int64], location_ids: NDArray[np.int64], weeks: list[FiscalWeek]
) -> NDArray[np.float64]:
    """Open units of released lines by the week they land (late ones land in the first week)."""
    arrivals = np.zeros((sku_ids.shape[0], len(weeks)))
    if not weeks:
        return arrivals
    row = {(int(s), int(d)): index for index, (s, d) in enumerate(zip(sku_ids, location_ids, strict=True))}
    column = {week.pk: index for index, week in enumerate(weeks)}
    lines = (
        PurchaseOrderLine.objects.filter(
            order__status=PurchaseOrder.Status.RELEASED,
            status__in=PurchaseOrderLine.OPEN_STATUSES,
            sku_id__in=[int(s) for s in set(sku_ids.tolist())],
            receipt_week__start_date__lte=weeks[-1].start_date,
        )
        .values_list("sku_id", "location_id", "receipt_week_id")
        .annotate(units=Sum(F("units") - F("received_units")))
        .order_by()
    )
    for sku, location, week, units in lines:
        index = row.get((sku, location))
        if index is not None:
            arrivals[index, column.get(week, 0)] += units
    return arrivals


def _segments(sku_ids: NDArray[np.int64], as_of: FiscalWeek) -> dict[int, str]:
    """ABC by a year's revenue, XYZ by the spread of weekly units, SKU by SKU (all locations)."""
    unique = sorted({int(sku) for sku in sku_ids})
    week_ids = [week.pk for week in weeks_up_to(as_of, SALES_WEEKS)]
    if not unique or not week_ids:
        return {}
    index = {sku: position for position, sku in enumerate(unique)}
    column = {week: position for position, week in enumerate(week_ids)}
    units = np.zeros((len(unique), len(week_ids)))
    revenue = np.zeros(len(unique))
    for sku, week, total, value in (
        SalesHistory.objects.filter(sku_id__in=unique, fiscal_week_id__in=week_ids)
        .values_list("sku_id", "fiscal_week_id")
        .annotate(units=Sum("units"), value=Sum("retail_value"))
        .order_by()
    ):
        units[index[sku], column[week]] = total
        revenue[index[sku]] += float(value)
    from django.conf import settings

    found = segment(
        units, revenue, abc=settings.MERCHPLAN_ABC_THRESHOLDS, xyz=settings.MERCHPLAN_XYZ_THRESHOLDS
    )
    return {sku: str(found.cell[position]) for sku, position in index.items()}
