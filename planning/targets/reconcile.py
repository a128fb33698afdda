"""The reconciliation a manager reads (DESIGN.md section 12): for a division and fiscal year,
every level (division > department > class) by month and for the year, the published targets
beside the working plan, the current original plan and last year; variance = plan - target,
% = variance / target, flagged beyond a tolerance.

Targets are set by department; a class's target is its department's spread by last year's
class shares (by the working plan where last year is empty, evenly where both are), with
planning.engine.spread_tree, so the classes add up to their department to the cent. Ratios
(GM %, markdown %) are recomputed from rolled-up components at every level, never averaged;
their variance is in points, flagged beyond the same tolerance in points.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from core.money import to_cents
from planning.calendar import MONTH_NAMES
from planning.engine import ratio, rollup_tree, spread_tree
from planning.models import TARGET_AMOUNTS, Department, Division, MerchClass, TargetVersion
from planning.targets import figures
from planning.targets.services import MEASURES, RATIO_COMPONENT, division_departments

SOURCES = ("target", "plan", "original", "last_year")
MONTHS = 12
Block = dict[str, np.ndarray]  # source -> (nodes x 12 months) of one amount


@dataclass(frozen=True)
class Figure:
    target: Decimal | None
    plan: Decimal | None
    original: Decimal | None
    last_year: Decimal | None
    variance: Decimal | None  # plan - target ($, or points for a ratio)
    variance_percent: Decimal | None  # variance / target, one place
    flagged: bool


@dataclass(frozen=True)
class Row:
    level: str  # division, department, class
    node_id: int
    label: str
    figures: list[Figure]  # 12 months, then the quarters, halves and the year (SPANS)
    planners: str = ""
    plan_status: str = ""
    has_children: bool = False


@dataclass(frozen=True)
class Reconciliation:
    division: Division
    year: int
    measure: str
    measure_label: str
    tolerance: Decimal
    columns: list[str]
    rows: list[Row]
    targets: TargetVersion | None
    opened: int | None  # the department whose classes are shown

    @property
    def flagged_count(self) -> int:
        return sum(figure.flagged for row in self.rows for figure in row.figures)


@dataclass(frozen=True)
class _Tree:
    """Division (0) > departments > classes, with each class's department row."""

    departments: list[Department]
    classes: list[MerchClass]

    @property
    def parents(self) -> list[int]:
        position = {department.pk: 1 + index for index, department in enumerate(self.departments)}
        return [-1] + [0] * len(self.departments) + [position[item.department_id] for item in self.classes]

    @property
    def size(self) -> int:
        return 1 + len(self.departments) + len(self.classes)


def _class_block(tree: _Tree, frame: pd.DataFrame, field: str) -> np.ndarray:
    """(nodes x months) with the class rows filled from a frame of classes by month."""
    out = np.zeros((tree.size, MONTHS))
    if frame.empty:
        return out
    row_of = {item.pk: 1 + len(tree.departments) + index for index, item in enumerate(tree.classes)}
    for record in frame[["merch_class", "month", field]].itertuples(index=False):
        row = row_of.get(int(record.merch_class))
        if row is not None:
            out[row, int(record.month) - 1] += float(record[2] or 0)
    return out


def _roll(tree: _Tree, block: np.ndarray) -> np.ndarray:
    """Departments and the division from their classes (flows and stock alike add up)."""
    return rollup_tree(block, tree.parents)


