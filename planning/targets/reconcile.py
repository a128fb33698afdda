"""The reconciliation a manager reads (DESIGN.md section 12): for a fiscal year, every level
(company > division > department > class) by month, quarter, half and year, the published targets
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
from planning.engine import ratio, rollup_tree, split
from planning.models import TARGET_AMOUNTS, Department, Division, MerchClass, TargetVersion
from planning.targets import figures
from planning.targets.channels import location_blocks
from planning.targets.services import MEASURES, RATIO_COMPONENT

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
    level: str  # company, division, department, class
    node_id: int
    label: str
    figures: list[Figure]  # 12 months, then the quarters, halves and the year (SPANS)
    planners: str = ""
    plan_status: str = ""
    has_children: bool = False
    coverage: str = ""  # company and divisions: "2 of 3 departments planned" when not all are


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
        """Flagged months (quarters, halves and the year repeat them)."""
        return sum(figure.flagged for row in self.rows for figure in row.figures[:MONTHS])


class _Tree:
    """Company (0) > divisions > departments > classes: rows in that order, parents first."""

    def __init__(self, divisions: list[Division], departments: list[Department], classes: list[MerchClass]):
        self.divisions, self.departments, self.classes = divisions, departments, classes
        self.division_row = {division.pk: 1 + i for i, division in enumerate(divisions)}
        first = 1 + len(divisions)
        self.department_row = {department.pk: first + i for i, department in enumerate(departments)}
        first += len(departments)
        self.class_row = {item.pk: first + i for i, item in enumerate(classes)}
        self.parents = (
            [-1]
            + [0] * len(divisions)
            + [self.division_row[department.division_id] for department in departments]
            + [self.department_row[item.department_id] for item in classes]
        )
        self.size = len(self.parents)


def _class_block(tree: _Tree, frame: pd.DataFrame, field: str) -> np.ndarray:
    """(nodes x months) with the class rows filled from a frame of classes by month."""
    out = np.zeros((tree.size, MONTHS))
    for record in frame[["merch_class", "month", field]].itertuples(index=False):
        row = tree.class_row.get(int(record.merch_class))
        if row is not None:
            out[row, int(record.month) - 1] += float(record[2] or 0)
    return out


def _roll(tree: _Tree, block: np.ndarray) -> np.ndarray:
    """Every level from the classes (flows and stock alike add up across merchandise)."""
    return rollup_tree(block, tree.parents)


def _targets_block(
    tree: _Tree, frame: pd.DataFrame, field: str, shares: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Department targets as given (NaN where the division has none published), classes by
    `shares` (last year) spread to the cent, divisions and the company rolled up: a level
    with a department without targets has none (a dash, not a partial sum)."""
    out = np.full((tree.size, MONTHS), np.nan)
    targeted = set(frame["department"].astype(int)) if not frame.empty else set()
    for department in tree.departments:
        if department.pk in targeted:
            out[tree.department_row[department.pk]] = 0.0
    for record in frame[["department", "month", field]].itertuples(index=False):
        out[tree.department_row[int(record.department)], int(record.month) - 1] = float(record[2] or 0)
    parents = np.asarray(tree.parents)
    for department in tree.departments:
        row = tree.department_row[department.pk]
        children = np.flatnonzero(parents == row)
        if children.size and department.pk in targeted:
            # Either sign (a margin target can be negative); negative shares weigh nothing.
            out[children] = split(out[row], shares[children], reference=fallback[children])
    # Divisions sum their departments, the company its divisions: NaN (no target) stays NaN.
    for rows in (list(tree.division_row.values()), [0]):
        for row in rows:
            children = np.flatnonzero(parents == row)
            out[row] = out[children].sum(axis=0) if children.size else np.nan
    return out


