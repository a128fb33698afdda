"""What the replenishment engine needs, read from the database into arrays: one row per SKU at
each DC it is bought for (at each store, for a vendor that ships direct to store), the coming
weeks' forecast, open purchase order arrivals, stock, the vendor's terms and reliability, and
the ABC x XYZ cell with its policy defaults.

Demand at a DC is the style-color forecast (the planner's override where there is one) x the
SKU's size share x the DC's share of the sales of the locations it supplies; at a store, x the
store's share of the sales of all selling locations. Its spread is the forecast error the run
measured for the style-color (`SeriesFit.error_sd`) scaled the same way; where a run measured
none, sqrt(demand), the spread of Poisson demand, stands in.

Past the forecast run's own horizon (a 13-week forecast in a 26-week replenishment run) each
style-color's weeks carry its mean weekly forecast of the run's weeks, up to its exit date:
without it the projection saw no demand after week 13 and ordered nothing for it.

Where there is no forecast (the style-color has no forecast rows, or the SKU no size share),
demand falls back to the recent sales rate: the mean weekly units of the last
`SALES_RATE_WEEKS` weeks of the SKU at the selling locations the DC supplies (at the store
itself for direct-to-store rows), flat over the horizon. Items that exited before the horizon
starts (or are discontinued) are not forecast on purpose: they keep zero demand, so nothing is
bought for them. `demand_source` records which source each row used; the run's message counts
them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import F, Q, Sum
from numpy.typing import NDArray

from forecasting.models import ForecastOverride, ForecastRun, SeriesFit, SizeShare, StyleColorForecast
from forecasting.selectors import weeks_after, weeks_up_to
from otb.models import PurchaseOrder, PurchaseOrderLine
from planning.engine.segmentation import segment
from planning.models import FiscalWeek, Location, SalesHistory, Sku, StyleColor
from planning.selectors import stock_as_of
from replenishment.models import SegmentPolicy, VendorItem
from replenishment.reliability import vendor_reliability

SALES_WEEKS = 52  # the year of sales that places an item in ABC x XYZ
SALES_RATE_WEEKS = 13  # the recent sales behind demand where there is no forecast


class Source:
    """Where a row's demand came from (Inputs.demand_source)."""

    FORECAST = "forecast"
    SALES = "sales"  # no forecast: the recent sales rate
    EXITED = "exited"  # exited or discontinued: zero demand, nothing bought
    NONE = "none"  # no forecast and no recent sales


SOURCE_NOTES = {
    Source.FORECAST: "from the forecast",
    Source.SALES: f"from the last {SALES_RATE_WEEKS} weeks' sales (no forecast)",
    Source.EXITED: "exited or discontinued (no demand)",
    Source.NONE: "without forecast or recent sales (no demand)",
}


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
    demand_source: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype="<U8"))
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return int(self.sku_ids.shape[0])


# One row of the arrays: ((sku, style-color, department, unit cost, retail), location, share).
Row = tuple[tuple[Any, ...], int, float]


def gather(department_ids: list[int], as_of: FiscalWeek, horizon: int) -> Inputs:
    weeks = weeks_after(as_of, horizon)
    terms = _vendor_terms(department_ids)
    skus = _skus(terms)
    dc_shares, store_shares = _dc_shares(as_of), _store_shares(as_of)
    notes = []
    if not dc_shares:
        notes.append("No distribution centre: only direct-to-store items are replenished.")
    rows: list[Row] = [
        (sku, location, share)
        for sku in skus
        for location, share in (store_shares if terms[sku[1]].direct_to_store else dc_shares).items()
    ]
    sku_ids = np.array([row[0][0] for row in rows], dtype=np.int64)
    style_colors = np.array([row[0][1] for row in rows], dtype=np.int64)
    forecast, demand_sd, source = _demand(
        rows, terms, department_ids, weeks, as_of, single_dc=len(dc_shares) == 1
    )
    notes.append(_demand_note(source))
    lead_time, lead_time_sd = _lead_times(terms, style_colors)
    cell = _cells(sku_ids, as_of)
    service = {policy.cell: float(policy.service_level) for policy in SegmentPolicy.objects.all()}
    location_ids = np.array([row[1] for row in rows], dtype=np.int64)
    stock = stock_as_of(as_of.pk, location_ids=sorted(set(location_ids.tolist())))
    return Inputs(
        weeks=weeks,
        sku_ids=sku_ids,
        location_ids=location_ids,
        style_color_ids=style_colors,
        department_ids=np.array([row[0][2] for row in rows], dtype=np.int64),
        vendor_ids=np.array([terms[style].vendor_id for style in style_colors], dtype=np.int64),
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
        demand_source=source,
        notes=notes,
    )