def _targets_block(
    tree: _Tree, frame: pd.DataFrame, field: str, shares: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Department targets as given, classes by `shares` (last year) spread to the cent."""
    out = np.zeros((tree.size, MONTHS))
    index = {department.pk: 1 + i for i, department in enumerate(tree.departments)}
    for record in frame[["department", "month", field]].itertuples(index=False):
        out[index[int(record.department)], int(record.month) - 1] = float(record[2] or 0)
    parents = tree.parents
    for position in index.values():
        children = [node for node in range(tree.size) if parents[node] == position]
        if not children:
            continue
        nodes = [position, *children]
        local = [-1] + [0] * len(children)
        spread = spread_tree(out[position], shares[nodes], local, reference=fallback[nodes], by="current")
        out[children] = spread[1:]
    out[0] = out[1 : 1 + len(tree.departments)].sum(axis=0)
    return out


def _blocks(tree: _Tree, frames: dict[str, pd.DataFrame], field: str, has_targets: bool) -> Block:
    plan = _roll(tree, _class_block(tree, frames["plan"], field))
    last_year = _roll(tree, _class_block(tree, frames["last_year"], field))
    no_targets = np.full((tree.size, MONTHS), np.nan)
    return {
        "target": _targets_block(tree, frames["target"], field, last_year, plan)
        if has_targets
        else no_targets,
        "plan": plan,
        "original": _roll(tree, _class_block(tree, frames["original"], field)),
        "last_year": last_year,
    }


# The columns after the twelve months: quarters, halves and the year (fiscal months 1-3 are Q1).
SPANS: tuple[tuple[str, range], ...] = (
    *((f"Q{q}", range(3 * q - 3, 3 * q)) for q in range(1, 5)),
    ("H1", range(6)),
    ("H2", range(6, 12)),
    ("FY", range(12)),
)


def _with_spans(block: np.ndarray, field: str) -> np.ndarray:
    """Twelve months, then each span of SPANS: flows sum, EOP is the span's last month's."""
    if field == "eop":
        spans = [block[:, span[-1] : span[-1] + 1] for _, span in SPANS]
    else:
        spans = [block[:, span.start : span.stop].sum(axis=1, keepdims=True) for _, span in SPANS]
    return np.hstack([block, *spans])


def _measure(blocks: dict[str, Block], measure: str) -> dict[str, np.ndarray]:
    if measure in RATIO_COMPONENT:
        part, sales = blocks[RATIO_COMPONENT[measure]], blocks["sales"]
        return {
            source: ratio(_with_spans(part[source], "flow"), _with_spans(sales[source], "flow")) * 100
            for source in SOURCES
        }
    return {source: _with_spans(blocks[measure][source], measure) for source in SOURCES}


def _decimal(value: float, places: str) -> Decimal | None:
    return None if not np.isfinite(value) else Decimal(str(round(float(value), 4))).quantize(Decimal(places))


def _figure(values: dict[str, float], is_ratio: bool, tolerance: Decimal, missing: set[str]) -> Figure:
    """One cell; `missing`: the sources the node has no version of (a dash, not a zero)."""
    places = "0.1" if is_ratio else "0.01"
    shown = {source: None if source in missing else _decimal(values[source], places) for source in SOURCES}
    target, plan = shown["target"], shown["plan"]
    variance = None if target is None or plan is None else plan - target
    percent = None
    if variance is not None and not is_ratio and target:
        percent = (variance / target * 100).quantize(Decimal("0.1"))
    off = percent if not is_ratio else variance
    flagged = off is not None and abs(off) > tolerance
    money = {
        source: to_cents(value) if value is not None and not is_ratio else value
        for source, value in shown.items()
    }
    return Figure(
        money["target"], money["plan"], money["original"], money["last_year"], variance, percent, flagged
    )


def _missing(tree: _Tree, frames: dict[str, pd.DataFrame]) -> dict[int, set[str]]:
    """Per division or department row: the plan sources it has no version of."""
    having = {
        source: set(frames[source]["department"].astype(int)) if not frames[source].empty else set()
        for source in ("plan", "original")
    }
    out = {0: {source for source, departments in having.items() if not departments}}
    for index, department in enumerate(tree.departments):
        out[1 + index] = {
            source for source, departments in having.items() if department.pk not in departments
        }
    return out


def reconciliation(
    division: Division,
    year: int,
    *,
    measure: str = "sales",
    tolerance: Decimal = Decimal(5),
    opened: int | None = None,
    targets: TargetVersion | None = None,
) -> Reconciliation:
    """The table for one division and year; classes of the `opened` department only."""
    if measure not in MEASURES:
        raise ValueError(f"measure: one of {', '.join(MEASURES)}")
    departments = division_departments(division)
    ids = [department.pk for department in departments]
    classes = list(MerchClass.objects.filter(department_id__in=ids).order_by("department__code", "code"))
    tree = _Tree(departments, classes)
    targets = targets or figures.published_targets(division.pk, year)
    frames = {
        "target": figures.target_figures(targets),
        "plan": figures.plan_figures(ids, year),
        "original": figures.plan_figures(ids, year, original=True),
        "last_year": figures.last_year_figures(ids, year),
    }
    blocks = {field: _blocks(tree, frames, field, targets is not None) for field in TARGET_AMOUNTS}
    values = _measure(blocks, measure)
    missing = _missing(tree, frames)
    who = figures.who_plans(ids)
    is_ratio = measure in RATIO_COMPONENT

    def row(node: int, level: str, node_id: int, label: str, **extra: Any) -> Row:
        absent = missing[node if level != "class" else tree.parents[node]]
        cells = [
            _figure({s: values[s][node, column] for s in SOURCES}, is_ratio, tolerance, absent)
            for column in range(MONTHS + len(SPANS))
        ]
        return Row(level, node_id, label, cells, **extra)

    rows = [row(0, "division", division.pk, str(division), has_children=bool(departments))]
    for index, department in enumerate(departments):
        planners, status = who.get(department.pk, ("", ""))
        own = [item for item in classes if item.department_id == department.pk]
        extra = {"planners": planners, "plan_status": status, "has_children": bool(own)}
        rows.append(row(1 + index, "department", department.pk, str(department), **extra))
        if department.pk == opened:
            rows += [
                row(1 + len(departments) + classes.index(item), "class", item.pk, str(item)) for item in own
            ]
    return Reconciliation(
        division, year, measure, MEASURES[measure], tolerance,
        [
            *(f"M{m:02d} {MONTH_NAMES[m - 1]}" for m in range(1, MONTHS + 1)),
            *(f"FY{year}" if name == "FY" else name for name, _ in SPANS),
        ],
        rows, targets, opened,
    )  # fmt: skip
