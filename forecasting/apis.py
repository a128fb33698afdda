"""REST endpoints for forecasting: runs and their snapshots (forecasts, size splits, model
fits), planner overrides with their audit trail, look-back accuracy and exceptions.

Thin views over the same services and look-back functions as the pages: reads are scoped to
the user's visible departments, override writes to the editable ones. Refusals answer
{"detail": ...}: bad input or a forecasting rule 400, not allowed 403, changed by someone else
409. Units are decimal strings with two places; accuracy ratios are fractions (0.25 is 25 %),
null where undefined.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forecasting import accuracy, services
from forecasting.models import (
    ForecastOverride,
    ForecastOverrideChange,
    ForecastRun,
    ForecastRunLog,
    ForecastRunPartition,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from planning.engine import spread
from planning.models import Department, StyleColor
from planning.plans.apis import WeekField, _first_error

if TYPE_CHECKING:
    import pandas as pd

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
        filters = _validated(RunQuerySerializer(data=self.request.query_params))
        runs = _runs(self.request)
        if "status" in filters:
            runs = runs.filter(status=filters["status"])
        return runs

    @extend_schema(
        parameters=[RunQuerySerializer], responses={200: ForecastRunSerializer(many=True), **_BAD_INPUT}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Forecast runs covering departments you may see, newest first, with their partitions
        and log."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RunStartSerializer,
        responses={202: ForecastRunSerializer, **_BAD_INPUT},
    )
    def post(self, request: Request) -> Response:
        """Start a run as of the last closed week: one partition per department, computed in the
        background. Answers at once with the queued run; poll it for progress."""
        data = _validated(RunStartSerializer(data=request.data))
        if not Department.objects.editable_by(request.user).exists():
            return _refused("You have no departments to forecast.", status.HTTP_403_FORBIDDEN)
        try:
            run = services.forecast_run_start(
                user=_user(request), department_ids=data.get("departments"), horizon=data["horizon"]
            )
        except services.ForecastError as error:
            return _refused(str(error))
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

    @extend_schema(parameters=[ForecastQuerySerializer], responses={200: _FORECAST_ROWS, **_REFUSALS})
    def get(self, request: Request, run_id: int) -> Response:
        """A run's weekly forecast per style-color (by code, then week), beside the current
        override; or, with level=size, one style-color's final forecast split to its sizes."""
        run = _run(request, run_id)
        query = _validated(ForecastQuerySerializer(data=request.query_params))
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
    department = serializers.IntegerField(required=False, help_text="A department id.")


