"""What a planner may type into a plan cell, read in one place.

Every write of an entered cell goes through `cell_value`: a typed edit, a pasted block, a
total typed over (it spreads), the REST API and the Excel import. The accepted forms, by the
kind of cell (README "Plans and the planning grid" lists them for users):

- every cell: a number, with or without thousands separators: `1250`, `1,250.50`, `.5`;
- a change of the cell's current value: `+10%` / `-5%` (up or down by that share of it),
  `*1.1` and `/2` (times or divided by). Money rounds to the cent, units to whole units and
  targets to 3 places, half up;
- $ cells (sales, markdowns, shrink, on order, receipts) also take a leading `$`: `$1,250`;
- a sell-through target is a share: `25%` is 0.25, as is `0.25`.

Refused, with a message saying what to type instead: a percentage in a cell that is not one
(`10%` in a $ cell used to save 10), a formula (`=A1*2`), `+500` (set 500, or add 500?), text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.money import CENT, to_places
from planning.plans.measures import ENTERED, TARGET_LABELS

MONEY = {"sales", "markdowns", "shrink", "on_order", "receipts_entered"}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
_ABSOLUTE = re.compile(rf"^(?P<sign>-?)\s*(?P<dollar>\$?)\s*(?P<number>{_NUMBER})\s*(?P<percent>%?)$")
_CHANGE = re.compile(rf"^(?P<sign>[-+])\s*(?P<number>{_NUMBER})\s*%$")
_SCALE = re.compile(rf"^(?P<operator>[*/])\s*(?P<number>{_NUMBER})$")
_STEP = {"sales_units": Decimal("1"), "target": Decimal("0.001")}
_CHANGES = "a change of its current value (+10%, -5%, *1.1)"


class CellInputError(ValueError):
    """The text is not something this cell takes; the message says what to type.
    `is_not_a_number`: no form matched at all (an import says only that)."""

    def __init__(self, message: str, *, is_not_a_number: bool = False) -> None:
        super().__init__(message)
        self.is_not_a_number = is_not_a_number


@dataclass(frozen=True)
class CellInput:
    """A typed value: `set` a number, or change the current one (`percent`, `times`, `divide`)."""

    operation: str
    number: Decimal

    @property
    def is_change(self) -> bool:
        return self.operation != "set"


def cell_label(measure: str, method: str) -> str:
    """How the grid names the cell's row: "Sales $", "FWOS target"."""
    if measure == "target":
        return TARGET_LABELS.get(method, "Target")
    spec = ENTERED.get(measure)
    return spec.label if spec else measure


def is_share(measure: str, method: str) -> bool:
    """Cells that hold a share (a percentage): the sell-through target."""
    return measure == "target" and method == "sell_through"


def parse_cell_input(raw: str, *, measure: str, method: str) -> CellInput:
    """Read the text typed into a cell of `measure` on a line planned by `method`."""
    text = raw.strip().replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "")
    label = cell_label(measure, method)
    if not text:
        raise CellInputError(f"Type a number for {label}.")
    if text.startswith("="):
        raise CellInputError(f"Formulas are not taken: type a number (1,250) or {_CHANGES}.")
    if match := _CHANGE.match(text):
        amount = _decimal(match["number"])
        return CellInput("percent", -amount if match["sign"] == "-" else amount)
    if match := _SCALE.match(text):
        factor = _decimal(match["number"])
        if match["operator"] == "/" and factor == 0:
            raise CellInputError("Cannot divide by zero.")
        return CellInput("times" if match["operator"] == "*" else "divide", factor)
    if text.startswith("+") and _ABSOLUTE.match(text[1:]):
        number = text[1:].strip()
        raise CellInputError(
            f"{text!r} could mean set or add: type {number} to set the cell, "
            f"or +10% / *1.1 to change its current value."
        )
    match = _ABSOLUTE.match(text)
    if not match:
        raise CellInputError(
            f"{raw.strip()!r} is not a number: type 1,250 or 1250.50, or {_CHANGES}.", is_not_a_number=True
        )
    if match["dollar"] and measure not in MONEY:
        raise CellInputError(f"{label} is not an amount of money: type it without $.")
    value = _decimal(match["number"])
    value = -value if match["sign"] else value
    if match["percent"]:
        if not is_share(measure, method):
            number = match["number"]
            raise CellInputError(
                f"{label} takes {'an amount' if measure in MONEY else 'a number'}, not a percentage: "
                f"type {number} to set it to {number}, or +{number}% to raise its current value by {number}%."
            )
        value = value / 100
    return CellInput("set", value)


def resolve(entry: CellInput, current: Decimal | int | None, *, measure: str) -> Decimal:
    """The value to store: the number set, or the current value changed and rounded half up."""
    if not entry.is_change:
        return entry.number
    if current is None:
        raise CellInputError("This cell is empty: type a number, not a change of it.")
    base = Decimal(current)
    if entry.operation == "percent":
        value = base * (1 + entry.number / 100)
    elif entry.operation == "times":
        value = base * entry.number
    else:
        value = base / entry.number
    try:
        return to_places(value, _STEP.get(measure, CENT))
    except InvalidOperation:  # more digits than a Decimal holds: far beyond any cell's range
        raise CellInputError("That change makes the value too large for this cell.") from None


def cell_value(raw: str, current: Decimal | int | None, *, measure: str, method: str) -> Decimal:
    """Parse and resolve in one step (range checks are `measures.validate`'s)."""
    return resolve(parse_cell_input(raw, measure=measure, method=method), current, measure=measure)


def parse_number(raw: str) -> Decimal:
    """A plain number (settings such as a line's turn or opening stock, a total's seen value):
    thousands separators and a leading $ are fine, a percentage or a change is not."""
    text = raw.strip().replace("\u2212", "-")
    match = _ABSOLUTE.match(text)
    if not match or match["percent"]:
        raise CellInputError(f"{raw.strip()!r} is not a number.")
    value = _decimal(match["number"])
    return -value if match["sign"] else value


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellInputError(f"{text!r} is not a number.") from None
    if not value.is_finite():
        raise CellInputError(f"{text!r} is not a number.")
    return value
