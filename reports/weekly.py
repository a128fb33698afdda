"""The executive weekly report, read from the database in a handful of aggregate queries and put
together with pandas (`figures`): the last closed fiscal week by company, channel, department
and class; cached per week until the data behind it changes.

Where the numbers come from:
- Sales, gross margin (retail - cost) and markdowns: sales history, this year's weeks of the
  fiscal year up to the report's week and, for last year, the same week numbers of the year
  before (restated calendar; a 53rd week compares with nothing).
- Periods: the week, month, quarter, season (quarters 1-2, 3-4) and year to date.
- Plans: each department's plan for the whole company covering the week (the newest), its
  working (WP) and original approved (OP) versions, class lines summed. Plans are by department:
  channel rows have no plan figures, and say so.
- Inventory, at retail and at cost, from the sparse stock positions as a running total of their
  changes, so every week's stock comes from one scan: stock at the selling locations (stores and
  web, as plans count it: EOP, weeks of supply, turn, GMROI and sell-through use it) and total
  owned stock (adding the DCs' stock and what is in transit). Each week's stock is valued at the
  retail price in effect that week (the price history of approved markdowns): a markdown
  effective later does not revalue a closed week. Weeks of supply = EOP / the last 4 weeks'
  average weekly sales; turn and GMROI year to date, annualised, on the average of the opening
  stock and every week's close; sell-through of available stock ($) season to date.
- OTB: the approved budgets' receipts less received and on order for the coming 3 months.
- Lists: best sellers of the week, understocked (fast sellers under 2 weeks of supply) and
  overstocked (over 26 weeks, or stock that did not sell in 4 weeks), by style-color.
- Forecast accuracy: WMAPE and bias of the week-ahead forecast, the last 8 closed weeks.
- Open approvals: plans, OTB budgets, markdowns and orders over OTB waiting.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from django.core.cache import cache
from django.db import connection, connections
from django.db.models import F, Max, Q, Sum

from core.money import to_cents
from forecasting import accuracy
from forecasting.selectors import latest_closed_week, weeks_after
from otb.models import (
    MarkdownProposal,
    OTBBudget,
    OTBBudgetMonth,
    OTBException,
    PriceChange,
    PurchaseOrderLine,
)
from otb.page_support import otb_table
from otb.services import month_label
from planning.engine import rounding
from planning.models import (
    Channel,
    Department,
    FiscalWeek,
    Location,
    MerchClass,
    Plan,
    PlanCellChange,
    PlanVersion,
    PlanWeek,
    SalesHistory,
    StockPosition,
    StyleColor,
)
from reports import figures
from reports.report_types import (
    PERIODS,
    AccuracyWeek,
    ItemRow,
    OTBMonth,
    PeriodFigures,
    Ratio,
    ScopeRow,
    Versus,
    WeeklyReport,
    WeekPoint,
)

CACHE_SECONDS = 7 * 24 * 3600
OTB_MONTHS = 3
LIST_LENGTH = 10
ACCURACY_WEEKS = 8
UNDERSTOCKED_WOS = 2.0
OVERSTOCKED_WOS = 26.0
_CLASS = "sku__style_color__style__subclass__merch_class_id"
MONEY = ["sales", "cost", "markdowns"]
PLAN_COLUMNS = ["sales", "markdowns", "gross_margin", "eop", "bop", "receipts", "eop_cost", "bop_cost"]
STOCK_COLUMNS = ["eop", "eop_cost", "eop_units", "owned", "owned_cost"]


def weekly_report(week_id: int | None = None) -> WeeklyReport:
    """The report of a closed fiscal week (the last one by default), from the cache when nothing
    behind it changed. FiscalWeek.DoesNotExist for an unknown or not yet closed week."""
    last = latest_closed_week()
    week = last if week_id is None else FiscalWeek.objects.get(pk=week_id, id__lte=last.pk)
    key = f"merchplan:weekly-report:{week.pk}:{data_stamp()}"
    report = cache.get(key)
    if report is None:
        report = build(week)
        cache.set(key, report, CACHE_SECONDS)
    return report  # type: ignore[no-any-return]


def data_stamp() -> str:
    """Changes when anything the report reads changes: the newest row of each source."""
    stamps = [
        SalesHistory.objects.aggregate(m=Max("id"))["m"],
        StockPosition.objects.aggregate(m=Max("id"))["m"],
        PlanCellChange.objects.aggregate(m=Max("id"))["m"],
        PlanVersion.objects.aggregate(m=Max("updated_at"))["m"]
        if _has_field(PlanVersion, "updated_at")
        else None,
        PlanVersion.objects.aggregate(m=Max("id"))["m"],
        PurchaseOrderLine.objects.aggregate(m=Max("id"))["m"],
        OTBBudgetMonth.objects.aggregate(m=Max("id"))["m"],
        PriceChange.objects.aggregate(m=Max("id"))["m"],  # a markdown revalues stock from its week
    ]
    return "-".join(str(stamp) for stamp in stamps)


def _has_field(model: Any, name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


# -- the calendar ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    week: FiscalWeek
    ty: list[int]  # this year's weeks up to the report's, oldest first
    ly: dict[int, int]  # this year's week -> the same week number last year
    periods: dict[str, list[int]]  # PERIODS -> this year's weeks
    labels: dict[int, str]
    opening_ty: int | None  # the week before this year's first (its close is the year's opening)
    opening_ly: int | None
    dates: dict[str, str]  # PERIODS -> "first day to last day"


def calendar(week: FiscalWeek) -> Calendar:
    this_year = list(FiscalWeek.objects.filter(year=week.year, id__lte=week.pk).order_by("id"))
    last_year = {w.week: w for w in FiscalWeek.objects.filter(year=week.year - 1)}
    season = (1, 2) if week.quarter <= 2 else (3, 4)
    periods = {
        "week": [week.pk],
        "mtd": [w.pk for w in this_year if w.month == week.month],
        "qtd": [w.pk for w in this_year if w.quarter == week.quarter],
        "std": [w.pk for w in this_year if w.quarter in season],
        "ytd": [w.pk for w in this_year],
    }
    ly = {w.pk: last_year[w.week].pk for w in this_year if w.week in last_year}
    before = (
        FiscalWeek.objects.filter(id__lt=this_year[0].pk).order_by("-id").values_list("id", flat=True).first()
    )
    first_ly = min(ly.values()) if ly else None
    before_ly = (
        FiscalWeek.objects.filter(id__lt=first_ly).order_by("-id").values_list("id", flat=True).first()
        if first_ly
        else None
    )
    labels = {w.pk: f"W{w.week:02d}" for w in this_year}
    starts = {w.pk: w.start_date for w in this_year}
    dates = {
        period: f"{starts[weeks[0]]:%Y-%m-%d} to {week.end_date:%Y-%m-%d}"
        for period, weeks in periods.items()
        if weeks
    }
    return Calendar(week, [w.pk for w in this_year], ly, periods, labels, before, before_ly, dates)


# -- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hierarchy:
    classes: dict[int, tuple[str, str, int]]  # class -> code, name, department
    departments: dict[int, tuple[str, str]]  # department -> code, name
    channels: dict[int, tuple[str, str]]  # channel -> code, name


def hierarchy() -> Hierarchy:
    return Hierarchy(
        classes={
            pk: (code, name, dept)
            for pk, code, name, dept in MerchClass.objects.values_list("pk", "code", "name", "department_id")
        },
        departments={
            pk: (code, name) for pk, code, name in Department.objects.values_list("pk", "code", "name")
        },
        channels={pk: (code, name) for pk, code, name in Channel.objects.values_list("pk", "code", "name")},
    )


def _keys(merch_class: int, channel: int | None, tree: Hierarchy) -> list[str]:
    """The report rows a (class, channel) figure adds to."""
    keys = ["company", f"class:{merch_class}"]
    department = tree.classes.get(merch_class, ("", "", None))[2]
    if department is not None:
        keys.append(f"department:{department}")
    if channel is not None:
        keys.append(f"channel:{channel}")
    return keys


def _expand(
    rows: list[tuple[Any, ...]], columns: list[str], tree: Hierarchy, with_channel: bool = True
) -> pd.DataFrame:
    """(week, class, channel, values...) rows to one row per report key they add to."""
    out: list[tuple[Any, ...]] = []
    for week, merch_class, channel, *values in rows:
        if merch_class is None:
            continue
        for key in _keys(merch_class, channel if with_channel else None, tree):
            out.append((key, week, *[float(value or 0) for value in values]))
    return pd.DataFrame(out, columns=["key", "week", *columns])


def sales_frame(weeks: list[int], tree: Hierarchy) -> pd.DataFrame:
    """Sales, cost of sales, markdowns and units per report key and week: one aggregate query."""
    rows = list(
        SalesHistory.objects.filter(fiscal_week_id__in=weeks)
        .values_list("fiscal_week_id", _CLASS, "location__channel_id")
        .annotate(
            sales=Sum("retail_value"),
            cost=Sum("cost_value"),
            markdowns=Sum("markdown_value"),
            units=Sum("units"),
        )
        .order_by()
    )
    return _expand(rows, [*MONEY, "units"], tree)


def _position_changes(columns: str, group: str, where: str = "") -> str:
    """SQL over every stock position up to a week (parameters: the DC kind, the week): each
    position's change since its previous row, `selling` (on hand at a store or the web shop)
    and `owned` (on hand and in transit anywhere), summed per `group` with `columns` (`d`: the
    changes, `k`: the SKU, `c`: its style-color, `st`: its style)."""
    table = StockPosition._meta.db_table
    window = "OVER (PARTITION BY p.sku_id, p.location_id ORDER BY p.fiscal_week_id)"
    return f"""
        SELECT {columns}
        FROM (
            SELECT p.fiscal_week_id, p.sku_id, l.channel_id,
                   CASE WHEN l.kind <> %s
                        THEN p.on_hand - COALESCE(LAG(p.on_hand) {window}, 0) ELSE 0 END AS selling,
                   p.on_hand + p.in_transit - COALESCE(LAG(p.on_hand + p.in_transit) {window}, 0) AS owned
            FROM {table} p
            JOIN planning_location l ON l.id = p.location_id
            WHERE p.fiscal_week_id <= %s {where}
        ) d
        JOIN planning_sku k ON k.id = d.sku_id
        JOIN planning_stylecolor c ON c.id = k.style_color_id
        JOIN planning_style st ON st.id = c.style_id
        WHERE d.selling <> 0 OR d.owned <> 0
        GROUP BY {group}
    """  # noqa: S608 - table names are ours; values are parameters


def stock_changes(up_to: int, tree: Hierarchy) -> pd.DataFrame:
    """Per report key and week: the change of the stock at the selling locations (at retail, at
    cost and in units) and of the total owned stock (every location's on hand and in transit, at
    retail and at cost), each position's value less its previous one: one scan of the positions.
    Retail at today's price; `price_corrections` puts each week at the price of its own week."""
    sql = _position_changes(
        "d.fiscal_week_id, st.subclass_id, d.channel_id,"
        " SUM(d.selling * c.retail_price), SUM(d.selling * c.unit_cost), SUM(d.selling),"
        " SUM(d.owned * c.retail_price), SUM(d.owned * c.unit_cost)",
        "d.fiscal_week_id, st.subclass_id, d.channel_id",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Location.Kind.DC, up_to])
        raw = cursor.fetchall()
    subclass_class = dict(_subclasses())
    rows = [(week, subclass_class.get(sub), channel, *values) for week, sub, channel, *values in raw]
    return _expand(rows, STOCK_COLUMNS, tree)


