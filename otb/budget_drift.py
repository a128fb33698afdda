"""Budget drift: where the working plan's planned receipts of a fiscal month have moved away from
the approved OTB budget by more than `MERCHPLAN_BUDGET_DRIFT_PERCENT` (default 5) of it, so the
budget should be revised (the OTB page and the manager's home say so, with a one-click draft:
`otb.services.otb_budget_revision`).

For each department and fiscal month with an approved budget (the newest approved version of
the month, as the OTB page has it) and working-plan weeks (`open_to_buy.working_plan_receipts`):

    difference = plan - budget;  drift % = difference / |budget| x 100, half up to 0.1
    drifts when |difference| > setting % x |budget|  (a zero budget drifts on any receipts)

Only open months count: a month whose fiscal weeks are all closed in the working plan (up to
its `actuals_through`) has nothing left to buy. The working plan is the one of the plan the
month's approved budget came from; the plan's receipts are the department's working plans'
(`working_plan_receipts`, what the OTB page shows). A fixed number of grouped queries (two)
whatever the number of departments and months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Subquery

from core.weeks import month_key, short_month_label, week_key, year_of
from otb import open_to_buy, page_rows, services
from otb.models import OTBBudget, OTBBudgetMonth
from planning import calendar
from planning.engine.rounding import half_up
from planning.models import Department, PlanVersion

_HUNDRED = Decimal(100)
_ZERO = Decimal("0.00")


def drift_percent_setting() -> Decimal:
    return Decimal(str(settings.MERCHPLAN_BUDGET_DRIFT_PERCENT))


@dataclass(frozen=True)
class DriftMonth:
    month_key: int
    budget: Decimal  # the approved budget's receipts at retail (signed)
    plan: Decimal  # the working plan's planned receipts at retail (signed)

    @property
    def difference(self) -> Decimal:
        return self.plan - self.budget

    @property
    def percent(self) -> Decimal | None:
        """(plan - budget) / |budget| x 100, half up to 0.1; None on a zero budget."""
        if not self.budget:
            return None
        return half_up(self.difference * _HUNDRED / abs(self.budget), 1)

    @property
    def label(self) -> str:
        return services.month_label(self.month_key)

    @property
    def change_text(self) -> str:
        """ "+12.4%", "-7.0%"; on a zero budget the difference: "+1,200.00 on a zero budget"."""
        if self.percent is None:
            return f"{self.difference:+,.2f} on a zero budget"
        return f"{self.percent:+.1f}%"


@dataclass(frozen=True)
class DepartmentDrift:
    department: Department
    threshold: Decimal  # the setting, in %
    months: list[DriftMonth]  # the drifting open months, in month order
    working_version_id: int  # the working plan a revision is drafted from
    can_draft: bool = False  # the user may budget the department (a planner or manager of it)

    @property
    def summary(self) -> str:
        """ "Tops: the working plan's receipts differ from the approved budget by more than 5% in
        2 months (FY2027 M01 +12.4%, M02 -7.0%)": a month's year is named when it changes."""
        parts, year = [], 0
        for month in self.months:
            label = month.label if year_of(month.month_key) != year else short_month_label(month.month_key)
            year = year_of(month.month_key)
            parts.append(f"{label} {month.change_text}")
        count = len(self.months)
        months = f"{count} month{'' if count == 1 else 's'}"
        return (
            f"{self.department.name}: the working plan's receipts differ from the approved budget by "
            f"more than {self.threshold.normalize():f}% in {months} ({', '.join(parts)})"
        )


def is_drifting(budget: Decimal, plan: Decimal, threshold: Decimal) -> bool:
    """|plan - budget| > threshold % of |budget|, exactly (no rounding before the comparison)."""
    return abs(plan - budget) * _HUNDRED > threshold * abs(budget)


def budget_drift(
    departments: list[Department],
    month_keys: list[int],
    *,
    user: AbstractBaseUser | AnonymousUser | None = None,
    working: Mapping[tuple[int, int], Decimal] | None = None,
) -> list[DepartmentDrift]:
    """The drifting open months of `month_keys`, one notice per department (in the order given)
    and working plan: the working plan of the plan the month's approved budget came from (a
    month whose budget names no plan that still has one is not compared). `working` is the
    working plans' receipts by (department, month) when the caller has read them already (the
    OTB page's table); `user` says who may draft. Two grouped queries (one given `working`):
    the approved budget months with their working plan and the user's right to budget, and
    `open_to_buy.working_plan_receipts`."""
    threshold = drift_percent_setting()
    ids = [department.pk for department in departments]
    if not ids or not month_keys:
        return []
    plan_version = PlanVersion.objects.filter(
        kind=PlanVersion.Kind.WORKING, plan_id=OuterRef("budget__source_version__plan_id")
    )
    editable = Department.objects.editable_by(user) if user is not None else Department.objects.none()
    rows = (
        OTBBudgetMonth.objects.filter(
            budget__department_id__in=ids, budget__status=OTBBudget.Status.APPROVED, month_key__in=month_keys
        )
        .annotate(
            wp=Subquery(plan_version.values("pk")[:1]),
            wp_through=Subquery(plan_version.values("actuals_through_id")[:1]),
            editable=Exists(editable.filter(pk=OuterRef("budget__department_id"))),
        )
        .order_by("budget__department_id", "month_key", "-budget__number")
        .values_list("budget__department_id", "month_key", "receipts_retail", "wp", "wp_through", "editable")
    )
    budget: dict[tuple[int, int], tuple[Decimal, int | None, int | None]] = {}
    draftable: set[int] = set()
    for department_id, key, retail, working_id, through, can_draft in rows:
        budget.setdefault((department_id, key), (retail, working_id, through))
        if can_draft:
            draftable.add(department_id)
    if not budget:
        return []
    if working is None:
        working = open_to_buy.working_plan_receipts(ids, month_keys)
    last_week = _last_weeks(month_keys)
    found = []
    for department in departments:
        by_version: dict[int, list[DriftMonth]] = {}
        for key in month_keys:
            if (department.pk, key) not in budget:
                continue
            retail, working_id, through = budget[department.pk, key]
            plan = working.get((department.pk, key), _ZERO)
            if working_id is None or last_week.get(key, 0) <= (through or 0):
                continue  # no working plan to compare with, or a closed month
            if is_drifting(retail, plan, threshold):
                by_version.setdefault(working_id, []).append(DriftMonth(key, retail, plan))
        for working_id, months in by_version.items():
            found.append(
                DepartmentDrift(department, threshold, months, working_id, department.pk in draftable)
            )
    return found


def _last_weeks(month_keys: list[int]) -> dict[int, int]:
    """Each month's last fiscal week id (year * 100 + week), from the calendar (no query)."""
    pattern = settings.MERCHPLAN_CALENDAR_PATTERN
    last = {}
    for year in sorted({year_of(key) for key in month_keys}):
        for month in calendar.fiscal_year(year, pattern).months:
            last[month_key(year, month.month)] = week_key(year, month.weeks[-1].week)
    return last


def coming_month_keys(today: date) -> list[int]:
    """The current fiscal month and the rest of this fiscal year and the next: the months a
    budget revision can still change (closed months drop out in `budget_drift`)."""
    current = calendar.fiscal_week_of(today, settings.MERCHPLAN_CALENDAR_PATTERN)
    first = month_key(current.year, current.month)
    keys = page_rows.fiscal_month_keys(current.year) + page_rows.fiscal_month_keys(current.year + 1)
    return [key for key in keys if key >= first]
