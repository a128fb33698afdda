"""The manager's approvals inbox: one page, one click per decision (HTMX), a comment each. It
knows no kind: the cards and the decisions come from the registry (`core.approvals`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import approvals
from core.errors import AppError, Conflict
from otb.models import OTBException
from planning.plans.approval_kind import promotion_to_decide
from planning.roles import ADMIN, MANAGER, user_roles


def _manager(request: HttpRequest) -> User:
    if not user_roles(request.user) & {MANAGER, ADMIN}:
        raise PermissionDenied("The approvals inbox is for managers.")
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    return render(
        request,
        "otb/approvals.html",
        {"items": approvals.approval_inbox(user), "reasons": OTBException.Reason.choices},
    )


@login_required
@require_POST
def decide(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    user = _manager(request)
    if kind not in {each.name for each in approvals.approval_kinds()}:
        raise Http404("Nothing of that kind waits for approval.")
    action = request.POST.get("action", "")
    if action not in ("approve", "reject"):
        return _answer(request, kind, object_id, "Choose approve or reject.", 422)
    comment = request.POST.get("comment", "").strip()
    # A scenario's conflicts: one radio per cell ("resolve:<class>:<week>:<measure>") and one for all.
    resolutions = {
        name.removeprefix("resolve:"): str(request.POST.get(name, ""))
        for name in request.POST
        if name.startswith("resolve:") and request.POST.get(name)
    }
    try:
        approvals.approval_decide(
            kind, object_id, user, action, comment=comment,
            reason=request.POST.get("reason", ""), resolutions=resolutions,
            resolve_all=request.POST.get("resolve_all") or None,
        )  # fmt: skip
    except (AppError, PermissionDenied, ValueError) as refused:  # ValueError: a kind's own input error
        forbidden = isinstance(refused, PermissionDenied)
        if forbidden and not request.htmx:  # type: ignore[attr-defined]
            raise PermissionDenied(str(refused)) from refused  # the 403 page says why
        status = 403 if forbidden else 409 if isinstance(refused, Conflict) else 422
        return _answer(request, kind, object_id, str(refused), status)
    return _answer(
        request, kind, object_id, "", 200, decided="Approved" if action == "approve" else "Rejected"
    )


@login_required
@require_GET
def promotion_changes(request: HttpRequest, version_id: int) -> HttpResponse:
    """Every change approving a waiting scenario would make in the working plan (the card
    lists the first few), and its conflicts."""
    promotion = promotion_to_decide(_manager(request), version_id)
    if promotion is None:
        raise Http404("No scenario of yours waits for approval with that id.")
    return render(request, "otb/promotion_changes.html", {"promotion": promotion})


def _answer(
    request: HttpRequest, kind: str, object_id: int, error: str, status: int, decided: str = ""
) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"{decided}.")
        return redirect("otb:approvals")
    waiting = approvals.approval_inbox(_manager(request))
    item = next((each for each in waiting if (each.kind, each.object_id) == (kind, object_id)), None)
    context = {
        "item": item,
        "kind": kind,
        "object_id": object_id,
        "error": error,
        "decided": decided,
        "reasons": OTBException.Reason.choices,
    }
    response = render(request, "otb/approvals.html#item", context, status=status)
    if decided:
        response["HX-Trigger"] = "approvalDecided"
    return response
