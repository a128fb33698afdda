"""Purchase orders: list, create (checked against OTB), detail, and receipts against lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import scope
from core.api import BAD_INPUT, REFUSALS, request_user, validated
from core.api_fields import status_field
from core.errors import InvalidInput
from otb import services
from otb.models import PurchaseOrder, PurchaseOrderLine
from otb.orders import MAX_LINE_UNITS, LineRequest, purchase_order_create, purchase_order_line_receive
from planning.api_fields import WeekField, visible_departments
from planning.departments import DepartmentParamField
from planning.models import Department


class PurchaseOrderLineSerializer(serializers.ModelSerializer[PurchaseOrderLine]):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    location = serializers.CharField(source="location.code", help_text="Destination location code.")
    receipt_week = WeekField(source="receipt_week_id")
    month_key = serializers.IntegerField(help_text="Fiscal month of the receipt week: year * 100 + month.")
    open_units = serializers.IntegerField(help_text="Units still to receive (0 when cancelled).")
    status = status_field(PurchaseOrderLine.Status)

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id", "sku", "location", "units", "unit_cost", "unit_retail", "receipt_week", "month_key",
            "received_units", "open_units", "status", "row_version",
        ]  # fmt: skip


class PurchaseOrderSerializer(serializers.ModelSerializer[PurchaseOrder]):
    vendor = serializers.CharField(source="vendor.code", help_text="Vendor code.")
    department = serializers.CharField(source="department.code", help_text="Department code.")
    department_id = serializers.IntegerField()
    status = status_field(
        PurchaseOrder.Status,
        help_text="draft, awaiting (over OTB: a manager decides), released or cancelled.",
    )
    created_by = serializers.CharField(source="created_by.username")
    lines = PurchaseOrderLineSerializer(many=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id", "number", "vendor", "department", "department_id", "status", "row_version", "created_by",
            "created_at", "lines",
        ]  # fmt: skip


class OrderQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField(required=False)
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.values, required=False)


class LineCreateSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField(max_length=40, help_text="SKU code.")
    location = serializers.CharField(max_length=20, help_text="Destination location code.")
    units = serializers.IntegerField(min_value=1, max_value=MAX_LINE_UNITS)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    unit_retail = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    receipt_week = WeekField(help_text="Expected receipt week; it must not be over.")


class OrderCreateSerializer(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=30)
    vendor = serializers.CharField(max_length=20, help_text="Vendor code.")
    department = DepartmentParamField(help_text="A department you plan: its id or code (W01).")
    lines = LineCreateSerializer(many=True, allow_empty=False)
    request_exception = serializers.BooleanField(
        default=False, help_text="Over OTB: keep the order awaiting a manager's approval instead of a 409."
    )


class ShortMonthSerializer(serializers.Serializer[Any]):
    month = serializers.IntegerField(help_text="Fiscal month: year * 100 + month.")
    month_label = serializers.CharField()
    requested = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Retail the order needs.")
    available = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="OTB left at retail.")


class InsufficientOTBSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    short = ShortMonthSerializer(many=True)


def _orders(request: Request) -> QuerySet[PurchaseOrder]:
    return (
        PurchaseOrder.objects.filter(department__in=visible_departments(request))
        .select_related("vendor", "department", "created_by")
        .prefetch_related("lines__sku", "lines__location")
    )


class PurchaseOrderList(generics.ListAPIView[PurchaseOrder]):
    serializer_class = PurchaseOrderSerializer

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        filters = validated(OrderQuerySerializer(data=self.request.query_params))
        orders = _orders(self.request)
        if "department" in filters:
            orders = orders.filter(department=filters["department"])
        if "status" in filters:
            orders = orders.filter(status=filters["status"])
        return orders.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[OrderQuerySerializer],
        responses={200: PurchaseOrderSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Purchase orders of the departments you may see, newest first, with their lines."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OrderCreateSerializer,
        responses={
            201: OpenApiResponse(PurchaseOrderSerializer, description="Released, or awaiting a manager."),
            **BAD_INPUT,
            409: OpenApiResponse(InsufficientOTBSerializer, description="Over OTB: what is short per month."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create an order, checked against the OTB left under the budget month locks. Within
        OTB it is released (201); over OTB it is refused with what is left per month (409), or
        with request_exception kept awaiting a manager's approval (201, status awaiting)."""
        data = validated(OrderCreateSerializer(data=request.data))
        department = visible_departments(request).filter(pk=data["department"].pk).first()
        if department is None:
            raise InvalidInput(f"department: no department {request.data['department']}.")
        scope.require_department(
            request.user, department.pk, edit=True, message=f"You cannot buy for {department}."
        )
        lines = [
            LineRequest(
                line["sku"], line["location"], line["units"], line["unit_cost"], line["unit_retail"],
                line["receipt_week"],
            )
            for line in data["lines"]
        ]  # fmt: skip
        try:
            order = purchase_order_create(
                user=request_user(request),
                number=data["number"],
                vendor_code=data["vendor"],
                department_id=department.pk,
                lines=lines,
                request_exception=data["request_exception"],
            )
        except services.InsufficientOTBError as error:
            short = [
                {
                    "month": key,
                    "month_label": services.month_label(key),
                    "requested": requested,
                    "available": max(available, Decimal("0.00")),
                }
                for key, (requested, available) in sorted(error.short.items())
            ]
            body = InsufficientOTBSerializer({"detail": str(error), "short": short}).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(
            PurchaseOrderSerializer(_orders(request).get(pk=order.pk)).data, status=status.HTTP_201_CREATED
        )


class PurchaseOrderDetail(APIView):
    @extend_schema(responses={200: PurchaseOrderSerializer, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request: Request, order_id: int) -> Response:
        """One purchase order with its lines."""
        return Response(PurchaseOrderSerializer(get_object_or_404(_orders(request), pk=order_id)).data)


class ReceiveSerializer(serializers.Serializer[Any]):
    units = serializers.IntegerField(help_text="Units received now: 1 up to the line's open units.")


class PurchaseOrderLineReceive(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=ReceiveSerializer, responses={200: PurchaseOrderLineSerializer, **REFUSALS})
    def post(self, request: Request, order_id: int, line_id: int) -> Response:
        """Receive units against an open line of a released order: they leave on order."""
        order = get_object_or_404(_orders(request), pk=order_id)
        line = get_object_or_404(PurchaseOrderLine.objects.filter(order=order), pk=line_id)
        scope.require_department(
            request.user,
            order.department_id,
            edit=True,
            message=f"You cannot receive for {Department.objects.get(pk=order.department_id)}.",
        )
        data = validated(ReceiveSerializer(data=request.data))
        line = purchase_order_line_receive(user=request_user(request), line_id=line.pk, units=data["units"])
        line = PurchaseOrderLine.objects.select_related("sku", "location").get(pk=line.pk)
        return Response(PurchaseOrderLineSerializer(line).data)
