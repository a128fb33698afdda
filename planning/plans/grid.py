"""The planning grid as data: columns (weeks with month, quarter and season totals) and rows
(each line's measures, comparison and variance rows), formatted for the template.

Everything is read in a few queries (`plan_grid`), aggregated with numpy by DESIGN.md's rules
(flows sum, BOP first, EOP last, ratios recomputed from rolled-up components), and handed to
the template as plain strings: templates never compute numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.db.models import F, Q

from core.weeks import short_week_label
from planning import calendar, clock
from planning.engine import kpis, rounding
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.cell_input import is_share
from planning.plans.measures import (
    FORMULAS,
    PURCHASED,
    TARGET_FORMULAS,
    TARGET_LABELS,
    Measure,
    grid_measures,
)
from planning.plans.negative_receipts import NegativeReceipts, version_negative_receipts

SPAN_TURN_METHODS = ("turn", "basic_stock")

VALUE_FIELDS = (
    "sales", "sales_units", "markdowns", "shrink", "on_order", "received", "target", "receipts_entered",
    "bop", "eop", "receipts", "otb", "gross_margin", "wos", "fwos", "turn", "sell_through", "gm_percent",
)  # fmt: skip
PERCENT = {"sell_through", "gm_percent"}
RATIOS = ("wos", "turn", "sell_through", "gm_percent")  # from components, in every column


@dataclass
class Column:
    kind: str  # week, month, quarter, season
    label: str
    key: str  # "2026-W05" for weeks, "M3", "Q1", "season" for totals
    periods: list[int]
    week_id: int | None = None
    is_closed: bool = False
    css: str = ""


@dataclass
class Cell:
    text: str
    css: str = ""
    is_editable: bool = False
    row_version: int | None = None
    raw: str = ""
    key: str = ""  # the column's key: "2026-W05" for a week, "M3", "Q1", "season"
    is_week: bool = False
    note: str = ""  # a warning shown as the cell's tooltip (negative receipts)


@dataclass
class Row:
    label: str
    measure: str
    cells: list[Cell]
    css: str = ""
    is_entered: bool = False
    formula: str = ""  # the header's tooltip: how the row is calculated


@dataclass
class LineBlock:
    line_id: int
    name: str
    method: str
    is_total: bool
    rows: list[Row] = field(default_factory=list)
    turn: str = ""  # the span turn of a turn or basic-stock line, as the planner typed it


def columns_for(weeks: list[tuple[int, int, int, int, date]], today: date) -> list[Column]:
    """weeks: (week id, period, month, quarter, end date) in period order."""
    columns: list[Column] = []
    months: dict[int, list[int]] = {}
    quarters: dict[int, list[int]] = {}
    for index, (week_id, period, month, quarter, end) in enumerate(weeks):
        year, number = divmod(week_id, 100)
        columns.append(
            Column("week", f"W{number:02d}", f"{year}-W{number:02d}", [period], week_id, end < today)
        )
        months.setdefault(month, []).append(period)
        quarters.setdefault(quarter, []).append(period)
        next_month = weeks[index + 1][2] if index + 1 < len(weeks) else None
        if next_month != month:
            columns.append(
                Column("month", calendar.MONTH_NAMES[month - 1], f"M{month}", months[month], css="agg")
            )
            next_quarter = weeks[index + 1][3] if index + 1 < len(weeks) else None
            if next_quarter != quarter:
                columns.append(
                    Column("quarter", f"Q{quarter}", f"Q{quarter}", quarters[quarter], css="agg q")
                )
    columns.append(Column("season", "Total", "season", [w[1] for w in weeks], css="agg s"))
    return columns


def _aggregate(measure: str, values: dict[str, np.ndarray], periods: list[int]) -> float:
    """One line's measure over a group of weeks, by the roll-up rules (the Excel export's
    totals): the grid's own computation for a single column."""
    column = Column("total", "", "", list(periods))
    return float(aggregate_columns(measure, values, Groups.of([column], len(values["sales"])))[0])


FLOWS = (
    "sales",
    "sales_units",
    "markdowns",
    "shrink",
    "on_order",
    "received",
    "receipts",
    "receipts_entered",
    "otb",
    "gross_margin",
)


@dataclass(frozen=True)
class Groups:
    """Which weeks each grid column covers, as arrays, so a line's measure is aggregated for
    every column at once (a matrix product for flows, index picks for BOP and EOP)."""

    membership: np.ndarray  # columns x periods of 0/1
    first: np.ndarray
    last: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, columns: list[Column], periods: int) -> Groups:
        membership = np.zeros((len(columns), periods))
        for index, column in enumerate(columns):
            membership[index, column.periods] = 1.0
        return cls(
            membership,
            np.array([column.periods[0] for column in columns]),
            np.array([column.periods[-1] for column in columns]),
            membership.sum(axis=1),
        )


