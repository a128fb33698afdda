"""The allocation pages: the runs with the form to start one, a run's preview (SKU totals and a
store x size grid per style-color, edited one cell at a time over HTMX), release and cancel.
Transfers and rebalancing live in `allocation.transfer_views`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation import runs, services, shortfalls
from allocation.engine import Shortfall, shortfall_reason
from allocation.forms import LineEditForm, RunForm, VersionForm
from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from core.audit import audit_for
from core.errors import AppError, Conflict, InvalidInput
from core.htmx import htmx_error
from planning.models import Department, Location, StyleColor

RUNS_SHOWN = 50
CHANGES_SHOWN = 200
ACTIVE = (AllocationRun.Status.QUEUED, AllocationRun.Status.RUNNING)


def visible_departments(request: HttpRequest) -> Any:
    return Department.objects.visible_to(request.user).order_by("code")


def editable_departments(request: HttpRequest) -> Any:
    return Department.objects.editable_by(request.user).order_by("code")


def acting_user(request: HttpRequest) -> Any:
    return request.user


# -- the runs ---------------------------------------------------------------------------------


def _runs_context(request: HttpRequest, form: RunForm | None) -> dict[str, Any]:
    recent = list(
        AllocationRun.objects.filter(department__in=visible_departments(request))
        .select_related("department", "dc", "created_by")
        .prefetch_related("style_colors")
        .annotate(
            available_units=Sum("items__available"),
            allocated_units=Sum("items__allocated"),
            need_units=Sum("items__need"),
        )[:RUNS_SHOWN]
    )
    codes: list[str] = []
    if form is not None:
        codes = list(
            StyleColor.objects.filter(
                style__subclass__merch_class__department__in=editable_departments(request)
            )
            .order_by("code")
            .values_list("code", flat=True)[:2000]
        )
    return {
        "runs": recent,
        "form": form,
        "style_color_codes": codes,
        "tab": "runs",
    }


@login_required
@require_http_methods(["GET", "POST"])
def runs_page(request: HttpRequest) -> HttpResponse:
    """The runs (every role reads them) and, for a planner, the form to start one: a run
    refused by the service shows why beside the field at fault (422)."""
    editable = editable_departments(request)
    can_start = editable.exists()
    if request.method == "GET":
        form = RunForm(departments=editable, initial={"department": editable.first()}) if can_start else None
        return render(request, "allocation/runs.html", _runs_context(request, form))
    if not can_start:
        raise PermissionDenied("You have no departments to allocate.")
    form = RunForm(request.POST, departments=editable)
    if form.is_valid():
        data = form.cleaned_data
        request_ = runs.RunRequest(
            department=data["department"],
            dc=data["dc"],
            style_colors=form.colors,
            source=data["source"],
            purchase_order=data["purchase_order"],
            cluster=data["cluster"],
            grade=data["grade"],
            demand=data["demand"],
            like_style_color=form.like,
            planned_weekly_units=data["planned_weekly_units"],
            mode=data["mode"],
            holdback=data["holdback"] / 100,
            pack_size=data["pack_size"],
            coverage_weeks=data["coverage_weeks"],
            what_if=data["what_if"],
            name=data["name"],
        )
        try:
            run = runs.start_run(user=acting_user(request), request=request_)
        except runs.AllocationError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error))
        else:
            messages.success(request, f"{run} started.")
            return redirect("allocation:run", run_id=run.pk)
    return render(request, "allocation/runs.html", _runs_context(request, form), status=422)


# -- one run ----------------------------------------------------------------------------------


def _visible_run(request: HttpRequest, run_id: int) -> AllocationRun:
    return get_object_or_404(
        AllocationRun.objects.select_related(
            "department", "dc", "purchase_order", "like_style_color", "as_of", "created_by", "released_by"
        ),
        pk=run_id,
        department__in=visible_departments(request),
    )


SHARED_BY_MODE: dict[str, str] = {
    AllocationRun.Mode.FILL_RATIO: "Short supply: shared so every store gets the same share of its need.",
    AllocationRun.Mode.WOS: "Short supply: shared so every store reaches the same weeks of supply.",
}


def _cell(
    line: AllocationLine, *, can_edit: bool, error: str = "", typed: str | None = None
) -> dict[str, Any]:
    """A grid cell: the line's units against its need, its fill rate and projected weeks of
    supply, and why it is short."""
    is_short = line.allocated < line.need
    wos = line.projected_wos
    codes = {code.value for code in Shortfall}
    reason = (
        shortfall_reason(line.shortfall, line.need, line.proposed, line.run.pack_size)
        if line.shortfall in codes
        else ""
    )
    if line.is_edited and line.allocated < line.proposed:
        reason = "Lowered by hand."
    elif line.shortfall == Shortfall.SHARED:
        reason = SHARED_BY_MODE.get(line.run.mode, reason)
    return {
        "line": line,
        "is_short": is_short,
        "reason": reason if is_short else "",
        # Given more than its need by hand: allowed (the planner knows the store), but visible.
        "is_over": line.is_edited and line.allocated > line.need,
        "fill_percent": round(100 * line.fill_rate),
        "wos": f"{wos:.1f}" if wos is not None else "",
        "can_edit": can_edit,
        "error": error,
        "value": line.allocated if typed is None else typed,
    }


def _actions(request: HttpRequest, run: AllocationRun) -> dict[str, Any]:
    """Release and cancel: allowed, or the reason they are not."""
    can_change = services.can_change(acting_user(request), run)
    not_yours = f"Only the planners and managers of {run.department.name} change its allocations."
    release_reason = ""
    if not can_change:
        release_reason = not_yours
    elif run.what_if:
        release_reason = "A what-if run shows the full need with unlimited supply: it cannot be released."
    elif run.status != AllocationRun.Status.PREVIEW:
        release_reason = f"The run is {run.get_status_display().lower()}: only a preview can be released."
    cancel_reason = ""
    if not can_change:
        cancel_reason = not_yours
    elif run.status not in (*ACTIVE, AllocationRun.Status.PREVIEW):
        cancel_reason = f"The run is {run.get_status_display().lower()}: it cannot be cancelled."
    return {
        "can_change": can_change,
        "can_release": not release_reason,
        "release_reason": release_reason,
        "can_cancel": not cancel_reason,
        "cancel_reason": cancel_reason,
    }


GRIDS_TOGETHER = 5  # up to this many style-colors show their grids on one page
STORES_PER_PAGE = 100
TRANSFERS_SHOWN = 200


def _grids(
    run: AllocationRun, items: list[AllocationItem], *, can_edit: bool, store_ids: set[int] | None
) -> list[dict[str, Any]]:
    """Per style-color of `items`: its sizes as columns, the stores with a line (of `store_ids`,
    when given: one page of them) as rows."""
    by_cell: dict[tuple[int, int], AllocationLine] = {}
    stores_of: dict[int, dict[int, Location]] = defaultdict(dict)
    by_pk = {item.pk: item for item in items}
    color_of = {item.pk: item.sku.style_color_id for item in items}
    lines = AllocationLine.objects.filter(run=run, item__in=items).select_related("store")
    if store_ids is not None:
        lines = lines.filter(store_id__in=store_ids)
    for line in lines:
        line.run = run  # read by every cell: no query per cell
        line.item = by_pk[line.item_id]
        by_cell[line.item_id, line.store_id] = line
        stores_of[color_of[line.item_id]][line.store_id] = line.store
    grids: list[dict[str, Any]] = []
    for item in items:
        if not grids or grids[-1]["style_color"].pk != item.sku.style_color_id:
            grids.append({"style_color": item.sku.style_color, "items": []})
        grids[-1]["items"].append(item)
    for grid in grids:
        stores = sorted(stores_of[grid["style_color"].pk].values(), key=lambda store: store.code)
        grid["rows"] = [
            {
                "store": store,
                "cells": [
                    _cell(found, can_edit=can_edit) if (found := by_cell.get((item.pk, store.pk))) else None
                    for item in grid["items"]
                ],
            }
            for store in stores
        ]
    return grids


def _grid_scope(request: HttpRequest, run: AllocationRun, items: list[AllocationItem]) -> dict[str, Any]:
    """A big run shows one style-color at a time (`?style_color=CODE`, the first by default) and
    its stores 100 a page (`?page=`), so the page stays readable and quick at any size."""
    colors = sorted({item.sku.style_color for item in items}, key=lambda color: color.code)
    chosen = None
    if len(colors) > GRIDS_TOGETHER:
        wanted = request.GET.get("style_color", "").strip().upper()
        chosen = next((color for color in colors if color.code.upper() == wanted), colors[0])
        items = [item for item in items if item.sku.style_color_id == chosen.pk]
    stores = (
        AllocationLine.objects.filter(run=run, item__in=items)
        .values_list("store_id", "store__code")
        .distinct()
        .order_by("store__code")
    )
    page = Paginator(list(stores), STORES_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "grid_items": items,
        "grid_colors": colors if chosen else [],
        "grid_chosen": chosen,
        "store_page": page,
        "store_ids": {store for store, _ in page.object_list},
    }


@login_required
@require_GET
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    actions = _actions(request, run)
    items = list(AllocationItem.objects.filter(run=run).select_related("sku__style_color"))
    scope = _grid_scope(request, run, items)
    context: dict[str, Any] = {
        "run": run,
        "style_colors": list(run.style_colors.order_by("code")),
        "is_active": run.status in ACTIVE,
        "items": items,
        "grids": _grids(
            run,
            scope["grid_items"],
            can_edit=run.is_editable and actions["can_change"],
            store_ids=scope["store_ids"],
        ),
        **scope,
        "changes": list(audit_for(run, actions="allocation.")[:CHANGES_SHOWN]),
        "transfers": list(
            Transfer.objects.filter(run=run)
            .select_related("sku", "to_location")
            .order_by("sku__code", "to_location__code")[:TRANSFERS_SHOWN]
        )
        if run.status == AllocationRun.Status.RELEASED
        else [],
        "tab": "runs",
        **actions,
    }
    if items:
        reasons = shortfalls.short_reasons(run)
        context["short_reasons"] = reasons
        context["below_half"] = shortfalls.below_half_pack(run)
        context["below_half_count"] = sum(
            reason.lines for reason in reasons if reason.code == Shortfall.BELOW_HALF_PACK
        )
    return render(request, "allocation/run.html", context)


@login_required
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """HTMX: the progress bar; once the run is no longer queued or running, the page reloads."""
    run = _visible_run(request, run_id)
    response = render(
        request, "allocation/run.html#progress", {"run": run, "is_active": run.status in ACTIVE}
    )
    if run.status not in ACTIVE:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def line_edit(request: HttpRequest, line_id: int) -> HttpResponse:
    """HTMX: the cell again with the new units and, out of band, the SKU's totals and the run's
    version; or the cell with the refusal in it (422 bad input, 409 someone changed the run)."""
    line = get_object_or_404(
        AllocationLine.objects.select_related("run__department"),
        pk=line_id,
        run__department__in=visible_departments(request),
    )
    if not services.can_change(acting_user(request), line.run):
        raise PermissionDenied(
            f"Only the planners and managers of {line.run.department.name} change its allocations."
        )
    form = LineEditForm(request.POST)
    typed = request.POST.get("units", "")
    if not form.is_valid():
        return _cell_answer(
            request, line_id, error="The run's version is missing: reload the page.", typed=typed, status=422
        )
    try:
        edit = services.allocation_line_set(
            user=acting_user(request),
            line_id=line_id,
            units=form.cleaned_data["units"],
            seen_version=form.cleaned_data["version"],
        )
    except Conflict as error:
        return _cell_answer(request, line_id, error=str(error), status=409)
    except runs.AllocationError as error:
        return _cell_answer(request, line_id, error=str(error), typed=typed, status=422)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("allocation:run", run_id=edit.line.run_id)
    return _cell_answer(request, line_id, run_version=edit.run_version)


def _cell_answer(
    request: HttpRequest,
    line_id: int,
    *,
    error: str = "",
    typed: str | None = None,
    status: int = 200,
    run_version: int | None = None,
) -> HttpResponse:
    line = AllocationLine.objects.select_related("store", "item__sku", "run").get(pk=line_id)
    if not request.htmx and error:  # type: ignore[attr-defined]
        messages.error(request, error)
        return redirect("allocation:run", run_id=line.run_id)
    context = {
        "cell": _cell(line, can_edit=line.run.is_editable, error=error, typed=typed),
        "item": line.item,
        "run": line.run,
        "run_version": run_version,
        "is_oob": True,
    }
    return render(request, "allocation/run.html#cell-answer", context, status=status)


def _run_change(request: HttpRequest, run_id: int, *, is_release: bool) -> HttpResponse:
    """Release or cancel. HTMX: the page is loaded again (HX-Redirect) with the outcome, or the
    refusal beside the buttons (409 a change meanwhile, 422 not allowed); without HTMX a message
    and back to the run."""
    run = _visible_run(request, run_id)
    form = VersionForm(request.POST)
    refusal: AppError | None = None
    if not form.is_valid():
        refusal = InvalidInput("The run's version is missing: reload the page.")
    else:
        try:
            if is_release:
                released = services.allocation_release(
                    user=acting_user(request), run_id=run.pk, seen_version=form.cleaned_data["version"]
                )
                messages.success(
                    request, f"Released: {released.transfers:,} transfers, {released.units:,} units."
                )
            else:
                services.allocation_cancel(
                    user=acting_user(request), run_id=run.pk, seen_version=form.cleaned_data["version"]
                )
                messages.success(request, f"{run} cancelled.")
        except (Conflict, runs.AllocationError) as error:  # 409 a change meanwhile, 422 a rule
            refusal = error
    back = reverse("allocation:run", args=[run.pk])
    if not request.htmx:  # type: ignore[attr-defined]
        if refusal:
            messages.error(request, refusal.message)
        return redirect(back)
    if refusal:
        return htmx_error(request, refusal, "allocation/run.html#action-error")
    response = HttpResponse(status=200)
    response["HX-Redirect"] = back
    return response


@login_required
@require_POST
def run_release(request: HttpRequest, run_id: int) -> HttpResponse:
    return _run_change(request, run_id, is_release=True)


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    return _run_change(request, run_id, is_release=False)