def prices_in_effect(history: list[tuple[int, Decimal, Decimal]], weeks: list[int]) -> list[Decimal]:
    """An item's retail price in each week from its price changes (effective week, old price,
    new price; oldest first): the new price of the latest change effective by the week, the
    old price of the first change before it. 24.00 -> 18.00 from W46: W44 24.00, W46 18.00."""
    starts = [week for week, _, _ in history]
    prices = []
    for week in weeks:
        latest = bisect_right(starts, week)
        prices.append(history[latest - 1][2] if latest else history[0][1])
    return prices


def price_corrections(weeks: list[int], up_to: int, tree: Hierarchy) -> pd.DataFrame:
    """Per report key and wanted week: what valuing the week's stock at the retail price in effect
    that week (`prices_in_effect`), rather than today's, adds: positive for a markdown approved
    since, negative for a price raised since. Items without a price change are at today's price
    already. Columns eop (selling locations) and owned. One scan of the changed items' positions,
    summed per item and channel before pricing.

    E.g. an item at 24.00 marked down to 18.00 from W46 (retail price 18.00 now): 7 units held at
    the end of W44 add 7 x (24.00 - 18.00) = 42.00 to W44, nothing to W46."""
    changes: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    for item, week, old, new in PriceChange.objects.order_by("effective_week_id", "id").values_list(
        "style_color_id", "effective_week_id", "old_price", "new_price"
    ):
        changes[item].append((week, old, new))
    if not changes or not weeks:
        return _no_corrections()
    items = {
        pk: (price, merch_class)
        for pk, price, merch_class in StyleColor.objects.filter(pk__in=list(changes)).values_list(
            "pk", "retail_price", "style__subclass__merch_class_id"
        )
    }
    # Per (item, channel): the change of its units, selling and owned, week by week.
    changed = f"SELECT style_color_id FROM {PriceChange._meta.db_table}"  # noqa: S608 - our table
    changed_skus = f"SELECT id FROM planning_sku WHERE style_color_id IN ({changed})"  # noqa: S608
    sql = _position_changes(
        "d.fiscal_week_id, c.id, d.channel_id, SUM(d.selling), SUM(d.owned)",
        "d.fiscal_week_id, c.id, d.channel_id",
        where=f"AND p.sku_id IN ({changed_skus})",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Location.Kind.DC, up_to])
        raw = cursor.fetchall()
    if not raw:
        return _no_corrections()
    places = sorted({(item, channel) for _, item, channel, _, _ in raw}, key=lambda p: (p[0], p[1] or 0))
    index = {place: number for number, place in enumerate(places)}
    deltas = pd.DataFrame(
        [
            (index[item, channel], week, float(selling), float(owned))
            for week, item, channel, selling, owned in raw
        ],
        columns=["key", "week", "selling", "owned"],
    )
    units = figures.stock_series(deltas, weeks)  # units held at each wanted week's end
    price_gap = {
        item: [float(price - items[item][0]) for price in prices_in_effect(changes[item], weeks)]
        for item in {item for item, _ in places}
    }
    week_at = {week: position for position, week in enumerate(weeks)}
    rows: list[tuple[Any, ...]] = []
    for (number, week), selling, owned in zip(
        units.index, units["selling"].to_numpy(), units["owned"].to_numpy(), strict=True
    ):
        item, channel = places[number]
        gap = price_gap[item][week_at[week]]
        if gap and (selling or owned):
            rows.append((week, items[item][1], channel, selling * gap, owned * gap))
    frame = _expand(rows, ["eop", "owned"], tree)
    return frame.groupby(["key", "week"])[["eop", "owned"]].sum() if not frame.empty else _no_corrections()


