"""Pages of targets and reconciliation: the list, a version's grid (managers type a department's
or the division's month; HTMX re-renders the grid), its approval steps, and the
reconciliation with its two actions (propose targets from the plans, spread targets into a
plan). Refusals answer through core.htmx (422 with the message next to the grid, 403, 409)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.approvals import approval_decide, approval_submit, may_decide
from core.errors import AppError
from core.htmx import htmx_error, htmx_error_status
from planning.models import Division, TargetVersion
from planning.roles import ADMIN, MANAGER, user_roles
from planning.selectors import current_fiscal_year
from planning.targets import figures, reconcile
from planning.targets.grid import target_grid
from planning.targets.plan_spread import targets_into_plan
from planning.targets.services import (
    MEASURES,
    SEEDS,
    SPREAD_BASES,
    TargetEdit,
    TargetError,
    TargetSpec,
    target_cell_set,
    target_create,
    target_publish,
    targets_from_plans,
)

DEFAULT_TOLERANCE = Decimal(5)


def _int(text: str | None, default: int | None = None) -> int | None:
    return int(text) if text and text.strip().isdigit() else default


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is login_required)."""
    return cast(User, request.user)


def _is_manager(request: HttpRequest) -> bool:
    return bool(user_roles(request.user) & {MANAGER, ADMIN})


@login_required
@require_GET
def targets_page(request: HttpRequest) -> HttpResponse:
    versions = TargetVersion.objects.select_related("division", "created_by")
    return render(
        request,
        "planning/targets/list.html",
        {
            "versions": versions,
            "divisions": Division.objects.order_by("code"),
            "seeds": SEEDS,
            "year": current_fiscal_year() + 1,
            "can_create": _is_manager(request),
        },
    )


@login_required
@require_POST
def target_create_view(request: HttpRequest) -> HttpResponse:
    try:
        growth = Decimal(request.POST.get("growth_percent") or "0")
    except InvalidOperation:
        growth = Decimal("NaN")
    spec = TargetSpec(
        division_id=_int(request.POST.get("division"), 0) or 0,
        fiscal_year=_int(request.POST.get("fiscal_year"), current_fiscal_year() + 1) or 0,
        name=request.POST.get("name", ""),
        seed=request.POST.get("seed", "last_year"),
        growth_percent=growth if growth.is_finite() else Decimal(-1000),
    )
    try:
        version = target_create(user=_user(request), spec=spec)
    except AppError as error:
        messages.error(request, error.message)
        return redirect("planning:targets")
    return redirect("planning:target-detail", version.pk)


def _detail_context(request: HttpRequest, version: TargetVersion, measure: str) -> dict[str, Any]:
    manager = _is_manager(request)
    waiting = version.status == TargetVersion.Status.SUBMITTED
    return {
        "grid": target_grid(version, measure),
        "version": version,
        "measures": MEASURES,
        "bases": SPREAD_BASES,
        "can_edit": version.is_editable and manager,
        "can_decide": waiting and may_decide("target", version, request.user),
        "can_submit": version.is_editable and manager,
        "can_publish": version.status == TargetVersion.Status.APPROVED
        and not version.is_published
        and manager,
    }


@login_required
@require_GET
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(TargetVersion.objects.select_related("division"), pk=pk)
    context = _detail_context(request, version, request.GET.get("measure", "sales"))
    return render(request, "planning/targets/detail.html", context)


@login_required
@require_POST
def target_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """One typed cell (HTMX): the grid again, with the new values and version, or the refusal."""
    version = get_object_or_404(TargetVersion.objects.select_related("division"), pk=pk)
    measure = request.POST.get("measure", "sales")
    edit = TargetEdit(
        version_id=version.pk,
        month=_int(request.POST.get("month"), 0) or 0,
        measure=measure,
        value=request.POST.get("value", ""),
        department_id=_int(request.POST.get("department")),
        by=request.POST.get("by", "current"),
        seen_version=_int(request.POST.get("seen_version")),
        span=request.POST.get("span", ""),
    )
    try:
        version = target_cell_set(user=_user(request), edit=edit)
    except AppError as error:
        version.refresh_from_db()
        context = _detail_context(request, version, measure)
        return htmx_error(request, error, "planning/targets/detail.html#grid", context)
    return render(request, "planning/targets/detail.html#grid", _detail_context(request, version, measure))


