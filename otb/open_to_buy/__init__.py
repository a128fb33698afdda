"""Open-to-buy, one read path: planned receipts - received - on order, at retail, cost and units.

What was bought comes from purchase orders and, in closed weeks, from actuals (DESIGN.md 11):
- On order: open units of released orders' lines (not cancelled), in their receipt week; a line
  overdue (due in a closed week, still open) counts in the first open week, where it is expected.
- Received: in an open week, the units received on lines due that week; in a closed week, the
  week's actual receipts as the working plan holds them (EOP - BOP + sales + markdowns at its
  scope: purchase-order receipts and the stock that came in without one). So a closed month has
  nothing left to buy: its OTB is 0, and a year's OTB is its open months'. (Cost of actual
  receipts at the plan's cost complement; units as the orders received them.)

Plans: `plan_purchases` gives a plan version these facts at its scope (total company: every
location, DCs included, as the company buys; a channel or region: the lines delivered there) and
`planning.plans.purchases.refresh` stores them in its weeks with their OTB, which the grid, its
month totals, `version_months` (the API) and the OTB page's working-plan row read. Departments:
`otb_table` puts the same facts beside the approved budget (the OTB page, budgets API, weekly
report, dashboards). Purchase-order writes call `orders_changed` in their transaction.

Modules: `queries` (the released lines and their sums, a plan's scope, closed weeks), `rows` (the
OTB arithmetic of a month), `plans` (a plan version's purchases and months), `order_lines` (the
lines behind an on-order figure), `departments` (the OTB table beside the budgets); the refresh
hooks the order writes call are here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from otb.open_to_buy.departments import otb_rows, otb_table, working_plan_receipts
from otb.open_to_buy.order_lines import OrderLine, department_order_lines, plan_order_lines
from otb.open_to_buy.plans import plan_purchases, version_months
from otb.open_to_buy.queries import CLASS_PATH, first_open_week, released_lines, scope_filter
from otb.open_to_buy.rows import OTBRow, VersionMonth
from planning.models import Plan
from planning.plans import purchases

__all__ = [
    "CLASS_PATH",
    "OTBRow",
    "OrderLine",
    "VersionMonth",
    "department_order_lines",
    "first_open_week",
    "orders_changed",
    "otb_rows",
    "otb_table",
    "plan_order_lines",
    "plan_purchases",
    "refresh_department",
    "refreshed_once",
    "released_lines",
    "scope_filter",
    "version_months",
    "working_plan_receipts",
]


def refresh_department(department_id: int) -> int:
    """Bring every plan of the department that follows purchases up to date (class-weeks changed)."""
    plan_ids = list(Plan.objects.filter(department_id=department_id).values_list("pk", flat=True))
    return purchases.refresh_plans(plan_ids)


_pending: ContextVar[set[int] | None] = ContextVar("otb_pending_refresh", default=None)


def orders_changed(department_ids: int | list[int]) -> None:
    """Call in the transaction of a purchase-order write (release, line change, receipt,
    cancellation, import): the plans' on order and OTB change with it, all or nothing. Inside
    `refreshed_once` the departments are only noted."""
    departments = {department_ids} if isinstance(department_ids, int) else set(department_ids)
    pending = _pending.get()
    if pending is not None:
        pending.update(departments)
        return
    for department_id in sorted(departments):
        refresh_department(department_id)


@contextmanager
def refreshed_once() -> Iterator[None]:
    """Many order writes in one transaction (an import): the plans are refreshed once, at the
    end, for every department the writes touched (not at all if the block raises)."""
    if _pending.get() is not None:  # already inside one: the outer block refreshes
        yield
        return
    departments: set[int] = set()
    token = _pending.set(departments)
    try:
        yield
    finally:
        _pending.reset(token)
    orders_changed(sorted(departments))
