"""Promoting a what-if scenario into the working plan: a three-way merge (planning.plans.three_way).

base = the working plan when the scenario was branched, scenario = the what-if now, current =
the working plan now. Only the scenario's own changes (scenario != base) are applied; the
working plan's changes since the branch stay; a cell changed on both sides to different values
is a conflict, and the approval is refused (core's Conflict with the cells, a 409 in the API) until the
approver picks, per cell or for all, which value wins.

The base is a snapshot (planning.models.scenario_base) taken in the branch's transaction from
the scenario's fresh copy, not a reconstruction from the audit trail (PlanCellChange): line
settings are not audited per cell (a method, turn or opening stock change leaves a transition
with a sentence, a roll rewrites the opening stock without a cell row), the audit keeps four
decimal places of a ten-place target, and any write path that bypasses it (a bulk write, a
future import) would silently make a changed cell look untouched and get it overwritten. A
snapshot cannot drift. Scenarios branched before the snapshot existed fall back to the audit
trail (the first audited change of a cell after the branch holds its base) and treat their
line settings as unknown: a setting that differs is a conflict, never overwritten blind.

Merged: sales, units, markdowns, shrink, target, entered receipts of every open week, and each
line's method, turn and opening stock (one cell each). Never: on order and received (kept from
purchase orders), closed weeks and, in season, the opening stock (the working plan's actuals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F

from core.errors import Conflict
from core.money import to_cents, to_places
from core.weeks import week_label as fiscal_week_label
from planning.detail.sync import leaves_follow_lines
from planning.models import MerchClass, PlanCellChange, PlanLine, PlanTransition, PlanVersion, PlanWeek
from planning.models.scenario_base import ScenarioBaseLine, ScenarioBaseWeek
from planning.plans.errors import PlanError
from planning.plans.measures import ENTERED, TARGET_LABELS, TARGET_PLACES, stored_text, validate
from planning.plans.three_way import (
    CHOICES,
    LINE_WEEK,
    MISSING,
    CellKey,
    Merge,
    Value,
    key_text,
    merge,
    parse_key,
)

MERGED_MEASURES = ("sales", "sales_units", "markdowns", "shrink", "target", "receipts_entered")
LINE_SETTINGS = ("method", "turn", "opening_stock")
SPAN_METHODS = (PlanLine.Method.TURN, PlanLine.Method.BASIC_STOCK)
_LINE_LABELS = {"method": "Method", "turn": "Turn", "opening_stock": "Opening stock $"}
_ORDER = {name: i for i, name in enumerate((*LINE_SETTINGS, *MERGED_MEASURES))}


# --- the base, recorded when a scenario is branched -------------------------------------------
def scenario_base_snapshot(scenario: PlanVersion) -> None:
    """Record the scenario's values right after its copy from the working plan as its base
    (two INSERT ... SELECT in the branch's transaction: the same rows the copy wrote)."""
    weeks, lines = ScenarioBaseWeek._meta.db_table, ScenarioBaseLine._meta.db_table
    plan_week, plan_line = PlanWeek._meta.db_table, PlanLine._meta.db_table
    measures = ", ".join(MERGED_MEASURES)
    selected = ", ".join(f"w.{name}" for name in MERGED_MEASURES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {weeks} (scenario_id, merch_class_id, fiscal_week_id, {measures}) "  # noqa: S608
            f"SELECT l.version_id, l.merch_class_id, w.fiscal_week_id, {selected} "
            f"FROM {plan_week} w JOIN {plan_line} l ON w.line_id = l.id "
            "WHERE l.version_id = %s AND l.merch_class_id IS NOT NULL",
            [scenario.pk],
        )
        cursor.execute(
            f"INSERT INTO {lines} (scenario_id, merch_class_id, method, turn, opening_stock) "  # noqa: S608
            f"SELECT version_id, merch_class_id, method, turn, opening_stock FROM {plan_line} "
            "WHERE version_id = %s AND merch_class_id IS NOT NULL",
            [scenario.pk],
        )


# --- reading the three states -----------------------------------------------------------------
def _week_cells(rows: Any) -> dict[CellKey, Value]:
    """(class, week, measure) -> value from rows of (class id, week id, *MERGED_MEASURES)."""
    cells: dict[CellKey, Value] = {}
    for class_id, week_id, *values in rows:
        for name, value in zip(MERGED_MEASURES, values, strict=True):
            cells[(class_id, week_id, name)] = value
    return cells


def _line_cells(rows: Any) -> dict[CellKey, Value]:
    cells: dict[CellKey, Value] = {}
    for class_id, *values in rows:
        for name, value in zip(LINE_SETTINGS, values, strict=True):
            cells[(class_id, LINE_WEEK, name)] = value
    return cells


def _version_cells(version: PlanVersion) -> dict[CellKey, Value]:
    weeks = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False).values_list(
        "line__merch_class_id", "fiscal_week_id", *MERGED_MEASURES
    )
    lines = PlanLine.objects.filter(version=version, merch_class__isnull=False).values_list(
        "merch_class_id", *LINE_SETTINGS
    )
    return {**_week_cells(weeks), **_line_cells(lines)}


