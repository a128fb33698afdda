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

Modules: `reads` (calendar, hierarchy, sales, plans, OTB, accuracy, approvals), `stock_reads`
(stock and its prices), `item_reads` (the item lists' reads), `cube` (sums per key and week),
`scope_rows` and `stock_figures` (the report's rows), `sections` (OTB, item lists, accuracy)
and `assembly` (`build`: all of it together). The cached entry point is here.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Max

from forecasting.selectors import latest_closed_week
from otb.models import OTBBudgetMonth, PriceChange, PurchaseOrderLine
from planning.models import FiscalWeek, PlanCellChange, PlanVersion, SalesHistory, StockPosition
from reports.report_types import WeeklyReport
from reports.weekly.assembly import build, concurrently, week_points
from reports.weekly.reads import (
    Calendar,
    Hierarchy,
    Plans,
    calendar,
    hierarchy,
    open_approvals,
    plans,
    sales_frame,
)
from reports.weekly.scope_rows import scope_rows
from reports.weekly.sections import forecast_accuracy, item_lists, otb_months
from reports.weekly.stock_reads import (
    price_corrections,
    prices_in_effect,
    stock_changes,
    valued_at_their_prices,
)

__all__ = [
    "Calendar",
    "Hierarchy",
    "Plans",
    "build",
    "calendar",
    "concurrently",
    "data_stamp",
    "forecast_accuracy",
    "hierarchy",
    "item_lists",
    "open_approvals",
    "otb_months",
    "plans",
    "price_corrections",
    "prices_in_effect",
    "sales_frame",
    "scope_rows",
    "stock_changes",
    "valued_at_their_prices",
    "week_points",
    "weekly_report",
]

CACHE_SECONDS = 7 * 24 * 3600


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