class SeriesFitList(generics.ListAPIView[SeriesFit]):
    serializer_class = SeriesFitSerializer

    def get_queryset(self) -> QuerySet[SeriesFit]:
        run = _run(self.request, self.kwargs["run_id"])
        filters = _validated(FitQuerySerializer(data=self.request.query_params))
        fits = SeriesFit.objects.filter(
            run=run, **{f"style_color__{_ITEM_DEPARTMENT}__in": _visible_departments(self.request)}
        )
        if "model" in filters:
            fits = fits.filter(model=filters["model"])
        if "pattern" in filters:
            fits = fits.filter(pattern=filters["pattern"])
        if "department" in filters:
            fits = fits.filter(**{f"style_color__{_ITEM_DEPARTMENT}_id": filters["department"]})
        return fits.select_related(f"style_color__{_ITEM_DEPARTMENT}").order_by("style_color__code")

    @extend_schema(
        parameters=[FitQuerySerializer], responses={200: SeriesFitSerializer(many=True), **_REFUSALS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Which model the run chose for each style-color (by code) and why, with the back-test
        errors of the candidates."""
        return super().get(request, *args, **kwargs)


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


# --- look-back accuracy -------------------------------------------------------------------------
_GROUPS = {
    "department": "department_id",
    "model": "model",
    "week": "week_id",
    "style_color": "style_color_id",
}


class LookbackQuerySerializer(serializers.Serializer[Any]):
    department = serializers.IntegerField(
        required=False, help_text="A department id; all you may see if left out."
    )
    weeks = serializers.IntegerField(
        min_value=1,
        max_value=52,
        default=13,
        help_text="Closed weeks to measure, ending with the last closed one.",
    )
    lag = serializers.IntegerField(
        min_value=1,
        max_value=13,
        default=1,
        help_text="Weeks between a run's last week of history and the week it forecast.",
    )


class AccuracyQuerySerializer(LookbackQuerySerializer):
    by = serializers.ChoiceField(
        choices=list(_GROUPS),
        default="department",
        help_text="One row per department, model, week or style-color.",
    )


class ExceptionQuerySerializer(LookbackQuerySerializer):
    max_wmape = serializers.FloatField(
        min_value=0,
        max_value=10,
        required=False,
        help_text="Flag a final WMAPE above this fraction (0.5: 50 %).",
    )
    max_bias = serializers.FloatField(
        min_value=0, max_value=10, required=False, help_text="Flag a final |bias| above this fraction."
    )


class _Measures(serializers.Serializer[Any]):
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Units sold.")
    stat = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Statistical forecast.")
    final = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Forecast with overrides.")
    wmape = serializers.FloatField(allow_null=True, help_text="Of the statistical forecast.")
    bias = serializers.FloatField(allow_null=True, help_text="Of the statistical forecast; > 0: too high.")
    final_wmape = serializers.FloatField(allow_null=True)
    final_bias = serializers.FloatField(allow_null=True)
    fva = serializers.FloatField(allow_null=True, help_text="WMAPE the overrides removed (< 0: added).")
    tracking_signal = serializers.FloatField(allow_null=True, help_text="Sum of errors / mean |error|.")
    series = serializers.IntegerField(help_text="Style-colors measured.")
    overridden = serializers.IntegerField(help_text="Weeks with an override.")


class AccuracyRowSerializer(_Measures):
    """One group; only the field named by `by` is set, the other three are null."""

    department = serializers.CharField(allow_null=True, help_text="Department code.")
    model = serializers.CharField(allow_null=True)
    week = WeekField(allow_null=True)
    style_color = serializers.CharField(allow_null=True, help_text="Style-color code.")


class AccuracyExceptionSerializer(_Measures):
    style_color = serializers.CharField(help_text="Style-color code.")
    style_color_id = serializers.IntegerField()
    department = serializers.CharField(help_text="Department code.")
    abs_error = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Units of final error.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="The thresholds crossed.")


def _lookback(request: Request, query: dict[str, Any]) -> pd.DataFrame:
    """The look-back frame of the query's department (else every visible one) and weeks."""
    visible = _visible_departments(request)
    if "department" in query:
        if not visible.filter(pk=query["department"]).exists():
            raise serializers.ValidationError({"detail": f"department: no department {query['department']}."})
        department_ids = [query["department"]]
    else:
        department_ids = list(visible.values_list("id", flat=True))
    weeks = accuracy.lookback_weeks(query["weeks"])
    return accuracy.lookback_frame(department_ids, weeks, lag=query["lag"])


class ForecastAccuracy(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(
        parameters=[AccuracyQuerySerializer], responses={200: AccuracyRowSerializer(many=True), **_BAD_INPUT}
    )
    def get(self, request: Request) -> Response:
        """Look-back accuracy over the last closed weeks: each week's forecast is the newest
        finished run made at least `lag` weeks before it, measured against what sold, with and
        without the planners' overrides."""
        query = _validated(AccuracyQuerySerializer(data=request.query_params))
        column = _GROUPS[query["by"]]
        rows = accuracy.records(accuracy.summary(_lookback(request, query), [column]))
        labels: dict[Any, Any] = {}
        if query["by"] == "department":
            labels = _codes(Department, [row[column] for row in rows])
        elif query["by"] == "style_color":
            labels = _codes(StyleColor, [row[column] for row in rows])
        body = [
            {
                **row,
                **dict.fromkeys(_GROUPS),
                query["by"]: labels.get(row[column], row[column]),
            }
            for row in rows
        ]
        body.sort(key=lambda row: row[query["by"]])
        paginator, page = _paginate(request, self, body)
        return paginator.get_paginated_response(AccuracyRowSerializer(page, many=True).data)


class ForecastExceptionList(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(
        parameters=[ExceptionQuerySerializer],
        responses={200: AccuracyExceptionSerializer(many=True), **_BAD_INPUT},
    )
    def get(self, request: Request) -> Response:
        """Style-colors whose look-back final forecast crossed a threshold (WMAPE, bias or the
        tracking signal; defaults from the settings), most units of error first."""
        query = _validated(ExceptionQuerySerializer(data=request.query_params))
        rules = accuracy.ExceptionRules.from_settings(
            wmape=query.get("max_wmape"), bias=query.get("max_bias")
        )
        rows = accuracy.records(accuracy.exceptions(_lookback(request, query), rules))
        items = _codes(StyleColor, [row["style_color_id"] for row in rows])
        departments = _codes(Department, [row["department_id"] for row in rows])
        body = [
            {
                **row,
                "style_color": items[row["style_color_id"]],
                "department": departments[row["department_id"]],
                "reasons": row["reasons"].split("; "),
            }
            for row in rows
        ]
        paginator, page = _paginate(request, self, body)
        return paginator.get_paginated_response(AccuracyExceptionSerializer(page, many=True).data)
