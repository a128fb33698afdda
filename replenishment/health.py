"""Reads for inventory health and the policy matrix.

Inventory health of a department: the latest done replenishment run's item policies (order-up-to,
weekly demand, on order) joined with stock and sales as of the last closed week. Each SKU x
location with stock falls in at most one list, the first that applies in this order of
precedence: obsolete (no sale in 26 weeks, or discontinued), no-move (no sale in 8 weeks),
excess (stock above order-up-to + N weeks of demand), slow-moving (over 26 weeks of supply at
the last 13 weeks' sales). Stock that has not sold for half a year is obsolete even when the
run still gives it demand, so the same units are never counted twice and the summary totals
add up to the stock at risk. Value at risk is at cost (the style-color's unit cost): the excess
units for excess, all on hand otherwise.

A distribution centre sells nothing itself: its stock is judged by the demand it serves. Its
policy's weekly demand already is that demand (the run gives a DC the forecast of the locations
it supplies, `inputs.gather`), so excess reads it as it is; ageing and slow-moving read the sales
of the selling locations it supplies (`Location.supplied_by`; a lone DC also serves those that
name none, as the run counts them) added to any of its own. A DC's SKU is no-move or obsolete
only when none of those locations sold it either. A fixed number of grouped queries,
whatever the number of rows; the thresholds are plain functions tested with hand numbers.

Young stock is judged by its weeks on sale, never by weeks before it existed. A SKU has been on
sale at a location since the later of the week of its style-color's launch date and the first
week it had stock there (without a launch date: that first week). Stock that has not sold since
it came on sale is no-move or obsolete only once it has been on sale for the no-move or obsolete
weeks: launched last week and unsold is "new: launched 1 week ago", not obsolete; on sale 12
weeks and unsold is no-move. Slow-moving reads the average of the last 13 weeks, or of the
weeks on sale when fewer (3 a week over its 5 weeks, not 15 / 13)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import F, Max, Min, OuterRef, Q, Subquery, Sum
from django.urls import reverse

from core.money import to_cents
from forecasting.selectors import latest_closed_week, weeks_after, weeks_up_to
from otb.models import PurchaseOrder, PurchaseOrderLine
from planning.models import (
    Channel,
    Department,
    FiscalWeek,
    Location,
    SalesHistory,
    Sku,
    StockPosition,
    StyleColor,
)
from replenishment.engine.stock_health import (
    SLOW_WINDOW_WEEKS as SLOW_WINDOW_WEEKS,
)
from replenishment.engine.stock_health import (
    Thresholds as Thresholds,
)
from replenishment.engine.stock_health import (
    age_bucket as age_bucket,
)
from replenishment.engine.stock_health import (
    excess_units as excess_units,
)
from replenishment.engine.stock_health import (
    is_slow_moving as is_slow_moving,
)
from replenishment.engine.stock_health import (
    sales_weeks as sales_weeks,
)
from replenishment.engine.stock_health import (
    weeks_of_supply as weeks_of_supply,
)
from replenishment.matrix_reads import latest_done_run
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem

TRANSFER_WOS = 2.0  # stores below this projected weeks of supply need stock
ARRIVING_WEEKS = 4  # open purchase order lines arriving within this many weeks count as available
RATIONALISATION_WEEKS = 52
RATIONALISATION_CELLS = ("CZ",)  # low value and erratic: candidates to drop


def thresholds() -> Thresholds:
    return Thresholds(
        excess_weeks=int(getattr(settings, "MERCHPLAN_EXCESS_WEEKS", 8)),
        no_move_weeks=int(getattr(settings, "MERCHPLAN_NO_MOVE_WEEKS", 8)),
        slow_moving_wos=float(getattr(settings, "MERCHPLAN_SLOW_MOVING_WOS", 26)),
        obsolete_weeks=int(getattr(settings, "MERCHPLAN_OBSOLETE_WEEKS", 26)),
    )


def weeks_on_sale(window: list[FiscalWeek], launch: date | None, first_stocked: int | None) -> int | None:
    """Weeks of `window` (oldest first, ending with the as-of week) a SKU has been on sale at a
    location: since the later of the week holding its launch date and the week it first had stock
    there. None: since the window's first week or before (an old item), or nothing is known.
    Window W-25..W, launched on a day of W-2, first stocked at W-5: 3."""
    counts = []
    if launch is not None:
        counts.append(sum(1 for week in window if week.end_date >= launch))
    if first_stocked is not None:
        counts.append(sum(1 for week in window if week.id >= first_stocked))
    if not counts or min(counts) >= len(window):
        return None
    return min(counts)


def at_cost(units: int, unit_cost: Decimal) -> Decimal:
    return to_cents(units * unit_cost)


# -- inventory health ------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str  # markdown, transfer, return, liquidate
    label: str
    url: str = ""


@dataclass
class HealthRow:
    sku_id: int
    sku: str
    style_color: str
    location: str
    segment: str
    on_hand: int
    unit_cost: Decimal
    weekly_demand: float
    order_up_to: float
    weeks_since_sale: int | None
    weekly_sales: float
    weeks_of_supply: float | None
    served_locations: int = 0  # a DC: the selling locations whose sales it is judged by
    excess_units: int = 0
    value_at_risk: Decimal = Decimal("0.00")
    actions: list[Action] = field(default_factory=list)
    weeks_on_sale: int | None = None  # on sale here for this many weeks; None: the whole history read
    new_label: str = ""  # "New: launched 2 weeks ago" when on sale fewer than the no-move weeks


@dataclass(frozen=True)
class RationalisationRow:
    sku: str
    style_color: str
    revenue: Decimal
    revenue_share_percent: float
    margin_percent: float | None


@dataclass(frozen=True)
class AvailableRow:
    sku: str
    channel: str
    on_hand: int
    arriving: int
    committed: int

    @property
    def available(self) -> int:
        return self.on_hand + self.arriving - self.committed

    @property
    def is_zero(self) -> bool:
        """Nothing on hand, arriving or committed (the page hides these by default)."""
        return self.on_hand == self.arriving == self.committed == 0


@dataclass
class HealthReport:
    department: Department
    run: ReplenishmentRun | None
    as_of: FiscalWeek
    limits: Thresholds
    excess: list[HealthRow] = field(default_factory=list)
    no_move: list[HealthRow] = field(default_factory=list)
    slow_moving: list[HealthRow] = field(default_factory=list)
    obsolete: list[HealthRow] = field(default_factory=list)
    rationalisation: list[RationalisationRow] = field(default_factory=list)
    available: list[AvailableRow] = field(default_factory=list)
    committed_source: str = (
        "Committed: units of planned transfers (released allocations, accepted rebalancing) leaving "
        "the channel's locations; those transfers count as arriving where they go."
    )

    def total(self, bucket: str) -> Decimal:
        return sum((row.value_at_risk for row in getattr(self, bucket)), Decimal("0.00"))


_DEPARTMENT = "sku__style_color__style__subclass__merch_class__department_id"


def _stock(department_id: int, week_id: int) -> dict[tuple[int, int], int]:
    """On hand per (sku, location) of the department's SKUs at the end of a week (the latest
    stock row at or before it: rows are sparse and carry forward). One query."""
    latest = (
        StockPosition.objects.filter(
            sku_id=OuterRef("sku_id"), location_id=OuterRef("location_id"), fiscal_week_id__lte=week_id
        )
        .order_by("-fiscal_week_id")
        .values("fiscal_week_id")[:1]
    )
    rows = StockPosition.objects.filter(**{_DEPARTMENT: department_id}, fiscal_week_id__lte=week_id).filter(
        fiscal_week_id=Subquery(latest)
    )
    return {
        (sku, location): on_hand
        for sku, location, on_hand in rows.values_list("sku_id", "location_id", "on_hand")
    }


def _first_stocked(department_id: int, week_id: int) -> dict[tuple[int, int], int]:
    """Per (sku, location): the first week (up to `week_id`) it had stock there. One query."""
    rows = (
        StockPosition.objects.filter(**{_DEPARTMENT: department_id}, fiscal_week_id__lte=week_id)
        .filter(on_hand__gt=0)
        .values("sku_id", "location_id")
        .annotate(first=Min("fiscal_week_id"))
        .order_by()
    )
    return {(row["sku_id"], row["location_id"]): row["first"] for row in rows}


def new_label(weeks: int | None, is_launch: bool, limits: Thresholds) -> str:
    """What a young row says instead of an age: "" once on sale the no-move weeks (or longer)."""
    if weeks is None or weeks >= limits.no_move_weeks:
        return ""
    if weeks == 0:
        return "New: not launched yet"
    ago = f"{weeks} week{'s' if weeks != 1 else ''} ago"
    return f"New: launched {ago}" if is_launch else f"New here: first stocked {ago}"


def _sales(department_id: int, window: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (sku, location) that sold in the window's weeks (oldest first): (weeks since the last
    sale, 0 = the last week of the window; units in the last 13 weeks). One grouped query."""
    slow = window[-SLOW_WINDOW_WEEKS:]
    rows = (
        SalesHistory.objects.filter(**{_DEPARTMENT: department_id}, fiscal_week_id__in=window, units__gt=0)
        .values("sku_id", "location_id")
        .annotate(last_week=Max("fiscal_week_id"), slow_units=Sum("units", filter=Q(fiscal_week_id__in=slow)))
        .order_by()
    )
    position = {week: index for index, week in enumerate(window)}
    return {
        (row["sku_id"], row["location_id"]): (
            len(window) - 1 - position[row["last_week"]],
            row["slow_units"] or 0,
        )
        for row in rows
    }


