"""Display filters for forecast figures (formatting only; numbers are computed in Python)."""

from __future__ import annotations

import math
from decimal import Decimal

from django import template

register = template.Library()

_DASH = "—"


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


@register.filter
def pct(value: object, decimals: int = 1) -> str:
    """0.214 -> "21.4%"; missing or undefined -> a dash."""
    number = _number(value)
    return _DASH if number is None else f"{number * 100:.{decimals}f}%"


@register.filter
def signed_pct(value: object, decimals: int = 1) -> str:
    number = _number(value)
    return _DASH if number is None else f"{number * 100:+.{decimals}f}%"


@register.filter
def points(value: object) -> str:
    """A difference of two rates in percentage points, signed."""
    number = _number(value)
    return _DASH if number is None else f"{number * 100:+.1f} pts"


@register.filter
def units(value: object, decimals: int = 1) -> str:
    number = _number(value)
    return _DASH if number is None else f"{number:,.{decimals}f}"


@register.filter
def dollars(value: object) -> str:
    number = _number(value)
    return _DASH if number is None else f"${number:,.0f}"


@register.filter
def decimal2(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return units(value, 2)
