"""Serializer fields every app's API shares: money, fiscal months and read-only statuses, so a
figure has one wire shape everywhere (the fiscal week, which needs the calendar, is
planning.api_fields.WeekField)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from core.weeks import month_label


def money(**options: Any) -> serializers.DecimalField:
    """An amount as a decimal string with 2 places (the precision of core.fields.money_field)."""
    return serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **options
    )


def month_key_field(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(help_text="Fiscal month: year * 100 + month (202603).", **options)


@extend_schema_field({"type": "string", "example": "FY2026 M03", "description": "Fiscal month, for people."})
class MonthLabelField(serializers.Field[int, str, str, Any]):
    """The object's month_key as "FY2026 M03" (read only)."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("source", "month_key")
        super().__init__(read_only=True, **options)

    def to_representation(self, value: int) -> str:
        return month_label(value)


def status_field(choices: Any, help_text: str = "") -> serializers.CharField:
    """A read-only status as plain text listing its values (one enum per model would collide
    in the schema's component names)."""
    return serializers.CharField(
        read_only=True, help_text=help_text or f"One of: {', '.join(choices.values)}."
    )
