"""Shared pieces of the OTB API: scoping and month fields (error answers, validation and the
signed-in user: core.api)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from otb.services import month_label
from planning.models import Department


def visible_departments(request: Request) -> QuerySet[Department]:
    return Department.objects.visible_to(request.user)


def money(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **options)


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
