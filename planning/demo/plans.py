"""The demo's plans: one for every department over this fiscal year (the year of the week after
the last loaded one, today's week: in its first week no week of it has closed yet), so the grid
has something to show on the first visit and the company and its divisions have a plan (the
weekly report's plan columns roll the department plans up).

As in real use, each plan is approved before the season: its planner submits it and someone
else approves it, so OP r1 is the pre-season plan. The demo planner's departments (Womenswear)
are planned by the planner and approved by the manager; the manager plans the others and the
admin approves them (separation of duties). Only then do they roll: the working plans' closed
weeks hold the actuals loaded, the OPs keep what was planned for them, and "vs OP" shows plan
against actual."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User

from planning import calendar
from planning.detail.seed import detail_create
from planning.models import Department, PlanVersion
from planning.plans.in_season import roll_plans
from planning.plans.services import PlanSpec, plan_create, version_approve, version_submit

GROWTH_PERCENT = Decimal(5)


def demo_plans(through: calendar.FiscalWeek, pattern: str) -> int:
    """A working plan and an approved OP for every department; returns the plans' fiscal year.
    The demo planner's first department is planned first, so it is "the demo plan" (the lowest
    id) that the OTB and allocation demos budget from."""
    planner = User.objects.get(username="planner")
    manager = User.objects.get(username="manager")
    admin = User.objects.get(username="admin")
    year = calendar.fiscal_year(calendar.add_weeks(through, 1, pattern).year, pattern)
    own = set(Department.objects.editable_by(planner).values_list("pk", flat=True))
    departments = sorted(Department.objects.all(), key=lambda d: (d.pk not in own, d.code))
    for department in departments:
        author, approver = (planner, manager) if department.pk in own else (manager, admin)
        spec = PlanSpec(
            name=f"{department.code} FY{year.year}",
            department_id=department.pk,
            first_week_id=year.weeks[0].key,
            last_week_id=year.weeks[-1].key,
            growth_percent=GROWTH_PERCENT,
        )
        plan = plan_create(user=author, spec=spec)
        working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
        version_submit(user=author, version_id=working.pk)
        version_approve(user=approver, version_id=working.pk, comment="Demo: the pre-season plan")
    # In season: the weeks of this year that closed hold their actuals (DESIGN.md 11); the
    # OPs are not rolled (planning.plans.in_season.rollable_versions).
    roll_plans()
    # The demo plan's working version by subclass x region (the grid's "By subclass and
    # channel"), split from its class lines by last year's leaves.
    first = PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING).order_by("plan_id").first()
    if first is not None:
        detail_create(user=planner, version_id=first.pk)
    return year.year
