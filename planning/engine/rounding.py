"""Rounding, once and half up: what is stored and what is shown (README, "Formulas").

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


def quantum(places: int) -> Decimal:
    """10 ** -places as a Decimal: 2 -> 0.01, 0 -> 1."""
    return Decimal(1).scaleb(-places)


def half_up(value: Decimal, places: int) -> Decimal:
    """A Decimal rounded half up (away from zero) to `places`: 2.5 -> 3, -2.5 -> -3."""
    return value.quantize(quantum(places), rounding=ROUND_HALF_UP)


def decimal_of(value: float | Decimal | int) -> Decimal:
    """The decimal a float stands for (its shortest repr); Decimals and ints as they are."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def money(value: float | Decimal | int, places: int = 2) -> Decimal:
    """Money rounded once, half up: 1.005 -> 1.01, 2.675 -> 2.68 (the float's own digits)."""
    return half_up(decimal_of(value), places)


def shown_money(value: float | Decimal | int, places: int = 0) -> Decimal:
    """A money figure as shown (whole units by default, at most cents), half up. A float sum
    of cents carries float noise (1,234.4999999999998 for 1,234.50): it is read as cents first."""
    exact = Decimal(f"{value:.2f}") if isinstance(value, float) else decimal_of(value)
    return half_up(exact, places)


def shown_percent(share: float | Decimal, places: int = 1) -> Decimal:
    """A share (0.5125) as a percent rounded half up once (51.3 at one place)."""
    return half_up(decimal_of(share).scaleb(2), places)


def shown_ratio(value: float | Decimal, places: int = 1) -> Decimal:
    """A ratio (weeks of supply, turn, GMROI) rounded half up once."""
    return half_up(decimal_of(value), places)


def is_number(value: float | Decimal | None) -> bool:
    """Whether a value can be shown: not None, NaN or infinite."""
    if value is None:
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    return math.isfinite(value)
