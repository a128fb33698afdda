"""The planner's home (their departments): forecast exceptions (the forecasting look-back and
its rules, as the exceptions page lists them), stock-out risk (the latest finished replenishment
run of each department: policies whose first projected stock-out falls within the coming
weeks), overstock (inventory health's excess, read from its cheaper parts: see `overstock`) and
OTB over-spend (months whose OTB remaining at retail is negative, as the OTB page computes it)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.urls import reverse

from core.weeks import month_key, week_label, year_of
from forecasting import accuracy
from forecasting.models import ForecastOverride, ForecastRun
from forecasting.selectors import latest_closed_week, weeks_after, weeks_up_to
from otb import open_to_buy, page_rows, services
from planning import calendar
from planning.models import (
    Department,
    FiscalWeek,
    Location,
    SalesHistory,
    StockPosition,
    StyleColor,
)
from replenishment import health
from replenishment.models import ItemPolicy, ReplenishmentRun
from reports.dashboard.common import DEPARTMENT

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOP_ITEMS = 5  # items listed under each exception count
STOCKOUT_WEEKS = 4  # stock-out risk: a projected stock-out within this many coming weeks
OTB_MONTHS = 12  # OTB over-spend: the current fiscal month and the coming ones
LOOKBACK_WEEKS = 13  # forecast exceptions: the exceptions page's default look-back
FORECAST_CACHE_SECONDS = 15 * 60


@dataclass(frozen=True)
class DepartmentCount:
    """A department's count (or value) in an exception, with the page that fixes it."""

    code: str
    name: str
    count: int
    url: str
    value: Decimal | None = None


# -- forecast exceptions ----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastItem:
    code: str
    name: str
    department: str
    reasons: str
    abs_error: float
    url: str


@dataclass(frozen=True)
class ForecastExceptions:
    count: int
    by_department: list[DepartmentCount]
    items: list[ForecastItem]
    weeks: str  # the look-back, e.g. "FY2026 W30 to FY2026 W42"
    url: str
    note: str = ""  # why there is nothing to show


def forecast_exceptions(departments: list[Department]) -> ForecastExceptions:
    """`_forecast_exceptions`, cached until a forecast run finishes, an override is set, sales or
    stock are loaded or a week closes: the look-back reads 13 weeks of forecasts, sales and
    stock (about a second for four departments on the demo), the home page loads at every
    sign-in. The key is a handful of single-row reads (the newest id of each source)."""
    stamps = [
        ForecastRun.objects.filter(status__in=ForecastRun.FINISHED).aggregate(m=Max("id"))["m"],
        ForecastOverride.objects.aggregate(m=Max("id"))["m"],
        SalesHistory.objects.aggregate(m=Max("id"))["m"],
        StockPosition.objects.aggregate(m=Max("id"))["m"],
    ]
    ids = ",".join(str(department.pk) for department in departments)
    key = f"merchplan:home-forecast:{ids}:{latest_closed_week().pk}:{'-'.join(map(str, stamps))}"
    cached: ForecastExceptions | None = cache.get(key)
    if cached is None:
        cached = _forecast_exceptions(departments)
        cache.set(key, cached, FORECAST_CACHE_SECONDS)
    return cached


def _forecast_exceptions(departments: list[Department]) -> ForecastExceptions:
    """Style-colors whose look-back error crosses the thresholds of
    `settings.MERCHPLAN_FORECAST_EXCEPTIONS`: the exceptions page's list at its defaults
    (13 closed weeks, lag 1), worst first."""
    url = reverse("forecasting:exceptions")
    weeks = accuracy.lookback_weeks(LOOKBACK_WEEKS)
    span = f"{weeks[0]} to {weeks[-1]}" if weeks else ""
    frame = accuracy.lookback_frame([department.pk for department in departments], weeks, lag=1)
    if frame.empty:
        return ForecastExceptions(
            0, [], [], span, url,
            note="No forecast to measure yet: exceptions start once weeks a finished forecast run "
            "predicted have closed.",
        )  # fmt: skip
    table = accuracy.exceptions(frame, accuracy.ExceptionRules.from_settings())
    counts = Counter(int(value) for value in table["department_id"])
    by_department = [
        DepartmentCount(d.code, d.name, counts[d.pk], f"{url}?department={d.pk}")
        for d in departments
        if counts[d.pk]
    ]
    top = accuracy.records(table.head(TOP_ITEMS))
    items = StyleColor.objects.in_bulk([row["style_color_id"] for row in top])
    codes = {department.pk: department.code for department in departments}
    rows = []
    for row in top:
        item = items.get(row["style_color_id"])
        rows.append(
            ForecastItem(
                code=item.code if item else str(row["style_color_id"]),
                name=item.style.name if item else "",
                department=codes.get(int(row["department_id"]), ""),
                reasons=row["reasons"],
                abs_error=float(row["abs_error"] or 0),
                url=reverse("forecasting:item", args=[row["style_color_id"]]),
            )
        )
    return ForecastExceptions(len(table), by_department, rows, span, url)


