"""Excel export and import of a plan version's grid (see `planning.plans.excel` for the layout).

The import is the kit's all or nothing (`core.imports.apply_all_or_nothing`): every problem of
the workbook, or the refusal of the file, is kept in the session and shown once on the version's
page, next to the upload form, by the one import errors partial (templates/includes/
import_errors.html); the import redirects back to that page either way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from core.imports import (
    FileRejectedError,
    ImportResult,
    UploadRefusedError,
    apply_all_or_nothing,
    upload_read,
)
from planning.models import Department, PlanCellChange, PlanVersion
from planning.plans import excel, excel_import, services

SESSION_KEY = "plan_excel_import"
CONFLICT = (
    "Someone changed the plan while the file was being imported: nothing was imported. "
    "Export it again and re-enter your changes there."
)


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
        return _refused(request, version, back, "Choose an Excel file (.xlsx) to import.")
    user: User = request.user  # type: ignore[assignment]
    try:
        content = upload_read(upload, excel_import.PLAN_WORKBOOK)
        snapshot = excel.plan_snapshot(version)
        result = apply_all_or_nothing(
            lambda errors: excel_import.workbook_edits(content, snapshot),
            lambda edits: _cells_update(user, version, edits),
            limit=excel_import.MAX_ERRORS,
        )
    except UploadRefusedError as refused:
        return _refused(request, version, back, f"Nothing was imported: {refused}")
    if not result.is_applied:
        _keep_problems(request, version, result)
    elif result.value is None:
        messages.info(request, "The workbook has the plan's values: nothing to import.")
    else:
        edits, lines = result.value
        messages.success(
            request,
            f"Imported {edits} changed cell{'s' if edits != 1 else ''} "
            f"on {lines} line{'s' if lines != 1 else ''}; the lines are recalculated.",
        )
    return back


def _cells_update(user: User, version: PlanVersion, edits: list[services.CellEdit]) -> tuple[int, int] | None:
    """The write, inside the import's transaction: the cells changed and the lines they are on,
    or None when the workbook changes nothing. A refusal rolls the import back."""
    if not edits:
        return None
    try:
        result = services.plan_cells_update(
            user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.IMPORT
        )
    except services.CellConflictError:
        raise FileRejectedError(CONFLICT) from None
    except services.PlanError as error:
        raise FileRejectedError(f"Nothing was imported: {error}") from None
    return len(edits), len(result.line_ids)


def _refused(
    request: HttpRequest, version: PlanVersion, back: HttpResponseRedirect, message: str
) -> HttpResponseRedirect:
    _keep(request, version, {"refused": message})
    return back


def _keep_problems(request: HttpRequest, version: PlanVersion, result: ImportResult[Any]) -> None:
    """One problem of the file as a whole reads as its refusal; rows' problems as a table."""
    first = result.errors[0]
    if result.error_count == 1 and first.row is None:
        _keep(request, version, {"refused": first.message})
    else:
        errors = [error.as_dict() for error in result.errors]
        _keep(request, version, {"errors": errors, "count": result.error_count})


def _keep(request: HttpRequest, version: PlanVersion, outcome: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = {"version_id": version.pk, **outcome}


def import_outcome_pop(request: HttpRequest, version_id: int) -> dict[str, Any] | None:
    """The last import's refusal or problems for this version's page, shown once: `refused`
    (a message) or `errors` with `count` and the `summary` above their table."""
    outcome = request.session.get(SESSION_KEY)
    if not outcome or outcome.get("version_id") != version_id:
        return None
    del request.session[SESSION_KEY]
    if "errors" in outcome:
        count = outcome["count"]
        outcome["summary"] = (
            f"The import changed nothing: {count} problem{'s' if count != 1 else ''} in the workbook."
        )
        outcome["max_errors"] = excel_import.MAX_ERRORS
    return dict(outcome)
