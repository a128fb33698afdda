"""A plan version as a cube through REST: read any merchandise level (the plan, its classes) by
any time level for any measures; write one cell at any level with a spread rule. The same
reads as the grid (`planning.plans.cube`) and the same writes (the grid's cell services), so
validation, locks, closed weeks and conflicts are the grid's."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import STALE_ROW, validated
from core.errors import Conflict, InvalidInput
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.apis.shared import _REFUSALS, _answers_refusals, _user, _version
from planning.plans.cube import CUBE_MEASURES, MERCH_LEVELS, TIME_LEVELS, CubeView, cube_read
from planning.plans.services import FLOW_ENTERED, CellEdit, plan_aggregate_update, plan_cells_update
from planning.plans.services.total_edits import SPREAD_BY

LOCATION_LEVELS = ("total",)


class CubeQuerySerializer(serializers.Serializer[Any]):
    merch = serializers.ChoiceField(choices=MERCH_LEVELS, default="class", help_text="plan or class.")
    location = serializers.ChoiceField(
        choices=LOCATION_LEVELS,
        default="total",
        help_text="The class lines hold the plan's location scope (its channel or region, or all): "
        "total. By channel and region: the version's detail, /api/v1/plan-versions/{id}/detail/.",
    )
    time = serializers.ChoiceField(choices=TIME_LEVELS, default="month")
    measure = serializers.MultipleChoiceField(
        choices=CUBE_MEASURES, required=False, help_text="Repeat for several; sales and eop by default."
    )


class CubeRowSerializer(serializers.Serializer[Any]):
    node = serializers.CharField(help_text='"plan" or the class code.')
    name = serializers.CharField(source="label")
    line = serializers.IntegerField()
    values = serializers.DictField(
        child=serializers.ListField(child=serializers.DecimalField(20, 4, allow_null=True)),
        help_text="Measure -> one figure per period, in the order of `periods`. Money in cents, "
        "units whole, ratios to 4 places; null where undefined (a ratio over zero sales).",
    )


class CubePeriodSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField(source="label")


class CubeSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(source="version.pk")
    values_version = serializers.IntegerField(source="version.values_version")
    totals_version = serializers.IntegerField(source="version.totals_version")
    totals_pending = serializers.BooleanField(help_text="The plan total is being rolled up: read it again.")
    merch = serializers.CharField()
    time = serializers.CharField()
    measures = serializers.ListField(child=serializers.CharField())
    periods = CubePeriodSerializer(many=True)
    rows = CubeRowSerializer(many=True)


class CubeEditSerializer(serializers.Serializer[Any]):
    node = serializers.CharField(help_text='"plan" (spreads over the classes) or a class code.')
    period = serializers.RegexField(
        r"^(\d{4}-W\d{2}|M(1[0-2]|[1-9])|Q[1-4]|H[12]|year)$",
        help_text='"2026-W05", "M3", "Q1", "H1" or "year".',
    )
    measure = serializers.ChoiceField(choices=FLOW_ENTERED)
    value = serializers.CharField(max_length=40, help_text='A number, or a change: "+10%", "*1.1".')
    spread = serializers.ChoiceField(
        choices=SPREAD_BY, default="current", help_text="How an aggregate spreads to its weeks and classes."
    )
    values_version = serializers.IntegerField(help_text="The version's values_version you read.")


def _cube(view: CubeView) -> Response:
    periods = [{"key": key, "label": label} for key, label in view.periods]
    return Response(CubeSerializer({**view.__dict__, "periods": periods}).data)


class PlanVersionCube(APIView):
    parser_classes = [JSONParser]

    @extend_schema(parameters=[CubeQuerySerializer], responses={200: CubeSerializer, **_REFUSALS})
    def get(self, request: Request, version_id: int) -> Response:
        """The version at a merchandise level by a time level: e.g. every class by fiscal month,
        or the plan total by quarter. Figures roll up as the grid's columns do."""
        version = _version(request, version_id)
        query = validated(CubeQuerySerializer(data=request.query_params))
        measures = [m for m in CUBE_MEASURES if m in query.get("measure", set())] or ["sales", "eop"]
        return _cube(cube_read(version, merch=query["merch"], time=query["time"], measures=measures))

    @extend_schema(
        request=CubeEditSerializer,
        responses={200: CubeSerializer, **_REFUSALS, 409: STALE_ROW},
        examples=[
            OpenApiExample(
                "A class-season edit, spread by last year",
                value={
                    "node": "W-TOP-TEE",
                    "period": "year",
                    "measure": "sales",
                    "value": "52000",
                    "spread": "last_year",
                    "values_version": 14,
                },
                request_only=True,
            ),
            OpenApiExample(
                "The plan's March +5 %, spread over every class by their current values",
                value={
                    "node": "plan",
                    "period": "M2",
                    "measure": "sales",
                    "value": "+5%",
                    "values_version": 14,
                },
                request_only=True,
            ),
            OpenApiExample(
                "One class-week (a leaf)",
                value={
                    "node": "W-TOP-TEE",
                    "period": "2026-W05",
                    "measure": "markdowns",
                    "value": "120",
                    "values_version": 14,
                },
                request_only=True,
            ),
        ],
    )
    def patch(self, request: Request, version_id: int) -> Response:
        """Set one cell at any level. An aggregate (a month, quarter, half or year, or the
        plan's row) spreads to the class-weeks below it by the chosen rule, to the cent; locked
        cells and closed weeks keep their values. Name the values_version you read: if the
        version changed since, the answer is 409 and nothing is written. Answers with the
        edited node's row by the period's time level."""
        version = _version(request, version_id)
        data = validated(CubeEditSerializer(data=request.data))
        line = _line(version, data["node"])
        with _answers_refusals(), transaction.atomic():
            # Checked under the version's row lock, which every write of it takes first: two
            # clients that read the same version cannot both write.
            locked = PlanVersion.objects.select_for_update().get(pk=version.pk)
            if locked.values_version != data["values_version"]:
                raise Conflict(
                    f"This version changed since you read it (version {locked.values_version}, you read "
                    f"{data['values_version']}): read it again and retry.",
                    details={
                        "current_version": locked.values_version,
                        "seen_version": data["values_version"],
                    },
                )
            result = _write(request, version, line, data)
        merch = "plan" if line.merch_class_id is None else "class"
        level = _time_level(data["period"])
        return _cube(
            cube_read(result.version, merch=merch, time=level, measures=[data["measure"]], line_id=line.pk)
        )


