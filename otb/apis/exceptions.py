"""OTB exceptions: orders over OTB waiting for a manager, and the manager's decision."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import scope
from core.api import BAD_INPUT, REFUSALS, request_user, validated
from core.api_fields import MonthLabelField, money, status_field
from core.errors import Forbidden
from otb import services
from otb.models import OTBException
from planning.api_fields import visible_departments
from planning.roles import ADMIN, MANAGER, user_roles


class OTBExceptionSerializer(serializers.ModelSerializer[OTBException]):
    order = serializers.CharField(source="order.number", help_text="Purchase order number.")
    order_id = serializers.IntegerField()
    department = serializers.CharField(source="department.code", help_text="Department code.")
    month = serializers.IntegerField(source="month_key", help_text="Fiscal month: year * 100 + month.")
    month_label = MonthLabelField()
    over_retail = money(help_text="Requested - available.")
    status = status_field(OTBException.Status)
    reason = serializers.CharField(
        help_text=f"The reason code of an approval: {', '.join(OTBException.Reason.values)}; else empty."
    )
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    class Meta:
        model = OTBException
        fields = [
            "id", "order", "order_id", "department", "month", "month_label", "requested_retail",
            "available_retail", "over_retail", "status", "reason", "comment", "requested_by", "requested_at",
            "decided_by", "decided_at",
        ]  # fmt: skip


class ExceptionQuerySerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=OTBException.Status.values, required=False)


def _exceptions(request: Request) -> QuerySet[OTBException]:
    return OTBException.objects.filter(department__in=visible_departments(request)).select_related(
        "order", "department", "requested_by", "decided_by"
    )


class OTBExceptionList(generics.ListAPIView[OTBException]):
    serializer_class = OTBExceptionSerializer

    def get_queryset(self) -> QuerySet[OTBException]:
        filters = validated(ExceptionQuerySerializer(data=self.request.query_params))
        exceptions = _exceptions(self.request)
        if "status" in filters:
            exceptions = exceptions.filter(status=filters["status"])
        return exceptions.order_by("-requested_at", "-id")

    @extend_schema(
        parameters=[ExceptionQuerySerializer], responses={200: OTBExceptionSerializer(many=True), **BAD_INPUT}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """OTB exceptions of the departments you may see, newest first."""
        return super().get(request, *args, **kwargs)


class DecideSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()
    reason = serializers.CharField(
        allow_blank=True, default="",
        help_text=f"Required to approve: {', '.join(OTBException.Reason.values)}.",
    )  # fmt: skip
    comment = serializers.CharField(
        allow_blank=True, default="", max_length=500, help_text="Required to reject."
    )


class OTBExceptionDecide(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=DecideSerializer, responses={200: OTBExceptionSerializer, **REFUSALS})
    def post(self, request: Request, exception_id: int) -> Response:
        """A manager of the department (not the requester) approves with a reason code, or
        rejects with a comment. The order is released when its last exception is approved and
        cancelled when one is rejected."""
        exception = get_object_or_404(_exceptions(request), pk=exception_id)
        decides = "Only managers of the department decide on OTB exceptions."
        if not user_roles(request.user) & {MANAGER, ADMIN}:
            raise Forbidden(decides)
        scope.require_department(request.user, exception.department_id, edit=True, message=decides)
        data = validated(DecideSerializer(data=request.data))
        services.otb_exception_decide(
            user=request_user(request),
            exception_id=exception.pk,
            approve=data["approve"],
            reason=data["reason"],
            comment=data["comment"],
        )
        return Response(OTBExceptionSerializer(_exceptions(request).get(pk=exception.pk)).data)