# -- stock-out risk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StockoutItem:
    sku: str
    style: str
    location: str
    department: str
    week: str
    on_hand: int
    url: str


@dataclass(frozen=True)
class StockoutRisk:
    count: int
    by_department: list[DepartmentCount]
    items: list[StockoutItem]
    until: str  # the last week counted, e.g. "FY2026 W46"
    note: str = ""
    uncovered: list[str] = field(default_factory=list)  # department codes no finished run covers


def latest_runs(department_ids: list[int]) -> dict[int, ReplenishmentRun]:
    """Each department's latest finished replenishment run (one query)."""
    through = ReplenishmentRun.departments.through
    rows = (
        through.objects.filter(
            department_id__in=department_ids, replenishmentrun__status=ReplenishmentRun.Status.DONE
        )
        .select_related("replenishmentrun", "replenishmentrun__as_of")
        .order_by("-replenishmentrun__created_at", "-replenishmentrun__id")
    )
    runs: dict[int, ReplenishmentRun] = {}
    for row in rows:
        runs.setdefault(row.department_id, row.replenishmentrun)
    return runs


def _in_runs(runs: dict[int, ReplenishmentRun]) -> Q:
    """Policies of each department in its own latest run."""
    by_run: dict[int, list[int]] = defaultdict(list)
    for department_id, run in runs.items():
        by_run[run.pk].append(department_id)
    condition = Q(pk__in=[])
    for run_id, department_ids in by_run.items():
        condition |= Q(run_id=run_id, **{f"{DEPARTMENT}__in": department_ids})
    return condition


def stockout_risk(
    departments: list[Department], runs: dict[int, ReplenishmentRun], closed: FiscalWeek
) -> StockoutRisk:
    """SKU x locations whose first projected stock-out (with open orders only) falls at the
    latest within the STOCKOUT_WEEKS weeks after the last closed week: two queries."""
    coming = weeks_after(closed, STOCKOUT_WEEKS)
    until = coming[-1] if coming else closed
    uncovered = [d.code for d in departments if d.pk not in runs]
    if not runs:
        return StockoutRisk(
            0, [], [], str(until), note="No finished replenishment run covers your departments yet.",
            uncovered=uncovered,
        )  # fmt: skip
    policies = ItemPolicy.objects.filter(_in_runs(runs), first_stockout_week_id__lte=until.id)
    counts = dict(policies.values_list(DEPARTMENT).annotate(count=Count("id")).order_by())
    worksheet = reverse("replenishment:worksheet")
    by_department = [
        DepartmentCount(d.code, d.name, counts.get(d.pk, 0), f"{worksheet}?department={d.pk}")
        for d in departments
        if counts.get(d.pk)
    ]
    codes = {department.pk: department.code for department in departments}
    items = [
        StockoutItem(
            sku=row["sku__code"], style=row["sku__style_color__style__name"], location=row["location__code"],
            department=codes.get(row[DEPARTMENT], ""), week=_week_label(row["first_stockout_week_id"]),
            on_hand=row["on_hand"], url=f"{worksheet}?department={row[DEPARTMENT]}",
        )
        for row in policies.values(
            "sku__code", "sku__style_color__style__name", "location__code", DEPARTMENT,
            "first_stockout_week_id", "on_hand",
        ).order_by("first_stockout_week_id", "sku__code", "location__code")[:TOP_ITEMS]
    ]  # fmt: skip
    return StockoutRisk(sum(counts.values()), by_department, items, str(until), uncovered=uncovered)


# -- overstock --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overstock:
    value: Decimal  # excess at cost
    lines: int  # SKU x locations in excess
    by_department: list[DepartmentCount]
    note: str = ""


def overstock(
    departments: list[Department], runs: dict[int, ReplenishmentRun], closed: FiscalWeek
) -> Overstock:
    """Inventory health's excess list (stock above order-up-to + N weeks of demand, and not
    already obsolete or no-move, which take precedence), valued at cost, per department.

    `health.inventory_health` costs about a second a department on the demo (most of it the
    rationalisation list and the available-to-promise table, which the home page does not show),
    so this reads only what the excess list needs from the same parts: the stock and sales of
    the department (`health.stock_on_hand`, `health.sales_by_location`, two queries) and the
    run's policies (one).
    A department whose latest run has no policy is skipped without a query."""
    if not runs:
        return Overstock(
            Decimal("0.00"), 0, [], note="No finished replenishment run covers your departments yet."
        )
    limits = health.thresholds()
    policies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in ItemPolicy.objects.filter(_in_runs(runs)).values(
        DEPARTMENT, "sku_id", "location_id", "location__kind", "demand", "order_up_to",
        "sku__style_color__unit_cost", "sku__style_color__lifecycle",
    ):  # fmt: skip
        policies[row[DEPARTMENT]].append(row)
    window: list[int] = []
    locations: list[tuple[int, str, int | None]] = []
    url = reverse("replenishment:inventory-health")
    by_department = []
    for department in departments:
        rows = policies.get(department.pk)
        if not rows:
            continue
        if not window:
            window = [
                week.id for week in weeks_up_to(closed, max(limits.obsolete_weeks, limits.no_move_weeks, 13))
            ]
            locations = list(Location.objects.values_list("id", "kind", "supplied_by_id"))
        value, lines = _excess(rows, department.pk, closed, window, locations, limits)
        if lines:
            by_department.append(
                DepartmentCount(
                    department.code, department.name, lines, f"{url}?department={department.pk}", value
                )
            )
    return Overstock(
        sum((row.value or Decimal("0.00") for row in by_department), Decimal("0.00")),
        sum(row.count for row in by_department),
        by_department,
    )


