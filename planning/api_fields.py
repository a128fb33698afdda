"""Serializer pieces every app's API shares that need the planning calendar or departments:
the fiscal-week field and the departments a request may read (money and month fields are
core.api_fields)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from core.weeks import iso_week_label, week_key
from planning import calendar
from planning.models import Department

_WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


def visible_departments(request: Request) -> QuerySet[Department]:
    return Department.objects.visible_to(request.user)


def week_label(week_id: int) -> str:
    """FiscalWeek id 202503 as "2025-W03"."""
    return iso_week_label(week_id)


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}-W\d{2}$", "example": "2025-W03", "description": "Fiscal week."}
)
class WeekField(serializers.Field[int, str, str, Any]):
    """A fiscal week as "YYYY-Www" on the wire, its FiscalWeek id (year * 100 + week) inside."""

    default_error_messages = {
        "invalid": "Give the week as YYYY-Www, e.g. 2025-W03.",
        "missing": "{label} has no week {week}.",
    }

    def to_internal_value(self, data: Any) -> int:
        match = _WEEK_PATTERN.match(data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        year, week = int(match[1]), int(match[2])
        try:
            calendar.fiscal_week(year, week, settings.MERCHPLAN_CALENDAR_PATTERN)
        except ValueError:
            self.fail("missing", label=f"FY{year}", week=week)
        return week_key(year, week)

    def to_representation(self, value: int) -> str:
        return week_label(value)