def _blocks(tree: _Tree, frames: dict[str, pd.DataFrame], field: str) -> Block:
    plan = _roll(tree, _class_block(tree, frames["plan"], field))
    last_year = _roll(tree, _class_block(tree, frames["last_year"], field))
    return {
        "target": _targets_block(tree, frames["target"], field, last_year, plan),
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
    # A zero target with a plan is off by any tolerance (its % is undefined).
    flagged = (off is not None and abs(off) > tolerance) or (not is_ratio and target == 0 and bool(plan))
    money = {
        source: to_cents(value) if value is not None and not is_ratio else value
        for source, value in shown.items()
    }
    return Figure(
        money["target"], money["plan"], money["original"], money["last_year"], variance, percent, flagged
    )


def _missing(tree: _Tree, frames: dict[str, pd.DataFrame]) -> dict[int, set[str]]:
    """Per company, division or department row: the plan sources it has no version of."""
    having = {
        source: set(frames[source]["department"].astype(int)) if not frames[source].empty else set()
        for source in ("plan", "original")
    }

    def absent(department_ids: list[int]) -> set[str]:
        return {source for source, found in having.items() if not found & set(department_ids)}

    out = {0: absent([department.pk for department in tree.departments])}
    for division in tree.divisions:
        out[tree.division_row[division.pk]] = absent(
            [department.pk for department in tree.departments if department.division_id == division.pk]
        )
    for department in tree.departments:
        out[tree.department_row[department.pk]] = absent([department.pk])
    return out


def _location_rows(
    department: Department, year: int, blocks: dict[str, Block], tree: _Tree, measure: str, tolerance: Decimal
) -> list[Row]:
    """The opened department by channel and region (planning.targets.channels)."""
    own = tree.department_row[department.pk]
    targets = {field: blocks[field]["target"][own] for field in TARGET_AMOUNTS}
    nodes, by_source = location_blocks(department.pk, year, targets)
    if not nodes:
        return []
    per_field = {field: {source: by_source[source][field] for source in SOURCES} for field in TARGET_AMOUNTS}
    values = _measure(per_field, measure)
    is_ratio = measure in RATIO_COMPONENT
    return [
        Row(
            node.level, node.pk, node.label,
            [_figure({s: values[s][i, column] for s in SOURCES}, is_ratio, tolerance, set(node.missing))
             for column in range(MONTHS + len(SPANS))],
        )
        for i, node in enumerate(nodes)
    ]  # fmt: skip


def _frames(tree: _Tree, year: int, published: list[TargetVersion]) -> dict[str, pd.DataFrame]:
    ids = [department.pk for department in tree.departments]
    targets = [figures.target_figures(version) for version in published]
    return {
        "target": pd.concat(targets, ignore_index=True) if targets else figures.target_figures(None),
        "plan": figures.plan_figures(ids, year),
        "original": figures.plan_figures(ids, year, original=True),
        "last_year": figures.last_year_figures(ids, year),
    }


def reconciliation(
    division: Division,
    year: int,
    *,
    measure: str = "sales",
    tolerance: Decimal = Decimal(5),
    opened: int | None = None,
) -> Reconciliation:
    """The company and its divisions for a year, `division` opened to its departments and the
    `opened` department to its classes; each division against its published targets."""
    if measure not in MEASURES:
        raise ValueError(f"measure: one of {', '.join(MEASURES)}")
    divisions = list(Division.objects.order_by("code"))
    departments = list(Department.objects.order_by("division__code", "code"))
    classes = list(MerchClass.objects.order_by("department__division__code", "department__code", "code"))
    tree = _Tree(divisions, departments, classes)
    published = list(TargetVersion.objects.filter(fiscal_year=year, is_published=True))
    frames = _frames(tree, year, published)
    blocks = {field: _blocks(tree, frames, field) for field in TARGET_AMOUNTS}
    values = _measure(blocks, measure)
    missing = _missing(tree, frames)
    if measure in ("receipts", "eop"):  # the sales history holds no receipts or stock
        missing = {node: {*sources, "last_year"} for node, sources in missing.items()}
    who = figures.who_plans([d.pk for d in departments if d.division_id == division.pk], year)
    is_ratio = measure in RATIO_COMPONENT

    def row(node: int, level: str, node_id: int, label: str, **extra: Any) -> Row:
        absent = missing[node if level != "class" else tree.parents[node]]
        cells = [
            _figure({s: values[s][node, column] for s in SOURCES}, is_ratio, tolerance, absent)
            for column in range(MONTHS + len(SPANS))
        ]
        return Row(level, node_id, label, cells, **extra)

    planned = set(frames["plan"]["department"].astype(int)) if not frames["plan"].empty else set()

    def coverage(members: list[Department]) -> str:
        done = sum(member.pk in planned for member in members)
        return "" if done == len(members) or not done else f"{done} of {len(members)} departments planned"

    rows = [row(0, "company", 0, "Company", has_children=bool(divisions), coverage=coverage(departments))]
    for item in divisions:
        own = [department for department in departments if department.division_id == item.pk]
        extra = {"has_children": bool(own), "coverage": coverage(own)}
        rows.append(row(tree.division_row[item.pk], "division", item.pk, str(item), **extra))
        if item.pk != division.pk:
            continue
        for department in own:
            planners, status = who.get(department.pk, ("", ""))
            its = [merch_class for merch_class in classes if merch_class.department_id == department.pk]
            extra = {"planners": planners, "plan_status": status, "has_children": bool(its)}
            rows.append(
                row(tree.department_row[department.pk], "department", department.pk, str(department), **extra)
            )
            if department.pk == opened:
                rows += [row(tree.class_row[c.pk], "class", c.pk, str(c)) for c in its]
                rows += _location_rows(department, year, blocks, tree, measure, tolerance)
    targets = next((version for version in published if version.division_id == division.pk), None)
    return Reconciliation(
        division, year, measure, MEASURES[measure], tolerance,
        [
            *(f"M{m:02d} {MONTH_NAMES[m - 1]}" for m in range(1, MONTHS + 1)),
            *(f"FY{year}" if name == "FY" else name for name, _ in SPANS),
        ],
        rows, targets, opened,
    )  # fmt: skip
