"""Runs: list, start, detail; a run's forecasts (style-color or size) and model fits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import scope
from core.api import BAD_INPUT, REFUSALS, request_user, validated
from core.errors import Forbidden
from forecasting import services
from forecasting.apis.common import (
    _ITEM_DEPARTMENT,
    _item,
    _paginate,
    _units,
    _visible_departments,
)
from forecasting.models import (
    ForecastOverride,
    ForecastRun,
    ForecastRunLog,
    ForecastRunPartition,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from planning.api_fields import WeekField
from planning.departments import DepartmentParamField
from planning.engine import spread
from planning.models import Department, StyleColor


# --- runs ---------------------------------------------------------------------------------------
class ForecastRunPartitionSerializer(serializers.ModelSerializer[ForecastRunPartition]):
    department = serializers.CharField(source="department.code")
    seconds = serializers.FloatField(allow_null=True, help_text="Compute time; null until it ran.")

    class Meta:
        model = ForecastRunPartition
        fields = ["department", "status", "series_count", "seconds", "error"]


class ForecastRunLogSerializer(serializers.ModelSerializer[ForecastRunLog]):
    class Meta:
        model = ForecastRunLog
        fields = ["created_at", "level", "message"]


class ForecastRunSerializer(serializers.ModelSerializer[ForecastRun]):
    as_of_week = WeekField(source="as_of_week_id", help_text="The last week of history the run used.")
    departments = serializers.SlugRelatedField[Department](slug_field="code", many=True, read_only=True)
    progress_percent = serializers.IntegerField(help_text="Share of partitions done, 0 to 100.")
    # The API keeps its names for the run's progress (the columns are the shared progress_*).
    partitions_total = serializers.IntegerField(source="progress_total", read_only=True)
    partitions_done = serializers.IntegerField(source="progress_done", read_only=True)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    partitions = ForecastRunPartitionSerializer(many=True, help_text="One per department, by code.")
    log = ForecastRunLogSerializer(many=True, help_text="Oldest first.")

    class Meta:
        model = ForecastRun
        fields = [
            "id",
            "status",
            "trigger",
            "as_of_week",
            "horizon",
            "interval_level",
            "departments",
            "partitions_total",
            "partitions_done",
            "progress_percent",
            "series_count",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "partitions",
            "log",
        ]


class RunQuerySerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ForecastRun.Status.choices, required=False)


class RunStartSerializer(serializers.Serializer[Any]):
    departments = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_empty=False,
        help_text="Department ids to forecast; every department you plan when left out.",
    )
    horizon = serializers.IntegerField(
        min_value=1, max_value=52, default=services.DEFAULT_HORIZON, help_text="Weeks to forecast."
    )


def _runs(request: Request) -> QuerySet[ForecastRun]:
    """Runs covering at least one department the user may see, with what the serializer reads."""
    covered = ForecastRun.departments.through.objects.filter(
        forecastrun_id=OuterRef("pk"), department__in=_visible_departments(request)
    )
    return (
        ForecastRun.objects.filter(Exists(covered))
        .select_related("created_by")
        .prefetch_related(
            Prefetch("departments", Department.objects.order_by("code")),
            Prefetch("partitions", ForecastRunPartition.objects.select_related("department")),
            "log",
        )
        .order_by("-created_at", "-id")
    )


def _run(request: Request, run_id: int) -> ForecastRun:
    return get_object_or_404(_runs(request), pk=run_id)


class ForecastRunList(generics.ListAPIView[ForecastRun]):
    serializer_class = ForecastRunSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[ForecastRun]:
        filters = validated(RunQuerySerializer(data=self.request.query_params))
        runs = _runs(self.request)
        if "status" in filters:
            runs = runs.filter(status=filters["status"])
        return runs

    @extend_schema(
        parameters=[RunQuerySerializer], responses={200: ForecastRunSerializer(many=True), **BAD_INPUT}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Forecast runs covering departments you may see, newest first, with their partitions
        and log."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RunStartSerializer,
        responses={202: ForecastRunSerializer, **BAD_INPUT},
    )
    def post(self, request: Request) -> Response:
        """Start a run as of the last closed week: one partition per department, computed in the
        background. Answers at once with the queued run; poll it for progress."""
        data = validated(RunStartSerializer(data=request.data))
        if not scope.editable_departments(request.user).exists():
            raise Forbidden("You have no departments to forecast.")
        run = services.forecast_run_start(
            user=request_user(request), department_ids=data.get("departments"), horizon=data["horizon"]
        )
        body = ForecastRunSerializer(_run(request, run.pk)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ForecastRunDetail(generics.RetrieveAPIView[ForecastRun]):
    """A run: status, progress, each department's partition and the log."""

    serializer_class = ForecastRunSerializer
    lookup_url_kwarg = "run_id"

    def get_queryset(self) -> QuerySet[ForecastRun]:
        return _runs(self.request)


