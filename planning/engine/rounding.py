"""Rounding, once and half up: what is stored and what is shown (README, "Formulas").

The rule lives in `core.money` (pure: no Django), so the engines, the services, the grid and the
report round with one function; this module keeps the engine's names for it. `core` imports no
Merchplan app, so the rule cannot live here with core importing it.
"""

from __future__ import annotations

from core.money import (
    CENT,
    decimal_of,
    half_up,
    is_number,
    money,
    quantum,
    shown_money,
    shown_percent,
    shown_ratio,
)

__all__ = [
    "CENT",
    "decimal_of",
    "half_up",
    "is_number",
    "money",
    "quantum",
    "shown_money",
    "shown_percent",
    "shown_ratio",
]