def _base_cells(
    scenario: PlanVersion, working: PlanVersion, current: Mapping[CellKey, Value]
) -> tuple[dict[CellKey, Value], bool]:
    """The base and whether it is the branch's snapshot (else reconstructed from the audit)."""
    snapshot = ScenarioBaseWeek.objects.filter(scenario=scenario)
    if snapshot.exists():
        weeks = snapshot.values_list("merch_class_id", "fiscal_week_id", *MERGED_MEASURES)
        lines = ScenarioBaseLine.objects.filter(scenario=scenario).values_list(
            "merch_class_id", *LINE_SETTINGS
        )
        return {**_week_cells(weeks), **_line_cells(lines)}, True
    # Branched before snapshots: the working plan now, with each cell audited since the branch
    # set back to the value its first change replaced. Line settings stay unknown.
    base = {key: value for key, value in current.items() if key[1] != LINE_WEEK}
    seen: set[CellKey] = set()
    changes = (
        PlanCellChange.objects.filter(
            line__version=working, changed_at__gte=scenario.created_at, measure__in=MERGED_MEASURES
        )
        .order_by("changed_at", "id")
        .values_list("line__merch_class_id", "fiscal_week_id", "measure", "old_value")
    )
    for class_id, week_id, measure, old in changes:
        key = (class_id, week_id, measure)
        if key not in seen and key in base:
            seen.add(key)
            base[key] = int(old) if measure == "sales_units" and old is not None else old
    return base, False


def _frozen(closed_weeks: set[tuple[int, int]], class_ids: set[int], in_season: bool) -> set[CellKey]:
    """Cells a promotion never writes: every measure of a closed week, and in season the
    opening stock (the actual stock the working plan opens on)."""
    frozen = {(class_id, week_id, name) for class_id, week_id in closed_weeks for name in MERGED_MEASURES}
    if in_season:
        frozen |= {(class_id, LINE_WEEK, "opening_stock") for class_id in class_ids}
    return frozen


def _closed_weeks(working: PlanVersion) -> set[tuple[int, int]]:
    through = working.actuals_through_id
    rows = PlanWeek.objects.filter(line__version=working, line__merch_class__isnull=False).values_list(
        "line__merch_class_id", "fiscal_week_id", "actual_eop"
    )
    return {
        (class_id, week_id)
        for class_id, week_id, actual in rows
        if actual is not None or (through is not None and week_id <= through)
    }


