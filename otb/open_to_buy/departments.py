"""Departments' OTB by fiscal month: the approved budget beside what was received and is on
order and the working plans' receipts (the OTB page, budgets API, weekly report, dashboards).
A fixed number of grouped queries, whatever the number of departments and months."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Q, Sum

from core.money import to_cents
from core.weeks import month_key as fiscal_month_key
from core.weeks import week_key, year_of
from otb.models import OTBBudget, OTBBudgetMonth
from otb.open_to_buy.queries import (
    OPEN_COST,
    OPEN_RETAIL,
    OPEN_UNITS,
    RECEIVED_COST,
    RECEIVED_RETAIL,
    RECEIVED_UNITS,
    ZERO,
    cents,
    released_lines,
)
from otb.open_to_buy.rows import OTBRow
from planning import calendar
from planning.models import PlanVersion, PlanWeek


@dataclass
class _Bought:
    """Received and on order of a (department, month), at retail, cost and units."""

    received: list[Any] = field(default_factory=lambda: [ZERO, ZERO, 0])
    on_order: list[Any] = field(default_factory=lambda: [ZERO, ZERO, 0])


def _calendar_weeks(years: set[int]) -> list[tuple[int, int, int]]:
    """(week id, year, month) of the fiscal years, in order, from the calendar (no query)."""
    pattern = settings.MERCHPLAN_CALENDAR_PATTERN
    return [
        (week_key(year, week.week), year, month.month)
        for year in sorted(years)
        for month in calendar.fiscal_year(year, pattern).months
        for week in month.weeks
    ]


def _bought(
    department_ids: list[int], month_keys: list[int], through: dict[int, int]
) -> tuple[dict[tuple[int, int], _Bought], set[tuple[int, int]]]:
    """(department, month) -> received and on order; and the (department, month)s fully closed.
    `through`: each department's last closed week."""
    keys = set(month_keys)
    weeks = _calendar_weeks({year_of(key) for key in keys})
    month_of = {
        week_id: fiscal_month_key(year, month)
        for week_id, year, month in weeks
        if fiscal_month_key(year, month) in keys
    }
    week_ids = [week_id for week_id, _year, _month in weeks]
    # The first open week (None past the months' years: nothing of them is open then).
    next_week = {
        department: week_ids[index] if (index := bisect_right(week_ids, week_id)) < len(week_ids) else None
        for department, week_id in through.items()
    }
    bought: dict[tuple[int, int], _Bought] = defaultdict(_Bought)
    lines = (
        released_lines()
        .filter(order__department_id__in=department_ids, month_key__in=keys)
        .values("order__department_id", "receipt_week_id", "month_key")
        .annotate(
            open_retail=OPEN_RETAIL, open_cost=OPEN_COST, open_units=OPEN_UNITS,
            received_retail=RECEIVED_RETAIL, received_cost=RECEIVED_COST, received_units=RECEIVED_UNITS,
        )
        .order_by()
    )  # fmt: skip
    for row in lines:
        department_id, week_id = row["order__department_id"], row["receipt_week_id"]
        closed_to = through.get(department_id, 0)
        if week_id <= closed_to:  # overdue: expected in the first open week
            moved = next_week.get(department_id)
            open_key = month_of.get(moved) if moved is not None else None
        else:
            open_key = row["month_key"]
        if open_key is not None:
            _add(bought[department_id, open_key].on_order, row, "open")
        if week_id > closed_to:  # a closed week's receipts are its actual ones, below
            _add(bought[department_id, row["month_key"]].received, row, "received")
        else:
            bought[department_id, row["month_key"]].received[2] += int(row["received_units"] or 0)
    for (department_id, key), retail, cost in _actual_receipts(department_ids, through, month_of):
        received = bought[department_id, key].received
        received[0] += retail
        received[1] += cost
    return bought, _closed_months(through, month_of)


def _closed_months(through: dict[int, int], month_of: dict[int, int]) -> set[tuple[int, int]]:
    """The (department, month)s whose every week is closed (`month_of`: week id -> month key)."""
    closed_weeks_of: dict[int, list[int]] = defaultdict(list)
    for week_id, key in month_of.items():
        closed_weeks_of[key].append(week_id)
    return {
        (department_id, key)
        for department_id, week_id in through.items()
        for key, month_weeks in closed_weeks_of.items()
        if max(month_weeks) <= week_id
    }


def _add(target: list[Any], row: dict[str, Any], prefix: str) -> None:
    target[0] += cents(row[f"{prefix}_retail"])
    target[1] += cents(row[f"{prefix}_cost"])
    target[2] += int(row[f"{prefix}_units"] or 0)


