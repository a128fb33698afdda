"""A class-week typed in the grid (an edit, a paste, a spread total, an import, an undo) brought
down to the class's leaves of that week: split by the leaves' current values (locked leaves
keep theirs while an unlocked one is left; then evenly), in whole cents, so the leaves still
add up to their class line. Called inside the plan's cell service, in its transaction; the
detail's own edits (source "detail") come the other way and are not sent back."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import numpy as np

from planning.detail.store import load, save
from planning.engine import spread
from planning.models import PlanLeaf, PlanLine

EDITABLE = ("sales", "markdowns", "sales_units")


def class_weeks_into_leaves(version_id: int, changes: list[tuple[int, int, str, Decimal]], weeks: int) -> int:
    """changes: (line id, period, measure, new value); how many leaves changed."""
    wanted = [change for change in changes if change[2] in EDITABLE]
    if not wanted or not PlanLeaf.objects.filter(version_id=version_id).exists():
        return 0
    class_of = dict(
        PlanLine.objects.filter(pk__in={c[0] for c in wanted}).values_list("id", "merch_class_id")
    )
    grouped: dict[tuple[int, str], list[tuple[int, Decimal]]] = defaultdict(list)
    for line_id, period, measure, value in wanted:
        grouped[(class_of[line_id], measure)].append((period, value))
    changed = 0
    for (class_id, measure), cells in grouped.items():
        rows = PlanLeaf.objects.select_for_update().filter(
            version_id=version_id, measure=measure, subclass__merch_class_id=class_id
        )
        leaves = load(rows, weeks)
        if not len(leaves):
            continue
        scale = 1 if measure == "sales_units" else 100
        values = leaves.values.copy()
        for period, value in cells:
            locked = leaves.locked if not leaves.locked.all() else np.zeros(len(leaves), dtype=bool)
            total = int((Decimal(value) * scale).to_integral_value())
            kept = int(values[locked, period].sum())
            if total < kept:  # the locked leaves alone exceed it: the class's typed value wins
                locked = np.zeros(len(leaves), dtype=bool)
            column = spread(float(total), values[:, period].astype(np.float64), locked=locked, decimals=0)
            values[:, period] = np.rint(column).astype(np.int64)
        moved = np.flatnonzero((values != leaves.values).any(axis=1))
        changed += save(leaves.ids[moved], values[moved])
    return changed
