"""REST endpoints of targets and the reconciliation: the same services as the pages, the same
checks (managers of the division write; every role reads), the same answers (core.api: 400
with the field, 403, 404, 409 on a stale version).

    GET   /api/v1/target-versions/                     versions, newest year first
    GET   /api/v1/target-versions/{id}/?measure=gm_percent   the grid: division and departments by month
    PATCH /api/v1/target-versions/{id}/cells/          one month of a department, or of the division (spread)
    GET   /api/v1/reconciliation/?division=&year=&measure=&tolerance=&open=
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorBody, StaleRowBody, request_user, validated
from core.api_fields import money, status_field
from core.errors import NotFound
from planning.models import Division, TargetVersion
from planning.targets.grid import target_grid
from planning.targets.reconcile import reconciliation
from planning.targets.services import MEASURES, SPANS, SPREAD_BASES, TargetEdit, target_cell_set

_REFUSALS = {400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: StaleRowBody}


class TargetVersionSerializer(serializers.ModelSerializer[TargetVersion]):
    division = serializers.CharField(source="division.code", read_only=True)
    status = status_field(TargetVersion.Status)

    class Meta:
        model = TargetVersion
        fields = ["id", "name", "division", "fiscal_year", "status", "is_published", "row_version"]


class GridRowSerializer(serializers.Serializer[Any]):
    department = serializers.IntegerField(
        source="department_id", allow_null=True, help_text="Null: the division."
    )
    name = serializers.CharField(source="label")
    values = serializers.ListField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True),
        help_text="Twelve fiscal months, then Q1-Q4, H1, H2 and the year (flows sum, EOP the last month's).",
    )


class TargetGridSerializer(serializers.Serializer[Any]):
    version = TargetVersionSerializer()
    measure = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = GridRowSerializer(many=True)


class TargetCellEditSerializer(serializers.Serializer[Any]):
    month = serializers.IntegerField(
        min_value=1,
        max_value=12,
        required=False,
        allow_null=True,
        help_text="A fiscal month; or give a span.",
    )
    span = serializers.ChoiceField(
        choices=list(SPANS), required=False, help_text="A quarter, half or the year: spreads over its months."
    )
    department = serializers.IntegerField(required=False, allow_null=True, help_text="Omit for the division.")
    measure = serializers.ChoiceField(choices=list(MEASURES))
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
    by = serializers.ChoiceField(choices=list(SPREAD_BASES), default="current")
    row_version = serializers.IntegerField(min_value=1, help_text="The version's row_version you read.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("month") and not attrs.get("span"):
            raise serializers.ValidationError(
                {"month": "Give a month (1 to 12) or a span (Q1..Q4, H1, H2, FY)."}
            )
        return attrs


class FigureSerializer(serializers.Serializer[Any]):
    target = money(allow_null=True)
    plan = money(allow_null=True)
    original = money(allow_null=True)
    last_year = money(allow_null=True)
    variance = money(allow_null=True)
    variance_percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    flagged = serializers.BooleanField()


class ReconcileRowSerializer(serializers.Serializer[Any]):
    level = serializers.CharField()
    node_id = serializers.IntegerField()
    name = serializers.CharField(source="label")
    planners = serializers.CharField()
    plan_status = serializers.CharField()
    figures = FigureSerializer(many=True)


class ReconciliationSerializer(serializers.Serializer[Any]):
    division = serializers.CharField(source="division.code")
    year = serializers.IntegerField()
    measure = serializers.CharField()
    tolerance = serializers.DecimalField(max_digits=6, decimal_places=1)
    columns = serializers.ListField(child=serializers.CharField())
    targets = serializers.IntegerField(source="targets.pk", allow_null=True, default=None)
    rows = ReconcileRowSerializer(many=True)


class TargetVersionList(generics.ListAPIView[TargetVersion]):
    """Target versions of every division (targets are read by every role)."""

    serializer_class = TargetVersionSerializer

    def get_queryset(self) -> QuerySet[TargetVersion]:
        return TargetVersion.objects.select_related("division").order_by(
            "-fiscal_year", "division__code", "-id"
        )


def _version(version_id: int) -> TargetVersion:
    version = TargetVersion.objects.select_related("division").filter(pk=version_id).first()
    if version is None:
        raise NotFound("No such target version.")
    return version


class TargetVersionDetail(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("measure", str, enum=list(MEASURES), description="Sales $ by default.")],
        responses={200: TargetGridSerializer, 404: ErrorBody},
    )
    def get(self, request: Request, version_id: int) -> Response:
        """A version's grid in one measure: the division and its departments by month and year."""
        grid = target_grid(_version(version_id), request.query_params.get("measure", "sales"))
        return Response(TargetGridSerializer(grid).data)


class TargetVersionCells(APIView):
    @extend_schema(
        request=TargetCellEditSerializer,
        responses={200: TargetGridSerializer, **_REFUSALS},
        examples=[
            OpenApiExample(
                "Spread a division's month by last year",
                value={
                    "month": 1,
                    "measure": "sales",
                    "value": "120000.00",
                    "by": "reference",
                    "row_version": 3,
                },
                request_only=True,
            ),
            OpenApiExample(
                "A department's GM %",
                value={
                    "month": 1,
                    "department": 7,
                    "measure": "gm_percent",
                    "value": "52.0",
                    "row_version": 4,
                },
                request_only=True,
            ),
        ],
    )
    def patch(self, request: Request, version_id: int) -> Response:
        """Set one month of a department, or of the division (spread over its departments by
        current targets, last year or evenly, to the cent). Name the row_version you read:
        a stale one answers 409 with the current version."""
        data = validated(TargetCellEditSerializer(data=request.data))
        edit = TargetEdit(
            version_id=_version(version_id).pk, month=data.get("month") or 0, measure=data["measure"],
            value=str(data["value"]), department_id=data.get("department"), by=data["by"],
            seen_version=data["row_version"], span=data.get("span", ""),
        )  # fmt: skip
        version = target_cell_set(user=request_user(request), edit=edit)
        return Response(TargetGridSerializer(target_grid(version, data["measure"])).data)


class Reconciliation(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("division", int, required=True),
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("measure", str, enum=list(MEASURES)),
            OpenApiParameter("tolerance", float, description="Percent (points for GM % and markdown %); 5."),
            OpenApiParameter("open", int, description="A department whose classes to include."),
        ],
        responses={200: ReconciliationSerializer, 400: ErrorBody, 404: ErrorBody},
    )
    def get(self, request: Request) -> Response:
        """Published targets vs working plan, original plan and last year, by level and month."""
        query = validated(_ReconcileQuery(data=request.query_params))
        division = Division.objects.filter(pk=query["division"]).first()
        if division is None:
            raise NotFound("No such division.")
        table = reconciliation(
            division,
            query["year"],
            measure=query["measure"],
            tolerance=query["tolerance"],
            opened=query.get("open"),
        )
        return Response(ReconciliationSerializer(table).data)


class _ReconcileQuery(serializers.Serializer[Any]):
    division = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    measure = serializers.ChoiceField(choices=list(MEASURES), default="sales")
    tolerance = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=Decimal(0), default=Decimal(5)
    )
    open = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
