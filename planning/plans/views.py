"""Plan pages: the list, the create form, the grid and its HTMX partials, approvals."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, InvalidInput
from core.weeks import short_week_label
from planning.models import Department, Plan, PlanCellChange, PlanLine, PlanVersion
from planning.plans import excel_views, explain_cells, selectors, services
from planning.plans.forms import PlanCreateForm, RejectForm, ScenarioForm
from planning.plans.grid import LineBlock, plan_grid
from planning.plans.line_settings import plan_line_settings_update
from planning.plans.measures import ENTERED
from planning.plans.negative_receipts import version_negative_receipts

LINES_PER_PAGE = 25  # a 200-class plan renders in pages: the whole grid stays under a second


def _visible_versions(request: HttpRequest) -> Any:
    departments = Department.objects.visible_to(request.user)
    return PlanVersion.objects.filter(plan__department__in=departments).select_related(
        "plan", "plan__department"
    )


def _can_edit(request: HttpRequest, version: PlanVersion) -> bool:
    return (
        version.is_editable
        and Department.objects.editable_by(request.user).filter(pk=version.plan.department_id).exists()
    )


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.visible_to(request.user)
    plans = (
        Plan.objects.filter(department__in=departments)
        .select_related("department", "first_week", "last_week", "channel", "region")
        .prefetch_related("versions")
    )
    waiting = selectors.versions_to_decide(request.user)  # only what this user may decide
    return render(
        request,
        "planning/plans/list.html",
        {
            "plans": plans,
            "waiting": waiting,
            "can_create": Department.objects.editable_by(request.user).exists(),
        },
    )


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanCreateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(user=request.user, spec=form.spec())  # type: ignore[arg-type]
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Plan {plan.name} created and seeded from last year.")
            return redirect(
                "planning:plan-version", version_id=plan.versions.get(kind=PlanVersion.Kind.WORKING).pk
            )
    return render(request, "planning/plans/create.html", {"form": form}, status=400 if form.errors else 200)


# no-store: the Back button must fetch the grid again, not show the copy read before the
# planner's own edits (its row versions would make the next edit a conflict with them).
@never_cache
@login_required
@require_GET
def plan_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    lines = Paginator(
        PlanLine.objects.filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
        .values_list("id", flat=True),
        LINES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    total_line = PlanLine.objects.filter(version=version, merch_class__isnull=True).values_list(
        "id", flat=True
    )
    grid = plan_grid(
        version, is_editable=_can_edit(request, version), line_ids=[*total_line, *lines.object_list]
    )
    siblings = PlanVersion.objects.filter(plan=version.plan).order_by("kind", "name")
    transitions = selectors.plan_trail(version)
    is_submitted = version.status == PlanVersion.Status.SUBMITTED
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "planning/plans/grid.html",
        {
            "version": version,
            "plan": version.plan,
            "grid": grid,
            "siblings": siblings,
            "transitions": transitions,
            "can_submit": grid.is_editable
            and version.kind in (PlanVersion.Kind.WORKING, PlanVersion.Kind.SCENARIO),
            # The services' own rules (role, department, four eyes): no button they would refuse.
            "can_decide": is_submitted and services.can_decide(user, version),
            "can_withdraw": is_submitted and services.can_withdraw(user, version),
            "can_branch": version.kind == PlanVersion.Kind.WORKING
            and Department.objects.editable_by(request.user).filter(pk=version.plan.department_id).exists(),
            "reject_form": RejectForm(),
            "methods": PlanLine.Method.choices,
            "lines_page": lines,
            "scenario_form": ScenarioForm(),
            # The last Excel import's refusal or problems, shown once next to its form.
            "excel_import": excel_views.import_outcome_pop(request, version.pk),
            # An OP revision's page says which revision it is and whether a newer one replaced it.
            "current_original": selectors.current_original(version.plan_id)
            if version.kind == PlanVersion.Kind.ORIGINAL
            else None,
        },
    )


def _line_response(
    request: HttpRequest,
    version: PlanVersion,
    line_ids: list[int],
    *,
    status: int = 200,
    error: dict[str, str] | None = None,
    full_total: bool = False,
) -> HttpResponse:
    """The edited lines re-rendered (their derived cells changed across the weeks) and, out of
    band, the total line: only its header with the recalculating mark while the worker rolls
    the lines up (the mark then polls `totals`), the whole line once it is done."""
    version.refresh_from_db()
    total_ids = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=True).values_list("id", flat=True)
    )
    full_total = full_total or not version.totals_are_stale
    shown = [*line_ids, *total_ids] if full_total else [i for i in line_ids if i not in total_ids]
    grid = plan_grid(version, is_editable=_can_edit(request, version), line_ids=shown)
    edited = [block for block in grid.lines if block.line_id in line_ids]
    total = [block for block in grid.lines if block.is_total] or [
        LineBlock(total_id, "Plan total", PlanLine.Method.RECEIPTS, True) for total_id in total_ids
    ]
    response = render(
        request,
        "planning/plans/grid.html#line-response",
        {
            "grid": grid,
            "version": version,
            "edited": edited,
            "total": total,
            "full_total": full_total,
            "error": error or {},
        },
        status=status,
    )
    response["HX-Trigger"] = "planChanged"
    return response


def _edit_from(data: Any) -> services.CellEdit:
    try:
        return services.CellEdit(
            line_id=int(data["line"]),
            week_id=_week_id(str(data["week"])),
            measure=str(data["measure"]),
            value=str(data["value"]),
            row_version=int(data["row_version"]) if data.get("row_version") not in (None, "") else None,
            expected=str(data["expected"]) if data.get("expected") not in (None, "") else None,
        )
    except (KeyError, ValueError, TypeError):
        raise services.PlanError("The cell is not addressed properly (line, week, measure, value).") from None


def _week_id(key: str) -> int:
    """ "2026-W05" (as in data-period) or 202605 to the FiscalWeek id."""
    if "-W" in key:
        year, week = key.split("-W")
        return int(year) * 100 + int(week)
    return int(key)


@login_required
@require_POST
def cell_update(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    if "edits" not in request.POST and _is_aggregate(version, request.POST):
        return _aggregate_update(request, version)
    try:
        edits = (
            [_edit_from(item) for item in json.loads(request.POST["edits"])]
            if "edits" in request.POST
            else [_edit_from(request.POST)]
        )
    except (services.PlanError, json.JSONDecodeError, TypeError) as error:
        return _message_response(request, str(error), status=400)
    if not edits:
        return _message_response(request, "Nothing to paste: the block is empty.", status=400)
    first = edits[0]
    address = _address(first)
    try:
        result = services.plan_cells_update(
            user=request.user,  # type: ignore[arg-type]
            version_id=version.pk,
            edits=edits,
            source=PlanCellChange.Source.PASTE if len(edits) > 1 else PlanCellChange.Source.EDIT,
        )
    except services.CellConflictError as conflict:
        return _line_response(
            request, version, [first.line_id], status=409, error={**address, "message": str(conflict)}
        )
    except services.PlanError as error:
        # The refused cell of a pasted block carries the message, and the bar says nothing went in.
        refused = error.edit or first
        message = str(error)
        if len(edits) > 1:
            message = f"Nothing was pasted: {_cell_name(refused)}: {message}"
        return _line_response(
            request, version, [refused.line_id], status=400, error={**_address(refused), "message": message}
        )
    except PermissionDenied as error:
        return _line_response(
            request, version, [first.line_id], status=403, error={**address, "message": str(error)}
        )
    return _line_response(request, result.version, result.line_ids)


def _address(edit: services.CellEdit) -> dict[str, str]:
    year, week = divmod(edit.week_id, 100)
    return {"line": str(edit.line_id), "week_key": f"{year}-W{week:02d}", "measure": edit.measure}


def _cell_name(edit: services.CellEdit) -> str:
    """ "W05 Sales $" for a message about one cell of a block."""
    measure = ENTERED.get(edit.measure)
    return f"{short_week_label(edit.week_id)} {measure.label if measure else edit.measure}"


def _message_response(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """Only the grid's message bar (out of band): a refusal that concerns no line."""
    return render(
        request, "planning/plans/grid.html#grid-message", {"error": {"message": message}}, status=status
    )


