"""The manager's home: what waits for approval (`core.approvals.approval_inbox`), sales this
year against the working plan by department, for the last closed week and the month to date,
and the months whose working-plan receipts drift from the approved budget (`otb.budget_drift`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, Sum
from django.template.defaultfilters import pluralize

from core.approvals import InboxRow, approval_inbox, approval_kinds
from core.money import to_cents
from forecasting.selectors import latest_closed_week
from otb import budget_drift, services
from planning.models import Department, FiscalWeek, PlanVersion, PlanWeek, SalesHistory
from reports.dashboard.common import DEPARTMENT

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class Versus:
    """Sales this year against the working plan over one period."""

    actual: Decimal | None  # None: no sales recorded
    plan: Decimal | None  # None: no working plan covers the period

    @property
    def difference(self) -> Decimal | None:
        return None if self.actual is None or self.plan is None else self.actual - self.plan

    @property
    def percent(self) -> float | None:
        """(actual - plan) / plan x 100; None without both or with a zero plan."""
        if self.actual is None or not self.plan:
            return None
        return float((self.actual - self.plan) / self.plan * 100)

    @property
    def percent_text(self) -> str:
        """ "+4.2%", "-0.5%"; "" without a percent."""
        return "" if self.percent is None else f"{self.percent:+.1f}%"


@dataclass(frozen=True)
class DepartmentVersus:
    code: str
    name: str
    week: Versus
    month_to_date: Versus


@dataclass(frozen=True)
class PlanVsActual:
    week: str  # "FY2026 W42"
    month: str  # "FY2026 M10 to date (2 weeks)"
    rows: list[DepartmentVersus]
    total: DepartmentVersus


def plan_vs_actual(departments: list[Department], closed: FiscalWeek) -> PlanVsActual:
    """Sales at retail (SalesHistory) against the working plan's sales (the total line of the
    working version of the department's total-company plan: no channel, no region), for the last
    closed week and the fiscal month to date: one grouped query each."""
    ids = [department.pk for department in departments]
    in_month = Q(
        fiscal_week__year=closed.year, fiscal_week__month=closed.month, fiscal_week_id__lte=closed.id
    )
    sales = {
        row[DEPARTMENT]: row
        for row in SalesHistory.objects.filter(in_month, **{f"{DEPARTMENT}__in": ids})
        .values(DEPARTMENT)
        .annotate(week=Sum("retail_value", filter=Q(fiscal_week_id=closed.id)), mtd=Sum("retail_value"))
        .order_by()
    }
    plan_department = "line__version__plan__department_id"
    plans = {
        row[plan_department]: row
        for row in PlanWeek.objects.filter(
            in_month,
            line__merch_class__isnull=True,
            line__version__kind=PlanVersion.Kind.WORKING,
            line__version__plan__channel__isnull=True,
            line__version__plan__region__isnull=True,
            **{f"{plan_department}__in": ids},
        )
        .values(plan_department)
        .annotate(week=Sum("sales", filter=Q(fiscal_week_id=closed.id)), mtd=Sum("sales"))
        .order_by()
    }
    rows = []
    for department in departments:
        actual, plan = sales.get(department.pk, {}), plans.get(department.pk, {})
        rows.append(
            DepartmentVersus(
                department.code,
                department.name,
                Versus(_money(actual.get("week")), _money(plan.get("week"))),
                Versus(_money(actual.get("mtd")), _money(plan.get("mtd"))),
            )
        )
    weeks_in = closed.week_of_month
    month = (
        f"{services.month_label(services.month_key(closed))} to date ({weeks_in} week{pluralize(weeks_in)})"
    )
    total = DepartmentVersus(
        "",
        "Total of the departments with a plan" if any(row.week.plan is not None for row in rows) else "Total",
        _total([row.week for row in rows]),
        _total([row.month_to_date for row in rows]),
    )
    return PlanVsActual(str(closed), month, rows, total)


def _total(values: list[Versus]) -> Versus:
    """The departments' sum; a side is None only when no department has it. The plan is summed
    over the departments that have both, so the % compares like with like."""
    both = [value for value in values if value.actual is not None and value.plan is not None]
    if not both:
        actuals = [value.actual for value in values if value.actual is not None]
        return Versus(sum(actuals, Decimal("0.00")) if actuals else None, None)
    return Versus(
        sum((value.actual for value in both if value.actual is not None), Decimal("0.00")),
        sum((value.plan for value in both if value.plan is not None), Decimal("0.00")),
    )


@dataclass(frozen=True)
class ManagerHome:
    waiting: list[InboxRow]
    waiting_by_kind: list[tuple[str, int]]
    plan_vs_actual: PlanVsActual | None  # None: no department assigned
    # Departments whose working plan's receipts drift from the approved budget (otb.budget_drift).
    drift: list[budget_drift.DepartmentDrift] = field(default_factory=list)


def manager_home(user: User, today: date) -> ManagerHome:
    waiting = approval_inbox(user)
    kinds = Counter(item.kind for item in waiting)
    departments = list(Department.objects.editable_by(user).order_by("code"))
    return ManagerHome(
        waiting=waiting,
        waiting_by_kind=[(kind.label, kinds[kind.name]) for kind in approval_kinds() if kinds[kind.name]],
        plan_vs_actual=plan_vs_actual(departments, latest_closed_week(today)) if departments else None,
        drift=budget_drift.budget_drift(departments, budget_drift.coming_month_keys(today), user=user),
    )


def _money(value: object) -> Decimal | None:
    return None if value is None else to_cents(Decimal(str(value)))
