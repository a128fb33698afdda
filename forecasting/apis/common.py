"""Shared pieces of the forecasting API: scoping, paging (error answers: core.api)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from core.errors import InvalidInput
from planning.models import Department, StyleColor

_ITEM_DEPARTMENT = "style__subclass__merch_class__department"


# --- shared helpers (errors, validation and the signed-in user: core.api) -----------------------
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
        raise InvalidInput(f"style_color: no style-color {value!r}.")
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
