"""The weekly report put together: the reads (run at once where they can), then its rows,
sections and chart points (`build`)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
from django.db import connection, connections

from forecasting.selectors import latest_closed_week
from planning.models import FiscalWeek
from reports import figures
from reports.report_types import WeeklyReport, WeekPoint
from reports.weekly.cube import Cube, actual_sum, plan_at, plan_sum
from reports.weekly.reads import (
    MONEY,
    PLAN_COLUMNS,
    Calendar,
    Hierarchy,
    Plans,
    calendar,
    hierarchy,
    open_approvals,
    plans,
    sales_frame,
)
from reports.weekly.scope_rows import is_planned, scope_rows
from reports.weekly.sections import forecast_accuracy, item_lists, otb_months
from reports.weekly.stock_reads import price_corrections, stock_changes, valued_at_their_prices


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
            "lists": lambda: item_lists(cal),
            "accuracy": lambda: forecast_accuracy(week, list(tree.departments), accuracy_notes),
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
    rows = scope_rows(cal, tree, sales, stock, plan, notes)
    return WeeklyReport(
        week_id=week.pk,
        week_label=f"FY{week.year} W{week.week:02d}",
        week_dates=f"{week.start_date:%Y-%m-%d} to {week.end_date:%Y-%m-%d}",
        rows=rows,
        otb=otb_months(week, list(tree.departments)),
        **read["lists"],
        accuracy=read["accuracy"],
        open_approvals=open_approvals(),
        weeks=week_points(cal, sales, stock, plan, tree),
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


def week_points(
    cal: Calendar, sales: pd.DataFrame, stock: pd.DataFrame, plan: Plans, tree: Hierarchy
) -> list[WeekPoint]:
    cube = Cube(sales[sales["key"] == "company"] if not sales.empty else sales, MONEY)
    planned = is_planned("company", "company", plan, tree)
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
                sales_ty=figures.money(actual_sum(cube, "company", [week], "sales")),
                sales_op=figures.money(plan_sum(plans, "company", "op", [week], "sales")),
                sales_wp=figures.money(plan_sum(plans, "company", "wp", [week], "sales")),
                sales_ly=figures.money(actual_sum(cube, "company", [ly], "sales")) if ly else None,
                eop_ty=figures.money(eops[index]),
                eop_plan=figures.money(plan_at(plans, "company", "wp", week, "eop")),
            )
        )
    return points