def _line(version: PlanVersion, node: str) -> PlanLine:
    lines = PlanLine.objects.filter(version=version)
    line = (
        lines.filter(merch_class__isnull=True).first()
        if node == "plan"
        else lines.filter(merch_class__code__iexact=node).first()
    )
    if line is None:
        raise InvalidInput(f'{node!r} is not a line of this plan: name a class code or "plan".', field="node")
    return line


def _write(request: Request, version: PlanVersion, line: PlanLine, data: dict[str, Any]) -> Any:
    period, user = data["period"], _user(request)
    if "-W" in period and line.merch_class_id is not None:  # a leaf: one class-week
        year, week = period.split("-W")
        week_id = int(year) * 100 + int(week)
        row = PlanWeek.objects.filter(line=line, fiscal_week_id=week_id).first()
        if row is None:
            raise InvalidInput(f"{period} is not a week of this plan.", field="period")
        edit = CellEdit(line.pk, week_id, data["measure"], data["value"], row.row_version)
        return plan_cells_update(user=user, version_id=version.pk, edits=[edit])
    return plan_aggregate_update(
        user=user, version_id=version.pk, line_id=line.pk, column_key=period, measure=data["measure"],
        value=data["value"], expected=None, by=data["spread"],
    )  # fmt: skip


def _time_level(period: str) -> str:
    return {"M": "month", "Q": "quarter", "H": "half", "y": "year"}.get(period[0], "week")
