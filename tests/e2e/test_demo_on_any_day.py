"""The whole demo, as `make demo` builds it, on each of the fixed days (`on_days`): the first
weeks of a fiscal year, mid-season, after the holiday peak, the last week of a 53-week year.

Every demo command runs, a replenishment run finishes, and the pages each role opens first
answer 200: no day of the year may crash the product (main went red on 2026-12-07 because the
demo's plan had a month of negative receipts)."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from forecasting.models import ForecastRun
from otb.models import OTBBudget
from planning import calendar
from planning.models import Plan, PlanVersion
from replenishment import runs
from replenishment.models import ReplenishmentRun
from reports.weekly import weekly_report
from tests.conftest import on_days

pytestmark = pytest.mark.django_db

PAGES = {
    "planner": [
        "/", "/planning/plans/", "{grid}", "/otb/", "/otb/budgets/", "/otb/orders/", "/forecasting/",
        "/forecasting/accuracy/", "/forecasting/exceptions/", "/replenishment/health/", "/replenishment/",
        "/replenishment/fwos/", "/otb/markdowns/", "/allocation/", "/report/",
    ],
    "manager": ["/", "/otb/approvals/", "/otb/", "/report/", "/report/pdf/", "/report/xlsx/"],
    "executive": ["/", "/report/", "/report/csv/", "/planning/plans/", "{grid}"],
}  # fmt: skip


@on_days
def test_the_demo_builds_and_every_first_page_answers(
    pinned_clock: date, django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()
    call_command("load_demo", "--size", "small", "--seed", "7", stdout=out)
    call_command("forecast_demo", "--seed", "7", "--weeks", "1", stdout=out)
    call_command("otb_demo", "--seed", "7", stdout=out)
    call_command("allocation_demo", stdout=out)

    today = calendar.fiscal_week_of(pinned_clock)
    plan = Plan.objects.earliest("pk")  # the demo plan: the planner's first department
    assert plan.first_week.year == today.year  # this fiscal year's plan, today's week in it
    assert plan.first_week_id <= today.key <= plan.last_week_id
    assert OTBBudget.objects.get().status == OTBBudget.Status.APPROVED
    # One OP: the loader approves the plan before the season (r1); otb_demo budgets from it.
    original = plan.versions.get(kind=PlanVersion.Kind.ORIGINAL)
    assert original.revision == 1
    assert OTBBudget.objects.get().source_version_id == original.pk
    assert ForecastRun.objects.filter(status=ForecastRun.Status.DONE).exists()
    manager = User.objects.get(username="manager")
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[plan.department_id])
    run.refresh_from_db()
    assert run.status == ReplenishmentRun.Status.DONE, run.message
    report = weekly_report()
    assert report.week_id == calendar.add_weeks(today, -1).key

    grid = f"/planning/plans/versions/{plan.versions.get(kind=PlanVersion.Kind.WORKING).pk}/"
    for username, pages in PAGES.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in pages:
            response = client.get(url.format(grid=grid))
            assert response.status_code == 200, f"{username} {url}: {response.status_code}"