def supplying_dc(locations: Iterable[tuple[int, str, int | None]]) -> dict[int, int]:
    """Selling location -> the distribution centre that supplies it, from (id, kind, supplied_by)
    rows. A lone DC also supplies the selling locations that name none: the replenishment run
    gives it all their demand (`inputs._dc_shares`). With several, such a location is nobody's."""
    rows = list(locations)
    dcs = [location for location, kind, _ in rows if kind == Location.Kind.DC]
    lone = dcs[0] if len(dcs) == 1 else None
    supplier: dict[int, int] = {}
    for location, kind, supplied_by in rows:
        dc = supplied_by if supplied_by is not None else lone
        if kind != Location.Kind.DC and dc is not None:
            supplier[location] = dc
    return supplier


def served_sales(
    sales: dict[tuple[int, int], tuple[int, int]], supplier: dict[int, int], dc_ids: Iterable[int]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (SKU, DC): the sales a DC's stock is judged by, those of the selling locations it
    supplies and its own (if it records any), shaped as `_sales` gives them per location: the
    most recent sale of any of them (fewest weeks since) and their last 13 weeks' units added.
    S1 sold 4 units 3 weeks back and S2 6 units 9 weeks back, both supplied by D: (3, 10)."""
    judged_at = {**supplier, **{dc: dc for dc in dc_ids}}
    served: dict[tuple[int, int], tuple[int, int]] = {}
    for (sku, location), (since, units) in sales.items():
        dc = judged_at.get(location)
        if dc is None:
            continue
        before = served.get((sku, dc))
        served[sku, dc] = (since, units) if before is None else (min(since, before[0]), units + before[1])
    return served


def _store_needs(
    policies: list[dict[str, Any]], stock: dict[tuple[int, int], int]
) -> dict[int, list[tuple[str, float]]]:
    """Per SKU: the stores whose projected weeks of supply ((on hand + on order) / weekly
    demand) is below 2, lowest first."""
    needs: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for row in policies:
        if row["location__kind"] != "store" or row["demand"] <= 0:
            continue
        cover = (stock.get((row["sku_id"], row["location_id"]), 0) + row["on_order"]) / row["demand"]
        if cover < TRANSFER_WOS:
            needs[row["sku_id"]].append((row["location__code"], round(cover, 1)))
    for stores in needs.values():
        stores.sort(key=lambda item: item[1])
    return needs


def inventory_health(department: Department) -> HealthReport:
    """The health lists of a department (see the module docstring)."""
    as_of = latest_closed_week()
    limits = thresholds()
    report = HealthReport(
        department=department, run=latest_done_run(department.pk), as_of=as_of, limits=limits
    )
    history = max(limits.obsolete_weeks, limits.no_move_weeks, SLOW_WINDOW_WEEKS)
    history_weeks = weeks_up_to(as_of, history)
    window = [week.id for week in history_weeks]
    stock = _stock(department.pk, as_of.id)
    locations = list(Location.objects.values_list("id", "kind", "supplied_by_id", "channel_id"))
    if report.run is not None:
        supplier = supplying_dc((location, kind, dc) for location, kind, dc, _ in locations)
        dc_ids = {location for location, kind, _, _ in locations if kind == Location.Kind.DC}
        sales = _sales(department.pk, window)
        served = served_sales(sales, supplier, dc_ids)
        ages = _Ages(history_weeks, _first_stocked(department.pk, as_of.id))
        _classify(report, department, stock, sales, served, Counter(supplier.values()), ages)
    channels: dict[int, int | None] = {location: channel for location, _, _, channel in locations}
    report.available = _available(department.pk, as_of, stock, channels)
    return report


@dataclass(frozen=True)
class _Ages:
    """The history read (oldest first) and each (SKU, location)'s first week with stock."""

    window: list[FiscalWeek]
    first_stocked: dict[tuple[int, int], int]

    def of(self, sku: int, location: int, launch: date | None) -> tuple[int | None, bool]:
        """(weeks on sale, whether the launch date is what makes it that young)."""
        first = self.first_stocked.get((sku, location))
        weeks = weeks_on_sale(self.window, launch, first)
        by_launch = weeks_on_sale(self.window, launch, None)
        return weeks, weeks is not None and by_launch == weeks


def _classify(
    report: HealthReport,
    department: Department,
    stock: dict[tuple[int, int], int],
    sales: dict[tuple[int, int], tuple[int, int]],
    served: dict[tuple[int, int], tuple[int, int]],
    served_count: Counter[int],
    ages: _Ages,
) -> None:
    """`sales` per (SKU, location); a DC's rows read `served` instead (see the module docstring),
    `served_count` being how many selling locations each DC supplies; `ages` gives the weeks on
    sale."""
    limits = report.limits
    columns = [
        "sku_id", "sku__code", "sku__style_color_id", "sku__style_color__code",
        "sku__style_color__unit_cost", "sku__style_color__lifecycle", "sku__style_color__launch_date",
        "location_id", "location__code", "location__kind", "segment", "demand", "order_up_to", "on_order",
    ]  # fmt: skip
    policies: list[dict[str, Any]] = [
        dict(row)
        for row in ItemPolicy.objects.filter(run=report.run, **{_DEPARTMENT: department.pk})
        .values(*columns)
        .order_by("sku__code", "location__code")
    ]
    vendors = dict(
        VendorItem.objects.filter(
            style_color__in={row["sku__style_color_id"] for row in policies}
        ).values_list("style_color_id", "vendor__code")
    )
    receipts = _received_from(department.pk, {row["sku_id"] for row in policies})
    needs = _store_needs(policies, stock)
    markdown_url = reverse("otb:markdown-candidates", args=[department.pk])
    for policy in policies:
        on_hand = stock.get((policy["sku_id"], policy["location_id"]), 0)
        if on_hand <= 0:
            continue
        is_dc = policy["location__kind"] == Location.Kind.DC
        since: int | None
        since, slow_units = (served if is_dc else sales).get(
            (policy["sku_id"], policy["location_id"]), (None, 0)
        )
        unit_cost = policy["sku__style_color__unit_cost"]
        on_sale, by_launch = ages.of(
            policy["sku_id"], policy["location_id"], policy["sku__style_color__launch_date"]
        )
        weekly_sales = slow_units / sales_weeks(on_sale)
        row = HealthRow(
            sku_id=policy["sku_id"],
            sku=policy["sku__code"],
            style_color=policy["sku__style_color__code"],
            location=policy["location__code"],
            segment=policy["segment"],
            on_hand=on_hand,
            unit_cost=unit_cost,
            weekly_demand=policy["demand"],
            order_up_to=policy["order_up_to"],
            weeks_since_sale=since,
            weekly_sales=round(weekly_sales, 2),
            weeks_of_supply=_rounded(weeks_of_supply(on_hand, weekly_sales)),
            served_locations=served_count[policy["location_id"]] if is_dc else 0,
            weeks_on_sale=on_sale,
            new_label=new_label(on_sale, by_launch, limits),
        )
        stores = [store for store in needs.get(policy["sku_id"], []) if store[0] != policy["location__code"]]
        vendor = vendors.get(policy["sku__style_color_id"])
        received = receipts.get((policy["sku_id"], vendor)) if vendor else None
        bucket = age_bucket(
            on_hand,
            since,
            limits,
            is_discontinued=policy["sku__style_color__lifecycle"] == StyleColor.Lifecycle.DISCONTINUED,
            weeks_on_sale=on_sale,
        )
        # Exclusive lists, in order of precedence: obsolete > no-move > excess > slow-moving.
        extra = excess_units(on_hand, policy["order_up_to"], policy["demand"], limits.excess_weeks)
        if bucket == "obsolete":
            actions = _actions(markdown_url, [], vendor, True, received)
            report.obsolete.append(_with(row, on_hand, unit_cost, actions))
        elif bucket == "no_move":
            actions = _actions(markdown_url, stores, vendor, False, received)
            report.no_move.append(_with(row, on_hand, unit_cost, actions))
        elif extra:
            actions = _actions(markdown_url, stores, vendor, False, received)
            report.excess.append(_with(row, extra, unit_cost, actions, excess=True))
        elif is_slow_moving(on_hand, slow_units, limits, on_sale):
            actions = _actions(markdown_url, stores, vendor, False, received)
            report.slow_moving.append(_with(row, on_hand, unit_cost, actions))
    for bucket_rows in (report.excess, report.no_move, report.slow_moving, report.obsolete):
        bucket_rows.sort(key=lambda item: (-item.value_at_risk, item.sku, item.location))
    # A new item (on sale fewer than the no-move weeks wherever it is) has too little history to
    # sit in CZ on its merits: it is not a candidate to drop.
    young: dict[int, bool] = {}
    for policy in policies:
        weeks, _ = ages.of(policy["sku_id"], policy["location_id"], policy["sku__style_color__launch_date"])
        is_young = weeks is not None and weeks < limits.no_move_weeks
        young[policy["sku_id"]] = young.get(policy["sku_id"], True) and is_young
    report.rationalisation = _rationalisation(
        department.pk, report.as_of, [policy for policy in policies if not young[policy["sku_id"]]]
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _with(
    row: HealthRow, units: int, unit_cost: Decimal, actions: list[Action], *, excess: bool = False
) -> HealthRow:
    copy = HealthRow(**{**row.__dict__, "actions": actions})
    if excess:
        copy.excess_units = units
    copy.value_at_risk = at_cost(units, unit_cost)
    return copy


def _received_from(department_id: int, sku_ids: set[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """Per (SKU, vendor code): the latest purchase order of the department that received the SKU
    from that vendor, as (order id, number): the order a return to vendor refers to. Two queries."""
    latest = {
        (row["sku_id"], row["order__vendor__code"]): row["latest"]
        for row in PurchaseOrderLine.objects.filter(
            order__department_id=department_id, sku_id__in=sku_ids, received_units__gt=0
        )
        .values("sku_id", "order__vendor__code")
        .annotate(latest=Max("order_id"))
        .order_by()
    }
    numbers = dict(PurchaseOrder.objects.filter(pk__in=set(latest.values())).values_list("pk", "number"))
    return {key: (order, numbers[order]) for key, order in latest.items()}


def _actions(
    markdown_url: str,
    stores: list[tuple[str, float]],
    vendor: str | None,
    is_obsolete: bool,
    received_on: tuple[int, str] | None = None,
) -> list[Action]:
    """`received_on`: the purchase order the stock came from the vendor on, if any: the return
    links to it; without one the return is only a suggestion and says so."""
    actions = [Action("markdown", "Mark down", markdown_url)]
    if stores:
        names = ", ".join(f"{code} ({cover:g} wk)" for code, cover in stores[:3])
        more = f" and {len(stores) - 3} more" if len(stores) > 3 else ""
        actions.append(Action("transfer", f"Transfer to {names}{more}"))
    if vendor and received_on is not None:
        order, number = received_on
        url = reverse("otb:order", args=[order])
        actions.append(Action("return", f"Return to vendor {vendor} (received on {number})", url))
    elif vendor:
        actions.append(Action("return", f"Suggestion: return to vendor {vendor} (no receipt on file)"))
    if is_obsolete:
        actions.append(Action("liquidate", "Liquidate"))
    return actions


def _rationalisation(
    department_id: int, as_of: FiscalWeek, policies: list[dict[str, Any]]
) -> list[RationalisationRow]:
    """SKUs whose every policy sits in a rationalisation cell (CZ), with their share of the
    department's revenue and their margin over 52 weeks (one grouped query). New items are
    left out by the caller."""
    segments: dict[int, set[str]] = defaultdict(set)
    names: dict[int, tuple[str, str]] = {}
    for row in policies:
        segments[row["sku_id"]].add(row["segment"])
        names[row["sku_id"]] = (row["sku__code"], row["sku__style_color__code"])
    candidates = [sku for sku, cells in segments.items() if cells <= set(RATIONALISATION_CELLS)]
    if not candidates:
        return []
    weeks = [week.id for week in weeks_up_to(as_of, RATIONALISATION_WEEKS)]
    totals = {
        row["sku_id"]: (row["revenue"] or Decimal(0), row["cost"] or Decimal(0))
        for row in SalesHistory.objects.filter(**{_DEPARTMENT: department_id}, fiscal_week_id__in=weeks)
        .values("sku_id")
        .annotate(revenue=Sum("retail_value"), cost=Sum("cost_value"))
        .order_by()
    }
    department_revenue = sum((revenue for revenue, _ in totals.values()), Decimal(0))
    rows = []
    for sku in candidates:
        revenue, cost = totals.get(sku, (Decimal(0), Decimal(0)))
        rows.append(
            RationalisationRow(
                sku=names[sku][0],
                style_color=names[sku][1],
                revenue=to_cents(revenue),
                revenue_share_percent=round(float(100 * revenue / department_revenue), 2)
                if department_revenue
                else 0.0,
                margin_percent=round(float(100 * (revenue - cost) / revenue), 1) if revenue else None,
            )
        )
    rows.sort(key=lambda item: (item.revenue, item.sku))
    return rows


def _available(
    department_id: int,
    as_of: FiscalWeek,
    stock: dict[tuple[int, int], int],
    locations: dict[int, int | None],
) -> list[AvailableRow]:
    """Available to sell per SKU and channel: on hand at the channel's locations + open lines of
    released orders arriving there within 4 weeks + planned transfers to them - committed (planned
    transfers leaving them: released allocations, accepted rebalancing). A DC's 10 units with 4
    allocated to a store: the DC row has 10 on hand, 4 committed, 6 available; the store's
    channel 4 arriving. Distribution centres belong to no channel: their row says so.
    `locations`: id -> channel."""
    channels = dict(Channel.objects.values_list("id", "name"))
    on_hand: dict[tuple[int, int | None], int] = defaultdict(int)
    for (sku, location), units in stock.items():
        on_hand[sku, locations.get(location)] += units
    arriving: dict[tuple[int, int | None], int] = defaultdict(int)
    weeks = [week.id for week in weeks_after(as_of, ARRIVING_WEEKS)]
    for row in (
        PurchaseOrderLine.objects.filter(
            **{_DEPARTMENT: department_id},
            order__status=PurchaseOrder.Status.RELEASED,
            status__in=PurchaseOrderLine.OPEN_STATUSES,
            receipt_week_id__in=weeks,
        )
        .values("sku_id", "location__channel_id")
        .annotate(units=Sum(F("units") - F("received_units")))
        .order_by()
    ):
        arriving[row["sku_id"], row["location__channel_id"]] += row["units"] or 0
    committed: dict[tuple[int, int | None], int] = defaultdict(int)
    # allocation depends on otb (orders, the policy matrix): its transfers are read through the
    # app registry so the imports stay one way.
    transfer = apps.get_model("allocation", "Transfer")
    for sku, source, target, units in (
        transfer.objects.filter(**{_DEPARTMENT: department_id}, status="planned")
        .values_list("sku_id", "from_location_id", "to_location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        committed[sku, locations.get(source)] += units
        arriving[sku, locations.get(target)] += units
    keys = set(on_hand) | set(arriving) | set(committed)
    codes = dict(Sku.objects.filter(id__in={sku for sku, _ in keys}).values_list("id", "code"))
    rows = [
        AvailableRow(
            sku=codes.get(sku, str(sku)),
            channel=channels.get(channel, "") if channel is not None else "Distribution centres (no channel)",
            on_hand=on_hand.get((sku, channel), 0),
            arriving=arriving.get((sku, channel), 0),
            committed=committed.get((sku, channel), 0),
        )
        for sku, channel in keys
    ]
    rows.sort(key=lambda item: (item.sku, item.channel))
    return rows