# --- what the approver sees ---------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A cell of the merge as the approval card and the API show it."""

    key: str  # "<class_id>:<week_id>:<measure>", week 0 for a line setting
    class_id: int
    class_label: str
    week_id: int
    week: str  # "FY2026 W45" as the grid's header, "line setting" for a line setting
    measure: str
    measure_label: str
    base: str | None
    scenario: str | None
    working: str | None
    resolved: str | None = None  # a conflict's choice: "scenario" or "working"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "class_id": self.class_id,
            "class": self.class_label,
            "week": self.week,
            "measure": self.measure,
            "measure_label": self.measure_label,
            "base": self.base,
            "scenario": self.scenario,
            "working": self.working,
        }


@dataclass
class Promotion:
    scenario: PlanVersion
    working: PlanVersion
    result: Merge
    changes: list[Cell]  # applied without a choice
    conflicts: list[Cell]
    base_is_snapshot: bool

    @property
    def unresolved(self) -> list[Cell]:
        return [cell for cell in self.conflicts if cell.resolved is None]


def week_label(week_id: int) -> str:
    return "line setting" if week_id == LINE_WEEK else fiscal_week_label(week_id)


def _text(measure: str, value: Any) -> str | None:
    if value is MISSING or value is None:
        return None
    if measure == "method":
        return str(PlanLine.Method(value).label)
    if measure == "turn":
        return f"{Decimal(value).normalize():f}"
    if measure == "opening_stock":
        return str(to_cents(value))
    if measure in ENTERED and isinstance(value, Decimal | int):
        return stored_text(measure, value)
    return str(value)


def _label(measure: str, method: str | None) -> str:
    if measure in _LINE_LABELS:
        return _LINE_LABELS[measure]
    if measure == "target":
        return TARGET_LABELS.get(method or "", "Target")
    return ENTERED[measure].label


def _describe(result: Merge, working: PlanVersion) -> tuple[list[Cell], list[Cell]]:
    keys = [change.key for change in result.changes] + [conflict.key for conflict in result.conflicts]
    class_ids = {key[0] for key in keys}
    classes = {
        merch_class.pk: str(merch_class) for merch_class in MerchClass.objects.filter(pk__in=class_ids)
    }
    lines = {
        class_id: (position, method)
        for class_id, position, method in PlanLine.objects.filter(
            version=working, merch_class_id__in=class_ids
        ).values_list("merch_class_id", "position", "method")
    }

    def cell(key: CellKey, base: Any, scenario: Any, current: Any, resolved: str | None = None) -> Cell:
        class_id, week_id, measure = key
        return Cell(
            key=key_text(key),
            class_id=class_id,
            class_label=classes.get(class_id, str(class_id)),
            week_id=week_id,
            week=week_label(week_id),
            measure=measure,
            measure_label=_label(measure, lines.get(class_id, (0, None))[1]),
            base=_text(measure, base),
            scenario=_text(measure, scenario),
            working=_text(measure, current),
            resolved=resolved,
        )

    def order(key: CellKey) -> tuple[int, int, int, int]:
        return (lines.get(key[0], (0, ""))[0], key[0], key[1], _ORDER.get(key[2], 99))

    changes = [
        cell(change.key, change.working, change.scenario, change.working)
        for change in sorted(result.changes, key=lambda change: order(change.key))
    ]
    conflicts = [
        cell(c.key, c.base, c.scenario, c.working, result.resolved.get(c.key))
        for c in sorted(result.conflicts, key=lambda conflict: order(conflict.key))
    ]
    return changes, conflicts


def _working_of(scenario: PlanVersion) -> PlanVersion:
    return PlanVersion.objects.select_related("plan").get(
        plan_id=scenario.plan_id, kind=PlanVersion.Kind.WORKING
    )


def promotion_preview(scenario: PlanVersion) -> Promotion:
    """What approving the scenario now would change in the working plan, and the conflicts the
    approver must resolve first (a read: nothing is locked or written)."""
    working = _working_of(scenario)
    current = _version_cells(working)
    base, is_snapshot = _base_cells(scenario, working, current)
    class_ids = {key[0] for key in current}
    frozen = _frozen(_closed_weeks(working), class_ids, working.actuals_through_id is not None)
    result = merge(base, _version_cells(scenario), current, frozen=frozen)
    changes, conflicts = _describe(result, working)
    return Promotion(scenario, working, result, changes, conflicts, is_snapshot)


