"""The weekly report's reads of the calendar, the hierarchy, sales, plans, open to buy, forecast
accuracy and open approvals: grouped queries, sales and plans turned into tidy frames with one
row per report key (`report_keys`) and week. Stock has its own module (`stock_reads`), the
item lists theirs (`item_reads`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db.models import F, Sum

from forecasting import accuracy
from forecasting.selectors import weeks_after
from otb.models import MarkdownProposal, OTBBudget, OTBBudgetMonth, OTBException
from otb.open_to_buy import OTBRow, otb_table
from planning.models import (
    Channel,
    Department,
    FiscalWeek,
    MerchClass,
    Plan,
    PlanVersion,
    PlanWeek,
    SalesHistory,
)

OTB_MONTHS = 3
ACCURACY_WEEKS = 8
_CLASS = "sku__style_color__style__subclass__merch_class_id"
MONEY = ["sales", "cost", "markdowns"]
PLAN_COLUMNS = ["sales", "markdowns", "gross_margin", "eop", "bop", "receipts", "eop_cost", "bop_cost"]


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


# -- the hierarchy and the report's keys -----------------------------------------------------------


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


def report_keys(merch_class: int, channel: int | None, tree: Hierarchy) -> list[str]:
    """The report rows a (class, channel) figure adds to."""
    keys = ["company", f"class:{merch_class}"]
    department = tree.classes.get(merch_class, ("", "", None))[2]
    if department is not None:
        keys.append(f"department:{department}")
    if channel is not None:
        keys.append(f"channel:{channel}")
    return keys


def by_report_key(
    rows: list[tuple[Any, ...]], columns: list[str], tree: Hierarchy, with_channel: bool = True
) -> pd.DataFrame:
    """(week, class, channel, values...) rows to one row per report key they add to."""
    out: list[tuple[Any, ...]] = []
    for week, merch_class, channel, *values in rows:
        if merch_class is None:
            continue
        for key in report_keys(merch_class, channel if with_channel else None, tree):
            out.append((key, week, *[float(value or 0) for value in values]))
    return pd.DataFrame(out, columns=["key", "week", *columns])


# -- sales and plans -------------------------------------------------------------------------------


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
    return by_report_key(rows, [*MONEY, "units"], tree)


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
        for key in report_keys(merch_class, None, tree):
            out.append((key, week_id, kind, *values))
    frame = pd.DataFrame(out, columns=["key", "week", "kind", *PLAN_COLUMNS])
    with_op = {
        chosen_plan.department_id
        for chosen_plan in chosen.values()
        if any(v == ("op", chosen_plan.pk) for v in versions.values())
    }
    return Plans(frame, set(chosen), with_op)


# -- open to buy, forecast accuracy, open approvals ------------------------------------------------


@dataclass(frozen=True)
class ComingOTB:
    """The open-to-buy table of the coming months (`otb.open_to_buy.otb_table`)."""

    month_keys: list[int]  # the month of the week after the report's and the next ones
    cells: dict[tuple[int, int], OTBRow]  # (department, month key) -> its OTB
    budgeted: set[int]  # the month keys with an approved budget


def coming_otb(week: FiscalWeek, department_ids: list[int]) -> ComingOTB:
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
    return ComingOTB(keys, table, budgeted)


def accuracy_lookback(week: FiscalWeek, department_ids: list[int]) -> tuple[list[FiscalWeek], pd.DataFrame]:
    """The last ACCURACY_WEEKS closed weeks up to the report's (oldest first) and the week-ahead
    forecasts' look-back over them (`forecasting.accuracy.lookback_frame`)."""
    weeks = list(reversed(FiscalWeek.objects.filter(id__lte=week.pk).order_by("-id")[:ACCURACY_WEEKS]))
    return weeks, accuracy.lookback_frame(department_ids, weeks, lag=1)


def open_approvals() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    counts["Plans"] = PlanVersion.objects.filter(status=PlanVersion.Status.SUBMITTED).count()
    counts["OTB budgets"] = OTBBudget.objects.filter(status=OTBBudget.Status.SUBMITTED).count()
    counts["Markdowns"] = MarkdownProposal.objects.filter(status=MarkdownProposal.Status.SUBMITTED).count()
    counts["Orders over OTB"] = OTBException.objects.filter(status=OTBException.Status.PENDING).count()
    return dict(counts)
