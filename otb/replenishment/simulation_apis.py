"""REST: the policy simulator over the latest done replenishment run (or a given one)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from otb.apis.common import REFUSALS, refused, visible_departments
from otb.models import ReplenishmentRun
from otb.replenishment.simulation import simulate_run


class CellResultSerializer(serializers.Serializer[Any]):
    cell = serializers.CharField(help_text="ABC x XYZ segment.")
    items = serializers.IntegerField(help_text="SKU-locations with demand.")
    target_fill = serializers.FloatField(help_text="Demand-weighted target fill rate, 0..1.")
    achieved_fill = serializers.FloatField(help_text="Units served / units demanded in the simulation.")
    stockout_weeks = serializers.FloatField(help_text="Weeks with unmet demand per item, per year.")
    average_on_hand = serializers.FloatField(help_text="Average units on hand per item.")


class SimulationSerializer(serializers.Serializer[Any]):
    run_id = serializers.IntegerField()
    weeks = serializers.IntegerField()
    seeds = serializers.IntegerField()
    items = serializers.IntegerField()
    cells = CellResultSerializer(many=True)


class PolicySimulation(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("run", int, required=False, description="Default: the latest done run."),
            OpenApiParameter("department", int, required=False),
            OpenApiParameter("seeds", int, required=False, description="Years replayed, 1-50 (default 10)."),
        ],
        responses={200: SimulationSerializer, 400: REFUSALS[400], 404: REFUSALS[404]},
    )
    def get(self, request: Request) -> Response:
        """Replay a year of demand drawn from each item's forecast error against its policy:
        achieved fill rate against the target, stock-outs and average stock by cell."""
        params = request.query_params
        for name in ("run", "department", "seeds"):
            if params.get(name) and not params[name].isdigit():
                return refused(f"{name}: give a whole number.")
        seeds = int(params.get("seeds") or 10)
        if not 1 <= seeds <= 50:
            return refused("seeds: 1 to 50.")
        runs = ReplenishmentRun.objects.filter(status=ReplenishmentRun.Status.DONE)
        run = (
            runs.filter(pk=int(params["run"])).first() if params.get("run") else runs.order_by("-pk").first()
        )
        if run is None:
            return refused("No finished replenishment run.", status.HTTP_404_NOT_FOUND)
        department = int(params["department"]) if params.get("department") else None
        if department is not None and not visible_departments(request).filter(pk=department).exists():
            return refused(f"department: no department {department}.", status.HTTP_404_NOT_FOUND)
        return Response(SimulationSerializer(simulate_run(run, department_id=department, seeds=seeds)).data)