# --- the promotion itself -----------------------------------------------------------------------
def promotion_conflict(scenario: PlanVersion, conflicts: list[Cell]) -> Conflict:
    """Cells changed in both the scenario and the working plan since the branch: the approver
    picks which value wins (per cell or for all) and approves again; nothing was changed. The
    409 body lists each conflicting cell with its three values (`conflicts`)."""
    count = len(conflicts)
    cells = "cell" if count == 1 else "cells"
    return Conflict(
        f"{count} {cells} changed in both {scenario.name} and the working plan since it was branched: "
        "choose which value wins for each (or for all), then approve.",
        details={"conflicts": [cell.as_dict() for cell in conflicts]},
    )


def _choices(resolutions: Mapping[str, str] | None, resolve_all: str | None) -> dict[CellKey, str]:
    if resolve_all not in (None, "", *CHOICES):
        raise PlanError(f"resolve_all is 'scenario' or 'working', not {resolve_all!r}.")
    choices: dict[CellKey, str] = {}
    for text, choice in (resolutions or {}).items():
        key = parse_key(str(text))
        if key is None:
            raise PlanError(f"{text!r} is not a cell: name it as <class_id>:<week_id>:<measure>.")
        if choice not in CHOICES:
            raise PlanError(f"Choose 'scenario' or 'working' for {text}, not {choice!r}.")
        choices[key] = choice
    return choices


def scenario_promote(
    *,
    user: User,
    scenario: PlanVersion,
    working: PlanVersion,
    resolutions: Mapping[str, str] | None = None,
    resolve_all: str | None = None,
) -> Promotion:
    """Apply the scenario's own changes to the working plan (the caller holds both versions'
    row locks, in its transaction, and recomputes the working plan afterwards).

    Unresolved conflicts raise core's Conflict (`promotion_conflict`) before anything is written. Every
    applied week cell is audited with source "promote"; only changed rows get a new row
    version; line settings changed are listed in the working plan's trail."""
    choices = _choices(resolutions, resolve_all)
    lines = list(
        PlanLine.objects.select_for_update().filter(version=working, merch_class__isnull=False).order_by("pk")
    )
    rows = list(
        PlanWeek.objects.select_for_update()
        .filter(line__version=working, line__merch_class__isnull=False)
        .select_related("line")
        .order_by("pk")
    )
    line_of = {line.merch_class_id: line for line in lines if line.merch_class_id is not None}
    row_of = {
        (row.line.merch_class_id, row.fiscal_week_id): row
        for row in rows
        if row.line.merch_class_id is not None
    }
    current = {
        **_week_cells(
            (class_id, week_id, *(getattr(row, name) for name in MERGED_MEASURES))
            for (class_id, week_id), row in row_of.items()
        ),
        **_line_cells(
            (class_id, *(getattr(line, name) for name in LINE_SETTINGS)) for class_id, line in line_of.items()
        ),
    }
    through = working.actuals_through_id
    closed = {
        (class_id, week_id)
        for (class_id, week_id), row in row_of.items()
        if row.actual_eop is not None or (through is not None and week_id <= through)
    }
    base, is_snapshot = _base_cells(scenario, working, current)
    result = merge(
        base,
        _version_cells(scenario),
        current,
        frozen=_frozen(closed, set(line_of), through is not None),
        resolutions=choices,
        resolve_all=resolve_all or None,
    )
    changes, conflicts = _describe(result, working)
    promotion = Promotion(scenario, working, result, changes, conflicts, is_snapshot)
    if promotion.unresolved:
        raise promotion_conflict(scenario, promotion.unresolved)
    _check_merged(result.applied, current, line_of)
    _apply(user, working, result.applied, line_of, row_of, promotion)
    return promotion


