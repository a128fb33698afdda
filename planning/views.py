"""Pages for the foundation: the fiscal calendar, master data browsers (the role-aware home is
`reports.dashboard_views`: it shows what the other apps know)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from planning import calendar, clock, selectors
from planning.forms import CalendarForm


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    today_week = calendar.fiscal_week_of(clock.today(), settings.MERCHPLAN_CALENDAR_PATTERN)
    form = CalendarForm(
        request.GET or None,
        initial={"year": today_week.year, "pattern": settings.MERCHPLAN_CALENDAR_PATTERN},
    )
    year, pattern = today_week.year, settings.MERCHPLAN_CALENDAR_PATTERN
    status = 200
    if form.is_bound:
        if form.is_valid():
            year = form.cleaned_data["year"] or year
            pattern = form.cleaned_data["pattern"] or pattern
        else:
            status = 400
    fiscal_year = calendar.fiscal_year(year, pattern)
    return render(
        request,
        "planning/calendar.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "quarters": [
                {"quarter": q, "months": [m for m in fiscal_year.months if m.quarter == q]}
                for q in (1, 2, 3, 4)
            ],
            "today_week": today_week,
        },
        status=status,
    )


@login_required
def hierarchy_page(request: HttpRequest) -> HttpResponse:
    return render(request, "planning/hierarchy.html", {"divisions": selectors.hierarchy_tree()})


@login_required
def locations_page(request: HttpRequest) -> HttpResponse:
    return render(request, "planning/locations.html", selectors.location_tree())
