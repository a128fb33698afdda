"""REST: the policy simulator over the latest done replenishment run (or a given one)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import REFUSALS
from core.errors import InvalidInput, NotFound
from planning.api_fields import visible_departments
from planning.departments import DepartmentLookupError, department_from_filter, unknown_department_message
from replenishment.models import ReplenishmentRun
from replenishment.simulation import simulate_run

RATE_PLACES = 4  # fill rates, 0..1
UNIT_PLACES = 1  # units and weeks


class RoundedFloatField(serializers.FloatField):
    """A float rounded on the way out: no 0.9500000000000001 in the answer."""

    def __init__(self, *, places: int, **options: Any) -> None:
        self.places = places
        super().__init__(**options)

    def to_representation(self, value: Any) -> Any:
        return round(float(value), self.places)


class CellResultSerializer(serializers.Serializer[Any]):
    cell = serializers.CharField(help_text="ABC x XYZ segment.")
    items = serializers.IntegerField(help_text="SKU-locations with demand.")
    target_fill = RoundedFloatField(places=RATE_PLACES, help_text="Demand-weighted target fill rate, 0..1.")
    achieved_fill = RoundedFloatField(
        places=RATE_PLACES, help_text="Units served / units demanded in the simulation, 0..1."
    )
    stockout_weeks = RoundedFloatField(
        places=UNIT_PLACES, help_text="Weeks with unmet demand per item, per year."
    )
    average_on_hand = RoundedFloatField(places=UNIT_PLACES, help_text="Average units on hand per item.")


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
            OpenApiParameter("department", str, required=False, description="A department id or code (W01)."),
            OpenApiParameter("seeds", int, required=False, description="Years replayed, 1-50 (default 10)."),
        ],
        responses={200: SimulationSerializer, 400: REFUSALS[400], 404: REFUSALS[404]},
    )
    def get(self, request: Request) -> Response:
        """Replay a year of demand drawn from each item's forecast error against its policy:
        achieved fill rate against the target, stock-outs and average stock by cell."""
        params = request.query_params
        for name in ("run", "seeds"):
            if params.get(name) and not params[name].isdigit():
                raise InvalidInput(f"{name}: give a whole number.")
        seeds = int(params.get("seeds") or 10)
        if not 1 <= seeds <= 50:
            raise InvalidInput("seeds: 1 to 50.")
        runs = ReplenishmentRun.objects.filter(status=ReplenishmentRun.Status.DONE)
        run = (
            runs.filter(pk=int(params["run"])).first() if params.get("run") else runs.order_by("-pk").first()
        )
        if run is None:
            raise NotFound("No finished replenishment run.")
        department = None
        if params.get("department"):
            try:
                department = department_from_filter(params["department"]).pk
            except DepartmentLookupError as error:
                raise InvalidInput(unknown_department_message(params["department"])) from error
            if not visible_departments(request).filter(pk=department).exists():
                raise NotFound(f"department: {params['department']} is not yours to see.")
        return Response(SimulationSerializer(simulate_run(run, department_id=department, seeds=seeds)).data)
