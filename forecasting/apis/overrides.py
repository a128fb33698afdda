"""Planner overrides: list, set/change/remove with the row version read, audit trail."""

from __future__ import annotations

from typing import Any

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

from core import scope
from core.api import BAD_INPUT, REFUSALS, StaleRowBody, first_error, request_user, validated
from core.errors import Conflict, InvalidInput
from core.models import AuditEvent
from forecasting import selectors, services
from forecasting.apis.common import (
    _item,
    _visible_items,
)
from forecasting.models import (
    ForecastOverride,
)
from planning.api_fields import WeekField


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


class StaleOverrideBody(StaleRowBody):
    """Someone changed the override since it was read: their number stands."""

    current = ForecastOverrideSerializer(allow_null=True, help_text="The override now; null if removed.")


def _overrides_filtered(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Overrides or their changes: visible items, filtered by the query's item and weeks."""
    filters = validated(OverrideQuerySerializer(data=request.query_params))
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
        responses={200: ForecastOverrideSerializer(many=True), **BAD_INPUT},
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
            **REFUSALS,
            409: OpenApiResponse(StaleOverrideBody, description="Changed by someone since you read it."),
        },
    )
    def put(self, request: Request, style_color_id: int, week: str) -> Response:
        """Set, change or (units null) remove the planner's override of one open week. Name the
        row_version you read: if someone changed it since, nothing is written (409). Every
        change is kept in the audit trail (overrides/changes/)."""
        try:
            week_id = WeekField().run_validation(week)
        except serializers.ValidationError as error:
            raise InvalidInput(f"week: {first_error(error.detail)}") from error
        item = get_object_or_404(
            _visible_items(request).select_related("style__subclass__merch_class"), pk=style_color_id
        )
        scope.require_department(
            request.user,
            item.style.subclass.merch_class.department_id,
            edit=True,
            message=f"You cannot change forecasts of {item.code}'s department.",
        )
        data = validated(OverrideSetSerializer(data=request.data))
        try:
            override = services.forecast_override_set(
                user=request_user(request),
                style_color_id=item.pk,
                fiscal_week_id=week_id,
                units=data["units"],
                reason=data["reason"],
                note=data["note"],
                expected_version=data["row_version"],
            )
        except Conflict as conflict:  # their number stands: answer it with the refusal
            current = ForecastOverride.objects.filter(style_color=item, fiscal_week_id=week_id).first()
            conflict.details["current"] = ForecastOverrideSerializer(current).data if current else None
            raise
        if override is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ForecastOverrideSerializer(override).data)


class ForecastOverrideChangeSerializer(serializers.Serializer[AuditEvent]):
    """An override's audit event (core.AuditEvent, action "forecast.override.change")."""

    style_color = serializers.CharField(source="target_label", help_text="Style-color code.")
    style_color_id = serializers.IntegerField(source="target_id")
    week = WeekField(source="new.week")
    old_units = serializers.DecimalField(max_digits=12, decimal_places=2, source="old.units", allow_null=True)
    new_units = serializers.DecimalField(max_digits=12, decimal_places=2, source="new.units", allow_null=True)
    reason = serializers.CharField(source="new.reason", default="")
    note = serializers.CharField(source="comment")
    changed_by = serializers.CharField(source="user.username")
    changed_at = serializers.DateTimeField(source="at")


class ForecastOverrideChangeList(generics.ListAPIView[AuditEvent]):
    serializer_class = ForecastOverrideChangeSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        filters = validated(OverrideQuerySerializer(data=self.request.query_params))
        items = _visible_items(self.request)
        if filters.get("style_color"):
            items = items.filter(pk=_item(self.request, filters["style_color"]).pk)
        return selectors.override_changes(
            items, week_from=filters.get("week_from"), week_to=filters.get("week_to")
        ).order_by("-at", "-id")

    @extend_schema(
        parameters=[OverrideQuerySerializer],
        responses={200: ForecastOverrideChangeSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The audit trail of overrides, newest first: every set, change and removal (old and
        new units null where there was none), with who and why."""
        return super().get(request, *args, **kwargs)
