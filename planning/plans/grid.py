"""The planning grid as data: columns (weeks with month, quarter and season totals) and rows
(each line's measures, comparison and variance rows), formatted for the template.

Everything is read in a few queries (`plan_grid`), aggregated with numpy by DESIGN.md's rules
(flows sum, BOP first, EOP last, ratios recomputed from rolled-up components), and handed to
the template as plain strings: templates never compute numbers. This module reads the values
and assembles each line's rows; the columns and roll-ups are in `grid_columns`, the cells'
text in `grid_cells`, the comparison and variance rows in `grid_compare`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.weeks import short_week_label
from planning import clock
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.cell_input import is_share
from planning.plans.grid_cells import RATIOS, Cell, Row, _label_cells, _raw_text, format_value
from planning.plans.grid_columns import Column, Groups, aggregate_columns, columns_for
from planning.plans.grid_compare import _COMPARE, _compare_rows, _comparisons, _with_reforecast
from planning.plans.measures import (
    FORMULAS,
    PURCHASED,
    TARGET_FORMULAS,
    TARGET_LABELS,
    Measure,
    grid_measures,
    summary_name,
)
from planning.plans.negative_receipts import NegativeReceipts, version_negative_receipts
from planning.targets.reference import target_reference

SPAN_TURN_METHODS = ("turn", "basic_stock")

VALUE_FIELDS = (
    "sales", "sales_units", "markdowns", "shrink", "on_order", "received", "target", "receipts_entered",
    "bop", "eop", "receipts", "otb", "gross_margin", "wos", "fwos", "turn", "sell_through", "gm_percent",
)  # fmt: skip


@dataclass
class LineBlock:
    line_id: int
    name: str
    method: str
    is_total: bool
    rows: list[Row] = field(default_factory=list)
    turn: str = ""  # the span turn of a turn or basic-stock line, as the planner typed it
    # The version's leaf detail under a class line (grid_detail): "" none, "closed" or "open".
    detail: str = ""
    detail_rows: list[Any] = field(default_factory=list)


def _line_values(rows: list[tuple[Any, ...]], periods: int) -> dict[str, np.ndarray]:
    values = {name: np.full(periods, np.nan) for name in VALUE_FIELDS}
    for row in rows:
        period = row[1]
        for offset, name in enumerate(VALUE_FIELDS, start=3):
            values[name][period] = np.nan if row[offset] is None else float(row[offset])
    return values


@dataclass
class Grid:
    version: PlanVersion
    columns: list[Column]
    lines: list[LineBlock]
    is_editable: bool
    compare_names: list[str]
    # Over the whole version, not only the lines shown: the header counts every page.
    negative_receipts: NegativeReceipts = field(default_factory=NegativeReceipts)
    actuals_through: str = ""  # "W44": the weeks up to it are closed and hold the actuals


def plan_grid(
    version: PlanVersion, *, is_editable: bool, line_ids: list[int] | None = None, summary: str | None = None
) -> Grid:
    """The grid of a version, with LY/OP/TY comparison and variance rows for sales and EOP.
    With `summary` (a measure name), each line has that one row only, read-only: the tree's
    collapsed lines (`planning.plans.grid_tree`)."""
    today = clock.today()
    week_rows = list(
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=True)
        .order_by("period")
        .values_list(
            "fiscal_week_id", "period", "fiscal_week__month", "fiscal_week__quarter", "fiscal_week__end_date"
        )
    )
    columns = columns_for(week_rows, today)
    periods = len(week_rows)
    line_rows = PlanLine.objects.filter(version=version)
    if line_ids is not None:
        line_rows = line_rows.filter(id__in=line_ids)
    lines = list(
        line_rows.order_by("position", "id").values_list(
            "id", "merch_class_id", "merch_class__code", "merch_class__name", "method", "turn"
        )
    )
    values = _values_by_line(version, [line[0] for line in lines], periods)
    groups = Groups.of(columns, periods)
    if version.kind == PlanVersion.Kind.ACTUAL:
        groups = _actuals_only(columns, values, periods)
    comparisons = (
        {} if summary else _comparisons(version, periods, today, class_ids=[line[1] for line in lines])
    )
    if not summary:
        _with_targets(version, comparisons, week_rows, values, lines)
    through = version.actuals_through_id if version.kind != PlanVersion.Kind.ACTUAL else None
    # In season (DESIGN.md 11): closed weeks hold this year's actuals, read-only.
    closed = {row[1] for row in week_rows if through is not None and row[0] <= through}
    blocks = []
    for line_id, class_id, code, name, method, turn in lines:
        is_total = class_id is None
        block = LineBlock(line_id, "Plan total" if is_total else f"{code} {name}", method, is_total)
        if turn is not None and method in SPAN_TURN_METHODS:
            block.turn = f"{turn.normalize():f}"
        line_values = values[line_id]
        for measure in grid_measures(method if not is_total else "receipts"):
            if is_total and measure.name == "receipts_entered":
                measure = Measure("receipts", "Receipts $", "flow", False)
            if summary and summary_name(measure.name) != summary:
                continue
            block.rows.append(
                _row(
                    measure,
                    line_values,
                    columns,
                    is_editable and not summary,
                    method,
                    groups=groups,
                    is_total=is_total,
                    closed=closed,
                )
            )
            if measure.name in ("sales", "eop") and not summary:
                others = _with_reforecast(version, line_values, comparisons.get(class_id, {}))
                block.rows.extend(_compare_rows(measure.name, line_values, others, columns, groups))
        blocks.append(block)
    if version.kind == PlanVersion.Kind.ACTUAL:
        _blank_totals_without_actuals(blocks, columns)
    names = [label for label, _ in _COMPARE if any(label in c for c in comparisons.values())]
    negatives = version_negative_receipts(version)
    _mark_negative_receipts(blocks, negatives)
    label = short_week_label(through) if through is not None else ""
    return Grid(version, columns, blocks, is_editable, names, negatives, label)


def _with_targets(
    version: PlanVersion,
    comparisons: dict[int | None, dict[str, dict[str, np.ndarray]]],
    week_rows: list[tuple[Any, ...]],
    values: dict[int, dict[str, np.ndarray]],
    lines: list[tuple[Any, ...]],
) -> None:
    """The published targets beside the plan total (targets are set by department)."""
    total = next((line[0] for line in lines if line[1] is None), None)
    if total is None or version.kind == PlanVersion.Kind.ACTUAL:
        return
    weeks = [(row[0], row[1], row[2]) for row in week_rows]
    reference = target_reference(version.plan, weeks, values[total]["sales"])
    if reference is not None:
        comparisons.setdefault(None, {})["TG"] = reference


def _actuals_only(columns: list[Column], values: dict[int, dict[str, np.ndarray]], periods: int) -> Groups:
    """This year's actuals exist for closed weeks only: the weeks after show nothing (blank, not a
    stock of 0 and the receipts that would imply), and a month, quarter or season total is made of
    its closed weeks (its EOP is the last closed week's)."""
    closed = np.zeros(periods, dtype=bool)
    for column in columns:
        if column.kind == "week":
            closed[column.periods[0]] = column.is_closed
    for line_values in values.values():
        for name in VALUE_FIELDS:
            line_values[name][~closed] = np.nan
    spans = []
    for column in columns:
        weeks = [period for period in column.periods if closed[period]] or column.periods
        spans.append(Column(column.kind, column.label, column.key, weeks))
    return Groups.of(spans, periods)


def _blank_totals_without_actuals(blocks: list[LineBlock], columns: list[Column]) -> None:
    """TY: a month, quarter or season with no closed week has no actuals: blank, not 0."""
    closed = {column.periods[0] for column in columns if column.kind == "week" and column.is_closed}
    empty = [
        i for i, column in enumerate(columns) if column.kind != "week" and not closed & set(column.periods)
    ]
    for block in blocks:
        for row in block.rows:
            for index in empty:
                cell = row.cells[index]
                cell.text, cell.raw, cell.is_editable = "\u2013", "", False
                cell.css = " ".join(["undef", *(c for c in cell.css.split() if c not in ("neg", "undef"))])


def _mark_negative_receipts(blocks: list[LineBlock], negatives: NegativeReceipts) -> None:
    """A warning mark and its tooltip on each week whose planned receipts are negative."""
    cells = negatives.cells
    if not cells:
        return
    for block in blocks:
        for row in block.rows:
            if block.is_total or row.measure not in ("receipts", "receipts_entered"):
                continue
            for cell in row.cells:
                week = cells.get((block.line_id, cell.key)) if cell.is_week else None
                if week is not None:
                    cell.css = f"{cell.css} warn".strip()
                    cell.note = week.note


def _values_by_line(
    version: PlanVersion, line_ids: list[int], periods: int
) -> dict[int, dict[str, np.ndarray]]:
    rows = list(
        PlanWeek.objects.filter(line_id__in=line_ids)
        .order_by("line_id", "period")
        .values_list("line_id", "period", "row_version", *VALUE_FIELDS, "locked")
    )
    grouped: dict[int, list[tuple[Any, ...]]] = {line_id: [] for line_id in line_ids}
    versions: dict[int, np.ndarray] = {line_id: np.zeros(periods, dtype=np.int64) for line_id in line_ids}
    locks: dict[int, dict[int, set[str]]] = {line_id: {} for line_id in line_ids}
    for row in rows:
        grouped[row[0]].append(row)
        versions[row[0]][row[1]] = row[2]
        if row[-1]:
            locks[row[0]][row[1]] = set(row[-1].split(","))
    result: dict[int, dict[str, Any]] = {}
    for line_id in line_ids:
        line_values: dict[str, Any] = _line_values(grouped[line_id], periods)
        line_values["row_version"] = versions[line_id].astype(np.float64)
        line_values["locks_of"] = locks[line_id]
        result[line_id] = line_values
    return result


SPREADABLE = ("sales", "sales_units", "markdowns", "shrink", "receipts_entered")


def _is_input(measure: Measure, column: Column, *, editable: bool, is_total: bool) -> bool:
    """Week cells of a line's entered measures; totals of entered amounts (they spread down);
    a target typed on a line's month or season fills its weeks; the plan total spreads over lines."""
    if not editable or not measure.is_entered:
        return False
    if is_total:
        return measure.name in SPREADABLE
    return column.kind == "week" or measure.name in (*SPREADABLE, "target")


def _row(
    measure: Measure,
    values: dict[str, np.ndarray],
    columns: list[Column],
    editable: bool,
    method: str,
    *,
    groups: Groups,
    is_total: bool = False,
    closed: set[int] | frozenset[int] = frozenset(),
) -> Row:
    label = TARGET_LABELS.get(method, "Target") if measure.name == "target" else measure.label
    locks: dict[int, set[str]] = values.get("locks_of", {})  # type: ignore[assignment]
    cells = []
    totals = aggregate_columns(measure.name, values, groups)
    for index, column in enumerate(columns):
        value = (
            float(values[measure.name][column.periods[0]])
            if column.kind == "week" and measure.name not in RATIOS
            else float(totals[index])
        )
        share = is_share(measure.name, method)  # a sell-through target reads as the % it is
        text, css = format_value("sell_through" if share else measure.name, value)
        is_input = _is_input(measure, column, editable=editable, is_total=is_total)
        if column.periods and set(column.periods) <= closed:  # a closed week, or a total of closed weeks
            is_input, css = False, f"{css} actual".strip()
        if column.kind == "week" and measure.name in locks.get(column.periods[0], set()):
            css = f"{css} locked"
        raw = "" if np.isnan(value) else _raw_text(measure.name, value, share=share)
        cells.append(
            Cell(
                text,
                f"{css} {column.css}".strip(),
                is_input,
                int(values["row_version"][column.periods[0]])
                if is_input and column.kind == "week" and not is_total
                else None,
                raw,
            )
        )
    _label_cells(cells, columns)
    formula = TARGET_FORMULAS.get(method, "") if measure.name == "target" else FORMULAS.get(measure.name, "")
    # On order and received come from purchase orders: read-only, and not engine-derived either.
    css = "entered" if measure.is_entered else "purchased" if measure.name in PURCHASED else "derived"
    return Row(label, measure.name, cells, css, measure.is_entered, formula)
