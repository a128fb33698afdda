"""A version's detail through REST: create it, read it at any merchandise x location x time
level, write any cell at any level with a spread rule and the values_version read, lock a node.
The same services as every other writer: the grid's rules, conflicts and audit."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import STALE_ROW, validated
from planning.detail.edits import EDITABLE, SPREAD_BY, DetailEdit, detail_lock, detail_set
from planning.detail.reads import LOCATION, MEASURES, MERCH, DetailView, detail_read
from planning.detail.seed import detail_create
from planning.plans.apis.shared import _REFUSALS, _answers_refusals, _user, _version
from planning.plans.cube import TIME_LEVELS


class DetailQuerySerializer(serializers.Serializer[Any]):
    merch = serializers.ChoiceField(choices=MERCH, default="class")
    location = serializers.ChoiceField(choices=LOCATION, default="channel")
    time = serializers.ChoiceField(choices=TIME_LEVELS, default="month")
    measure = serializers.MultipleChoiceField(choices=MEASURES, required=False, help_text="sales by default.")
    within_class = serializers.CharField(
        required=False, max_length=40, help_text="Only under this class code."
    )
    within_channel = serializers.CharField(required=False, max_length=40, help_text="Only in this channel.")


class DetailRowSerializer(serializers.Serializer[Any]):
    merch = serializers.CharField(help_text="The class or subclass code; empty for the department.")
    location = serializers.CharField(help_text="The channel or region code; empty for the total.")
    values = serializers.DictField(child=serializers.ListField(child=serializers.DecimalField(20, 2)))


class DetailPeriodSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField()


class DetailSerializer(serializers.Serializer[Any]):
    values_version = serializers.IntegerField(source="version.values_version")
    merch = serializers.CharField()
    location = serializers.CharField()
    time = serializers.CharField()
    periods = DetailPeriodSerializer(many=True)
    rows = DetailRowSerializer(many=True)


class DetailEditSerializer(serializers.Serializer[Any]):
    node = serializers.CharField(max_length=40, help_text='"plan", a class code or a subclass code.')
    location = serializers.CharField(
        max_length=40, default="total", help_text='"total", a channel or a region code.'
    )
    period = serializers.RegexField(r"^(\d{4}-W\d{2}|M(1[0-2]|[1-9])|Q[1-4]|H[12]|year)$")
    measure = serializers.ChoiceField(choices=EDITABLE)
    value = serializers.CharField(max_length=40)
    spread = serializers.ChoiceField(choices=SPREAD_BY, default="current")
    values_version = serializers.IntegerField()


class DetailLockSerializer(serializers.Serializer[Any]):
    node = serializers.CharField(max_length=40)
    location = serializers.CharField(max_length=40, default="total")
    locked = serializers.BooleanField()


def _answer(view: DetailView) -> Response:
    periods = [{"key": key, "name": name} for key, name in view.periods]
    return Response(DetailSerializer({**view.__dict__, "periods": periods}).data)


class PlanVersionDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(parameters=[DetailQuerySerializer], responses={200: DetailSerializer, **_REFUSALS})
    def get(self, request: Request, version_id: int) -> Response:
        """The detail rolled up: e.g. classes by channel by month, or one class's subclasses by
        region by week (within_class). Money in cents, units whole; every level adds up."""
        version = _version(request, version_id)
        query = validated(DetailQuerySerializer(data=request.query_params))
        within = {k: query[f"within_{k}"] for k in ("class", "channel") if query.get(f"within_{k}")}
        measures = [m for m in MEASURES if m in query.get("measure", set())] or ["sales"]
        view = detail_read(
            version,
            merch=query["merch"],
            location=query["location"],
            time=query["time"],
            measures=measures,
            within=within,
        )
        return _answer(view)

    @extend_schema(request=None, responses={201: DetailSerializer, **_REFUSALS})
    def post(self, request: Request, version_id: int) -> Response:
        """Create the detail: the class lines split over subclass x region by last year."""
        version = _version(request, version_id)
        with _answers_refusals():
            detail_create(user=_user(request), version_id=version.pk)
        version.refresh_from_db()
        view = detail_read(version, merch="class", location="channel", time="year", measures=["sales"])
        response = _answer(view)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request=DetailEditSerializer,
        responses={200: DetailSerializer, **_REFUSALS, 409: STALE_ROW},
        examples=[
            OpenApiExample(
                "A channel-quarter of a class, spread by last year",
                value={"node": "W01-TOP", "location": "ECOM", "period": "Q3", "measure": "sales",
                       "value": "+8%", "spread": "last_year", "values_version": 31},
                request_only=True,
            ),
            OpenApiExample(
                "One leaf-week: a subclass in a region",
                value={"node": "W01-TOP-TEE", "location": "NORTH", "period": "2026-W12",
                       "measure": "sales_units", "value": "140", "values_version": 32},
                request_only=True,
            ),
        ],
    )  # fmt: skip
    def patch(self, request: Request, version_id: int) -> Response:
        """Set a node x location x period: spread to its leaf-weeks to the cent (locked leaves
        and closed weeks keep theirs); the class lines take their leaves' sums. Answers with the
        node by the location's level for the period."""
        version = _version(request, version_id)
        data = validated(DetailEditSerializer(data=request.data))
        edit = DetailEdit(
            version.pk, data["node"], data["location"], data["period"], data["measure"], data["value"],
            data["values_version"], data["spread"],
        )  # fmt: skip
        with _answers_refusals():
            result = detail_set(user=_user(request), edit=edit)
        level = {"M": "month", "Q": "quarter", "H": "half", "y": "year"}.get(data["period"][0], "week")
        view = detail_read(
            result.version, merch="class", location="channel", time=level, measures=[data["measure"]]
        )
        return _answer(view)


class PlanVersionDetailLock(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=DetailLockSerializer, responses={200: DetailLockSerializer, **_REFUSALS})
    def post(self, request: Request, version_id: int) -> Response:
        """Lock (or unlock) every leaf under a node at a location against spreads from above."""
        version = _version(request, version_id)
        data = validated(DetailLockSerializer(data=request.data))
        with _answers_refusals():
            detail_lock(
                user=_user(request),
                version_id=version.pk,
                node=data["node"],
                location=data["location"],
                locked=data["locked"],
            )
        return Response(data)
