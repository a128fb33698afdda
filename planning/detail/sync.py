"""Class-weeks written outside the detail brought down to their leaves: a cell typed in the grid
(an edit, a paste, a spread total, an import, an undo), a week closed with its actuals, a
scenario promoted. Each class-week's new value is split over the class's leaves of that week by
their current values (locked leaves keep theirs while an unlocked one is left; where the
current values are all zero, evenly), in whole cents, so the leaves still add up to their class
line. Runs in the writer's transaction; the detail's own edits (source "detail") come the
other way and are not sent back."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from planning.detail.store import group_sums, load, save
from planning.engine import spread
from planning.models import PlanLeaf, PlanLine, PlanWeek, Subclass

EDITABLE = ("sales", "markdowns", "sales_units")


def _cents(value: Decimal | int | float | None, scale: int) -> int:
    return int((Decimal(str(value or 0)) * scale).quantize(Decimal(1), ROUND_HALF_UP))


def class_weeks_into_leaves(version_id: int, changes: list[tuple[int, int, str, Decimal]], weeks: int) -> int:
    """changes: (line id, period, measure, new value); how many leaves changed."""
    wanted = [change for change in changes if change[2] in EDITABLE]
    if not wanted or not PlanLeaf.objects.filter(version_id=version_id).exists():
        return 0
    class_of = dict(
        PlanLine.objects.filter(pk__in={c[0] for c in wanted}).values_list("id", "merch_class_id")
    )
    by_measure: dict[str, dict[int, list[tuple[int, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for line_id, period, measure, value in wanted:
        by_measure[measure][class_of[line_id]].append((period, value))
    return sum(_split(version_id, measure, cells, weeks) for measure, cells in by_measure.items())


def _split(version_id: int, measure: str, cells: dict[int, list[tuple[int, Decimal]]], weeks: int) -> int:
    """One measure: every class's leaves loaded at once, each class-week split over its own."""
    rows = PlanLeaf.objects.select_for_update(of=("self",)).filter(
        version_id=version_id, measure=measure, subclass__merch_class_id__in=list(cells)
    )
    leaves = load(rows, weeks)
    if not len(leaves):
        return 0
    class_of = dict(
        Subclass.objects.filter(pk__in=np.unique(leaves.subclass).tolist()).values_list(
            "id", "merch_class_id"
        )
    )
    owner = np.array([class_of[int(s)] for s in leaves.subclass], dtype=np.int64)
    scale = 1 if measure == "sales_units" else 100
    values = leaves.values.copy()
    for class_id, weeks_of_class in cells.items():
        mine = np.flatnonzero(owner == class_id)
        if not len(mine):
            continue
        for period, value in weeks_of_class:
            locked = leaves.locked[mine]
            total = _cents(value, scale)
            if locked.all() or total < int(values[mine[locked], period].sum()):
                locked = np.zeros(len(mine), dtype=bool)  # the class's own value wins over the locks
            column = spread(float(total), values[mine, period].astype(np.float64), locked=locked, decimals=0)
            values[mine, period] = np.rint(column).astype(np.int64)
    moved = np.flatnonzero((values != leaves.values).any(axis=1))
    return save(leaves.ids[moved], values[moved])


def leaves_follow_lines(version_id: int) -> int:
    """Every class-week whose leaves no longer add up to it (written in bulk: a closed week, a
    promotion) split down again; how many leaves changed. Nothing for a version without detail."""
    if not PlanLeaf.objects.filter(version_id=version_id).exists():
        return 0
    rows = list(
        PlanWeek.objects.filter(line__version_id=version_id, line__merch_class__isnull=False).values_list(
            "line_id", "line__merch_class_id", "period", *EDITABLE
        )
    )
    weeks = 1 + max((row[2] for row in rows), default=-1)
    changed = 0
    for offset, measure in enumerate(EDITABLE, start=3):
        scale = 1 if measure == "sales_units" else 100
        leaves = load(PlanLeaf.objects.filter(version_id=version_id, measure=measure), weeks)
        if not len(leaves):
            continue
        class_of = dict(
            Subclass.objects.filter(pk__in=np.unique(leaves.subclass).tolist()).values_list(
                "id", "merch_class_id"
            )
        )
        owner = np.array([class_of[int(s)] for s in leaves.subclass], dtype=np.int64)
        classes, by_class = group_sums(owner, leaves.values)
        row_of = {class_id: index for index, class_id in enumerate(classes.tolist())}
        stale: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for row in rows:
            class_id, period = row[1], row[2]
            if class_id in row_of and _cents(row[offset], scale) != int(by_class[row_of[class_id], period]):
                stale[class_id].append((period, Decimal(str(row[offset] or 0))))
        if stale:
            changed += _split(version_id, measure, stale, weeks)
    return changed
