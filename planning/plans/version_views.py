"""A version's buttons: submit, approve, reject and withdraw it, branch a scenario, change a
line's settings, recompute the whole plan and follow that recompute's progress. Each posts a
form and answers with the plan page and a message."""

from __future__ import annotations

from typing import Any

from celery.result import AsyncResult
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, InvalidInput
from planning.models import PlanVersion
from planning.plans import services
from planning.plans.forms import RejectForm
from planning.plans.line_settings import plan_line_settings_update
from planning.plans.negative_receipts import version_negative_receipts
from planning.plans.views import _visible_versions


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