def _vendor_terms(department_ids: list[int]) -> dict[int, VendorItem]:
    """Style-color -> its vendor terms, for the departments' style-colors that have them."""
    return {
        item.style_color_id: item
        for item in VendorItem.objects.filter(
            style_color__style__subclass__merch_class__department_id__in=department_ids
        )
    }


def _skus(terms: dict[int, VendorItem]) -> list[tuple[Any, ...]]:
    """(sku, style-color, department, unit cost, retail) of the style-colors with terms, by id."""
    return list(
        Sku.objects.filter(style_color_id__in=list(terms))
        .order_by("pk")
        .values_list(
            "pk", "style_color_id", "style_color__style__subclass__merch_class__department_id",
            "style_color__unit_cost", "style_color__retail_price",
        )
    )  # fmt: skip


def _demand(
    rows: list[Row],
    terms: dict[int, VendorItem],
    department_ids: list[int],
    weeks: list[FiscalWeek],
    as_of: FiscalWeek,
    *,
    single_dc: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.str_]]:
    """Each row's weekly demand over the weeks, its spread and where it came from (see the module
    docstring): the forecast, else the recent sales rate; exited items none."""
    count = len(rows)
    dc_share = np.array([row[2] for row in rows], dtype=np.float64)
    forecast_sc, error_sd_sc, size_share = style_color_forecasts(department_ids, weeks, list(terms))
    forecast = np.zeros((count, len(weeks)))
    demand_sd = np.zeros(count)
    source = np.full(count, Source.FORECAST, dtype="<U8")
    exited = _exited(list(terms), weeks)
    for index, (sku, _dc, _share) in enumerate(rows):
        if sku[1] in exited:
            source[index] = Source.EXITED
            continue
        if sku[1] not in forecast_sc or not size_share.get(sku[0]):
            source[index] = Source.SALES
            demand_sd[index] = np.nan
            continue
        share = size_share[sku[0]] * dc_share[index]
        forecast[index] = forecast_sc[sku[1]] * share
        error = error_sd_sc.get(sku[1])
        demand_sd[index] = error * share if error is not None else np.nan
    fallback = np.flatnonzero(source == Source.SALES)
    if fallback.size:
        rate = _sales_rate(
            [(rows[index][0][0], rows[index][1]) for index in fallback],
            as_of,
            is_dc_row=[not terms[rows[index][0][1]].direct_to_store for index in fallback],
            single_dc=single_dc,
        )
        forecast[fallback] = rate[:, None]
        source[fallback[rate <= 0]] = Source.NONE
    mean_demand = forecast.mean(axis=1) if len(weeks) else np.zeros(count)
    unmeasured = np.isnan(demand_sd)
    demand_sd[unmeasured] = np.sqrt(mean_demand[unmeasured])
    return forecast, demand_sd, source


def _demand_note(source: NDArray[np.str_]) -> str:
    """How many rows took their demand from each source, for the run's message."""
    counts = {name: int((source == name).sum()) for name in SOURCE_NOTES}
    return (
        "Demand: "
        + ", ".join(
            f"{counts[name]} SKU-locations {label}" for name, label in SOURCE_NOTES.items() if counts[name]
        )
        + "."
    )