def _is_aggregate(version: PlanVersion, data: Any) -> bool:
    week = str(data.get("week", ""))
    if "-W" not in week:
        return True
    return PlanLine.objects.filter(
        version=version, pk=data.get("line") or 0, merch_class__isnull=True
    ).exists()


def _aggregate_update(request: HttpRequest, version: PlanVersion) -> HttpResponse:
    data = request.POST
    line_id = int(data.get("line") or 0)
    address = {
        "line": str(line_id),
        "week_key": str(data.get("week", "")),
        "measure": str(data.get("measure", "")),
    }
    try:
        result = services.plan_aggregate_update(
            user=request.user,  # type: ignore[arg-type]
            version_id=version.pk,
            line_id=line_id,
            column_key=str(data.get("week", "")),
            measure=str(data.get("measure", "")),
            value=str(data.get("value", "")),
            expected=data.get("expected"),
        )
    except services.PlanError as error:
        return _line_response(
            request, version, [line_id], status=400, error={**address, "message": str(error)}
        )
    except PermissionDenied as error:
        return _line_response(
            request, version, [line_id], status=403, error={**address, "message": str(error)}
        )
    return _line_response(request, result.version, [*result.line_ids, line_id])


@login_required
@require_POST
def cell_lock(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    try:
        row = services.plan_cell_lock(
            user=request.user,  # type: ignore[arg-type]
            version_id=version.pk,
            line_id=int(request.POST["line"]),
            week_id=_week_id(request.POST["week"]),
            measure=request.POST["measure"],
            locked=request.POST.get("locked") == "1",
        )
    except (KeyError, ValueError) as error:
        return HttpResponseBadRequest(str(error))
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    return _line_response(request, version, [row.line_id])


@login_required
@require_GET
def totals(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    return _line_response(request, version, [])


def _panel_cell(request: HttpRequest, version: PlanVersion) -> explain_cells.Cell:
    return explain_cells.resolve(
        version, request.GET.get("line"), request.GET.get("week"), request.GET.get("measure")
    )


@login_required
@require_GET
def cell_explain(request: HttpRequest, version_id: int) -> HttpResponse:
    """How a calculated cell or a total (month, quarter, season, plan total) was calculated."""
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    try:
        cell = _panel_cell(request, version)
        why = explain_cells.explanation(cell)
    except explain_cells.CellAddressError as error:
        return HttpResponseBadRequest(str(error))
    return render(request, "planning/plans/explain.html", {"why": why, "cell": cell})


@login_required
@require_GET
def cell_history(request: HttpRequest, version_id: int) -> HttpResponse:
    """Who changed an entered cell; for a total, the changes of the weeks (and lines) under it,
    with how the total is built."""
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    try:
        cell = _panel_cell(request, version)
        why = explain_cells.explanation(cell) if not cell.is_week or cell.line.is_total else None
    except explain_cells.CellAddressError as error:
        return HttpResponseBadRequest(str(error))
    changes, count = explain_cells.changes(cell)
    return render(
        request,
        "planning/plans/history.html",
        {
            "changes": changes,
            "count": count,
            "cell": cell,
            "why": why,
            "measure": cell.label,
            "by_week": not cell.is_week,
            "by_line": cell.line.is_total,
        },
    )


def _decision(
    request: HttpRequest, version_id: int, action: Any, success: str, **kwargs: Any
) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    try:
        result = action(user=request.user, version_id=version.pk, **kwargs)
    # InvalidInput: the approval flow's refusals (not waiting, no reason); Conflict: a what-if's
    # cells changed on both sides.
    except (services.PlanError, InvalidInput, Conflict) as error:
        messages.error(request, str(error))
        return redirect("planning:plan-version", version_id=version.pk)
    except PermissionDenied as error:
        # Not allowed: a 403 that says why, with the way back; nothing was changed.
        back = reverse("planning:plan-version", args=[version.pk])
        return render(request, "403.html", {"exception": str(error), "back_url": back}, status=403)
    messages.success(request, success)
    return redirect("planning:plan-version", version_id=result.pk)


@login_required
@require_POST
def version_submit(request: HttpRequest, version_id: int) -> HttpResponse:
    submitted: list[PlanVersion] = []

    def submit(**kwargs: Any) -> PlanVersion:
        version = services.version_submit(**kwargs)
        submitted.append(version)
        return version

    response = _decision(request, version_id, submit, "Submitted for approval.")
    # A warning, not a block: the submission says which weeks the approver will see flagged.
    negatives = version_negative_receipts(submitted[0]) if submitted else None
    if negatives:
        messages.warning(
            request, f"Submitted with a warning: {negatives.summary} {'; '.join(negatives.lines)}."
        )
    return response


@login_required
@require_POST
def version_approve(request: HttpRequest, version_id: int) -> HttpResponse:
    return _decision(
        request,
        version_id,
        services.version_approve,
        "Approved: it is now the original plan (OP).",
        comment=request.POST.get("comment", ""),
    )


@login_required
@require_POST
def version_reject(request: HttpRequest, version_id: int) -> HttpResponse:
    reason = RejectForm(request.POST).data.get("reason", "")
    return _decision(
        request,
        version_id,
        services.version_reject,
        "Rejected: back to the planner with your reason.",
        reason=reason,
    )


@login_required
@require_POST
def version_withdraw(request: HttpRequest, version_id: int) -> HttpResponse:
    return _decision(
        request,
        version_id,
        services.version_withdraw,
        "Withdrawn: the plan is a draft again and no longer waits for approval.",
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_POST
def scenario_branch(request: HttpRequest, version_id: int) -> HttpResponse:
    name = request.POST.get("name", "")
    return _decision(
        request, version_id, services.scenario_branch, f"Scenario {name.strip()} created.", name=name
    )


@login_required
@require_POST
def line_settings(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    try:
        result = plan_line_settings_update(
            user=request.user,  # type: ignore[arg-type]
            version_id=version.pk,
            line_id=int(request.POST.get("line") or 0),
            method=request.POST.get("method", ""),
            turn=request.POST.get("turn"),
            opening_stock=request.POST.get("opening_stock"),
        )
    except (services.PlanError, PermissionDenied, ValueError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, result.message)
    return redirect("planning:plan-version", version_id=version.pk)


@login_required
@require_POST
def recompute(request: HttpRequest, version_id: int) -> HttpResponse:
    return _decision(request, version_id, services.plan_recompute_request, "Recomputing the whole plan.")


@login_required
@require_GET
def recompute_progress(request: HttpRequest, version_id: int) -> HttpResponse:
    """The bulk recompute's progress bar; the page reloads once when it is done."""
    from celery.result import AsyncResult
    from django.core.cache import cache

    version = get_object_or_404(_visible_versions(request), pk=version_id)
    key = services.RECOMPUTE_TASK_KEY.format(version_id=version.pk)
    task_id = cache.get(key)
    if not task_id:
        return HttpResponse("")
    result: AsyncResult[Any] = AsyncResult(task_id)
    if result.state in ("SUCCESS", "FAILURE", "REVOKED"):
        cache.delete(key)
        response = HttpResponse("")
        if result.state == "SUCCESS" and request.GET.get("watching"):
            response["HX-Refresh"] = "true"
        return response
    info = result.info if isinstance(result.info, dict) else {}
    return render(
        request,
        "planning/plans/progress.html",
        {
            "version": version,
            "done": info.get("done", 0),
            "total": info.get("total", 0),
            "state": result.state,
        },
    )