def _check_merged(
    applied: Mapping[CellKey, Value], current: Mapping[CellKey, Value], line_of: Mapping[int, PlanLine]
) -> None:
    """The merged line must hold together: its targets in range for its (merged) method, a
    turn where it plans by one. A refusal names the cell; nothing is written."""
    merged = {**current, **applied}
    for class_id, line in line_of.items():
        method = str(merged[(class_id, LINE_WEEK, "method")])
        method_changed = (class_id, LINE_WEEK, "method") in applied
        if method in SPAN_METHODS and merged[(class_id, LINE_WEEK, "turn")] is None:
            raise PlanError(f"{line.merch_class}: a {method} line needs a turn; pick the other value.")
        if method not in TARGET_LABELS:
            continue
        for key, value in merged.items():
            if key[0] != class_id or key[2] != "target" or value is None:
                continue
            if not method_changed and key not in applied:
                continue
            problem = validate("target", Decimal(value), method)
            if problem:
                raise PlanError(f"{line.merch_class} {week_label(key[1])}: {problem}")


def _apply(
    user: User,
    working: PlanVersion,
    applied: Mapping[CellKey, Value],
    line_of: Mapping[int, PlanLine],
    row_of: Mapping[tuple[int, int], PlanWeek],
    promotion: Promotion,
) -> None:
    audit: list[PlanCellChange] = []
    changed_rows: dict[int, PlanWeek] = {}
    changed_lines: dict[int, PlanLine] = {}
    for (class_id, week_id, measure), value in applied.items():
        if week_id == LINE_WEEK:
            line = line_of[class_id]
            setattr(line, measure, value)
            changed_lines[line.pk] = line
            continue
        row = row_of[(class_id, week_id)]
        old = getattr(row, measure)
        if measure == "target" and isinstance(value, Decimal):
            value = to_places(value, TARGET_PLACES)
        setattr(row, measure, value)
        changed_rows[row.pk] = row
        audit.append(
            PlanCellChange(
                line_id=row.line_id,
                fiscal_week_id=week_id,
                measure=measure,
                old_value=old,
                new_value=value,
                source=PlanCellChange.Source.PROMOTE,
                changed_by_id=user.pk,
            )
        )
    for row in changed_rows.values():  # only rows that changed: open grids elsewhere keep working
        row.row_version += 1
        row.updated_by_id = user.pk
    PlanWeek.objects.bulk_update(
        list(changed_rows.values()), fields=[*MERGED_MEASURES, "row_version", "updated_by"], batch_size=2000
    )
    PlanLine.objects.bulk_update(list(changed_lines.values()), fields=list(LINE_SETTINGS))
    PlanCellChange.objects.bulk_create(audit, batch_size=2000)
    leaves_follow_lines(working.pk)  # the working plan's detail takes the promoted class-weeks
    PlanTransition.objects.create(
        version=working,
        action="promote",
        from_status=working.status,
        to_status=working.status,
        reason=_summary(promotion),
        user=user,
    )
    PlanVersion.objects.filter(pk=working.pk).update(values_version=F("values_version") + 1)
    working.refresh_from_db(fields=["values_version", "totals_version"])


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _summary(promotion: Promotion) -> str:
    """The working plan's trail entry: what the promotion changed and how conflicts went."""
    picked = promotion.result.resolved
    from_scenario = sum(choice == "scenario" for choice in picked.values())
    text = f"Promoted {promotion.scenario.name}: {_count(len(promotion.changes), 'change')} applied"
    if picked:
        text += (
            f", {_count(len(picked), 'conflict')} resolved ({from_scenario:,} to the scenario, "
            f"{len(picked) - from_scenario:,} to the working plan)"
        )
    settings = [
        f"{cell.class_label} {cell.measure_label.lower()} {cell.working} -> {cell.scenario}"
        for cell in promotion.changes + promotion.conflicts
        if cell.week_id == LINE_WEEK and (cell.resolved in (None, "scenario"))
    ]
    return text + (f"; {'; '.join(settings)}" if settings else "")
