"""The FWOS proposals page: each class line of a plan version with its open weeks' FWOS target
and the replenishment policies' proposal; planners and managers of the department accept the
chosen lines into the working plan (executives and other departments read)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict
from planning.models import Department, PlanVersion
from planning.plans.services import PlanError
from replenishment import fwos

_TEMPLATE = "replenishment/fwos.html"


def _version(request: HttpRequest, version_text: str) -> PlanVersion | None:
    """The plan version of a department the user sees, or None."""
    if not version_text.isdigit():
        return None
    return (
        PlanVersion.objects.select_related("plan__department")
        .filter(pk=int(version_text), plan__department__in=Department.objects.visible_to(request.user))
        .first()
    )


def _not_found(request: HttpRequest, version_text: str) -> HttpResponse:
    """The page's own 404: the message and the working plans to choose from, not Django's."""
    shown = version_text or "(none)"
    context = _choices(request)
    context["missing"] = f"There is no plan version {shown} that you can see. Choose a working plan below."
    return render(request, _TEMPLATE, context, status=404)


def _choices(request: HttpRequest) -> dict[str, Any]:
    working = (
        PlanVersion.objects.filter(
            kind=PlanVersion.Kind.WORKING, plan__department__in=Department.objects.visible_to(request.user)
        )
        .select_related("plan__department")
        .order_by("plan__department__code", "plan__name")
    )
    return {"versions": list(working)}


def _page(
    request: HttpRequest,
    version: PlanVersion,
    *,
    error: str = "",
    chosen: set[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = cast(User, request.user)
    context: dict[str, Any] = {
        "version": version,
        "proposals": fwos.fwos_proposals(version),
        "refusal": fwos.refusal_reason(user, version),
        "error": error,
        "chosen": chosen or set(),
    }
    return render(request, _TEMPLATE, context, status=status)


@login_required
@require_GET
def fwos_page(request: HttpRequest) -> HttpResponse:
    """With ?version=<id>: that version's lines; without: the working plans to choose from."""
    visible = Department.objects.visible_to(request.user)
    if not visible.exists():
        raise PermissionDenied("You have no departments to read.")
    if "version" not in request.GET:
        return render(request, _TEMPLATE, _choices(request))
    version = _version(request, request.GET["version"])
    if version is None:
        return _not_found(request, request.GET["version"])
    return _page(request, version)


def _posted(request: HttpRequest, name: str, line_ids: list[int]) -> dict[int, str]:
    """What the page showed for each chosen line (`seen-<id>`, `proposed-<id>`)."""
    return {
        line_id: request.POST[f"{name}-{line_id}"]
        for line_id in line_ids
        if f"{name}-{line_id}" in request.POST
    }


@login_required
@require_POST
def fwos_accept(request: HttpRequest) -> HttpResponse:
    """Write the chosen lines' proposals into the plan; back to the page with what happened,
    or the page again with the refusal (400 bad request, 409 changed meanwhile)."""
    version = _version(request, request.POST.get("version", ""))
    if version is None:
        return _not_found(request, request.POST.get("version", ""))
    user = cast(User, request.user)
    if not fwos.can_change_department(user, version):
        raise PermissionDenied(f"You cannot change plans of {version.plan.department.name}.")
    line_ids = sorted({int(text) for text in request.POST.getlist("line") if text.isdigit()})
    try:
        result = fwos.fwos_targets_accept(
            user=user,
            version_id=version.pk,
            line_ids=line_ids,
            seen=_posted(request, "seen", line_ids),
            proposed=_posted(request, "proposed", line_ids),
        )
    except Conflict as conflict:
        return _page(request, version, error=str(conflict), chosen=set(line_ids), status=409)
    except (fwos.FwosError, PlanError) as error:
        return _page(request, version, error=str(error), chosen=set(line_ids), status=400)
    if result.lines:
        messages.success(
            request,
            f"FWOS targets accepted into {version.name} for {', '.join(result.lines)}: "
            f"{result.cells} week{'s' if result.cells != 1 else ''} changed and recalculated.",
        )
    if result.unchanged:
        messages.info(request, f"Already at the proposal: {', '.join(result.unchanged)}.")
    return redirect(f"{reverse('replenishment:fwos:page')}?version={version.pk}")
