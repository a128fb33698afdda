"""Pages of the policy matrix, inventory health and vendor reliability. The matrix saves one
cell at a time over HTMX (the cell comes back with its messages; a save also refreshes the
audit list out of band)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from planning.departments import DepartmentLookupError, department_from_filter
from planning.models import Department
from replenishment import health, reliability
from replenishment.models import ReplenishmentRun

AVAILABLE_PER_PAGE = 100


def _default_department(departments: list[Department]) -> Department | None:
    """The department of the latest finished replenishment run the user sees (the first by code
    when the run covers several); without any run, the user's first department."""
    by_id = {department.pk: department for department in departments}
    run = (
        ReplenishmentRun.objects.filter(status=ReplenishmentRun.Status.DONE, departments__in=list(by_id))
        .order_by("-created_at", "-id")
        .first()
    )
    if run is not None:
        covered = [by_id[pk] for pk in run.departments.values_list("pk", flat=True) if pk in by_id]
        if covered:
            return min(covered, key=lambda department: department.code)
    return departments[0] if departments else None


@login_required
@require_GET
def inventory_health_page(request: HttpRequest) -> HttpResponse:
    visible = Department.objects.visible_to(request.user).order_by("code")
    departments = list(visible)
    chosen = request.GET.get("department", "").strip()
    context: dict[str, Any] = {"departments": departments, "department": None, "report": None}
    department: Department | None
    if chosen:
        try:
            department = department_from_filter(chosen, visible)
        except DepartmentLookupError as error:
            if error.is_unknown:
                context["error"] = (
                    f"There is no department {error.value!r}: choose one from the list "
                    "(or give its id or its code, e.g. W01)."
                )
                return render(request, "replenishment/health.html", context, status=400)
            context["error"] = f"There is no department {chosen} that you can see. Choose one from the list."
            return render(request, "replenishment/health.html", context, status=404)
    else:
        department = _default_department(departments)
    context["department"] = department
    if department is not None:
        report = health.inventory_health(department)
        context["report"] = report
        context["sections"] = [
            # In the order of precedence: a SKU-location is in the first list that applies.
            ("obsolete", "Obsolete", report.obsolete, report.total("obsolete")),
            ("no-move", "No-move", report.no_move, report.total("no_move")),
            ("excess", "Excess", report.excess, report.total("excess")),
            ("slow-moving", "Slow-moving", report.slow_moving, report.total("slow_moving")),
        ]
        show_zeros = request.GET.get("zeros") == "1"
        rows = report.available if show_zeros else [row for row in report.available if not row.is_zero]
        query = QueryDict(mutable=True)
        query["department"] = str(department.pk)
        if show_zeros:
            query["zeros"] = "1"
        toggle = query.copy()
        if show_zeros:
            toggle.pop("zeros")
        else:
            toggle["zeros"] = "1"
        context.update(
            available_page=Paginator(rows, AVAILABLE_PER_PAGE).get_page(request.GET.get("page")),
            available_query=query.urlencode(),
            available_toggle=toggle.urlencode(),
            show_zeros=show_zeros,
            zero_rows=sum(1 for row in report.available if row.is_zero),
        )
    return render(request, "replenishment/health.html", context)


@login_required
@require_GET
def vendor_reliability_page(request: HttpRequest) -> HttpResponse:
    return render(request, "replenishment/vendors.html", {"rows": reliability.vendor_reliability_rows()})