def _actual_receipts(
    department_ids: list[int], through: dict[int, int], month_of: dict[int, int]
) -> list[tuple[tuple[int, int], Decimal, Decimal]]:
    """The closed weeks' actual receipts of the departments' working plans, by month: retail
    and cost (at each plan's complement)."""
    if not through:
        return []
    closed = Q()
    for department_id, week_id in through.items():
        closed |= Q(line__version__plan__department_id=department_id, fiscal_week_id__lte=week_id)
    rows = (
        PlanWeek.objects.filter(closed)
        .filter(
            line__version__kind=PlanVersion.Kind.WORKING,
            line__merch_class__isnull=False,
            fiscal_week_id__in=list(month_of),
        )
        .values(
            department=F("line__version__plan__department_id"),
            complement=F("line__version__plan__cost_complement"),
            week=F("fiscal_week_id"),
        )
        .annotate(retail=Sum("receipts"))
        .order_by()
    )
    found = []
    for row in rows:
        retail = cents(row["retail"])
        cost = to_cents(retail * Decimal(row["complement"]))
        found.append(((row["department"], month_of[row["week"]]), retail, cost))
    return found


def working_plan_receipts(department_ids: list[int], month_keys: list[int]) -> dict[tuple[int, int], Decimal]:
    """Planned receipts of the departments' working plans (their class lines) by fiscal month, in
    one grouped query: (department, month key) -> retail."""
    return _working_plan_months(department_ids, month_keys)[0]


def _working_plan_months(
    department_ids: list[int], month_keys: list[int]
) -> tuple[dict[tuple[int, int], Decimal], dict[int, int]]:
    """The working plans' receipts by (department, month) and each department's last closed
    week (the newest `actuals_through` of its working plans), in one grouped query."""
    keys = set(month_keys)
    weeks = (
        PlanWeek.objects.filter(
            line__version__kind=PlanVersion.Kind.WORKING,
            line__version__plan__department_id__in=department_ids,
            line__merch_class__isnull=False,
            fiscal_week__year__in={year_of(key) for key in keys},
        )
        .values("line__version__plan__department_id", "fiscal_week__year", "fiscal_week__month")
        .annotate(receipts=Sum("receipts"), through=Max("line__version__actuals_through_id"))
        .order_by()
    )
    receipts = {}
    through: dict[int, int] = {}
    for row in weeks:
        department_id = row["line__version__plan__department_id"]
        if row["through"]:
            through[department_id] = max(through.get(department_id, 0), row["through"])
        key = row["fiscal_week__year"] * 100 + row["fiscal_week__month"]
        if key in keys:
            receipts[department_id, key] = cents(row["receipts"])
    return receipts, through


def _approved_budgets(
    department_ids: list[int], month_keys: list[int]
) -> dict[tuple[int, int], tuple[Decimal, Decimal, int]]:
    """(department, month) -> the newest approved budget's receipts: retail, cost, units."""
    budget: dict[tuple[int, int], tuple[Decimal, Decimal, int]] = {}
    months = (
        OTBBudgetMonth.objects.filter(
            budget__department_id__in=department_ids,
            budget__status=OTBBudget.Status.APPROVED,
            month_key__in=month_keys,
        )
        .order_by("budget__department_id", "month_key", "-budget__number")
        .values_list(
            "budget__department_id", "month_key", "receipts_retail", "receipts_cost", "receipts_units"
        )
    )
    for department_id, key, retail, cost, units in months:
        budget.setdefault((department_id, key), (retail, cost, units))
    return budget


def otb_table(department_ids: list[int], month_keys: list[int]) -> dict[tuple[int, int], OTBRow]:
    """One OTBRow per (department, month): the newest approved budget month, received and on
    order, and the working plan's receipts. A fixed number of grouped queries."""
    budget = _approved_budgets(department_ids, month_keys)
    working, through = _working_plan_months(department_ids, month_keys)
    bought, closed = _bought(department_ids, month_keys, through)
    table = {}
    for department_id in department_ids:
        for key in month_keys:
            retail, cost, units = budget.get((department_id, key), (ZERO, ZERO, 0))
            month = bought.get((department_id, key), _Bought())
            table[department_id, key] = OTBRow(
                department_id=department_id,
                month_key=key,
                budget_retail=retail,
                budget_cost=cost,
                budget_units=units,
                on_order_retail=month.on_order[0],
                on_order_cost=month.on_order[1],
                on_order_units=month.on_order[2],
                received_retail=month.received[0],
                received_cost=month.received[1],
                received_units=month.received[2],
                working_receipts_retail=working.get((department_id, key), ZERO),
                is_closed=(department_id, key) in closed,
            )
    return table


def otb_rows(department_id: int, month_keys: list[int]) -> list[OTBRow]:
    """One department's months in order (the budgets API)."""
    table = otb_table([department_id], month_keys)
    return [table[department_id, key] for key in sorted(month_keys)]
