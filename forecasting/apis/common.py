"""Shared pieces of the forecasting API: error answers, scoping, paging."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
)
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from planning.models import Department, StyleColor
from planning.plans.apis import _first_error

if TYPE_CHECKING:
    pass

_ITEM_DEPARTMENT = "style__subclass__merch_class__department"


# --- shared helpers ---------------------------------------------------------------------------
class ForecastErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


_REFUSALS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(ForecastErrorSerializer, description="Bad input, or a forecasting rule refused it."),
    403: OpenApiResponse(ForecastErrorSerializer, description="Not signed in, or not allowed to do this."),
    404: OpenApiResponse(ForecastErrorSerializer, description="Nothing of that id visible to you."),
}

_BAD_INPUT = {400: _REFUSALS[400], 403: _REFUSALS[403]}


def _validated(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """The serializer's data, or a 400 {"detail": "<field>: <message>"}."""
    if not serializer.is_valid():
        raise serializers.ValidationError({"detail": _first_error(serializer.errors)})
    return cast(dict[str, Any], serializer.validated_data)


def _refused(message: str, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": message}, status=code)


def _user(request: Request) -> User:
    """The signed-in user (IsAuthenticated, the default permission, lets only them in)."""
    return cast(User, request.user)


def _visible_departments(request: Request) -> QuerySet[Department]:
    return Department.objects.visible_to(request.user)


def _visible_items(request: Request) -> QuerySet[StyleColor]:
    return StyleColor.objects.filter(**{f"{_ITEM_DEPARTMENT}__in": _visible_departments(request)})


def _item(request: Request, value: str) -> StyleColor:
    """A visible style-color by id (all digits) or code, else a 400."""
    items = _visible_items(request)
    found = items.filter(pk=int(value)) if value.isdecimal() else items.filter(code__iexact=value)
    item = found.first()
    if item is None:
        raise serializers.ValidationError({"detail": f"style_color: no style-color {value!r}."})
    return item


def _paginate(request: Request, view: APIView, rows: Any) -> tuple[LimitOffsetPagination, list[Any]]:
    """A page of a queryset or of a list (the paginator slices any sequence with a length)."""
    paginator = LimitOffsetPagination()
    return paginator, list(paginator.paginate_queryset(rows, request, view=view) or [])


def _units(**options: Any) -> serializers.DecimalField:
    """Units as a decimal string with two places, as forecasts are stored."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, **options)


def _codes(model: type[Department] | type[StyleColor], ids: list[Any]) -> dict[int, str]:
    return dict(model.objects.filter(pk__in=ids).values_list("id", "code"))
