"""How was a total calculated? The roll-up behind a month, quarter or season cell of a line
(DESIGN.md section 6: flows sum, BOP is the first week's, EOP the last week's, ratios are
recomputed from the summed parts), and the sum over lines behind a plan-total cell, in words
and with the numbers, for the grid's side panel.

Pure: the caller passes one line's weekly values (the grid's stored values), the weeks the
total covers and their names (W05, W06, ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planning.engine.explain import _n, _pct
from planning.engine.kpis import (
    WEEKS_PER_YEAR,
    average_inventory_of,
    gm_percent_of,
    sell_through_of_available,
    turn_of,
    weeks_of_supply,
)

FLOWS = (
    "sales", "sales_units", "markdowns", "shrink", "on_order", "received", "receipts", "receipts_entered",
    "otb", "gross_margin",
)  # fmt: skip
LAST_WEEK = ("eop", "fwos", "target")
RATIOS = ("wos", "sell_through", "gm_percent", "turn")
LISTED = 13  # terms written out in full; a longer sum shows its first and last ones


@dataclass(frozen=True)
class TotalExplanation:
    measure: str
    value: float
    formula: str  # the rule, e.g. "a flow sums its weeks"
    text: str  # the rule with this total's numbers


def _span(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]}-{labels[-1]}"


def _sum_text(terms: Sequence[tuple[str, float]]) -> str:
    """ "W05 501.6 + W06 264 + ... = " terms, long sums cut in the middle."""
    parts = [f"{name} {_n(value)}" for name, value in terms]
    if len(parts) > LISTED:
        parts = [*parts[:3], f"... ({len(parts) - 4} more)", parts[-1]]
    return " + ".join(parts) if parts else "0"


def explain_total(
    measure: str,
    values: Mapping[str, npt.ArrayLike],
    periods: Sequence[int],
    labels: Sequence[str],
    *,
    label: str,
    name: str,
) -> TotalExplanation:
    """Explain `measure` over the weeks `periods` of one line. `values` holds the line's weekly
    series (sales, bop, eop, gross_margin and the measure itself), `labels` the names of every
    week of the plan, `label` the measure's name as the grid shows it, `name` the total's
    (May, Q1, the season). NaN values count as zero in sums, as the grid sums them."""
    if not periods:
        raise ValueError("periods: a total covers at least one week")
    weeks = [int(p) for p in periods]
    names = [str(labels[p]) for p in weeks]
    span = _span(names)

    def series(key: str) -> npt.NDArray[np.float64]:
        if key not in values:
            raise ValueError(f"values: {key!r} is needed to explain {measure!r}")
        return np.asarray(values[key], dtype=np.float64)[weeks]

    if measure in FLOWS:
        own = np.nan_to_num(series(measure))
        total = float(own.sum())
        terms = list(zip(names, own.tolist(), strict=True))
        return TotalExplanation(
            measure,
            total,
            f"{label} of {name} = the sum of its weeks ({span})",
            f"{label} = {_sum_text(terms)} = {_n(total)}",
        )
    if measure == "bop":
        value = float(series("bop")[0])
        return TotalExplanation(
            measure,
            value,
            f"BOP of {name} = the BOP of its first week",
            f"BOP = BOP of {names[0]} = {_n(value)}",
        )
    if measure in LAST_WEEK:
        value = float(series(measure)[-1])
        shown = "undefined" if math.isnan(value) else _n(value)
        return TotalExplanation(
            measure,
            value,
            f"{label} of {name} = the {label} of its last week",
            f"{label} = {label} of {names[-1]} = {shown}",
        )
    if measure not in RATIOS:
        raise ValueError(f"measure: cannot explain a total of {measure!r}")
    return _ratio_total(measure, series, names, span=span, name=name)


def _ratio_total(
    measure: str,
    series: Callable[[str], npt.NDArray[np.float64]],
    names: list[str],
    *,
    span: str,
    name: str,
) -> TotalExplanation:
    """A ratio of a total, recomputed from the total's components (never averaged)."""
    sales = float(np.nan_to_num(series("sales")).sum())
    count = len(names)
    # The values come from the one definition of each KPI (`kpis.*_of`), as the grid's.
    if measure == "wos":
        eop = float(series("eop")[-1])
        weekly = sales / count
        value = float(weeks_of_supply(eop, sales, count))
        return TotalExplanation(
            measure,
            value,
            f"WOS of {name} = EOP of its last week / its average weekly sales",
            f"WOS = EOP of {names[-1]} {_n(eop)} / (sales {_n(sales)} / {count} weeks = {_n(weekly)})"
            f" = {_n(value)}",
        )
    if measure == "sell_through":
        bop = float(series("bop")[0])
        receipts = float(np.nan_to_num(series("receipts")).sum())
        value = float(sell_through_of_available(sales, bop + receipts))
        return TotalExplanation(
            measure,
            value,
            f"sell-through of {name} = its sales / what was available: the BOP of its first week + its"
            " receipts (recomputed, not averaged)",
            f"sell-through = sales of {span} {_n(sales)} / (BOP of {names[0]} {_n(bop)} + receipts"
            f" {_n(receipts)}) = {_pct(value)}",
        )
    if measure == "gm_percent":
        margin = float(np.nan_to_num(series("gross_margin")).sum())
        value = float(gm_percent_of(margin, sales))
        return TotalExplanation(
            measure,
            value,
            f"GM% of {name} = its GM / its sales (recomputed, not averaged)",
            f"GM% = GM of {span} {_n(margin)} / sales {_n(sales)} = {_pct(value)}",
        )
    # turn: sales / average inventory, (BOP of the first week + each week's EOP) / (n + 1)
    stock = [float(series("bop")[0]), *series("eop").tolist()]
    average = float(average_inventory_of(stock[0], sum(stock[1:]), count))
    factor = WEEKS_PER_YEAR / count
    value = float(turn_of(sales, average, count))
    stock_text = " + ".join(_n(v) for v in stock) if count < LISTED else f"{_n(sum(stock))} in all"
    return TotalExplanation(
        measure,
        value,
        f"turn of {name} = its sales / average inventory, annualised x 52 / {count} weeks; average"
        " inventory = (BOP of the first week + the EOP of every week) / (weeks + 1)",
        f"average inventory = ({stock_text}) / {count + 1} = {_n(average)};"
        f" turn = {_n(sales)} / {_n(average)} x {_n(factor)} = {_n(value)}",
    )


def explain_line_sum(
    measure: str, parts: Sequence[tuple[str, float]], *, label: str, name: str
) -> TotalExplanation:
    """A plan-total cell of a flow or a stock: the sum of the class lines' cells. `parts` are
    (line name, value); `name` names the cell (W05, May)."""
    if measure not in (*FLOWS, "bop", "eop"):
        raise ValueError(f"measure: {measure!r} is not summed over lines; ratios are recomputed")
    values = [0.0 if math.isnan(value) else float(value) for _, value in parts]
    total = float(sum(values))
    terms = sorted(zip([line for line, _ in parts], values, strict=True), key=lambda term: -abs(term[1]))
    return TotalExplanation(
        measure,
        total,
        f"{label} of the plan total in {name} = the sum of its {len(parts)} lines",
        f"{label} = {_sum_text(terms)} = {_n(total)}",
    )
