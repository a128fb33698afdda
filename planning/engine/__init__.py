"""The planning engine: pure, vectorised retail math on arrays shaped (lines, periods).

No Django, no database, no I/O. The grid, the Celery recompute, the API, imports and the
benchmarks call these functions; names here are the stable public API.
"""

from planning.engine.aggregate import KINDS, ratio, rollup, rollup_lines, spread
from planning.engine.explain import Explanation, explain
from planning.engine.kpis import (
    WEEKS_PER_YEAR,
    average_inventory,
    cogs_retail_method,
    gm_percent,
    gmroi,
    gross_margin,
    sell_through,
    sell_through_available,
    stock_to_sales,
    to_cost,
    turn,
)
from planning.engine.recompute import (
    METHODS,
    CheckedPlan,
    PlanInputs,
    PlanOutputs,
    check_plan,
    derive,
    recompute,
)
from planning.engine.stock import (
    EXHAUSTION_RULES,
    bop_from_basic_stock,
    bop_from_sell_through,
    bop_from_ssr,
    bop_from_turn,
    eop_from_bop,
    eop_from_fwos,
    fwos_from_eop,
    otb,
    project_stock,
    receipts,
    wos,
)
from planning.engine.targets import (
    SWITCHABLE,
    MethodTargets,
    sell_through_from_eop,
    ssr_from_eop,
    targets_for_eop,
    turn_from_eop,
    wos_from_eop,
)
from planning.engine.tree import BASES, rollup_tree, spread_tree

__all__ = [
    "BASES",
    "EXHAUSTION_RULES",
    "KINDS",
    "METHODS",
    "SWITCHABLE",
    "WEEKS_PER_YEAR",
    "CheckedPlan",
    "Explanation",
    "MethodTargets",
    "PlanInputs",
    "PlanOutputs",
    "average_inventory",
    "bop_from_basic_stock",
    "bop_from_sell_through",
    "bop_from_ssr",
    "bop_from_turn",
    "check_plan",
    "cogs_retail_method",
    "derive",
    "eop_from_bop",
    "eop_from_fwos",
    "explain",
    "fwos_from_eop",
    "gm_percent",
    "gmroi",
    "gross_margin",
    "otb",
    "project_stock",
    "ratio",
    "receipts",
    "recompute",
    "rollup",
    "rollup_lines",
    "rollup_tree",
    "sell_through",
    "sell_through_available",
    "sell_through_from_eop",
    "spread",
    "spread_tree",
    "ssr_from_eop",
    "stock_to_sales",
    "targets_for_eop",
    "to_cost",
    "turn",
    "turn_from_eop",
    "wos",
    "wos_from_eop",
]
