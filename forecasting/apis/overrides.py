"""Planner overrides: list, set/change/remove with the row version read, audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forecasting import services
from forecasting.models import (
    ForecastOverride,
    ForecastOverrideChange,
)
from planning.models import Department
from planning.plans.apis import WeekField, _first_error

if TYPE_CHECKING:
    pass

from forecasting.apis.common import (
    _BAD_INPUT,
    _REFUSALS,
    _item,
    _refused,
    _user,
    _validated,
    _visible_items,
)


# --- overrides ----------------------------------------------------------------------------------
class ForecastOverrideSerializer(serializers.ModelSerializer[ForecastOverride]):
    style_color = serializers.CharField(source="style_color.code", help_text="Style-color code.")
    style_color_id = serializers.IntegerField()
    week = WeekField(source="fiscal_week_id")
    updated_by = serializers.CharField(source="updated_by.username")

    class Meta:
        model = ForecastOverride
        fields = [
            "style_color",
            "style_color_id",
            "week",
            "units",
            "reason",
            "note",
            "row_version",
            "updated_by",
            "updated_at",
        ]


class OverrideQuerySerializer(serializers.Serializer[Any]):
    style_color = serializers.CharField(required=False, help_text="A style-color id or code.")
    week_from = WeekField(required=False)
    week_to = WeekField(required=False)


class OverrideSetSerializer(serializers.Serializer[Any]):
    units = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        help_text='Units for the week, at most two decimals, e.g. "120.5"; null removes the override.',
    )
    reason = serializers.ChoiceField(
        choices=ForecastOverride.Reason.choices,
        allow_blank=True,
        default="",
        help_text="Required with units.",
    )
    note = serializers.CharField(allow_blank=True, default="", max_length=300)
    row_version = serializers.IntegerField(
        min_value=0, help_text="The override's row_version you read; 0 when there was none."
    )


class OverrideConflictSerializer(serializers.Serializer[Any]):
    """Someone changed the override since it was read: their number stands."""

    detail = serializers.CharField()
    current = ForecastOverrideSerializer(allow_null=True, help_text="The override now; null if removed.")


def _overrides_filtered(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Overrides or their changes: visible items, filtered by the query's item and weeks."""
    filters = _validated(OverrideQuerySerializer(data=request.query_params))
    rows = queryset.filter(style_color__in=_visible_items(request))
    if filters.get("style_color"):
        rows = rows.filter(style_color=_item(request, filters["style_color"]))
    if "week_from" in filters:
        rows = rows.filter(fiscal_week_id__gte=filters["week_from"])
    if "week_to" in filters:
        rows = rows.filter(fiscal_week_id__lte=filters["week_to"])
    return rows


class ForecastOverrideList(generics.ListAPIView[ForecastOverride]):
    serializer_class = ForecastOverrideSerializer

    def get_queryset(self) -> QuerySet[ForecastOverride]:
        overrides = ForecastOverride.objects.select_related("style_color", "updated_by")
        return _overrides_filtered(self.request, overrides).order_by("style_color__code", "fiscal_week_id")

    @extend_schema(
        parameters=[OverrideQuerySerializer],
        responses={200: ForecastOverrideSerializer(many=True), **_BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Planner overrides of the style-colors you may see, by style-color code and week."""
        return super().get(request, *args, **kwargs)


class ForecastOverrideDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "style_color_id", int, OpenApiParameter.PATH, description="The style-color's id."
            ),
            OpenApiParameter(
                "week",
                str,
                OpenApiParameter.PATH,
                pattern=r"^\d{4}-W\d{2}$",
                description='The fiscal week, e.g. "2025-W03".',
            ),
        ],
        request=OverrideSetSerializer,
        responses={
            200: ForecastOverrideSerializer,
            204: OpenApiResponse(description="The override was removed (or there was none)."),
            **_REFUSALS,
            409: OpenApiResponse(
                OverrideConflictSerializer, description="Changed by someone since you read it."
            ),
        },
    )
    def put(self, request: Request, style_color_id: int, week: str) -> Response:
        """Set, change or (units null) remove the planner's override of one open week. Name the
        row_version you read: if someone changed it since, nothing is written (409). Every
        change is kept in the audit trail (overrides/changes/)."""
        try:
            week_id = WeekField().run_validation(week)
        except serializers.ValidationError as error:
            return _refused(f"week: {_first_error(error.detail)}")
        item = get_object_or_404(
            _visible_items(request).select_related("style__subclass__merch_class"), pk=style_color_id
        )
        department_id = item.style.subclass.merch_class.department_id
        if not Department.objects.editable_by(request.user).filter(pk=department_id).exists():
            return _refused(
                f"You cannot change forecasts of {item.code}'s department.", status.HTTP_403_FORBIDDEN
            )
        data = _validated(OverrideSetSerializer(data=request.data))
        try:
            override = services.forecast_override_set(
                user=_user(request),
                style_color_id=item.pk,
                fiscal_week_id=week_id,
                units=data["units"],
                reason=data["reason"],
                note=data["note"],
                expected_version=data["row_version"],
            )
        except services.OverrideConflictError as conflict:
            body = {"detail": str(conflict), "current": conflict.current}
            return Response(OverrideConflictSerializer(body).data, status=status.HTTP_409_CONFLICT)
        except services.ForecastError as error:
            return _refused(str(error))
        if override is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ForecastOverrideSerializer(override).data)


class ForecastOverrideChangeSerializer(serializers.ModelSerializer[ForecastOverrideChange]):
    style_color = serializers.CharField(source="style_color.code", help_text="Style-color code.")
    style_color_id = serializers.IntegerField()
    week = WeekField(source="fiscal_week_id")
    changed_by = serializers.CharField(source="changed_by.username")

    class Meta:
        model = ForecastOverrideChange
        fields = [
            "style_color",
            "style_color_id",
            "week",
            "old_units",
            "new_units",
            "reason",
            "note",
            "changed_by",
            "changed_at",
        ]


class ForecastOverrideChangeList(generics.ListAPIView[ForecastOverrideChange]):
    serializer_class = ForecastOverrideChangeSerializer

    def get_queryset(self) -> QuerySet[ForecastOverrideChange]:
        changes = ForecastOverrideChange.objects.select_related("style_color", "changed_by")
        return _overrides_filtered(self.request, changes).order_by("-changed_at", "-id")

    @extend_schema(
        parameters=[OverrideQuerySerializer],
        responses={200: ForecastOverrideChangeSerializer(many=True), **_BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The audit trail of overrides, newest first: every set, change and removal (old and
        new units null where there was none), with who and why."""
        return super().get(request, *args, **kwargs)
