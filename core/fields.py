"""Model fields every app shares: one money column, so every amount has the same precision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(**options: Any) -> models.DecimalField[Decimal, Decimal]:
    """A money column: up to 999,999,999,999.99 (14 digits, 2 places); options as DecimalField's."""
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **options)
