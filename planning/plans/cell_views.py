"""The grid's HTMX partials: a cell edit or a pasted block, a total typed in (spread down), a
cell lock, undo of the last edit, a line of the tree opened or collapsed, the total line's
refresh, and the side panel's explanation and history of a cell."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import AppError
from core.weeks import short_week_label
from planning.detail.edits import DetailEdit, detail_set
from planning.models import PlanCellChange, PlanLine, PlanVersion
from planning.plans import explain_cells, grid_detail, grid_tree, services
from planning.plans.grid import LineBlock, plan_grid
from planning.plans.measures import ENTERED
from planning.plans.views import _can_edit, _visible_versions


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
    # The tree grid (grid_tree): a line the planner has not opened comes back collapsed, so a
    # total spread over 200 lines answers with 200 rows, not 200 open lines.
    tree = grid_tree.tree_of(request)
    shut = [i for i in line_ids if i not in total_ids and i not in tree.open] if tree else []
    line_ids = [i for i in line_ids if i not in shut]
    shown = [*line_ids, *total_ids] if full_total else [i for i in line_ids if i not in total_ids]
    grid = plan_grid(version, is_editable=_can_edit(request, version), line_ids=shown)
    if tree:
        grid_tree.with_detail(version, grid, tree.details, tree.detail_measure)
    edited = [block for block in grid.lines if block.line_id in line_ids]
    collapsed = grid_tree.collapsed_blocks(version, shut, tree.summary) if tree else []
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
            "collapsed": collapsed,
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


@never_cache
@login_required
@require_GET
def line(request: HttpRequest, version_id: int, line_id: int) -> HttpResponse:
    """One class line of the tree: open (every row, editable where the version is), or with
    `collapsed=1` its one row of the picked measure."""
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    get_object_or_404(PlanLine, version=version, pk=line_id, merch_class__isnull=False)
    if request.GET.get("collapsed") == "1":
        summary = grid_tree.summary_measure(request.GET.get("summary"))
        blocks = grid_tree.collapsed_blocks(version, [line_id], summary)
        return render(
            request, "planning/plans/grid.html#line-summary", {"version": version, "block": blocks[0]}
        )
    grid = plan_grid(version, is_editable=_can_edit(request, version), line_ids=[line_id])
    opened = {line_id} if request.GET.get("detail") == "1" else set()
    grid_tree.with_detail(
        version, grid, opened, grid_detail.detail_measure(request.GET.get("detail_measure"))
    )
    context = {"version": version, "grid": grid, "block": grid.lines[0], "error": {}}
    return render(request, "planning/plans/grid.html#line", context | {"methods": PlanLine.Method.choices})


@login_required
@require_POST
def undo(request: HttpRequest, version_id: int) -> HttpResponse:
    """Undo the planner's last save in this version; the lines it touched come back re-rendered."""
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    try:
        result = services.plan_undo_last(user=request.user, version_id=version.pk)  # type: ignore[arg-type]
    except AppError as error:
        return _message_response(request, error.message, status=error.status)
    except PermissionDenied as error:
        return _message_response(request, str(error), status=403)
    return _line_response(request, result.version, result.line_ids)


@login_required
@require_POST
def detail_cell(request: HttpRequest, version_id: int) -> HttpResponse:
    """A cell of an open class line's detail (a subclass, or a subclass in a channel, by week,
    month, quarter or season): spread to its leaf-weeks; the class line comes back."""
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    data = request.POST
    period = str(data.get("period", ""))
    line = str(data.get("line", ""))
    if not line.isdigit() or not data.get("expected"):
        # The grid sends the line and the value it showed: without them no lost update is caught.
        return _message_response(
            request, "Send the cell's line and the value you saw (expected).", status=400
        )
    edit = DetailEdit(
        version_id=version.pk, node=str(data.get("node", "")), location=str(data.get("location", "total")),
        period="year" if period == "season" else period, measure=str(data.get("measure", "")),
        value=str(data.get("value", "")), values_version=None, expected=data.get("expected"),
    )  # fmt: skip
    try:
        detail_set(user=request.user, edit=edit)  # type: ignore[arg-type]
    except AppError as error:
        return _message_response(request, error.message, status=error.status)
    except PermissionDenied as error:
        return _message_response(request, str(error), status=403)
    return _line_response(request, version, [int(line)])