def aggregate_columns(measure: str, values: dict[str, np.ndarray], groups: Groups) -> np.ndarray:
    """A line's measure for every column, by the roll-up rules of DESIGN.md section 6. Ratios
    come from their components for every column, a week's too (never from a ratio already
    rounded for storage), through the one definition of each KPI in `planning.engine.kpis`."""

    def flow(name: str) -> np.ndarray:
        result: np.ndarray = groups.membership @ np.nan_to_num(values[name])
        return result

    if measure in FLOWS:
        return flow(measure)
    if measure == "bop":
        opening: np.ndarray = values["bop"][groups.first]
        return opening
    if measure in ("eop", "fwos", "target"):
        closing: np.ndarray = values[measure][groups.last]
        return closing
    sales = flow("sales")
    opening = values["bop"][groups.first]
    if measure == "wos":
        return kpis.weeks_of_supply(values["eop"][groups.last], sales, groups.sizes)
    if measure == "sell_through":
        return kpis.sell_through_of_available(sales, opening + flow("receipts"))
    if measure == "gm_percent":
        return kpis.gm_percent_of(flow("gross_margin"), sales)
    if measure == "turn":
        average = kpis.average_inventory_of(opening, flow("eop"), groups.sizes)
        return kpis.turn_of(sales, average, groups.sizes)
    return np.full(len(groups.sizes), np.nan)


def format_value(measure: str, value: float | None) -> tuple[str, str]:
    """(text, css) with thousands separators, negatives marked, undefined as an en dash.
    Rounded once, half up (`planning.engine.rounding`): 1,234.50 shows as 1,235, 0.5125 as 51.3%."""
    if value is None or np.isnan(value):
        return "\u2013", "undef"
    css = "neg" if value < 0 else ""
    if measure in PERCENT:
        return f"{rounding.shown_percent(value):,}%", css
    if measure == "target":
        return f"{rounding.shown_ratio(value, 2):,}".rstrip("0").rstrip(".") or "0", css
    if measure in RATIOS:
        return f"{rounding.shown_ratio(value, 1):,}", css
    return f"{rounding.shown_money(value):,}", css


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


def plan_grid(version: PlanVersion, *, is_editable: bool, line_ids: list[int] | None = None) -> Grid:
    """The grid of a version, with LY/OP/TY comparison and variance rows for sales and EOP."""
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
    comparisons = _comparisons(version, periods, today, class_ids=[line[1] for line in lines])
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
            block.rows.append(
                _row(
                    measure,
                    line_values,
                    columns,
                    is_editable,
                    method,
                    groups=groups,
                    is_total=is_total,
                    closed=closed,
                )
            )
            if measure.name in ("sales", "eop"):
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


_COMPARE_FORMULAS = {
    "WP": "The working plan's figure",
    "LY": "Last year's actuals, restated: week N of last year",
    "OP": "The original plan (the approved budget): its current revision",
    "TY": "This year's actuals (closed weeks only)",
    "RF": "Reforecast: this year's actuals for the closed weeks, the working plan ahead",
}
_COMPARE = (
    ("WP", PlanVersion.Kind.WORKING),
    ("LY", PlanVersion.Kind.LAST_YEAR),
    ("OP", PlanVersion.Kind.ORIGINAL),
    ("TY", PlanVersion.Kind.ACTUAL),
)


def _comparisons(
    version: PlanVersion, periods: int, today: date, *, class_ids: list[int | None]
) -> dict[int | None, dict[str, dict[str, np.ndarray]]]:
    """Sales and EOP of LY, OP and TY per class (None: the total line), aligned by period."""
    wanted = [
        (label, kind)
        for label, kind in _COMPARE
        if kind != PlanVersion.Kind.WORKING or version.kind != PlanVersion.Kind.WORKING
    ]
    label_of: dict[str, str] = {str(kind): label for label, kind in wanted}
    # "OP" is the current (newest) revision; older ones are not compared with (one query still).
    candidates = list(
        PlanVersion.objects.filter(plan_id=version.plan_id, kind__in=list(label_of))
        .order_by(F("revision").asc(nulls_first=True), "pk")
        .values_list("pk", "kind")
    )
    newest = {kind: version_id for version_id, kind in candidates}
    others = {version_id: label_of[kind] for kind, version_id in newest.items() if version_id != version.pk}
    result: dict[int | None, dict[str, dict[str, np.ndarray]]] = {}
    classes = [class_id for class_id in class_ids if class_id is not None]
    same_lines = (
        Q(line__merch_class_id__in=classes) | Q(line__merch_class__isnull=True)
        if None in class_ids
        else Q(line__merch_class_id__in=classes)
    )
    rows = PlanWeek.objects.filter(same_lines, line__version_id__in=list(others)).values_list(
        "line__version_id", "line__merch_class_id", "period", "sales", "eop", "fiscal_week__end_date"
    )
    for version_id, class_id, period, sales, eop, end in rows:
        label = others[version_id]
        series = result.setdefault(class_id, {}).setdefault(
            label, {"sales": np.full(periods, np.nan), "eop": np.full(periods, np.nan)}
        )
        if label == "TY" and end >= today:
            continue  # actuals exist only for closed weeks
        series["sales"][period] = float(sales)
        series["eop"][period] = float(eop)
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


