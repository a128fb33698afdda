"""The home page: one section per role the user holds (planner, manager, executive), above what
every role sees (the company's figures and the departments with the user's access). An
administrator's home is what every role sees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from planning import calendar, clock, selectors
from planning.models import FiscalWeek
from planning.roles import ADMIN, EXECUTIVE, MANAGER, PLANNER, user_roles
from reports import dashboard, weekly

if TYPE_CHECKING:
    from reports.report_types import WeeklyReport


def _weekly() -> WeeklyReport:
    """The executive weekly report (tests replace this function)."""
    report: WeeklyReport = weekly.weekly_report()
    return report


def _executive() -> dict[str, Any]:
    """The report's headline, or None while there is no closed week to report on (a new install
    before its first week ends: the page says so)."""
    try:
        report = _weekly()
    except FiscalWeek.DoesNotExist:
        return {"headline": None}
    return {"headline": dashboard.report_headline(report)}


def _home_roles(user: Any) -> set[str]:
    """The roles whose sections the home shows. A superuser holds every role (`user_roles`) but
    is shown as an administrator, as the navigation shows them: their home is the
    administrator's (figures and departments) plus the sections of the groups they are in."""
    if not user.is_superuser:
        return user_roles(user)
    return set(user.groups.values_list("name", flat=True)) | {ADMIN}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    roles = _home_roles(user)
    today = clock.today()
    departments = selectors.department_summaries(request.user)
    return render(
        request,
        "reports/home.html",
        {
            "departments": departments,
            "my_departments": [d for d in departments if d.is_editable],
            "figures": selectors.company_figures(),
            "current_week": calendar.fiscal_week_of(today, settings.MERCHPLAN_CALENDAR_PATTERN),
            "is_planner": PLANNER in roles,
            "is_manager": MANAGER in roles,
            "is_executive": EXECUTIVE in roles,
            "is_admin": ADMIN in roles,
            "planner": dashboard.planner_home(user, today) if PLANNER in roles else None,
            "manager": dashboard.manager_home(user, today) if MANAGER in roles else None,
            "executive": _executive() if EXECUTIVE in roles else None,
        },
    )
