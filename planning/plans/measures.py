"""The grid's measures: how each is entered or derived, shown, rolled up and validated."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import to_places


@dataclass(frozen=True, slots=True)
class Measure:
    name: str  # the PlanWeek column and the engine's output name
    label: str
    rollup: str  # "flow" sums, "opening" first week, "closing" last week, "ratio" recomputed
    is_entered: bool
    decimals: int = 0
    minimum: Decimal = Decimal("0")
    maximum: Decimal = Decimal("100000000000")
    is_money: bool = True


SALES = Measure("sales", "Sales $", "flow", True)
SALES_UNITS = Measure(
    "sales_units", "Sales units", "flow", True, maximum=Decimal("1000000000"), is_money=False
)
MARKDOWNS = Measure("markdowns", "Markdowns $", "flow", True)
SHRINK = Measure("shrink", "Shrink $", "flow", True)
RECEIPTS = Measure("receipts", "Receipts $", "flow", False)
RECEIPTS_ENTERED = Measure("receipts_entered", "Receipts $", "flow", True)
BOP = Measure("bop", "BOP $", "opening", False)
EOP = Measure("eop", "EOP $", "closing", False)
ON_ORDER = Measure("on_order", "On order $", "flow", False)
RECEIVED = Measure("received", "Received $", "flow", False)
OTB = Measure("otb", "OTB $", "flow", False)
TARGET = Measure("target", "Target", "closing", True, decimals=2, maximum=Decimal("104"), is_money=False)
WOS = Measure("wos", "WOS", "ratio", False, decimals=1, is_money=False)
FWOS = Measure("fwos", "FWOS", "ratio", False, decimals=1, is_money=False)
TURN = Measure("turn", "Turn (annual)", "ratio", False, decimals=1, is_money=False)
SELL_THROUGH = Measure(
    "sell_through", "Sell-through % of available", "ratio", False, decimals=1, is_money=False
)
GM_PERCENT = Measure("gm_percent", "GM %", "ratio", False, decimals=1, is_money=False)

ENTERED = {m.name: m for m in (SALES, SALES_UNITS, MARKDOWNS, SHRINK, TARGET, RECEIPTS_ENTERED)}
# Kept from purchase orders and actuals (`planning.plans.purchases`): shown, never typed.
PURCHASED = {m.name: m for m in (ON_ORDER, RECEIVED)}
DERIVED = (
    "bop",
    "eop",
    "receipts",
    "otb",
    "gross_margin",
    "wos",
    "fwos",
    "turn",
    "sell_through",
    "gm_percent",
    "gmroi",
)

# Every grid row's name as the grid shows it (for messages).
_ROWS = (SALES, SALES_UNITS, MARKDOWNS, SHRINK, RECEIPTS, BOP, EOP, ON_ORDER, RECEIVED, OTB, TARGET)
LABELS = {m.name: m.label for m in (*_ROWS, WOS, FWOS, TURN, SELL_THROUGH, GM_PERCENT)} | {
    "gross_margin": "GM $",
    "gmroi": "GMROI",
}

# How a target is stored (PlanWeek.target): ten places, so that targets derived from a stock
# plan (a line switching method) give that stock back to the cent.
TARGET_PLACES = Decimal("1E-10")


def stored_text(measure: str, value: Decimal | int | None) -> str | None:
    """A stored value as text for messages and the API: a target shows three places unless it
    holds more (2.500, 0.1257861635), everything else as stored (555.00)."""
    if value is None:
        return None
    if measure == "target" and isinstance(value, Decimal):
        three = to_places(value, 3)
        return str(three) if three == value else str(value.normalize())
    return str(value)


# Each row's definition, the grid's header tooltip: the README's "Formulas" in a line each.
FORMULAS = {
    "sales": "Sales $ at retail; a total sums its weeks",
    "sales_units": "Sales in units; a total sums its weeks",
    "markdowns": "Markdowns $: retail value taken off by price reductions; a total sums its weeks",
    "shrink": "Shrink $: stock lost (theft, damage, count differences) at retail; a total sums its weeks",
    "receipts": "Receipts $ = EOP - BOP + sales + markdowns + shrink; a total sums its weeks",
    "receipts_entered": "Receipts $ as entered (negative: returns to vendor); a total sums its weeks",
    "bop": "BOP $ = the EOP of the week before (the opening stock in the first week); a total shows"
    " its first week's",
    "eop": "EOP $ = BOP + receipts - sales - markdowns - shrink; a total shows its last week's",
    "received": "Received $: what came in against the week (a closed week: its actual receipts; an open"
    " week: purchase-order receipts so far), at retail; a total sums its weeks",
    "on_order": "On order $: open lines of released purchase orders due in the week (overdue ones in the"
    " first open week), at retail; read-only, from the orders; a total sums its weeks",
    "otb": "OTB $ = planned receipts - received - on order (negative: over-bought; a closed week has"
    " none); a total sums its weeks",
    "fwos": "FWOS = how many weeks of the planned sales after the week its EOP covers; a total shows"
    " its last week's",
    "wos": "WOS = EOP / average weekly sales of the column (its sales / its weeks)",
    "turn": "Turn = sales / average inventory x 52 / weeks; average inventory = (BOP of the first week"
    " + the EOP of each week) / (weeks + 1)",
    "sell_through": "Sell-through % of available = sales / (BOP of the first week + receipts of the column)",
    "gm_percent": "GM % = GM $ / sales; GM $ = sales - COGS, COGS = (1 - IMU%) x (sales + markdowns"
    " + shrink)",
}
TARGET_FORMULAS = {
    "fwos": "FWOS target: the EOP covers this many weeks of the planned sales that follow",
    "wos": "WOS target: EOP = target x the week's sales",
    "ssr": "SSR target (stock to sales): BOP = target x the week's sales",
    "sell_through": "Sell-through target, % of BOP: BOP = sales / target",
}

# What the target row means for each method, and its valid range.
TARGET_LABELS = {
    "fwos": "FWOS target",
    "wos": "WOS target",
    "ssr": "SSR target",
    "sell_through": "Sell-through target",
}
TARGET_RANGES = {
    "fwos": (Decimal("0"), Decimal("104")),
    "wos": (Decimal("0"), Decimal("104")),
    # A week's stock to its sales: up to two years' worth, as FWOS and WOS (a deep stock in a
    # slow week reads well above 52, and a line switching method must keep it).
    "ssr": (Decimal("0"), Decimal("104")),
    "sell_through": (Decimal("0.001"), Decimal("1")),
}


def grid_measures(method: str) -> list[Measure]:
    """Rows of a line in grid order. The receipts row is entered for receipts-method lines."""
    rows = [
        SALES,
        SALES_UNITS,
        MARKDOWNS,
        RECEIPTS_ENTERED if method == "receipts" else RECEIPTS,
        BOP,
        EOP,
        RECEIVED,
        ON_ORDER,
        OTB,
    ]
    if method in TARGET_LABELS:
        rows.append(TARGET)
    return [*rows, FWOS, WOS, TURN, SELL_THROUGH, GM_PERCENT]


def validate(measure: str, value: Decimal, method: str) -> str | None:
    """An error message for a value out of range for this measure and method, else None."""
    if measure in PURCHASED:
        return f"{PURCHASED[measure].label} comes from purchase orders and receipts; it cannot be typed."
    if measure not in ENTERED:
        return f"{LABELS.get(measure, measure)} is calculated, not entered."
    spec = ENTERED[measure]
    low, high = (
        TARGET_RANGES.get(method, (spec.minimum, spec.maximum))
        if measure == "target"
        else (
            spec.minimum,
            spec.maximum,
        )
    )
    if measure == "target" and method not in TARGET_LABELS:
        return f"A {method} line has no weekly target; change the line's turn instead."
    if value < low or value > high:
        label = TARGET_LABELS.get(method, spec.label) if measure == "target" else spec.label
        return f"{label} must be between {low:,} and {high:,}."
    if measure == "sales_units" and value != value.to_integral_value():
        return "Sales units must be a whole number."
    return None


# The measures a collapsed line of the grid's tree can show (the measure picker), by name.
# Receipts are one choice whether a line enters them (receipts method) or derives them.
SUMMARY_MEASURES = [
    (m.name, m.label)
    for m in (SALES, SALES_UNITS, MARKDOWNS, RECEIPTS, BOP, EOP, ON_ORDER, OTB, FWOS, WOS, TURN)
] + [("sell_through", LABELS["sell_through"]), ("gm_percent", GM_PERCENT.label)]


def summary_name(measure: str) -> str:
    """The picker's name of a grid row's measure."""
    return "receipts" if measure == "receipts_entered" else measure
