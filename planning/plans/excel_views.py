"""Excel export and import of a plan version's grid (see `planning.plans.excel` for the layout)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from planning import uploads
from planning.models import Department, PlanCellChange, PlanVersion
from planning.plans import excel, services

MAX_ERROR_MESSAGES = 50


def _version_for(request: HttpRequest, version_id: int) -> PlanVersion:
    departments = Department.objects.visible_to(request.user)
    return get_object_or_404(
        PlanVersion.objects.filter(plan__department__in=departments).select_related(
            "plan", "plan__department", "plan__channel", "plan__region"
        ),
        pk=version_id,
    )


@login_required
@require_GET
def plan_export(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_for(request, version_id)
    snapshot = excel.plan_snapshot(version)
    response = HttpResponse(
        excel.workbook_build(snapshot, exported_at=timezone.now()), content_type=excel.CONTENT_TYPE
    )
    disposition = content_disposition_header(as_attachment=True, filename=excel.file_name(snapshot))
    if disposition is not None:
        response["Content-Disposition"] = disposition
    return response


@login_required
@require_POST
def plan_import(request: HttpRequest, version_id: int) -> HttpResponse:
    """All or nothing: every problem is listed and nothing changes, or every changed entered
    cell is saved in one write (audited as an import) and the lines recomputed."""
    version = _version_for(request, version_id)
    back = redirect("planning:plan-version", version_id=version.pk)
    if not Department.objects.editable_by(request.user).filter(pk=version.plan.department_id).exists():
        raise PermissionDenied(f"You cannot change plans of {version.plan.department}.")
    if not version.is_editable:
        messages.error(
            request, f"{version.name} is {version.get_status_display().lower()}: it cannot be changed."
        )
        return back
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose an Excel file (.xlsx) to import.")
        return back
    try:
        content = uploads.upload_read(upload, uploads.PLAN_WORKBOOK)
        edits = excel.workbook_edits(content, excel.plan_snapshot(version))
    except uploads.UploadRefusedError as refused:
        messages.error(request, f"Nothing was imported: {refused}")
        return back
    except excel.ImportRejectedError as rejected:
        _report(request, rejected.errors)
        return back
    if not edits:
        messages.info(request, "The workbook has the plan's values: nothing to import.")
        return back
    try:
        result = services.plan_cells_update(
            user=request.user,  # type: ignore[arg-type]
            version_id=version.pk,
            edits=edits,
            source=PlanCellChange.Source.IMPORT,
        )
    except services.CellConflictError:
        messages.error(
            request,
            "Someone changed the plan while the file was being imported: nothing was imported. "
            "Export it again and re-enter your changes there.",
        )
        return back
    except services.PlanError as error:
        messages.error(request, f"Nothing was imported: {error}")
        return back
    lines = len(result.line_ids)
    messages.success(
        request,
        f"Imported {len(edits)} changed cell{'s' if len(edits) != 1 else ''} "
        f"on {lines} line{'s' if lines != 1 else ''}; the lines are recalculated.",
    )
    return back


def _report(request: HttpRequest, errors: list[str]) -> None:
    count = len(errors)
    if count > 1 or errors[0].startswith("row "):
        messages.error(
            request,
            f"The import changed nothing: {count} problem{'s' if count != 1 else ''} in the workbook.",
        )
    for error in errors[:MAX_ERROR_MESSAGES]:
        messages.error(request, error)
    if count > MAX_ERROR_MESSAGES:
        messages.error(request, f"… and {count - MAX_ERROR_MESSAGES} more.")
