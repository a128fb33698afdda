"""The published targets as a reference row in a plan's grid ("TG", beside LY and OP): the
department's month target over the month's weeks of the plan, split by the plan's own weekly
sales (evenly where those are zero) so that every month and season column shows the target
exactly; EOP is the month's closing stock, on the month's last week."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from planning.engine import spread_tree
from planning.models import Plan, TargetCell


def target_reference(
    plan: Plan, weeks: list[tuple[int, int, int]], shape: np.ndarray
) -> dict[str, np.ndarray] | None:
    """`weeks`: (fiscal week id, period, fiscal month) of the plan; `shape`: the plan total's
    weekly sales. None for a plan at a location scope (targets are company-wide) or without
    published targets for its years."""
    if plan.channel_id is not None or plan.region_id is not None:
        return None
    years = sorted({week_id // 100 for week_id, _, _ in weeks})
    cells = {
        (cell.version.fiscal_year, cell.month): cell
        for cell in TargetCell.objects.filter(
            department_id=plan.department_id, version__is_published=True, version__fiscal_year__in=years
        ).select_related("version")
    }
    if not cells:
        return None
    periods = len(shape)
    sales, eop = np.full(periods, np.nan), np.full(periods, np.nan)
    months: dict[tuple[int, int], list[int]] = defaultdict(list)
    for week_id, period, month in weeks:
        months[(week_id // 100, month)].append(period)
    for key, members in months.items():
        cell = cells.get(key)
        if cell is None:
            continue
        weights = np.nan_to_num(np.asarray(shape, dtype=np.float64)[members]).clip(min=0)
        split = spread_tree(float(cell.sales), np.concatenate([[0.0], weights]), [-1] + [0] * len(members))
        sales[members] = split[1:]
        eop[max(members)] = float(cell.eop)
    return {"sales": sales, "eop": eop}