def _lead_times(
    terms: dict[int, VendorItem], style_colors: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each row's lead time and its spread, in weeks: the vendor's measured ones where its
    reliability is measured, else the quoted lead time with no spread."""
    reliability = vendor_reliability(sorted({item.vendor_id for item in terms.values()}))
    vendor = np.array([terms[style].vendor_id for style in style_colors], dtype=np.int64)
    quoted = np.array([float(terms[style].lead_time_weeks) for style in style_colors])
    measured = [reliability.get(int(vendor_id)) for vendor_id in vendor]
    lead_time = np.array(
        [r.lead_time_mean if r and r.is_measured else q for r, q in zip(measured, quoted, strict=True)]
    )
    lead_time_sd = np.array([r.lead_time_sd if r and r.is_measured else 0.0 for r in measured], dtype=float)
    return lead_time, lead_time_sd


def _cells(sku_ids: NDArray[np.int64], as_of: FiscalWeek) -> NDArray[np.str_]:
    """Each row's ABC x XYZ cell (CZ for a SKU without sales)."""
    cells = _segments(sku_ids, as_of)
    return np.array([cells.get(int(sku), "CZ") for sku in sku_ids], dtype="<U2")


def _or_nan(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def _exited(style_color_ids: list[int], weeks: list[FiscalWeek]) -> set[int]:
    """Style-colors that exited before the horizon starts, or are discontinued."""
    if not weeks:
        return set()
    return set(
        StyleColor.objects.filter(pk__in=style_color_ids)
        .filter(Q(exit_date__lt=weeks[0].start_date) | Q(lifecycle=StyleColor.Lifecycle.DISCONTINUED))
        .values_list("pk", flat=True)
    )


def _sales_rate(
    rows: list[tuple[int, int]], as_of: FiscalWeek, *, is_dc_row: list[bool], single_dc: bool
) -> NDArray[np.float64]:
    """Mean weekly units of the last SALES_RATE_WEEKS weeks for each (SKU, location) row: at a
    DC the sales of the selling locations it supplies (of all of them with a single DC), at a
    store its own (one query)."""
    week_ids = [week.pk for week in weeks_up_to(as_of, SALES_RATE_WEEKS)]
    rate = np.zeros(len(rows))
    if not rows or not week_ids:
        return rate
    by_location: dict[tuple[int, int], float] = defaultdict(float)
    by_dc: dict[tuple[int, int | None], float] = defaultdict(float)
    by_sku: dict[int, float] = defaultdict(float)
    for sku, location, dc, units in (
        SalesHistory.objects.filter(
            sku_id__in=sorted({sku for sku, _location in rows}),
            fiscal_week_id__in=week_ids,
            location__kind__in=[Location.Kind.STORE, Location.Kind.ECOMMERCE],
        )
        .values_list("sku_id", "location_id", "location__supplied_by_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        by_location[sku, location] += float(units)
        by_dc[sku, dc] += float(units)
        by_sku[sku] += float(units)
    for index, ((sku, location), at_dc) in enumerate(zip(rows, is_dc_row, strict=True)):
        if not at_dc:
            total = by_location.get((sku, location), 0.0)
        else:
            total = by_sku.get(sku, 0.0) if single_dc else by_dc.get((sku, location), 0.0)
        rate[index] = max(total, 0.0) / len(week_ids)
    return rate


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


def style_color_forecasts(
    department_ids: list[int], weeks: list[FiscalWeek], style_color_ids: list[int]
) -> tuple[dict[int, NDArray[np.float64]], dict[int, float], dict[int, float]]:
    """Per style-color: the weeks' forecast (overrides win), the run's measured error sd; per
    SKU: its size share. From the newest successful run of each department."""
    column = {week.pk: index for index, week in enumerate(weeks)}
    runs = {}
    for department in department_ids:
        run = (
            ForecastRun.objects.filter(departments=department, status=ForecastRun.Status.DONE)
            .order_by("-created_at", "-pk")
            .first()
        )
        if run is not None:
            runs[run.pk] = run
    forecast: dict[int, NDArray[np.float64]] = defaultdict(lambda: np.zeros(len(weeks)))
    covered: dict[int, int] = {}  # style-color -> its last week (column) the runs forecast
    errors: dict[int, float] = {}
    shares: dict[int, float] = {}
    for run_id in runs:
        for style, week, units in StyleColorForecast.objects.filter(
            run_id=run_id, style_color_id__in=style_color_ids, fiscal_week_id__in=list(column)
        ).values_list("style_color_id", "fiscal_week_id", "units"):
            forecast[style][column[week]] = float(units)
            covered[style] = max(covered.get(style, -1), column[week])
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
    _extend(forecast, covered, weeks, style_color_ids)
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


def _extend(
    forecast: dict[int, NDArray[np.float64]],
    covered: dict[int, int],
    weeks: list[FiscalWeek],
    style_color_ids: list[int],
) -> None:
    """Weeks after the last one a run forecast carry the mean of the forecast weeks, up to the
    style-color's exit date (in place)."""
    short = {style: last for style, last in covered.items() if last < len(weeks) - 1}
    if not short:
        return
    exits = dict(
        StyleColor.objects.filter(pk__in=[style for style in short if style in style_color_ids])
        .exclude(exit_date=None)
        .values_list("pk", "exit_date")
    )
    starts = [week.start_date for week in weeks]
    for style, last in short.items():
        mean = float(forecast[style][: last + 1].mean())
        exit_date = exits.get(style)
        for index in range(last + 1, len(weeks)):
            if exit_date is not None and starts[index] > exit_date:
                break
            forecast[style][index] = mean


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
    found = segment(
        units, revenue, abc=settings.MERCHPLAN_ABC_THRESHOLDS, xyz=settings.MERCHPLAN_XYZ_THRESHOLDS
    )
    return {sku: str(found.cell[position]) for sku, position in index.items()}
