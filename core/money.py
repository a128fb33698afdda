"""Money, units and percentages: one rounding rule (half up) and one way to show them.

Pure (no Django: the engines import it, and import-linter keeps them framework-free); the model
field factory is `core.fields.money_field`, the template filters `core/templatetags/money.py`.

Money is rounded half up (a half cent, a half unit goes away from zero), never half to even:
Python's `round`, `f"{x:.0f}"` and `Decimal.quantize` without a rounding mode all round a tie
to even, so 1,234.50 would show as 1,234 beside a report showing 1,235.

Floats are read through their shortest repr, the decimal the engine's arithmetic meant:
0.5125 (41 / 80, stored as 0.51249999999999995...) is a tie that rounds up to 51.3%, where the
binary value would round down. A displayed percent is rounded once, from the ratio of the
components, never from a ratio rounded before.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MONEY_MAX_DIGITS = 14  # every money column: up to 999,999,999,999.99
MONEY_DECIMAL_PLACES = 2
DASH = "\u2014"  # a missing figure
MINUS = "\u2212"  # a negative figure's sign, as the report and the grid show it

Number = float | Decimal | int


def quantum(places: int) -> Decimal:
    """10 ** -places as a Decimal: 2 -> 0.01, 0 -> 1, 3 -> 0.001."""
    return Decimal(1).scaleb(-places)


def half_up(value: Decimal, places: int) -> Decimal:
    """A Decimal rounded half up (away from zero) to `places`: 2.5 -> 3, -2.5 -> -3."""
    return value.quantize(quantum(places), rounding=ROUND_HALF_UP)


def decimal_of(value: Number | str) -> Decimal:
    """The decimal a float stands for (its shortest repr); Decimals, ints and text as they are."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str):
        return Decimal(value)
    return Decimal(repr(float(value)))


def to_places(value: Number | str, places: int | Decimal) -> Decimal:
    """Any number rounded once, half up, to `places` decimals, or to a step given as a Decimal
    (Decimal("0.001") is 3 places); a float through its shortest repr."""
    step = places if isinstance(places, Decimal) else quantum(places)
    return decimal_of(value).quantize(step, rounding=ROUND_HALF_UP)


def to_cents(value: Number | str) -> Decimal:
    """Money rounded once, half up, to cents: 1.005 -> 1.01, 2.675 -> 2.68 (the float's own
    digits), -0.125 -> -0.13. Idempotent: cents stay what they are."""
    return half_up(decimal_of(value), MONEY_DECIMAL_PLACES)


def to_units(value: Number | str, places: int = 0) -> Decimal:
    """Units rounded half up: whole units by default (2.5 -> 3), or to `places` (0.01 for a
    fractional forecast mean)."""
    return half_up(decimal_of(value), places)


def whole_units(value: Number | str) -> int:
    """Units rounded half up to a whole int: 2.5 -> 3."""
    return int(to_units(value))


def money(value: Number, places: int = 2) -> Decimal:
    """Money rounded once, half up, to `places` (cents by default)."""
    return half_up(decimal_of(value), places)


def has_at_most_places(value: Decimal, places: int) -> bool:
    """Whether a Decimal needs no rounding at `places` (12.50 at 2: yes; 12.505: no)."""
    return value == value.quantize(quantum(places), rounding=ROUND_HALF_UP)


def is_cents(value: Decimal) -> bool:
    """Whether a Decimal is a whole number of cents (a price as typed must be)."""
    return has_at_most_places(value, MONEY_DECIMAL_PLACES)


def percent_of(part: Number, whole: Number, places: int = 1) -> Decimal | None:
    """100 * part / whole rounded half up once (None when the whole is 0): 41 of 80 -> 51.3."""
    whole_decimal = decimal_of(whole)
    if whole_decimal == 0:
        return None
    return half_up(100 * decimal_of(part) / whole_decimal, places)


def shown_money(value: Number, places: int = 0) -> Decimal:
    """A money figure as shown (whole units by default, at most cents), half up. A float sum
    of cents carries float noise (1,234.4999999999998 for 1,234.50): it is read as cents first."""
    exact = Decimal(f"{value:.2f}") if isinstance(value, float) else decimal_of(value)
    return half_up(exact, places)


def shown_percent(share: Number, places: int = 1) -> Decimal:
    """A share (0.5125) as a percent rounded half up once (51.3 at one place)."""
    return half_up(decimal_of(share).scaleb(2), places)


def shown_ratio(value: Number, places: int = 1) -> Decimal:
    """A ratio (weeks of supply, turn, GMROI) rounded half up once."""
    return half_up(decimal_of(value), places)


def is_number(value: Number | None) -> bool:
    """Whether a value can be shown: not None, NaN or infinite."""
    if value is None:
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    return math.isfinite(value)


def _signed(text: str, negative: bool, *, plus: bool) -> str:
    """A minus sign before a negative figure, a plus before a positive one when asked."""
    if negative:
        return MINUS + text
    return "+" + text if plus else text


def _is_zero(text: str) -> bool:
    return not any(digit in text for digit in "123456789")


def format_money(
    value: Number | None, places: int = 0, *, symbol: str = "", signed: bool = False, missing: str = DASH
) -> str:
    """1,234,567 (or 1,234.50 with places=2; $1,235 with symbol="$"), half up, a negative with
    a minus sign (U+2212), +1,235 with signed=True; None, NaN and infinity are a dash."""
    if value is None or not is_number(value):
        return missing
    text = f"{abs(shown_money(value, places)):,}"
    return _signed(symbol + text, value < 0, plus=signed)


def format_percent(
    share: Number | None, places: int = 1, *, signed: bool = False, missing: str = DASH
) -> str:
    """A share as a percent (0.053: 5.3%, +5.3% with signed=True), half up from the unrounded
    share; a negative share that rounds to 0.0% shows no sign; None is a dash."""
    if share is None or not is_number(share):
        return missing
    text = f"{abs(shown_percent(share, places)):,}%"
    return _signed(text, share < 0 and not _is_zero(text), plus=signed)


def format_ratio(value: Number | None, places: int = 1, *, missing: str = DASH) -> str:
    """A ratio (12,345.6: weeks of supply, turn, GMROI) half up, a minus sign when negative."""
    if value is None or not is_number(value):
        return missing
    text = f"{abs(shown_ratio(value, places)):,}"
    return _signed(text, value < 0 and not _is_zero(text), plus=False)
