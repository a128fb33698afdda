"""How was this cell calculated? The formula and the inputs behind one derived cell, in words
and numbers, for the grid's popover. Reuses `recompute` on the one line, so the explanation
can never disagree with the number shown.

Periods are named by `labels` (the grid's week names, W01..W52, passed in by the caller that
knows the calendar; P0, P1, ... without them); ratios of sales (sell-through, GM%) read as
percentages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from planning.engine.kpis import WEEKS_PER_YEAR
from planning.engine.recompute import CheckedPlan, PlanInputs, PlanOutputs, check_plan, derive

EXPLAINED = (
    "bop", "eop", "receipts", "otb", "wos", "fwos", "turn", "sell_through",
    "cogs", "gross_margin", "gm_percent", "gmroi",
)  # fmt: skip


@dataclass(frozen=True)
class Explanation:
    measure: str
    line: int
    period: int
    value: float
    formula: str  # symbolic, e.g. "EOP = BOP + receipts - sales - markdowns - shrink"
    text: str  # the same with this cell's numbers
    inputs: dict[str, float] = field(default_factory=dict)


def _n(value: float) -> str:
    if math.isnan(value):
        return "undefined"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def _pct(value: float) -> str:
    """A ratio as a percentage, to two places at most: 0.5275 -> 52.75%, 0.425 -> 42.5%."""
    if math.isnan(value):
        return "undefined"
    return f"{value * 100:,.2f}".rstrip("0").rstrip(".") + "%"


def explain(
    inputs: PlanInputs,
    line: int,
    period: int,
    measure: str,
    *,
    labels: Sequence[str] | None = None,
    opening_label: str | None = None,
) -> Explanation:
    """Explain one derived cell. `labels` name the periods (one each); `opening_label` names
    the period whose EOP is the opening stock (the week before the plan), if known."""
    if measure not in EXPLAINED:
        raise ValueError(f"measure: cannot explain {measure!r}; derived measures are {', '.join(EXPLAINED)}")
    plan = check_plan(inputs).line(line)
    periods = plan.sales.shape[1]
    if not 0 <= period < periods:
        raise ValueError(f"period: {period} is not a period of this plan (0..{periods - 1})")
    names = [f"P{index}" for index in range(periods)] if labels is None else [str(label) for label in labels]
    if len(names) != periods:
        raise ValueError(f"labels: give one label per period ({periods}), got {len(names)}")
    out = derive(plan, inputs.exhaustion, inputs.weeks_per_period)
    cell = {name: float(values[0, period]) for name, values in out.measures().items()}
    formula, text, used = _describe(measure, plan, out, period, cell, inputs, names, opening_label)
    return Explanation(measure, line, period, cell[measure], formula, text, used)


def _describe(
    measure: str,
    plan: CheckedPlan,
    out: PlanOutputs,
    t: int,
    c: dict[str, float],
    inputs: PlanInputs,
    names: list[str],
    opening_label: str | None,
) -> tuple[str, str, dict[str, float]]:
    if measure == "eop":
        return _describe_eop(plan, out, t, c, inputs, names)
    if measure == "bop":
        if t == 0:
            source = f", the EOP of {opening_label}:" if opening_label else ""
            return (
                "BOP of the first period = opening stock",
                f"BOP = opening stock{source} {_n(c['bop'])}",
                {"opening": c["bop"]},
            )
        previous = float(out.eop[0, t - 1])
        return (
            "BOP = EOP of the period before",
            f"BOP = EOP of {names[t - 1]} = {_n(previous)}",
            {"previous_eop": previous},
        )
    if measure == "receipts":
        return (
            "receipts = EOP - BOP + sales + markdowns + shrink",
            f"receipts = {_n(c['eop'])} - {_n(c['bop'])} + {_n(c['sales'])} + {_n(c['markdowns'])}"
            f" + {_n(c['shrink'])} = {_n(c['receipts'])}",
            {k: c[k] for k in ("eop", "bop", "sales", "markdowns", "shrink")},
        )
    if measure == "otb":
        return (
            "OTB = planned receipts - received - on order",
            f"OTB = {_n(c['receipts'])} - {_n(c['received'])} - {_n(c['on_order'])} = {_n(c['otb'])}",
            {k: c[k] for k in ("receipts", "received", "on_order")},
        )
    return _describe_ratio(measure, plan, t, c, inputs, names)


def _describe_ratio(
    measure: str, plan: CheckedPlan, t: int, c: dict[str, float], inputs: PlanInputs, names: list[str]
) -> tuple[str, str, dict[str, float]]:
    """Weeks of supply, turn, sell-through and the margin measures of one period."""
    weeks = inputs.weeks_per_period
    complement = float(plan.cost_complement[0, 0])
    if measure == "wos":
        weekly = c["sales"] / weeks
        return (
            "WOS = EOP / average weekly sales of the period",
            f"WOS = {_n(c['eop'])} / {_n(weekly)} = {_n(c['wos'])}",
            {"eop": c["eop"], "weekly_sales": weekly},
        )
    if measure == "fwos":
        return (
            "FWOS = weeks of forward planned sales the EOP covers",
            f"EOP {_n(c['eop'])} covers {_n(c['fwos'])} weeks of the sales planned after {names[t]}"
            f" ({inputs.exhaustion} past the plan's end)",
            {"eop": c["eop"]},
        )
    if measure == "turn":
        average = (c["bop"] + c["eop"]) / 2
        factor = WEEKS_PER_YEAR / weeks
        return (
            "turn = sales / average stock ((BOP + EOP) / 2), annualised x 52 / weeks",
            f"turn = {_n(c['sales'])} / {_n(average)} x {_n(factor)} = {_n(c['turn'])}",
            {"sales": c["sales"], "average_stock": average},
        )
    if measure == "sell_through":
        return (
            "sell-through of available = sales / (BOP + receipts)",
            f"sell-through = {_n(c['sales'])} / ({_n(c['bop'])} + {_n(c['receipts'])})"
            f" = {_pct(c['sell_through'])}",
            {"sales": c["sales"], "available": c["bop"] + c["receipts"]},
        )
    if measure == "cogs":
        leaving = c["sales"] + c["markdowns"] + c["shrink"]
        return (
            "COGS = cost complement x (sales + markdowns + shrink) (retail method)",
            f"COGS = {_n(complement)} x {_n(leaving)} = {_n(c['cogs'])}",
            {"cost_complement": complement, "retail_leaving_stock": leaving},
        )
    if measure == "gross_margin":
        return (
            "GM = sales - COGS",
            f"GM = {_n(c['sales'])} - {_n(c['cogs'])} = {_n(c['gross_margin'])}",
            {"sales": c["sales"], "cogs": c["cogs"]},
        )
    if measure == "gm_percent":
        return (
            "GM% = GM / sales",
            f"GM% = {_n(c['gross_margin'])} / {_n(c['sales'])} = {_pct(c['gm_percent'])}",
            {"gross_margin": c["gross_margin"], "sales": c["sales"]},
        )
    average_cost = (c["bop"] + c["eop"]) / 2 * complement
    return (
        "GMROI = GM / average stock at cost, annualised x 52 / weeks",
        f"GMROI = {_n(c['gross_margin'])} / {_n(average_cost)} x {_n(WEEKS_PER_YEAR / weeks)}"
        f" = {_n(c['gmroi'])}",
        {"gross_margin": c["gross_margin"], "average_stock_cost": average_cost},
    )


def _describe_eop(
    plan: CheckedPlan, out: PlanOutputs, t: int, c: dict[str, float], inputs: PlanInputs, names: list[str]
) -> tuple[str, str, dict[str, float]]:
    method = str(plan.method[0])
    last = plan.sales.shape[1] - 1
    if method == "fwos":
        target = float(plan.targets[0, t])
        terms = _forward_terms(plan, t, target, inputs.exhaustion, names)
        parts = " + ".join(
            f"{_n(w)} x {label} {_n(v)}" if w != 1 else f"{label} {_n(v)}" for label, w, v in terms
        )
        return (
            "EOP = planned sales of the FWOS weeks after this one (a fraction of the last)",
            f"FWOS {_n(target)}: EOP = {parts or '0'} = {_n(c['eop'])}",
            {"fwos": target},
        )
    if method == "wos":
        target = float(plan.targets[0, t])
        weekly = c["sales"] / inputs.weeks_per_period
        return (
            "EOP = WOS x average weekly sales",
            f"EOP = {_n(target)} x {_n(weekly)} = {_n(c['eop'])}",
            {
                "wos": target,
                "weekly_sales": weekly,
            },
        )
    if method == "receipts":
        return (
            "EOP = BOP + receipts - sales - markdowns - shrink",
            f"EOP = {_n(c['bop'])} + {_n(c['receipts'])} - {_n(c['sales'])} - {_n(c['markdowns'])}"
            f" - {_n(c['shrink'])} = {_n(c['eop'])}",
            {k: c[k] for k in ("bop", "receipts", "sales", "markdowns", "shrink")},
        )
    if t == last:
        if plan.closing is not None:
            source = "the entered closing stock"
        elif inputs.exhaustion == "average":
            source = "the average rule: the average of the target BOPs"
        else:
            source = f"the {inputs.exhaustion} rule: the target BOP of {names[0]}, as if the plan ran on"
        return "EOP of the last period comes from the closing rule", f"EOP = {_n(c['eop'])} from {source}", {}
    following_sales = float(plan.sales[0, t + 1])
    rule = {
        "ssr": ("BOP[next] = SSR x sales", f"{_n(float(plan.targets[0, t + 1]))} x {_n(following_sales)}"),
        "sell_through": (
            "BOP[next] = sales / ST",
            f"{_n(following_sales)} / {_pct(float(plan.targets[0, t + 1]))}",
        ),
        "turn": ("BOP = span sales / turn", f"{_n(float(plan.sales.sum()))} / {_n(float(plan.turn[0, 0]))}"),
        "basic_stock": (
            "BOP[next] = sales + (span sales / turn - average period sales)",
            f"{_n(following_sales)} + ({_n(float(plan.sales.sum()))} / {_n(float(plan.turn[0, 0]))}"
            f" - {_n(float(plan.sales.mean()))})",
        ),
    }[method]
    return (
        f"EOP = BOP of the next period; {rule[0]}",
        f"EOP = BOP of {names[t + 1]} = {rule[1]} = {_n(c['eop'])}",
        {"next_period_sales": following_sales},
    )


def _forward_terms(
    plan: CheckedPlan, t: int, fwos: float, exhaustion: str, names: list[str]
) -> list[tuple[str, float, float]]:
    """(week label, weight, sales) for each forward week FWOS covers after period t."""
    sales = plan.sales[0]
    periods = len(sales)
    next_sales = None if plan.next_sales is None else plan.next_sales[0]
    terms: list[tuple[str, float, float]] = []
    remaining, position = fwos, t + 1
    while remaining > 1e-12:
        weight = min(1.0, remaining)
        if position < periods or exhaustion == "wrap":
            index = position % periods
            label = names[index] + (" (wrap)" if position >= periods else "")
            value = float(sales[index])
        elif exhaustion == "next_plan" and next_sales is not None and position - periods < len(next_sales):
            label = f"next plan's period {position - periods + 1}"
            value = float(next_sales[position - periods])
        else:
            label, value = "average week", float(np.mean(sales))
        terms.append((label, weight, value))
        remaining -= weight
        position += 1
    return terms
