"""REST: vendor terms of style-colors (read by everyone signed in; managers and admins change
them, each bad field answered with its own message)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import REFUSALS, request_user
from core.errors import InvalidInput, NotFound
from planning.api_fields import visible_departments
from planning.departments import DepartmentLookupError, department_from_filter, unknown_department_message
from replenishment import terms
from replenishment.models import VendorItem


class VendorItemSerializer(serializers.ModelSerializer[VendorItem]):
    vendor = serializers.CharField(source="vendor.code", read_only=True)
    style_color = serializers.CharField(source="style_color.code", read_only=True)

    class Meta:
        model = VendorItem
        fields = [
            "id", "vendor", "style_color", "lead_time_weeks", "moq", "order_multiple", "order_cost",
            "holding_rate", "direct_to_store",
        ]  # fmt: skip
        read_only_fields = ["id"]


class VendorItemPatchSerializer(serializers.Serializer[Any]):
    lead_time_weeks = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    moq = serializers.IntegerField(required=False)
    order_multiple = serializers.IntegerField(required=False)
    order_cost = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    holding_rate = serializers.DecimalField(max_digits=5, decimal_places=3, required=False, allow_null=True)
    direct_to_store = serializers.BooleanField(required=False)


class VendorItemList(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("department", str, required=False, description="A department id or code (W01)."),
            OpenApiParameter("vendor", str, required=False, description="Vendor code."),
        ],
        responses={200: VendorItemSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        """Vendor terms of the style-colors of the departments you can see."""
        items = VendorItem.objects.filter(
            style_color__style__subclass__merch_class__department__in=visible_departments(request)
        ).select_related("vendor", "style_color")
        department = request.query_params.get("department", "").strip()
        if department:
            try:
                found = department_from_filter(department)
            except DepartmentLookupError as error:
                raise InvalidInput(unknown_department_message(department)) from error
            items = items.filter(style_color__style__subclass__merch_class__department=found)
        if request.query_params.get("vendor"):
            items = items.filter(vendor__code__iexact=request.query_params["vendor"])
        return Response(VendorItemSerializer(items.order_by("style_color__code")[:1000], many=True).data)


class VendorItemDetail(APIView):
    @extend_schema(request=VendorItemPatchSerializer, responses={200: VendorItemSerializer, **REFUSALS})
    def patch(self, request: Request, item_id: int) -> Response:
        """Change terms; each bad field gets its own message (400), nothing is written then."""
        if not VendorItem.objects.filter(pk=item_id).exists():
            raise NotFound(f"No vendor terms {item_id}.")
        serializer = VendorItemPatchSerializer(data=request.data)
        if not serializer.is_valid():  # each field's message at the top, as TermsError answers
            errors = {field: str(messages[0]) for field, messages in serializer.errors.items()}
            raise terms.TermsError(errors)
        item = terms.vendor_item_update(
            user=request_user(request), item_id=item_id, values=dict(serializer.validated_data)
        )
        return Response(VendorItemSerializer(item).data)
