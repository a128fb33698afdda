"""REST: the policy matrix (read; managers change a cell with the version they read), inventory
health of a department, vendor reliability. Same selectors and service as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import REFUSALS, STALE_ROW, request_user, validated
from core.api_fields import money
from core.errors import InvalidInput, NotFound
from planning.api_fields import visible_departments
from planning.departments import DepartmentParamField
from replenishment import health, matrix, matrix_reads, reliability
from replenishment.models import SegmentPolicy


class PolicySerializer(serializers.Serializer[Any]):
    cell = serializers.CharField(source="policy.cell", help_text="ABC x XYZ segment, e.g. AX.")
    service_level_percent = serializers.DecimalField(
        source="service_percent", max_digits=4, decimal_places=1, help_text="Target fill rate in %."
    )
    fwos_target = serializers.DecimalField(source="policy.fwos_target", max_digits=5, decimal_places=1)
    presentation_min = serializers.IntegerField(source="policy.presentation_min")
    allocation_priority = serializers.IntegerField(source="policy.allocation_priority")
    row_version = serializers.IntegerField(source="policy.row_version")
    sku_locations = serializers.IntegerField(help_text="SKU x locations of the latest done run in this cell.")
    stock_cost = money(help_text="Their on hand (as of the run) at cost.")


class PolicyPatchSerializer(serializers.Serializer[Any]):
    row_version = serializers.IntegerField(help_text="The version you read; another one answers 409.")
    service_level_percent = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    fwos_target = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)
    presentation_min = serializers.IntegerField(required=False)
    allocation_priority = serializers.IntegerField(required=False)


class PolicyList(APIView):
    @extend_schema(responses={200: PolicySerializer(many=True)})
    def get(self, request: Request) -> Response:
        """The nine cells of the policy matrix, A..C x X..Z."""
        cells = [item for row in matrix_reads.policy_matrix(matrix_reads.latest_done_run()) for item in row]
        return Response(PolicySerializer(cells, many=True).data)


class PolicyDetail(APIView):
    @extend_schema(
        request=PolicyPatchSerializer,
        responses={
            200: PolicySerializer,
            **REFUSALS,
            409: STALE_ROW,
        },
    )
    def patch(self, request: Request, cell: str) -> Response:
        """Change some defaults of one cell (managers and admins). Service level strictly between
        50 and 99.9 %, FWOS target >= 0, priority 1..3; one audit row per changed field."""
        data = validated(PolicyPatchSerializer(data=request.data))
        if not SegmentPolicy.objects.filter(cell=cell).exists():
            raise NotFound(f"No policy cell {cell}.")
        values = {key: data[key] for key in matrix.EDITABLE_FIELDS if key in data}
        if "service_level_percent" in data:
            values["service_level"] = data["service_level_percent"] / 100
        try:
            matrix.segment_policy_update(
                cell=cell, user=request_user(request), row_version=data["row_version"], values=values
            )
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise InvalidInput(
                f"{field}: {' '.join(messages)}", details={"errors": error.message_dict}
            ) from error
        return Response(PolicySerializer(matrix_reads.matrix_cell(cell, matrix_reads.latest_done_run())).data)


class ActionSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="markdown, transfer, return or liquidate.")
    text = serializers.CharField(source="label", help_text="What to do, for people.")
    url = serializers.CharField(allow_blank=True)


class HealthRowSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField()
    style_color = serializers.CharField()
    location = serializers.CharField()
    segment = serializers.CharField()
    on_hand = serializers.IntegerField()
    unit_cost = money()
    weekly_demand = serializers.FloatField()
    order_up_to = serializers.FloatField()
    weeks_since_sale = serializers.IntegerField(
        allow_null=True,
        help_text="Null: none in the history read, or none since it came on sale (see weeks_on_sale).",
    )
    weeks_on_sale = serializers.IntegerField(
        allow_null=True,
        help_text="Weeks on sale at the location (since the later of its launch and its first stock "
        "there; 0: not launched yet); null: longer than the history read.",
    )
    new_label = serializers.CharField(
        allow_blank=True, help_text='"New: launched 2 weeks ago" while on sale fewer than the no-move weeks.'
    )
    weekly_sales = serializers.FloatField(
        help_text="Average over the last 13 weeks, or over the weeks on sale when fewer."
    )
    weeks_of_supply = serializers.FloatField(allow_null=True)
    served_locations = serializers.IntegerField(
        help_text="At a distribution centre: the selling locations it supplies, whose sales the row's "
        "sales, weeks since sale and weeks of supply are. 0 at a selling location (its own sales)."
    )
    excess_units = serializers.IntegerField()
    value_at_risk = money(help_text="At cost: excess units for excess, all on hand otherwise.")
    actions = ActionSerializer(many=True)


class RationalisationSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField()
    style_color = serializers.CharField()
    revenue = money()
    revenue_share_percent = serializers.FloatField()
    margin_percent = serializers.FloatField(allow_null=True)


class AvailableSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField()
    channel = serializers.CharField()
    on_hand = serializers.IntegerField()
    arriving = serializers.IntegerField()
    committed = serializers.IntegerField()
    available = serializers.IntegerField()


class HealthSerializer(serializers.Serializer[Any]):
    department = serializers.IntegerField(source="department.pk")
    run = serializers.IntegerField(source="run.pk", allow_null=True, default=None)
    as_of = serializers.CharField(source="as_of.__str__")
    excess = HealthRowSerializer(many=True)
    no_move = HealthRowSerializer(many=True)
    slow_moving = HealthRowSerializer(many=True)
    obsolete = HealthRowSerializer(many=True)
    rationalisation = RationalisationSerializer(many=True)
    available = AvailableSerializer(many=True)
    committed_source = serializers.CharField()


class HealthQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField()


class HealthReport(APIView):
    @extend_schema(parameters=[HealthQuerySerializer], responses={200: HealthSerializer, **REFUSALS})
    def get(self, request: Request) -> Response:
        """Excess, no-move, slow-moving and obsolete stock of a department with value at risk and
        suggested actions (each SKU-location in one list only, the first that applies: obsolete,
        no-move, excess, slow-moving), SKU rationalisation candidates and available to sell."""
        query = validated(HealthQuerySerializer(data=request.query_params))
        department = visible_departments(request).filter(pk=query["department"].pk).first()
        if department is None:
            raise NotFound(f"department: no department {request.query_params['department']}.")
        return Response(HealthSerializer(health.inventory_health(department)).data)


class VendorReliabilitySerializer(serializers.Serializer[Any]):
    vendor = serializers.CharField(source="vendor.code")
    receipts = serializers.IntegerField(source="reliability.receipts", default=0)
    lead_time_mean = serializers.FloatField(
        source="reliability.lead_time_mean", allow_null=True, default=None
    )
    lead_time_sd = serializers.FloatField(source="reliability.lead_time_sd", allow_null=True, default=None)
    on_time_percent = serializers.FloatField(
        source="reliability.on_time_percent", allow_null=True, default=None
    )
    fill_rate_percent = serializers.FloatField(
        source="reliability.fill_rate_percent", allow_null=True, default=None
    )
    quoted_lead_time = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    is_measured = serializers.BooleanField(help_text="3 receipts or more; else the quoted lead time is used.")


class VendorReliabilityList(APIView):
    @extend_schema(responses={200: VendorReliabilitySerializer(many=True)})
    def get(self, request: Request) -> Response:
        """Every vendor's receipts, lead time (weeks), on-time and fill rate, and quoted lead time."""
        return Response(VendorReliabilitySerializer(reliability.vendor_reliability_rows(), many=True).data)