# --- a run's forecasts and fits -----------------------------------------------------------------
class ForecastQuerySerializer(serializers.Serializer[Any]):
    style_color = serializers.CharField(
        required=False, help_text="A style-color id or code; needed with level=size."
    )
    level = serializers.ChoiceField(
        choices=[("style_color", "Style-color"), ("size", "Size (SKU)")],
        default="style_color",
        help_text="style_color: the run's forecast with overrides; size: the final forecast split by "
        "the run's size curve.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["level"] == "size" and not attrs.get("style_color"):
            raise serializers.ValidationError("Give a style_color to split by size.")
        return attrs


class ForecastRowSerializer(serializers.Serializer[Any]):
    style_color = serializers.CharField(help_text="Style-color code.")
    style_color_id = serializers.IntegerField()
    week = WeekField()
    units = _units(help_text="Statistical forecast, all locations.")
    lower = _units(help_text="Lower end of the run's prediction interval.")
    upper = _units(help_text="Upper end of the run's prediction interval.")
    override = _units(allow_null=True, help_text="The planner's units, if set.")
    final = _units(help_text="The override where set, else the forecast.")
    model = serializers.CharField(allow_null=True, help_text="The model the run chose for the item.")


class SizeForecastRowSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField(help_text="SKU code.")
    size = serializers.CharField()
    week = WeekField()
    units = _units(help_text="Final forecast x the size's share; the sizes of a week add up to it.")


_FORECAST_ROWS = PolymorphicProxySerializer(
    component_name="ForecastRows",
    serializers=[ForecastRowSerializer, SizeForecastRowSerializer],
    resource_type_field_name=None,
    many=True,
)


class ForecastRunForecasts(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(parameters=[ForecastQuerySerializer], responses={200: _FORECAST_ROWS, **REFUSALS})
    def get(self, request: Request, run_id: int) -> Response:
        """A run's weekly forecast per style-color (by code, then week), beside the current
        override; or, with level=size, one style-color's final forecast split to its sizes."""
        run = _run(request, run_id)
        query = validated(ForecastQuerySerializer(data=request.query_params))
        item = _item(request, query["style_color"]) if query.get("style_color") else None
        if query["level"] == "size":  # the query serializer requires a style-color then
            paginator, page = _paginate(request, self, _size_rows(run, _item(request, query["style_color"])))
            return paginator.get_paginated_response(SizeForecastRowSerializer(page, many=True).data)
        forecasts = StyleColorForecast.objects.filter(
            run=run, **{f"style_color__{_ITEM_DEPARTMENT}__in": _visible_departments(request)}
        )
        if item is not None:
            forecasts = forecasts.filter(style_color=item)
        rows = forecasts.order_by("style_color__code", "fiscal_week_id").values_list(
            "style_color_id", "style_color__code", "fiscal_week_id", "units", "lower", "upper"
        )
        paginator, page = _paginate(request, self, rows)
        return paginator.get_paginated_response(
            ForecastRowSerializer(_forecast_rows(run, page), many=True).data
        )


def _forecast_rows(run: ForecastRun, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    ids = sorted({row[0] for row in rows})
    week_ids = sorted({row[2] for row in rows})
    overrides = {
        (item, week): units
        for item, week, units in ForecastOverride.objects.filter(
            style_color_id__in=ids, fiscal_week_id__in=week_ids
        ).values_list("style_color_id", "fiscal_week_id", "units")
    }
    models = dict(
        SeriesFit.objects.filter(run=run, style_color_id__in=ids).values_list("style_color_id", "model")
    )
    return [
        {
            "style_color": code,
            "style_color_id": item,
            "week": week,
            "units": units,
            "lower": lower,
            "upper": upper,
            "override": overrides.get((item, week)),
            "final": overrides.get((item, week), units),
            "model": models.get(item),
        }
        for item, code, week, units, lower, upper in rows
    ]


def _size_rows(run: ForecastRun, item: StyleColor) -> list[dict[str, Any]]:
    """The final forecast (override or statistical) of each week split by the run's size shares,
    to the cent, each week's sizes adding up exactly to it (largest remainder)."""
    weeks = list(
        StyleColorForecast.objects.filter(run=run, style_color=item)
        .order_by("fiscal_week_id")
        .values_list("fiscal_week_id", "units")
    )
    skus = list(
        SizeShare.objects.filter(run=run, sku__style_color=item)
        .order_by("sku__size_order", "sku__code")
        .values_list("sku__code", "sku__size", "share")
    )
    if not weeks or not skus:
        return []
    overrides = dict(
        ForecastOverride.objects.filter(
            style_color=item, fiscal_week_id__in=[week for week, _ in weeks]
        ).values_list("fiscal_week_id", "units")
    )
    finals = np.array([float(overrides.get(week, units)) for week, units in weeks])
    shares = np.array([float(share) for _, _, share in skus])
    split = spread(finals, np.tile(shares, (len(weeks), 1)), decimals=2)
    return [
        {"sku": code, "size": size, "week": week, "units": Decimal(f"{split[row, column]:.2f}")}
        for column, (code, size, _) in enumerate(skus)
        for row, (week, _) in enumerate(weeks)
    ]


class SeriesFitSerializer(serializers.ModelSerializer[SeriesFit]):
    style_color = serializers.CharField(source="style_color.code", help_text="Style-color code.")
    style_color_id = serializers.IntegerField()
    department = serializers.CharField(source="style_color.style.subclass.merch_class.department.code")
    candidate_wmape = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Back-test WMAPE of each model tried (null: it could not fit).",
    )

    class Meta:
        model = SeriesFit
        fields = [
            "style_color",
            "style_color_id",
            "department",
            "model",
            "pattern",
            "adi",
            "cv2",
            "weeks_on_sale",
            "stockout_weeks",
            "is_fallback",
            "backtest_wmape",
            "backtest_bias",
            "naive_wmape",
            "error_sd",
            "candidate_wmape",
            "reason",
        ]


class FitQuerySerializer(serializers.Serializer[Any]):
    model = serializers.CharField(required=False, help_text="Only series fitted with this model.")
    pattern = serializers.CharField(required=False, help_text="smooth, erratic, intermittent or lumpy.")
    department = DepartmentParamField(required=False)


class SeriesFitList(generics.ListAPIView[SeriesFit]):
    serializer_class = SeriesFitSerializer

    def get_queryset(self) -> QuerySet[SeriesFit]:
        run = _run(self.request, self.kwargs["run_id"])
        filters = validated(FitQuerySerializer(data=self.request.query_params))
        fits = SeriesFit.objects.filter(
            run=run, **{f"style_color__{_ITEM_DEPARTMENT}__in": _visible_departments(self.request)}
        )
        if "model" in filters:
            fits = fits.filter(model=filters["model"])
        if "pattern" in filters:
            fits = fits.filter(pattern=filters["pattern"])
        if "department" in filters:
            fits = fits.filter(**{f"style_color__{_ITEM_DEPARTMENT}": filters["department"]})
        return fits.select_related(f"style_color__{_ITEM_DEPARTMENT}").order_by("style_color__code")

    @extend_schema(
        parameters=[FitQuerySerializer], responses={200: SeriesFitSerializer(many=True), **REFUSALS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Which model the run chose for each style-color (by code) and why, with the back-test
        errors of the candidates."""
        return super().get(request, *args, **kwargs)
