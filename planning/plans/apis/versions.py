"""Plans, versions and lines: the reads a client starts from."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from planning.models import Department, Plan, PlanLine, PlanVersion
from planning.plans.apis.serializers import PlanLineSerializer, PlanSerializer, PlanVersionWarningsSerializer
from planning.plans.apis.shared import _REFUSALS, _editable_departments, _version, _version_response


def _visible_plans(request: Request) -> QuerySet[Plan]:
    return (
        Plan.objects.filter(department__in=Department.objects.visible_to(request.user))
        .select_related("department", "channel", "region")
        .prefetch_related(Prefetch("versions", PlanVersion.objects.order_by("kind", "name", "id")))
        .order_by("-created_at", "-id")
    )


class PlanList(generics.ListAPIView[Plan]):
    """Plans of the departments you may see, newest first, with their versions."""

    serializer_class = PlanSerializer

    def get_queryset(self) -> QuerySet[Plan]:
        return _visible_plans(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "editable_departments": _editable_departments(self.request),
        }


class PlanDetail(generics.RetrieveAPIView[Plan]):
    serializer_class = PlanSerializer

    def get_queryset(self) -> QuerySet[Plan]:
        return _visible_plans(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "editable_departments": _editable_departments(self.request),
        }


class PlanVersionDetail(APIView):
    @extend_schema(responses={200: PlanVersionWarningsSerializer, 403: _REFUSALS[403], 404: _REFUSALS[404]})
    def get(self, request: Request, version_id: int) -> Response:
        """A version: its status, the state of its values and totals, whether you may edit it,
        and its weeks of negative planned receipts (a warning).

        `values_version` counts changes of entered values; `totals_version` is the state the
        total line was last rolled up from: when they differ the totals are recalculating."""
        return _version_response(
            request, _version(request, version_id), serializer=PlanVersionWarningsSerializer
        )


class PlanVersionLines(generics.ListAPIView[PlanLine]):
    """The lines of a version: one per class, and the plan total (class code and name null)."""

    serializer_class = PlanLineSerializer

    def get_queryset(self) -> QuerySet[PlanLine]:
        version = _version(self.request, self.kwargs["version_id"])
        return (
            PlanLine.objects.filter(version=version).select_related("merch_class").order_by("position", "id")
        )