def _excess(
    policies: list[dict[str, Any]],
    department_id: int,
    closed: FiscalWeek,
    window: list[int],
    locations: list[tuple[int, str, int | None]],
    limits: health.Thresholds,
) -> tuple[Decimal, int]:
    """(excess value at cost, SKU x locations in excess) of one department, with the
    precedence of `health.classify`: obsolete > no-move > excess."""
    stock = health.stock_on_hand(department_id, closed.id)
    sales = health.sales_by_location(department_id, window)
    supplier = health.supplying_dc(locations)
    dc_ids = {location for location, kind, _ in locations if kind == Location.Kind.DC}
    served = health.served_sales(sales, supplier, dc_ids)
    value, lines = Decimal("0.00"), 0
    for policy in policies:
        key = (int(policy["sku_id"]), int(policy["location_id"]))
        on_hand = stock.get(key, 0)
        if on_hand <= 0:
            continue
        since, _ = (served if policy["location__kind"] == Location.Kind.DC else sales).get(key, (None, 0))
        discontinued = policy["sku__style_color__lifecycle"] == StyleColor.Lifecycle.DISCONTINUED
        if health.age_bucket(on_hand, since, limits, is_discontinued=discontinued) is not None:
            continue
        extra = health.excess_units(
            on_hand,
            float(policy["order_up_to"]),
            float(policy["demand"]),
            limits.excess_weeks,
        )
        if extra:
            value += health.at_cost(extra, policy["sku__style_color__unit_cost"])
            lines += 1
    return value, lines


# -- OTB over-spend ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverspentMonth:
    department: str
    month: str
    budget: Decimal
    spent: Decimal  # received + on order, at retail
    over: Decimal  # how much more than the budget (positive)
    url: str


@dataclass(frozen=True)
class OTBOverspend:
    months: list[OverspentMonth]
    span: str  # e.g. "FY2026 M11 to FY2027 M10"

    @property
    def total(self) -> Decimal:
        return sum((month.over for month in self.months), Decimal("0.00"))


def otb_overspend(departments: list[Department], today: date) -> OTBOverspend:
    """The current fiscal month and the coming ones (OTB_MONTHS) that bought more (received + on
    order, at retail) than their approved budget, or anything at all where the budget is below
    zero, most over-spent first: the OTB page's
    figures (`open_to_buy.otb_table`, two grouped queries and one for the month keys)."""
    current = calendar.fiscal_week_of(today, settings.MERCHPLAN_CALENDAR_PATTERN)
    first = month_key(current.year, current.month)
    keys = [
        key
        for key in page_rows.fiscal_month_keys(current.year) + page_rows.fiscal_month_keys(current.year + 1)
        if key >= first
    ][:OTB_MONTHS]
    if not keys or not departments:
        return OTBOverspend([], "")
    table = open_to_buy.otb_table([department.pk for department in departments], keys)
    url = reverse("otb:otb")
    months = []
    for department in departments:
        for key in keys:
            cell = table[department.pk, key]
            # Bought beyond the budget: a month planning negative receipts (a budget below
            # zero) has nothing to spend, so all it bought is over, but not more than that.
            spent = cell.received_retail + cell.on_order_retail
            over = spent - max(cell.budget_retail, Decimal("0.00"))
            if over > 0:
                months.append(
                    OverspentMonth(
                        department=department.code, month=cell.label, budget=cell.budget_retail,
                        spent=spent, over=over, url=f"{url}?department={department.pk}&year={year_of(key)}",
                    )
                )  # fmt: skip
    months.sort(key=lambda month: (-month.over, month.department, month.month))
    return OTBOverspend(months, f"{services.month_label(keys[0])} to {services.month_label(keys[-1])}")


# -- the planner's home -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannerHome:
    departments: list[str]
    forecast: ForecastExceptions
    stockouts: StockoutRisk
    overstock: Overstock
    otb: OTBOverspend


def planner_home(user: User, today: date) -> PlannerHome | None:
    """The exceptions of the departments the user may change; None without any."""
    departments = list(Department.objects.editable_by(user).order_by("code"))
    if not departments:
        return None
    closed = latest_closed_week(today)
    runs = latest_runs([department.pk for department in departments])
    return PlannerHome(
        departments=[department.code for department in departments],
        forecast=forecast_exceptions(departments),
        stockouts=stockout_risk(departments, runs, closed),
        overstock=overstock(departments, runs, closed),
        otb=otb_overspend(departments, today),
    )


def _week_label(week_id: int) -> str:
    return week_label(week_id)