@login_required
@require_POST
def target_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit, approve, reject or publish; the page again with what happened or why not."""
    version = get_object_or_404(TargetVersion.objects.select_related("division"), pk=pk)
    action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
    seen = _int(request.POST.get("seen_version"))
    try:
        if action == "submit":
            approval_submit("target", version.pk, request.user, comment=comment, seen_version=seen)
        elif action in ("approve", "reject"):
            approval_decide("target", version.pk, request.user, action, comment=comment, seen_version=seen)
        elif action == "publish":
            target_publish(user=_user(request), version_id=version.pk)
        else:
            raise TargetError("Choose submit, approve, reject or publish.", field="action")
    except AppError as error:
        version.refresh_from_db()
        context = {**_detail_context(request, version, "sales"), "step_error": error.message}
        return render(request, "planning/targets/detail.html", context, status=htmx_error_status(error))
    done = {"submit": "submitted", "approve": "approved", "reject": "rejected", "publish": "published"}[
        action
    ]
    messages.success(request, f"Targets {done}.")
    return redirect("planning:target-detail", version.pk)


def _reconcile_inputs(request: Any) -> tuple[Division | None, int, str, Decimal, int | None]:
    source = request.GET if request.method == "GET" else request.POST
    divisions = Division.objects.order_by("code")
    division = divisions.filter(pk=_int(source.get("division"), 0) or 0).first() or divisions.first()
    year = _int(source.get("year"), current_fiscal_year()) or current_fiscal_year()
    measure = source.get("measure", "sales")
    measure = measure if measure in MEASURES else "sales"
    try:
        tolerance = Decimal(source.get("tolerance") or DEFAULT_TOLERANCE)
    except InvalidOperation:
        tolerance = DEFAULT_TOLERANCE
    tolerance = tolerance if tolerance.is_finite() and tolerance >= 0 else DEFAULT_TOLERANCE
    return division, year, measure, tolerance, _int(source.get("open"))


@login_required
@require_GET
def reconcile_page(request: HttpRequest) -> HttpResponse:
    division, year, measure, tolerance, opened = _reconcile_inputs(request)
    table = (
        reconcile.reconciliation(division, year, measure=measure, tolerance=tolerance, opened=opened)
        if division
        else None
    )
    context = {
        "table": table, "divisions": Division.objects.order_by("code"), "division": division, "year": year,
        "measures": MEASURES, "measure": measure, "tolerance": tolerance, "opened": opened,
        "can_act": _is_manager(request),
    }  # fmt: skip
    return render(request, "planning/targets/reconcile.html", context)


def _back_to_reconcile(division: Division | None, year: int, measure: str, opened: int | None) -> str:
    query = f"?division={division.pk if division else ''}&year={year}&measure={measure}"
    return reverse("planning:reconcile") + query + (f"&open={opened}" if opened else "")


@login_required
@require_POST
def reconcile_propose(request: HttpRequest) -> HttpResponse:
    """Bottom-up: a draft target version holding the division's working plans."""
    division, year, *_ = _reconcile_inputs(request)
    try:
        version = targets_from_plans(
            user=_user(request), division_id=division.pk if division else 0, fiscal_year=year
        )
    except AppError as error:
        messages.error(request, error.message)
        return redirect(_back_to_reconcile(division, year, "sales", None))
    messages.success(request, f"{version.name}: a draft from the working plans.")
    return redirect("planning:target-detail", version.pk)


@login_required
@require_POST
def reconcile_spread(request: HttpRequest) -> HttpResponse:
    """Top-down: the published targets of a department into its working plan."""
    division, year, measure, _, opened = _reconcile_inputs(request)
    department_id = _int(request.POST.get("department"), 0) or 0
    published = figures.published_targets(division.pk, year) if division else None
    try:
        if published is None:
            raise TargetError("Publish targets for this division and year first.")
        result = targets_into_plan(
            user=_user(request), target_version_id=published.pk, department_id=department_id
        )
    except AppError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Targets spread into {result.version.plan.name}: {len(result.changed_rows)} weeks changed.",
        )
    return redirect(_back_to_reconcile(division, year, measure, opened or department_id))