def _no_corrections() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([], names=["key", "week"])
    return pd.DataFrame({"eop": pd.Series(dtype=float), "owned": pd.Series(dtype=float)}, index=index)


def valued_at_their_prices(stock: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """The stock series with each week's retail values at that week's prices."""
    if corrections.empty:
        return stock
    return stock.add(corrections, fill_value=0.0).fillna(0.0)


def _subclasses() -> list[tuple[int, int]]:
    from planning.models import Subclass

    return list(Subclass.objects.values_list("pk", "merch_class_id"))


@dataclass(frozen=True)
class Plans:
    frame: pd.DataFrame  # key, week, kind (op/wp) and PLAN_COLUMNS (stock also at cost)
    departments: set[int]  # with a whole-company plan covering the week
    with_op: set[int]


def plans(calendar_: Calendar, tree: Hierarchy) -> Plans:
    week = calendar_.week
    chosen: dict[int, Plan] = {}
    for plan in Plan.objects.filter(
        first_week__lte=week.pk, last_week__gte=week.pk, channel__isnull=True, region__isnull=True
    ).order_by("department_id", "created_at", "pk"):
        chosen[plan.department_id] = plan  # the newest wins
    versions: dict[int, tuple[str, int]] = {}
    current_op: dict[int, int] = {}  # plan -> its current OP revision (the newest; older ones stay)
    versions_in_order = PlanVersion.objects.filter(plan__in=chosen.values()).order_by(
        F("revision").asc(nulls_first=True), "pk"
    )
    for version in versions_in_order:
        if version.kind == PlanVersion.Kind.WORKING:
            versions[version.pk] = ("wp", version.plan_id)
        elif version.kind == PlanVersion.Kind.ORIGINAL and version.status == PlanVersion.Status.APPROVED:
            current_op[version.plan_id] = version.pk
    versions.update({version_id: ("op", plan_id) for plan_id, version_id in current_op.items()})
    # A plan's stock at cost is its retail stock x its cost complement (1 - IMU%), per plan, so a
    # class, a department and the company all sum the cost of their own plans (GMROI).
    complement = {plan.pk: float(plan.cost_complement) for plan in chosen.values()}
    wanted = [*calendar_.ty, *([calendar_.opening_ty] if calendar_.opening_ty else [])]
    rows = PlanWeek.objects.filter(
        line__version_id__in=list(versions), line__merch_class__isnull=False, fiscal_week_id__in=wanted
    ).values_list(
        "line__version_id", "fiscal_week_id", "line__merch_class_id", "sales", "markdowns", "gross_margin",
        "eop", "bop", "receipts",
    )  # fmt: skip
    out: list[tuple[Any, ...]] = []
    for version_id, week_id, merch_class, sales, markdowns, margin, eop, bop, receipts in rows:
        kind, plan_id = versions[version_id]
        cost = complement[plan_id]
        values = (
            float(sales), float(markdowns), None if margin is None else float(margin), float(eop), float(bop),
            float(receipts), float(eop) * cost, float(bop) * cost,
        )  # fmt: skip
        for key in _keys(merch_class, None, tree):
            out.append((key, week_id, kind, *values))
    frame = pd.DataFrame(out, columns=["key", "week", "kind", *PLAN_COLUMNS])
    with_op = {
        chosen_plan.department_id
        for chosen_plan in chosen.values()
        if any(v == ("op", chosen_plan.pk) for v in versions.values())
    }
    return Plans(frame, set(chosen), with_op)


# -- putting it together -------------------------------------------------------------------------


def build(week: FiscalWeek) -> WeeklyReport:
    cal = calendar(week)
    tree = hierarchy()
    ly_weeks = sorted(set(cal.ly.values()))
    wanted_stock = sorted({*cal.ty, *ly_weeks, *(w for w in (cal.opening_ty, cal.opening_ly) if w)})
    accuracy_notes: list[str] = []
    # The four big reads do not depend on each other: on their own connections at once.
    read = concurrently(
        {
            "sales": lambda: sales_frame([*cal.ty, *ly_weeks], tree),
            "stock": lambda: stock_changes(week.pk, tree),
            "lists": lambda: _lists(cal),
            "accuracy": lambda: _accuracy(week, list(tree.departments), accuracy_notes),
        }
    )
    sales = read["sales"]
    if ly_weeks and (sales.empty or not sales["week"].isin(ly_weeks).any()):
        # No history last year: "no data", not zero sales.
        cal = Calendar(cal.week, cal.ty, {}, cal.periods, cal.labels, cal.opening_ty, None, cal.dates)
        ly_weeks = []
    stock = valued_at_their_prices(
        figures.stock_series(read["stock"], wanted_stock), price_corrections(wanted_stock, week.pk, tree)
    )
    plan = plans(cal, tree)
    notes: list[str] = []
    if not cal.ly:
        notes.append("No sales history last year for these weeks: the last-year columns are blank.")
    if week.pk != latest_closed_week().pk:
        notes.append("Open to buy and open approvals are as they stand today, not as they stood that week.")
    rows = _rows(cal, tree, sales, stock, plan, notes)
    return WeeklyReport(
        week_id=week.pk,
        week_label=f"FY{week.year} W{week.week:02d}",
        week_dates=f"{week.start_date:%Y-%m-%d} to {week.end_date:%Y-%m-%d}",
        rows=rows,
        otb=_otb(week, list(tree.departments)),
        **read["lists"],
        accuracy=read["accuracy"],
        open_approvals=_approvals(),
        weeks=_week_points(cal, sales, stock, plan, tree),
        notes=[*notes, *accuracy_notes],
        period_dates=cal.dates,
    )


def concurrently(work: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run independent reads at once, each thread on its own database connection (closed when it
    is done). Inside a transaction (a test, or a caller's atomic block) other connections would not
    see its rows, so the reads then run one after the other on this one."""
    if connection.in_atomic_block:
        return {name: job() for name, job in work.items()}

    def own_connection(job: Callable[[], Any]) -> Any:
        try:
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        futures = {name: pool.submit(own_connection, job) for name, job in work.items()}
        return {name: future.result() for name, future in futures.items()}


def _scopes(tree: Hierarchy) -> list[tuple[str, str, str, str, str]]:
    """(key, level, code, name, parent) in the report's order: company, channels, each department
    followed by its classes."""
    scopes = [("company", "company", "", "Company", "")]
    for pk, (code, name) in sorted(tree.channels.items(), key=lambda item: item[1][0]):
        scopes.append((f"channel:{pk}", "channel", code, name, ""))
    for pk, (code, name) in sorted(tree.departments.items(), key=lambda item: item[1][0]):
        scopes.append((f"department:{pk}", "department", code, name, ""))
        for class_pk, (class_code, class_name, dept) in sorted(
            tree.classes.items(), key=lambda item: item[1][0]
        ):
            if dept == pk:
                scopes.append((f"class:{class_pk}", "class", class_code, class_name, code))
    return scopes


class Cube:
    """Values per (report key, week) for quick sums: a frame grouped once, read many times."""

    def __init__(self, frame: pd.DataFrame, columns: list[str]) -> None:
        self.columns = columns
        self.values: dict[str, dict[tuple[str, int], float]] = {}
        if frame.empty:
            self.keys: set[str] = set()
            self.values = {column: {} for column in columns}
            return
        grouped = frame.groupby(["key", "week"])[columns].sum(min_count=1)
        self.keys = set(grouped.index.get_level_values("key"))
        for column in columns:
            self.values[column] = {
                (key, int(week)): float(value)
                for (key, week), value in grouped[column].items()
                if value == value
            }

    def sum(self, key: str, weeks: list[int], column: str) -> float | None:
        """The key's total over the weeks; None when the key has no value in any of them."""
        table = self.values[column]
        found = [table[key, week] for week in weeks if (key, week) in table]
        return float(sum(found)) if found else None

    def at(self, key: str, week: int, column: str) -> float | None:
        return self.values[column].get((key, week))


def _sum(cube: Cube, key: str, weeks: list[int], column: str) -> float:
    """Actuals: nothing recorded is 0."""
    return cube.sum(key, weeks, column) or 0.0


def _rows(
    cal: Calendar, tree: Hierarchy, sales: pd.DataFrame, stock: pd.DataFrame, plan: Plans, notes: list[str]
) -> list[ScopeRow]:
    sales_cube = Cube(sales, [*MONEY, "units"])
    plan_cubes = {
        kind: Cube(
            plan.frame[plan.frame["kind"] == kind] if not plan.frame.empty else plan.frame, PLAN_COLUMNS
        )
        for kind in ("op", "wp")
    }
    unplanned = [tree.departments[pk][0] for pk in tree.departments if pk not in plan.departments]
    if unplanned:
        named = ", ".join(sorted(unplanned)[:8]) + (", ..." if len(unplanned) > 8 else "")
        notes.append(
            f"No plan for {len(unplanned)} of {len(tree.departments)} departments ({named}): their plan "
            "columns are blank, and so are the company's (a plan total of some departments against the "
            "whole company's sales would mislead)."
        )
    rows: list[ScopeRow] = []
    recent = cal.ty[-figures.WOS_WEEKS :]
    for key, level, code, name, parent in _scopes(tree):
        row_notes: list[str] = []
        if level == "channel":
            row_notes.append("Plans are by department for the whole company: no plan by channel.")
        if level in ("department", "class"):
            dept_pk = (
                int(key.split(":")[1]) if level == "department" else tree.classes[int(key.split(":")[1])][2]
            )
            if dept_pk not in plan.departments:
                row_notes.append("No plan covers this week.")
            elif dept_pk not in plan.with_op:
                row_notes.append("No approved original plan (OP) yet.")
        plans_here = plan_cubes if _planned(key, level, plan, tree) else {}
        periods = {period: _period(cal, sales_cube, plans_here, key, period) for period in PERIODS}
        rows.append(
            ScopeRow(
                level=level,
                code=code,
                name=name,
                parent=parent,
                periods=periods,
                **_stock_figures(cal, key, sales_cube, plans_here, stock, recent),
                notes=tuple(row_notes),
            )
        )
    return rows


def _versus(ty: float | None, op: float | None, wp: float | None, ly: float | None) -> Versus:
    return Versus(figures.money(ty), figures.money(op), figures.money(wp), figures.money(ly))


def _planned(key: str, level: str, plan: Plans, tree: Hierarchy) -> bool:
    """Whether a row has plan figures: a planned department or class; the company only when every
    department is planned (a partial total against the whole company's actuals would mislead);
    never a channel (plans are by department)."""
    if level == "channel":
        return False
    if level == "company":
        return bool(tree.departments) and set(tree.departments) <= plan.departments
    department = int(key.split(":")[1]) if level == "department" else tree.classes[int(key.split(":")[1])][2]
    return department in plan.departments


def _plan_sum(cubes: dict[str, Cube], key: str, kind: str, weeks: list[int], column: str) -> float | None:
    return cubes[kind].sum(key, weeks, column) if kind in cubes else None


def _plan_at(cubes: dict[str, Cube], key: str, kind: str, week: int, column: str) -> float | None:
    return cubes[kind].at(key, week, column) if kind in cubes else None


def _period(cal: Calendar, sales: Cube, plan: dict[str, Cube], key: str, period: str) -> PeriodFigures:
    weeks = cal.periods[period]
    ly_weeks = [cal.ly[w] for w in weeks if w in cal.ly]
    ty = {column: _sum(sales, key, weeks, column) for column in MONEY}
    ly = {column: _sum(sales, key, ly_weeks, column) if ly_weeks else None for column in MONEY}
    op = {
        column: _plan_sum(plan, key, "op", weeks, column) for column in ("sales", "markdowns", "gross_margin")
    }
    wp = {
        column: _plan_sum(plan, key, "wp", weeks, column) for column in ("sales", "markdowns", "gross_margin")
    }
    margin_ty = ty["sales"] - ty["cost"]
    margin_ly = None if ly["sales"] is None else ly["sales"] - (ly["cost"] or 0.0)
    return PeriodFigures(
        sales=_versus(ty["sales"], op["sales"], wp["sales"], ly["sales"]),
        gross_margin=_versus(margin_ty, op["gross_margin"], wp["gross_margin"], margin_ly),
        gm_percent=Ratio(
            figures.gm_percent(margin_ty, ty["sales"]),
            figures.gm_percent(wp["gross_margin"], wp["sales"]),
            figures.gm_percent(margin_ly, ly["sales"]),
        ),
        markdowns=_versus(ty["markdowns"], op["markdowns"], wp["markdowns"], ly["markdowns"]),
        markdown_percent=Ratio(
            figures.markdown_percent(ty["markdowns"], ty["sales"]),
            figures.markdown_percent(wp["markdowns"], wp["sales"]),
            figures.markdown_percent(ly["markdowns"], ly["sales"]),
        ),
    )


def _stock_figures(
    cal: Calendar,
    key: str,
    sales: Cube,
    plan_rows: dict[str, Cube],
    stock: pd.DataFrame,
    recent: list[int],
) -> dict[str, Any]:
    """Stock figures of one scope: at the selling locations (EOP; weeks of supply, turn, GMROI and
    sell-through use it, as plans count stock) and total owned stock (with DCs and in transit)."""
    week = cal.week.pk
    ly_week = cal.ly.get(week)
    eop_series = figures.series_of(stock, key, cal.ty, "eop")
    cost_series = figures.series_of(stock, key, cal.ty, "eop_cost")
    opening = figures.series_of(stock, key, [cal.opening_ty], "eop")[0] if cal.opening_ty else 0.0
    opening_cost = figures.series_of(stock, key, [cal.opening_ty], "eop_cost")[0] if cal.opening_ty else 0.0
    eop_ty = eop_series[-1] if eop_series else None
    ly_list = [cal.ly[w] for w in cal.ty if w in cal.ly]
    eop_ly = figures.series_of(stock, key, [ly_week], "eop")[0] if ly_week else None
    owned_ty = figures.series_of(stock, key, [week], "owned")[0]
    owned_ly = figures.series_of(stock, key, [ly_week], "owned")[0] if ly_week else None
    weekly_sales = [_sum(sales, key, [w], "sales") for w in recent]
    ytd_sales = _sum(sales, key, cal.ty, "sales")
    ytd_margin = ytd_sales - _sum(sales, key, cal.ty, "cost")
    std = cal.periods["std"]
    std_sales = _sum(sales, key, std, "sales")
    std_markdowns = _sum(sales, key, std, "markdowns")
    # Plans.
    wp_eop_at = _plan_at(plan_rows, key, "wp", week, "eop")
    op_eop_at = _plan_at(plan_rows, key, "op", week, "eop")
    wp_weekly = (
        [(_plan_sum(plan_rows, key, "wp", [w], "sales") or 0.0) for w in recent]
        if wp_eop_at is not None
        else []
    )
    wp_eops = (
        [_plan_at(plan_rows, key, "wp", w, "eop") or 0.0 for w in cal.ty] if wp_eop_at is not None else []
    )
    wp_eops_cost = (
        [_plan_at(plan_rows, key, "wp", w, "eop_cost") or 0.0 for w in cal.ty]
        if wp_eop_at is not None
        else []
    )
    wp_opening = _plan_at(plan_rows, key, "wp", cal.ty[0], "bop") if wp_eop_at is not None else None
    wp_opening_cost = _plan_at(plan_rows, key, "wp", cal.ty[0], "bop_cost") if wp_eop_at is not None else None
    wp_ytd_sales = _plan_sum(plan_rows, key, "wp", cal.ty, "sales")
    wp_ytd_margin = _plan_sum(plan_rows, key, "wp", cal.ty, "gross_margin")
    # Last year.
    ly_eops = figures.series_of(stock, key, ly_list, "eop")
    ly_eops_cost = figures.series_of(stock, key, ly_list, "eop_cost")
    ly_opening = figures.series_of(stock, key, [cal.opening_ly], "eop")[0] if cal.opening_ly else 0.0
    ly_opening_cost = (
        figures.series_of(stock, key, [cal.opening_ly], "eop_cost")[0] if cal.opening_ly else 0.0
    )
    ly_sales = _sum(sales, key, ly_list, "sales") if ly_list else None
    ly_margin = None if ly_sales is None else ly_sales - _sum(sales, key, ly_list, "cost")
    ly_recent = [_sum(sales, key, [cal.ly[w]], "sales") for w in recent if w in cal.ly]
    ly_std = [cal.ly[w] for w in std if w in cal.ly]
    weeks = len(cal.ty)
    return {
        "eop": _versus(eop_ty, op_eop_at, wp_eop_at, eop_ly),
        "owned": _versus(owned_ty, None, None, owned_ly),
        "wos": Ratio(
            figures.weeks_of_supply(eop_ty, weekly_sales),
            figures.weeks_of_supply(wp_eop_at, wp_weekly) if wp_weekly else None,
            figures.weeks_of_supply(eop_ly, ly_recent) if ly_recent else None,
        ),
        "turn": Ratio(
            figures.turn(ytd_sales, opening, eop_series, weeks),
            figures.turn(wp_ytd_sales, wp_opening, wp_eops, weeks) if wp_eops else None,
            figures.turn(ly_sales, ly_opening, ly_eops, len(ly_list)) if ly_list else None,
        ),
        "gmroi": Ratio(
            figures.gmroi(ytd_margin, opening_cost, cost_series, weeks),
            figures.gmroi(wp_ytd_margin, wp_opening_cost, wp_eops_cost, weeks) if wp_eops_cost else None,
            figures.gmroi(ly_margin, ly_opening_cost, ly_eops_cost, len(ly_list)) if ly_list else None,
        ),
        "sell_through": Ratio(
            figures.sell_through_of_available(std_sales, std_markdowns, eop_ty),
            figures.planned_sell_through(
                _plan_sum(plan_rows, key, "wp", std, "sales"),
                _plan_at(plan_rows, key, "wp", std[0], "bop"),
                _plan_sum(plan_rows, key, "wp", std, "receipts"),
            )
            if wp_eop_at is not None
            else None,
            figures.sell_through_of_available(
                _sum(sales, key, ly_std, "sales"), _sum(sales, key, ly_std, "markdowns"), eop_ly
            )
            if ly_std
            else None,
        ),
    }


def _week_points(
    cal: Calendar, sales: pd.DataFrame, stock: pd.DataFrame, plan: Plans, tree: Hierarchy
) -> list[WeekPoint]:
    cube = Cube(sales[sales["key"] == "company"] if not sales.empty else sales, MONEY)
    planned = _planned("company", "company", plan, tree)
    plans = {
        kind: Cube(plan.frame[(plan.frame["key"] == "company") & (plan.frame["kind"] == kind)], PLAN_COLUMNS)
        for kind in ("op", "wp")
        if planned and not plan.frame.empty
    }
    eops = figures.series_of(stock, "company", cal.ty, "eop")
    points = []
    for index, week in enumerate(cal.ty):
        ly = cal.ly.get(week)
        points.append(
            WeekPoint(
                week_id=week,
                label=cal.labels[week],
                sales_ty=figures.money(_sum(cube, "company", [week], "sales")),
                sales_op=figures.money(_plan_sum(plans, "company", "op", [week], "sales")),
                sales_wp=figures.money(_plan_sum(plans, "company", "wp", [week], "sales")),
                sales_ly=figures.money(_sum(cube, "company", [ly], "sales")) if ly else None,
                eop_ty=figures.money(eops[index]),
                eop_plan=figures.money(_plan_at(plans, "company", "wp", week, "eop")),
            )
        )
    return points


def _otb(week: FiscalWeek, department_ids: list[int]) -> list[OTBMonth]:
    """The month of the week after the report's and the next ones: company totals."""
    keys: list[int] = []
    for coming in weeks_after(week, 20):
        key = coming.year * 100 + coming.month
        if key not in keys:
            keys.append(key)
        if len(keys) == OTB_MONTHS:
            break
    table = otb_table(department_ids, keys)
    budgeted = set(
        OTBBudgetMonth.objects.filter(
            budget__department_id__in=department_ids,
            budget__status=OTBBudget.Status.APPROVED,
            month_key__in=keys,
        ).values_list("month_key", flat=True)
    )
    months = []
    for key in keys:
        cells = [cell for (dept, month), cell in table.items() if month == key]
        budget = sum((cell.budget_retail for cell in cells), Decimal("0.00")) if key in budgeted else None
        months.append(
            OTBMonth(
                key=key,
                label=month_label(key),
                budget=budget,
                received=sum((cell.received_retail for cell in cells), Decimal("0.00")),
                on_order=sum((cell.on_order_retail for cell in cells), Decimal("0.00")),
                left=sum((cell.otb_retail for cell in cells), Decimal("0.00")),
            )
        )
    return months


def _lists(cal: Calendar) -> dict[str, list[ItemRow]]:
    """Best sellers of the week; understocked and overstocked style-colors (see the module
    docstring): three aggregate queries and one stock snapshot."""
    week = cal.week.pk
    recent = cal.ty[-figures.WOS_WEEKS :]
    selling = ~Q(location__kind=Location.Kind.DC)
    base = SalesHistory.objects.filter(selling)
    this_week = {
        style: (Decimal(sales or 0), int(units or 0))
        for style, sales, units in base.filter(fiscal_week_id=week)
        .values_list("sku__style_color_id")
        .annotate(sales=Sum("retail_value"), units=Sum("units"))
        .order_by()
    }
    recent_units = dict(
        base.filter(fiscal_week_id__in=recent)
        .values_list("sku__style_color_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    season_units = dict(
        base.filter(fiscal_week_id__in=cal.periods["std"])
        .values_list("sku__style_color_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    stock = _stock_by_style(week)
    info = {
        pk: (code, name, dept)
        for pk, code, name, dept in StyleColor.objects.filter(
            pk__in={*this_week, *stock, *recent_units}
        ).values_list("pk", "code", "style__name", "style__subclass__merch_class__department__code")
    }

    def item(style: int, reason: str) -> ItemRow:
        code, name, dept = info[style]
        sales, units = this_week.get(style, (Decimal("0.00"), 0))
        on_hand = stock.get(style, 0)
        sold = season_units.get(style, 0)
        return ItemRow(
            code=code,
            name=name,
            department=dept,
            sales=to_cents(sales),
            units=units,
            stock_units=on_hand,
            wos=figures.weeks_of_supply_of(on_hand, recent_units.get(style, 0), len(recent)),
            # units: sold / (sold + on hand), the stock that was available (no receipts recorded)
            sell_through=figures.sell_through_of_available(sold, 0.0, on_hand),
            reason=reason,
        )

    best = sorted(this_week, key=lambda style: (-this_week[style][0], info[style][0]))[:LIST_LENGTH]
    best_rows = [
        item(style, f"{this_week[style][1]:,} units for {this_week[style][0]:,.2f} this week")
        for style in best
    ]
    under: list[tuple[float, int]] = []
    over: list[tuple[float, int]] = []
    for style, units in recent_units.items():
        weekly = units / len(recent)
        cover = figures.weeks_of_supply_of(stock.get(style, 0), units, len(recent))
        if cover is not None and cover < UNDERSTOCKED_WOS and weekly >= 5:
            under.append((cover, style))
    for style, on_hand in stock.items():
        cover = figures.weeks_of_supply_of(on_hand, recent_units.get(style, 0), len(recent))
        if on_hand > 0 and (cover is None or cover > OVERSTOCKED_WOS):
            over.append((-on_hand, style))
    under_rows = [
        item(
            style,
            (f"{_shown(cover)} weeks of supply" if cover else "out of stock at the stores")
            + f", selling {_shown(recent_units[style] / len(recent), 0)} a week (last {len(recent)} weeks)",
        )
        for cover, style in sorted(under)[:LIST_LENGTH]
    ]
    over_rows = []
    for _, style in sorted(over)[:LIST_LENGTH]:
        weekly = recent_units.get(style, 0) / len(recent)
        reason = (
            f"{stock[style]:,} units and no sale in {len(recent)} weeks"
            if not weekly
            else f"{_shown(stock[style] / weekly, 0)} weeks of supply ({stock[style]:,} units,"
            f" {_shown(weekly)} a week)"
        )
        over_rows.append(item(style, reason))
    return {"best_sellers": best_rows, "understocked": under_rows, "overstocked": over_rows}


def _shown(value: float, places: int = 1) -> str:
    """A ratio in a sentence, rounded half up as the tables round it: 2.25 -> 2.3."""
    return f"{rounding.shown_ratio(value, places):,}"


def _stock_by_style(week: int) -> dict[int, int]:
    """Units at the selling locations per style-color at the end of the week: each position's
    latest row at or before it (one grouped query on the unique index)."""
    table = StockPosition._meta.db_table
    sql = f"""
        SELECT k.style_color_id, SUM(p.on_hand)
        FROM (SELECT sku_id, location_id, MAX(fiscal_week_id) AS week FROM {table}
              WHERE fiscal_week_id <= %s GROUP BY sku_id, location_id) m
        JOIN {table} p ON p.sku_id = m.sku_id AND p.location_id = m.location_id AND p.fiscal_week_id = m.week
        JOIN planning_sku k ON k.id = p.sku_id
        JOIN planning_location l ON l.id = p.location_id
        WHERE l.kind <> %s
        GROUP BY k.style_color_id
    """  # noqa: S608 - our table names; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [week, Location.Kind.DC])
        return {int(style): int(units or 0) for style, units in cursor.fetchall()}


def _accuracy(week: FiscalWeek, department_ids: list[int], notes: list[str]) -> list[AccuracyWeek]:
    weeks = list(reversed(FiscalWeek.objects.filter(id__lte=week.pk).order_by("-id")[:ACCURACY_WEEKS]))
    frame = accuracy.lookback_frame(department_ids, weeks, lag=1)
    if frame.empty:
        notes.append(
            "No week-ahead forecast covers these weeks yet: forecast accuracy starts after forecast runs."
        )
        return []
    table = accuracy.summary(frame, ["week_id"])
    by_week = {int(row["week_id"]): row for row in table.to_dict("records")}
    labels = {w.pk: f"W{w.week:02d}" for w in weeks}
    return [
        AccuracyWeek(
            week_id=w.pk,
            label=labels[w.pk],
            wmape=_float(by_week[w.pk]["final_wmape"]) if w.pk in by_week else None,
            bias=_float(by_week[w.pk]["final_bias"]) if w.pk in by_week else None,
        )
        for w in weeks
    ]


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN -> None


def _approvals() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    counts["Plans"] = PlanVersion.objects.filter(status=PlanVersion.Status.SUBMITTED).count()
    counts["OTB budgets"] = OTBBudget.objects.filter(status=OTBBudget.Status.SUBMITTED).count()
    counts["Markdowns"] = MarkdownProposal.objects.filter(status=MarkdownProposal.Status.SUBMITTED).count()
    counts["Orders over OTB"] = OTBException.objects.filter(status=OTBException.Status.PENDING).count()
    return dict(counts)
