"""Reads for markdowns: candidates, a proposal's numbers, markdown budget vs actual.

Candidates are the style-colors of a department with stock on hand that meet at least one rule
over a look-back window ending with the last closed week (defaults in brackets):

- low sell-through: units sold in the window / (units sold + units on hand now) below
  `sell_through_below` [0.40 over `weeks` = 8];
- high weeks of supply: on hand / average weekly units sold in the window above `wos_above`
  [16 weeks]; stock with no sales in the window has unbounded weeks of supply and qualifies;
- aged stock: whole weeks from the launch date to the end of the as-of week above
  `age_weeks_above` [26].

A young item is judged over its weeks on sale, never over weeks before it existed: the weeks of
the window from the week of its launch date (an item without one: the first week it sold or was
in stock at a selling location, DCs aside). Its weekly rate is units / weeks on sale, and the
sell-through bar is pro rata (40 % over 8 weeks is 10 % over 2: the same pace). An item on sale
fewer than `MIN_WEEKS_ON_SALE` [2] weeks (launched in the last closed week, or not yet) is not
judged: one week of sales, often a part week, says nothing about its pace. E.g. launched two
weeks ago, 30 sold, 90 on hand: 15 a week, 6 weeks of supply, sell-through 25 % against 10 %: no
candidate (over 8 weeks it would read 24 weeks of supply and 25 % against 40 %).

Ranked by the stock value at risk: on hand x current retail (and x unit cost beside it).
Five queries whatever the number of items (items, SKUs, sales, stock, the as-of week), and one
more when some item has no launch date (its first sale or stock).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Min, OuterRef, Subquery, Sum

from core.audit import audit_for_ids
from core.models import AuditEvent
from core.money import percent_of, to_cents, to_places
from core.weeks import month_key, month_label
from forecasting.selectors import latest_closed_week, weeks_up_to
from otb.models import MarkdownItem, MarkdownProposal
from planning.models import (
    Department,
    FiscalWeek,
    Location,
    PlanWeek,
    SalesHistory,
    Sku,
    StockPosition,
    StyleColor,
)
from planning.plans.selectors import current_originals

LOOK_BACK_WEEKS = 8
SELL_THROUGH_BELOW = Decimal("0.40")
WOS_ABOVE = Decimal("16")
AGE_WEEKS_ABOVE = 26
MIN_WEEKS_ON_SALE = 2  # fewer weeks on sale: too new to judge by its sales


@dataclass
class Candidate:
    style_color_id: int
    code: str
    name: str
    class_id: int
    retail_price: Decimal
    unit_cost: Decimal
    units_sold: int
    on_hand: int
    sell_through: Decimal | None  # 0..1, None when nothing sold nor held
    weeks_of_supply: Decimal | None  # None: no sales in the window (unbounded)
    age_weeks: int | None
    weeks_on_sale: int  # weeks of the window the item was on sale (the window's length at most)
    value_retail: Decimal
    value_cost: Decimal
    reasons: list[str] = field(default_factory=list)

    @property
    def sell_through_percent(self) -> Decimal | None:
        return None if self.sell_through is None else to_places(self.sell_through * 100, 1)


def department_items(department_id: int) -> list[tuple[int, str, str, int, Decimal, Decimal, date | None]]:
    return list(
        StyleColor.objects.filter(style__subclass__merch_class__department_id=department_id)
        .order_by("code")
        .values_list(
            "id",
            "code",
            "color_name",
            "style__subclass__merch_class_id",
            "retail_price",
            "unit_cost",
            "launch_date",
        )
    )


def on_hand_by_item(item_of: dict[int, int], week_id: int) -> dict[int, int]:
    """Units on hand per style-color at the end of a week, all locations: each (SKU, location)
    carries its latest stock row at or before the week forward (stock rows are sparse)."""
    latest_week = (
        StockPosition.objects.filter(
            sku_id=OuterRef("sku_id"), location_id=OuterRef("location_id"), fiscal_week_id__lte=week_id
        )
        .order_by("-fiscal_week_id")
        .values("fiscal_week_id")[:1]
    )
    rows = StockPosition.objects.filter(
        sku_id__in=list(item_of), fiscal_week_id__lte=week_id, fiscal_week_id=Subquery(latest_week)
    ).values_list("sku_id", "on_hand")
    totals: dict[int, int] = defaultdict(int)
    for sku_id, on_hand in rows:
        totals[item_of[sku_id]] += on_hand
    return dict(totals)


def units_sold_by_item(item_of: dict[int, int], week_ids: list[int]) -> dict[int, int]:
    rows = (
        SalesHistory.objects.filter(sku_id__in=list(item_of), fiscal_week_id__in=week_ids)
        .values("sku_id")
        .annotate(units=Sum("units"))
        .values_list("sku_id", "units")
    )
    totals: dict[int, int] = defaultdict(int)
    for sku_id, units in rows:
        totals[item_of[sku_id]] += units
    return dict(totals)


def first_on_sale_weeks(item_of: dict[int, int]) -> dict[int, int]:
    """Per style-color of `item_of` (SKU -> style-color): the first week it sold, or had stock at
    a selling location (a DC's stock is not on sale): when an item without a launch date came
    on sale. One query."""
    skus = list(item_of)
    sold = (
        SalesHistory.objects.filter(sku_id__in=skus, units__gt=0)
        .values("sku_id")
        .annotate(first=Min("fiscal_week_id"))
        .values_list("sku_id", "first")
        .order_by()
    )
    stocked = (
        StockPosition.objects.filter(sku_id__in=skus, on_hand__gt=0)
        .exclude(location__kind=Location.Kind.DC)
        .values("sku_id")
        .annotate(first=Min("fiscal_week_id"))
        .values_list("sku_id", "first")
        .order_by()
    )
    first: dict[int, int] = {}
    for sku_id, week_id in sold.union(stocked, all=True):
        item = item_of[sku_id]
        first[item] = min(first.get(item, week_id), week_id)
    return first


def weeks_on_sale(window: list[FiscalWeek], launch: date | None, first_week_id: int | None) -> int:
    """The weeks of `window` (oldest first) an item was on sale: from the week that holds its
    launch date (a launch on the week's last day counts the week), else from the week it first
    sold or was stocked; the whole window when neither is known. 0: not on sale yet."""
    if launch is not None:
        return sum(1 for week in window if week.end_date >= launch)
    if first_week_id is None:
        return len(window)
    return sum(1 for week in window if week.id >= first_week_id)


def rates_by_item(
    item_of: dict[int, int], window: list[FiscalWeek], launches: dict[int, date | None]
) -> tuple[dict[int, int], dict[int, int]]:
    """(units sold in the window, weeks on sale in the window) per style-color of `launches`
    (style-color -> launch date): its weekly rate is the first over the second."""
    sold = units_sold_by_item(item_of, [week.id for week in window])
    undated = {item for item, launch in launches.items() if launch is None}
    first = (
        first_on_sale_weeks({sku: item for sku, item in item_of.items() if item in undated})
        if undated
        else {}
    )
    on_sale = {item: weeks_on_sale(window, launch, first.get(item)) for item, launch in launches.items()}
    return sold, on_sale


def _percent(ratio: Decimal) -> str:
    return f"{to_places(ratio * 100, 0)}%"


def _since(window: list[FiscalWeek], on_sale: int, launch: date | None) -> str:
    week = window[-on_sale]
    return f"launched {week}" if launch else f"since {week}, its first sale or stock: no launch date"


def markdown_candidates(
    department_id: int,
    *,
    as_of: FiscalWeek | None = None,
    weeks: int = LOOK_BACK_WEEKS,
    sell_through_below: Decimal = SELL_THROUGH_BELOW,
    wos_above: Decimal = WOS_ABOVE,
    age_weeks_above: int = AGE_WEEKS_ABOVE,
    min_weeks_on_sale: int = MIN_WEEKS_ON_SALE,
) -> list[Candidate]:
    """Style-colors worth a markdown, highest stock value at risk (retail) first; each row says
    which rules put it there, with the numbers (over its weeks on sale when it is younger than
    the window)."""
    as_of = as_of or latest_closed_week()
    window = weeks_up_to(as_of, weeks)
    items = department_items(department_id)
    item_of = dict(
        Sku.objects.filter(style_color_id__in=[item[0] for item in items]).values_list("id", "style_color_id")
    )
    launches = {item[0]: item[6] for item in items}
    sold, on_sale_weeks = rates_by_item(item_of, window, launches)
    stock = on_hand_by_item(item_of, as_of.id)
    found: list[Candidate] = []
    for item_id, code, name, class_id, retail, cost, launch in items:
        on_hand = stock.get(item_id, 0)
        if on_hand <= 0:
            continue  # nothing left to mark down
        on_sale = on_sale_weeks[item_id]
        if on_sale < min(min_weeks_on_sale, len(window)):
            continue  # launched in the last closed week, or not yet: too new to judge
        is_young = on_sale < len(window)
        span = f"over its {on_sale} weeks on sale" if is_young else f"over {len(window)} weeks"
        units = sold.get(item_id, 0)
        sell_through = Decimal(units) / Decimal(units + on_hand)
        # The same pace over fewer weeks: 40 % over 8 weeks is 10 % over 2.
        bar = sell_through_below * on_sale / len(window)
        wos = to_places(Decimal(on_hand) * on_sale / units, 1) if units else None
        age = (as_of.end_date - launch).days // 7 if launch else None
        reasons = []
        if sell_through < bar:
            limit = (
                f"below {_percent(bar)}: {_percent(sell_through_below)} over {len(window)} weeks, pro rata"
                if is_young
                else f"below {_percent(sell_through_below)}"
            )
            reasons.append(
                f"Sell-through {_percent(sell_through)} {span} ({limit}): {units} sold, {on_hand} on hand."
            )
        if wos is None:
            reasons.append(f"No sales {span.replace('over', 'in', 1)} with {on_hand} on hand.")
        elif wos > wos_above:
            rate = f"{units / on_sale:.1f} units a week" + (f" {span}" if is_young else "")
            reasons.append(f"{wos} weeks of supply (above {wos_above}) at {rate}.")
        if age is not None and age > age_weeks_above:
            reasons.append(f"Launched {age} weeks ago (more than {age_weeks_above}).")
        if not reasons:
            continue
        if is_young:
            reasons.append(f"New: on sale {on_sale} weeks ({_since(window, on_sale, launch)}).")
        found.append(
            Candidate(
                style_color_id=item_id,
                code=code,
                name=name,
                class_id=class_id,
                retail_price=retail,
                unit_cost=cost,
                units_sold=units,
                on_hand=on_hand,
                sell_through=to_places(sell_through, 4),
                weeks_of_supply=wos,
                age_weeks=age,
                weeks_on_sale=on_sale,
                value_retail=to_cents(retail * on_hand),
                value_cost=to_cents(cost * on_hand),
                reasons=reasons,
            )
        )
    found.sort(key=lambda row: (-row.value_retail, row.code))
    return found


def proposal_history(proposal_id: int) -> list[AuditEvent]:
    """Submissions and decisions of a proposal, oldest first (the approval flow's audit records)."""
    return list(audit_for_ids(MarkdownProposal, [proposal_id], actions="markdown.").order_by("at", "id"))


def proposals_visible_to(user: object) -> list[MarkdownProposal]:
    return list(
        MarkdownProposal.objects.filter(department__in=Department.objects.visible_to(user))  # type: ignore[arg-type]
        .select_related("department", "effective_week", "created_by")
        .order_by("-created_at", "-id")[:200]
    )


@dataclass
class BudgetMonth:
    month_key: int
    label: str
    budget: Decimal
    actual_sales: Decimal
    approved_markdowns: Decimal

    @property
    def actual(self) -> Decimal:
        return self.actual_sales

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget

    @property
    def used_percent(self) -> Decimal | None:
        return percent_of(self.actual, self.budget)


def markdown_budget_vs_actual(department_id: int, fiscal_year: int) -> list[BudgetMonth]:
    """By fiscal month of one year: budget = the approved plan's (OP) planned markdowns (class
    lines, all plans of the department); actual = markdown_value of the sales history (price
    reductions given on sales, permanent and promotional). Approved markdown cost is shown beside
    it as committed (by effective week), not added to the actual: it turns into actual markdown
    value only as the marked-down units sell."""
    budget = dict(
        PlanWeek.objects.filter(
            line__version__plan__department_id=department_id,
            line__version__in=current_originals(),  # each plan's current OP revision
            line__merch_class__isnull=False,
            fiscal_week__year=fiscal_year,
        )
        .values("fiscal_week__month")
        .annotate(total=Sum("markdowns"))
        .values_list("fiscal_week__month", "total")
    )
    skus = list(
        Sku.objects.filter(
            style_color__style__subclass__merch_class__department_id=department_id
        ).values_list("id", flat=True)
    )
    actual = dict(
        SalesHistory.objects.filter(sku_id__in=skus, fiscal_week__year=fiscal_year)
        .values("fiscal_week__month")
        .annotate(total=Sum("markdown_value"))
        .values_list("fiscal_week__month", "total")
    )
    committed = dict(
        MarkdownItem.objects.filter(
            proposal__department_id=department_id,
            proposal__status=MarkdownProposal.Status.APPROVED,
            proposal__effective_week__year=fiscal_year,
        )
        .values("proposal__effective_week__month")
        .annotate(total=Sum("markdown_cost"))
        .values_list("proposal__effective_week__month", "total")
    )
    months = sorted(
        set(FiscalWeek.objects.filter(year=fiscal_year).values_list("month", flat=True).distinct())
    )
    zero = Decimal("0.00")
    return [
        BudgetMonth(
            month_key=month_key(fiscal_year, month),
            label=month_label(month_key(fiscal_year, month)),
            budget=to_cents(budget.get(month) or zero),
            actual_sales=to_cents(actual.get(month) or zero),
            approved_markdowns=to_cents(committed.get(month) or zero),
        )
        for month in months
    ]


@dataclass(frozen=True)
class ProposalTotals:
    units_affected: int
    projected_units: int
    markdown_cost: Decimal
    value_before: Decimal  # units affected x current price
    value_after: Decimal  # units affected x new price


def proposal_items(proposal_id: int) -> list[Any]:
    return list(
        MarkdownItem.objects.filter(proposal_id=proposal_id)
        .select_related("style_color")
        .order_by("style_color__code")
    )


def proposal_totals(items: list[Any]) -> ProposalTotals:
    return ProposalTotals(
        units_affected=sum(item.units_affected for item in items),
        projected_units=sum(item.projected_units for item in items),
        markdown_cost=sum((item.markdown_cost for item in items), Decimal("0.00")),
        value_before=sum((item.current_price * item.units_affected for item in items), Decimal("0.00")),
        value_after=sum((item.new_price * item.units_affected for item in items), Decimal("0.00")),
    )
