"""Pages of the policy matrix, inventory health and vendor reliability. The matrix saves one
cell at a time over HTMX (the cell comes back with its messages; a save also refreshes the
audit list out of band)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from otb.replenishment import health, reliability
from planning.models import Department


@login_required
@require_GET
def inventory_health_page(request: HttpRequest) -> HttpResponse:
    departments = list(Department.objects.visible_to(request.user).order_by("code"))
    chosen = request.GET.get("department", "")
    department = next(
        (d for d in departments if str(d.pk) == chosen), departments[0] if departments else None
    )
    context: dict[str, Any] = {"departments": departments, "department": department, "report": None}
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
    return render(request, "otb/replenishment/health.html", context)


@login_required
@require_GET
def vendor_reliability_page(request: HttpRequest) -> HttpResponse:
    return render(request, "otb/replenishment/vendors.html", {"rows": reliability.vendor_reliability_rows()})
