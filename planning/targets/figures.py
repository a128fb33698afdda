"""Monthly amounts by department and class for one fiscal year, from every source the
reconciliation compares: targets, working plans, current original plans, last year's sales.

Flows (sales, gross margin, markdowns, receipts) are sums of the weeks of a month; EOP is
the last week's of the month. Plans are read from their class lines (the total line is a
roll-up of those), one version per department (`chosen_versions`: its newest company-wide
plan covering the year), the same one the reconciliation's spread writes into.
"""

from __future__ import annotations

import pandas as pd
from django.db.models import F, Sum

from planning.models import (
    TARGET_AMOUNTS,
    Department,
    PlanVersion,
    PlanWeek,
    SalesHistory,
    TargetCell,
    TargetVersion,
)
from planning.plans.selectors import current_originals
from planning.roles import PLANNER

COLUMNS = ["department", "merch_class", "month", *TARGET_AMOUNTS]
_SKU_CLASS = "sku__style_color__style__subclass__merch_class"


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS).astype({"department": int, "merch_class": int, "month": int})


def chosen_versions(
    department_ids: list[int], year: int, *, original: bool = False
) -> dict[int, PlanVersion]:
    """Per department, the one plan version the reconciliation reads for a year: of the plans
    covering the year, the newest company-wide one's working version (or current original);
    plans at a location scope are not summed (two plans of one department never double)."""
    versions = current_originals() if original else PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING)
    candidates = versions.filter(
        plan__department_id__in=department_ids, plan__channel__isnull=True, plan__region__isnull=True,
        plan__first_week__year__lte=year, plan__last_week__year__gte=year,
    ).select_related("plan").order_by("plan__first_week_id", "plan_id")  # fmt: skip
    return {version.plan.department_id: version for version in candidates}  # the newest wins


def plan_figures(department_ids: list[int], year: int, *, original: bool = False) -> pd.DataFrame:
    """Working (or current original) plans' months by department and class."""
    chosen = chosen_versions(department_ids, year, original=original)
    rows = (
        PlanWeek.objects.filter(
            line__version_id__in=[version.pk for version in chosen.values()],
            line__merch_class__isnull=False,
            fiscal_week__year=year,
        )
        .values(
            department=F("line__version__plan__department_id"),
            merch_class=F("line__merch_class_id"),
            month=F("fiscal_week__month"),
            week=F("fiscal_week_id"),
        )
        .annotate(
            sales=Sum("sales"),
            gross_margin=Sum("gross_margin"),
            markdowns=Sum("markdowns"),
            receipts=Sum("receipts"),
            eop=Sum("eop"),
        )
    )
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return _empty()
    frame = frame.sort_values("week")
    keys = ["department", "merch_class", "month"]
    flows = frame.groupby(keys)[["sales", "gross_margin", "markdowns", "receipts"]].sum()
    closing = frame.groupby(keys)["eop"].last()
    return flows.join(closing).reset_index()[COLUMNS]


def last_year_figures(department_ids: list[int], year: int) -> pd.DataFrame:
    """Last year's actual sales, gross margin and markdowns by department, class and month
    (receipts and stock are not in the sales history: zero)."""
    rows = (
        SalesHistory.objects.filter(
            fiscal_week__year=year - 1, **{f"{_SKU_CLASS}__department_id__in": department_ids}
        )
        .values(
            department=F(f"{_SKU_CLASS}__department_id"),
            merch_class=F(_SKU_CLASS),
            month=F("fiscal_week__month"),
        )
        .annotate(sales=Sum("retail_value"), cost=Sum("cost_value"), markdowns=Sum("markdown_value"))
    )
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return _empty()
    frame["gross_margin"] = frame["sales"] - frame["cost"]
    frame["receipts"] = 0
    frame["eop"] = 0
    return frame[COLUMNS]


def target_figures(version: TargetVersion | None) -> pd.DataFrame:
    """A target version's cells (department by month; merch_class 0: targets are set by
    department)."""
    if version is None:
        return _empty()
    rows = TargetCell.objects.filter(version=version).values("department", "month", *TARGET_AMOUNTS)
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return _empty()
    frame["merch_class"] = 0
    return frame[COLUMNS]


def published_targets(division_id: int, year: int) -> TargetVersion | None:
    return TargetVersion.objects.filter(division_id=division_id, fiscal_year=year, is_published=True).first()


def who_plans(department_ids: list[int], year: int) -> dict[int, tuple[str, str]]:
    """Per department: its planners' names (managers assigned to it are not its planners) and
    its working plan's status ("" without one)."""
    chosen = chosen_versions(department_ids, year)
    status = {department: version.get_status_display() for department, version in chosen.items()}
    names: dict[int, list[str]] = {}
    links = Department.planners.through.objects.filter(
        department_id__in=department_ids, user__groups__name=PLANNER
    ).values_list("department_id", "user__username")
    for department_id, name in links:
        names.setdefault(department_id, []).append(name)
    return {d: (", ".join(sorted(names.get(d, []))), status.get(d, "")) for d in department_ids}
