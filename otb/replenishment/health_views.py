"""Pages of the policy matrix, inventory health and vendor reliability. The matrix saves one
cell at a time over HTMX (the cell comes back with its messages; a save also refreshes the
audit list out of band)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from otb.models import SegmentPolicy
from otb.replenishment import health, matrix, matrix_reads, reliability
from planning.models import Department

_TEMPLATE = "otb/replenishment/matrix.html"


@login_required
@require_GET
def policy_matrix_page(request: HttpRequest) -> HttpResponse:
    run = matrix_reads.latest_done_run()
    context: dict[str, Any] = {
        "rows": matrix_reads.policy_matrix(run),
        "run": run,
        "changes": matrix_reads.policy_changes_latest(),
        "can_edit": matrix.can_edit_policies(request.user),
        "errors": {},
    }
    return render(request, _TEMPLATE, context)


def _parse(post: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted cell as model values, and a message per field that does not parse."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        values["service_level"] = matrix.service_level_from_percent(post.get("service_level", ""))
    except ValueError as error:
        errors["service_level"] = str(error)
    try:
        values["fwos_target"] = Decimal(post.get("fwos_target", "").strip())
        if not values["fwos_target"].is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors["fwos_target"] = "Enter a number of weeks, e.g. 6 or 6.5."
        values.pop("fwos_target", None)
    for name, label in (
        ("presentation_min", "a whole number of units"),
        ("allocation_priority", "1, 2 or 3"),
    ):
        text = post.get(name, "").strip()
        if text.lstrip("-").isdigit():
            values[name] = int(text)
        else:
            errors[name] = f"Enter {label}."
    return values, errors


@login_required
@require_POST
def policy_cell_save(request: HttpRequest, cell: str) -> HttpResponse:
    if not matrix.can_edit_policies(request.user):
        raise PermissionDenied("Only managers and admins change the policy matrix.")
    get_object_or_404(SegmentPolicy, cell=cell)
    values, errors = _parse(request.POST)
    errors = {**matrix.policy_errors(values), **errors}  # every field's message at once
    version_text = request.POST.get("row_version", "")
    message, status = "", 200
    if not version_text.isdigit():
        errors["row_version"] = "Reload the page: the cell's version is missing."
    if not errors:
        try:
            matrix.segment_policy_update(
                cell=cell, user=cast(User, request.user), row_version=int(version_text), values=values
            )
            message = "Saved."
        except ValidationError as error:
            errors = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        except matrix.PolicyConflictError as conflict:
            message, status = str(conflict), 409
    if errors:
        status = 400
    run = matrix_reads.latest_done_run()
    context = {
        "item": matrix_reads.matrix_cell(cell, run),
        "can_edit": True,
        "errors": errors,
        "posted": request.POST if status == 400 else None,
        "message": message,
        "changes": matrix_reads.policy_changes_latest(),
        "refresh_changes": status == 200,
    }
    return render(request, f"{_TEMPLATE}#cell-response", context, status=status)


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
            ("excess", "Excess", report.excess, report.total("excess")),
            ("obsolete", "Obsolete", report.obsolete, report.total("obsolete")),
            ("no-move", "No-move", report.no_move, report.total("no_move")),
            ("slow-moving", "Slow-moving", report.slow_moving, report.total("slow_moving")),
        ]
    return render(request, "otb/replenishment/health.html", context)


@login_required
@require_GET
def vendor_reliability_page(request: HttpRequest) -> HttpResponse:
    return render(request, "otb/replenishment/vendors.html", {"rows": reliability.vendor_reliability_rows()})
