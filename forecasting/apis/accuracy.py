"""Look-back accuracy and the exception list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forecasting import accuracy
from planning.api_fields import WeekField
from planning.departments import DepartmentParamField
from planning.models import Department, StyleColor

if TYPE_CHECKING:
    import pandas as pd

from core.api import BAD_INPUT, validated
from forecasting.apis.common import (
    _codes,
    _paginate,
    _visible_departments,
)

# --- look-back accuracy -------------------------------------------------------------------------
_GROUPS = {
    "department": "department_id",
    "model": "model",
    "week": "week_id",
    "style_color": "style_color_id",
}


class LookbackQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField(
        required=False, help_text="A department id or code (W01); all you may see if left out."
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
        if not visible.filter(pk=query["department"].pk).exists():
            raise serializers.ValidationError(
                {"detail": f"department: no department {request.query_params['department']}."}
            )
        department_ids = [query["department"].pk]
    else:
        department_ids = list(visible.values_list("id", flat=True))
    weeks = accuracy.lookback_weeks(query["weeks"])
    return accuracy.lookback_frame(department_ids, weeks, lag=query["lag"])


class ForecastAccuracy(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(
        parameters=[AccuracyQuerySerializer], responses={200: AccuracyRowSerializer(many=True), **BAD_INPUT}
    )
    def get(self, request: Request) -> Response:
        """Look-back accuracy over the last closed weeks: each week's forecast is the newest
        finished run made at least `lag` weeks before it, measured against what sold, with and
        without the planners' overrides."""
        query = validated(AccuracyQuerySerializer(data=request.query_params))
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
        responses={200: AccuracyExceptionSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request) -> Response:
        """Style-colors whose look-back final forecast crossed a threshold (WMAPE, bias or the
        tracking signal; defaults from the settings), most units of error first."""
        query = validated(ExceptionQuerySerializer(data=request.query_params))
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