def _raw_text(measure: str, value: float, *, share: bool) -> str:
    """What the cell's editor starts from: the stored value as typed back (25% for a share)."""
    if share:
        return f"{value * 100:.3f}".rstrip("0").rstrip(".") + "%"
    if measure == "sales_units":
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _label_cells(cells: list[Cell], columns: list[Column]) -> None:
    for cell, column in zip(cells, columns, strict=True):
        cell.key, cell.is_week = column.key, column.kind == "week"


def _with_reforecast(
    version: PlanVersion, values: dict[str, np.ndarray], others: dict[str, dict[str, np.ndarray]]
) -> dict[str, dict[str, np.ndarray]]:
    """Add the in-season reforecast (RF): actuals for the closed weeks, the working plan ahead."""
    working = values if version.kind == PlanVersion.Kind.WORKING else others.get("WP")
    actual = others.get("TY")
    if working is None or actual is None or np.isnan(actual["sales"]).all():
        return others
    reforecast = {
        name: np.where(np.isnan(actual[name]), working[name], actual[name]) for name in ("sales", "eop")
    }
    return {**others, "RF": reforecast}


def _compare_rows(
    measure: str,
    values: dict[str, np.ndarray],
    others: dict[str, dict[str, np.ndarray]],
    columns: list[Column],
    groups: Groups,
) -> list[Row]:
    rows = []
    for label, series in others.items():
        cells = []
        totals = aggregate_columns(measure, {**series, "bop": series["eop"]}, groups)
        known = groups.membership @ (~np.isnan(series[measure])).astype(float)
        for index in range(len(columns)):
            theirs = np.nan if known[index] == 0 else float(totals[index])
            text, css = format_value(measure, theirs)
            cells.append(Cell(text, f"{css} {columns[index].css}".strip()))
        name = "EOP $" if measure == "eop" else "sales $"
        _label_cells(cells, columns)
        rows.append(
            Row(f"{label} {name}", measure, cells, "compare", formula=_COMPARE_FORMULAS.get(label, ""))
        )
    if measure == "sales":
        # Variances: the version shown vs LY and OP (and a scenario vs WP); TY vs LY and OP.
        for label, series in others.items():
            if label != "TY":
                rows.extend(_variance_row("This", label, values["sales"], series["sales"], columns))
        if "TY" in others:
            for label in ("LY", "OP"):
                if label in others:
                    rows.extend(
                        _variance_row("TY", label, others["TY"]["sales"], others[label]["sales"], columns)
                    )
    return rows


def _variance_row(
    own_label: str, label: str, own: np.ndarray, theirs: np.ndarray, columns: list[Column]
) -> list[Row]:
    """Variance of own over theirs in $ and %, on the weeks both have (TY has only closed weeks)."""
    amounts, percents = [], []
    for column in columns:
        periods = np.asarray(column.periods)
        both = ~np.isnan(own[periods]) & ~np.isnan(theirs[periods])
        mine, other = float(own[periods][both].sum()), float(theirs[periods][both].sum())
        difference = mine - other if both.any() else np.nan
        change = difference / other if both.any() and other else np.nan
        text, css = format_value("sales", difference)
        amounts.append(Cell(("+" + text) if difference > 0 else text, f"{css} {column.css}".strip()))
        text, css = format_value("gm_percent", change)
        percents.append(Cell(("+" + text) if change > 0 else text, f"{css} {column.css}".strip()))
    title = f"vs {label}" if own_label == "This" else f"TY vs {label}"
    shown = "this version" if own_label == "This" else "TY"
    _label_cells(amounts, columns)
    _label_cells(percents, columns)
    return [
        Row(f"{title} $", "variance", amounts, "compare variance", formula=f"{title} $ = {shown} - {label}"),
        Row(
            f"{title} %",
            "variance",
            percents,
            "compare variance",
            formula=f"{title} % = ({shown} - {label}) / {label}, over the weeks both have",
        ),
    ]
