"""The plan grid as a tree (issue 19): the plan total open, every class line collapsed to one
read-only row of the measure the planner picked, and a line opened on demand (one small
request), so a 200-line plan opens in one view and its page stays a few hundred KB instead of
megabytes. The client says which lines it has open (`open`) and which measure the collapsed
ones show (`summary`); every answer that re-renders lines renders each the way it is shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest

from planning.models import PlanLine, PlanVersion
from planning.plans import grid_detail
from planning.plans.grid import Grid, LineBlock, plan_grid
from planning.plans.grid_columns import Column
from planning.plans.measures import SUMMARY_MEASURES

DEFAULT_SUMMARY = "sales"
# A plan of up to this many class lines opens with every line open, as a sheet; a bigger one
# opens collapsed (the page of a 200-line plan stays small). `?open=all` or `?open=12,14`
# opens lines on the page itself.
OPEN_UP_TO = 12
_SUMMARY_NAMES = {name for name, _ in SUMMARY_MEASURES}


@dataclass
class Tree:
    """How the client shows the lines: which are open, and the collapsed lines' measure."""

    summary: str = DEFAULT_SUMMARY
    open: set[int] = field(default_factory=set)
    details: set[int] = field(default_factory=set)  # open lines whose detail rows are open
    detail_measure: str = "sales"


def summary_measure(raw: str | None) -> str:
    return raw if raw in _SUMMARY_NAMES else DEFAULT_SUMMARY


def tree_of(request: HttpRequest) -> Tree | None:
    """The tree state the grid's script sends with each request; None from other clients (a
    form post, a test), which get every line re-rendered open, as before the tree."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("tree") != "1":
        return None
    return Tree(
        summary_measure(data.get("summary")),
        _ids(data.get("open")),
        _ids(data.get("details")),
        grid_detail.detail_measure(data.get("detail_measure")),
    )


def _ids(raw: object) -> set[int]:
    return {int(part) for part in str(raw or "").split(",") if part.strip().isdigit()}


def with_detail(version: PlanVersion, grid: Grid, opened: set[int], measure: str) -> None:
    """Mark the open class lines of a version with leaf detail: its rows where `opened`."""
    if not grid_detail.has_detail(version):
        return
    for block in grid.lines:
        if block.is_total:
            continue
        block.detail = "open" if block.line_id in opened else "closed"
        if block.detail == "open":
            block.detail_rows = grid_detail.detail_rows(version, block.line_id, grid.columns, measure)


def current_week_key(columns: list[Column]) -> str | None:
    """Today's week: the first week column not yet ended ("go to this week" and where the grid
    opens), its header marked `current`; None when the whole span is past or has no weeks."""
    column = next((column for column in columns if column.kind == "week" and not column.is_closed), None)
    if column is None:
        return None
    column.css = f"{column.css} current".strip()
    return column.key


def class_line_ids(version: PlanVersion) -> list[int]:
    return list(
        PlanLine.objects.filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )


def collapsed_blocks(version: PlanVersion, line_ids: list[int], summary: str) -> list[LineBlock]:
    """The collapsed lines: one read-only row each, of the summary measure."""
    if not line_ids:
        return []
    return summary_grid(version, line_ids, summary).lines


def summary_grid(version: PlanVersion, line_ids: list[int], summary: str) -> Grid:
    return plan_grid(version, is_editable=False, line_ids=line_ids, summary=summary)


def opened(raw: str | None, class_ids: list[int]) -> set[int]:
    """The class lines the page opens: `?open=all`, `?open=<ids>`, else all of a small plan."""
    if raw == "all":
        return set(class_ids)
    if raw:
        return {int(part) for part in raw.split(",") if part.strip().isdigit()} & set(class_ids)
    return set(class_ids) if len(class_ids) <= OPEN_UP_TO else set()


def tree_lines(
    version: PlanVersion, *, is_editable: bool, open_ids: set[int], summary: str
) -> tuple[Grid, list[tuple[LineBlock, bool]]]:
    """The page's grid (the total and the open lines, full) and every class line in plan
    order with whether it is open."""
    class_ids = class_line_ids(version)
    total = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=True).values_list("id", flat=True)
    )
    grid = plan_grid(
        version, is_editable=is_editable, line_ids=[*total, *(i for i in class_ids if i in open_ids)]
    )
    full = {block.line_id: block for block in grid.lines}
    shut = {
        block.line_id: block
        for block in collapsed_blocks(version, [i for i in class_ids if i not in open_ids], summary)
    }
    return grid, [
        (full[i], True) if i in full else (shut[i], False) for i in class_ids if i in full or i in shut
    ]
