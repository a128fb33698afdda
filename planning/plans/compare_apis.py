"""REST endpoint of the compare page (planning.plans.compare): two versions of a plan, the
cells that differ. Same conventions as planning.plans.apis: scoped to the departments you may
see (404 otherwise), bad input a 400 with one message."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from planning.api_fields import week_label
from planning.models import Department, Plan, PlanVersion
from planning.plans.apis.shared import _REFUSALS
from planning.plans.compare import MEASURES, compare_versions


class CompareVersionSerializer(serializers.ModelSerializer[PlanVersion]):
    title = serializers.CharField(
        source="label", help_text='"OP r2" for an original-plan revision, else the name.'
    )

    class Meta:
        model = PlanVersion
        fields = ["id", "kind", "name", "title", "revision", "status", "approved_by", "approved_at"]


class CompareCellSerializer(serializers.Serializer[Any]):
    merch_class = serializers.IntegerField(allow_null=True, help_text="Null: the plan-total line.")
    line = serializers.CharField()
    week = serializers.CharField(help_text="Fiscal week, YYYY-Www.")
    measure = serializers.ChoiceField(choices=MEASURES)
    a = serializers.CharField(allow_null=True, help_text="Version A's value (decimal string).")
    b = serializers.CharField(allow_null=True)
    difference = serializers.CharField(allow_null=True, help_text="B - A.")


class CompareSerializer(serializers.Serializer[Any]):
    a = CompareVersionSerializer()
    b = CompareVersionSerializer()
    count = serializers.IntegerField(help_text="How many cells differ.")
    cells = CompareCellSerializer(many=True)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class PlanCompare(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("a", int, required=True, description="Version A (id of a version of the plan)."),
            OpenApiParameter("b", int, required=True, description="Version B."),
        ],
        responses={200: CompareSerializer, 400: _REFUSALS[400], 403: _REFUSALS[403], 404: _REFUSALS[404]},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The cells of two versions of the plan (any kinds, any OP revisions) that differ, by
        class (the plan total first) and week, for sales, sales_units, markdowns, receipts, eop
        and otb: A's value, B's and B - A; equal cells are left out."""
        plan = get_object_or_404(
            Plan.objects.filter(department__in=Department.objects.visible_to(request.user)), pk=pk
        )
        chosen = []
        for name in ("a", "b"):
            raw = request.query_params.get(name, "")
            if not raw.isdigit():
                raise InvalidInput(f"{name}: give the id of a version of {plan.name}.")
            version = PlanVersion.objects.filter(plan=plan, pk=int(raw)).select_related("approved_by").first()
            if version is None:
                raise InvalidInput(f"{name}: {plan.name} has no version {raw}.")
            chosen.append(version)
        comparison = compare_versions(chosen[0], chosen[1])
        body = {
            "a": CompareVersionSerializer(comparison.a).data,
            "b": CompareVersionSerializer(comparison.b).data,
            "count": comparison.count,
            "cells": [
                {
                    "merch_class": cell.class_id,
                    "line": comparison.class_names.get(cell.class_id, ""),
                    "week": week_label(cell.week_id),
                    "measure": cell.measure,
                    "a": _text(cell.a),
                    "b": _text(cell.b),
                    "difference": _text(cell.difference),
                }
                for cell in comparison.cells
            ],
        }
        return Response(body)
