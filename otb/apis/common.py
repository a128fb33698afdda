"""Shared pieces of the OTB API: error answers, scoping, month fields."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from otb.services import month_label
from planning.models import Department
from planning.plans.apis import _first_error


class OTBErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


REFUSALS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(OTBErrorSerializer, description="Bad input, or an OTB rule refused it."),
    403: OpenApiResponse(OTBErrorSerializer, description="Not signed in, or not allowed to do this."),
    404: OpenApiResponse(OTBErrorSerializer, description="Nothing of that id visible to you."),
}
BAD_INPUT = {400: REFUSALS[400], 403: REFUSALS[403]}


def validated(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """The serializer's data, or a 400 {"detail": "<field>: <message>"}."""
    if not serializer.is_valid():
        raise serializers.ValidationError({"detail": _first_error(serializer.errors)})
    return cast(dict[str, Any], serializer.validated_data)


def refused(message: str, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": message}, status=code)


def request_user(request: Request) -> User:
    """The signed-in user (IsAuthenticated, the default permission, lets only them in)."""
    return cast(User, request.user)


def visible_departments(request: Request) -> QuerySet[Department]:
    return Department.objects.visible_to(request.user)


def is_editable(request: Request, department_id: int) -> bool:
    return Department.objects.editable_by(request.user).filter(pk=department_id).exists()


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
