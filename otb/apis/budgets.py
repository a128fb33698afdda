"""The OTB table of a department and fiscal year, and the OTB budgets."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import scope
from core.api import BAD_INPUT, REFUSALS, ErrorBody, request_user, validated
from core.api_fields import MonthLabelField, money, status_field
from core.errors import InvalidInput
from otb import open_to_buy, selectors, services
from otb.models import OTBBudget, OTBBudgetMonth
from planning.api_fields import visible_departments
from planning.departments import DepartmentParamField
from planning.models import PlanVersion


class OTBQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField()
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="Fiscal year.")


class OTBRowSerializer(serializers.Serializer[Any]):
    month = serializers.IntegerField(source="month_key", help_text="Fiscal month: year * 100 + month.")
    month_label = MonthLabelField()
    budget_retail = money(
        help_text="Approved planned receipts at retail, signed: negative where the plan's stock target "
        "is below what selling leaves (OTB starts below zero)."
    )
    budget_cost = money(help_text="Approved planned receipts at cost (signed as at retail).")
    on_order_retail = money(help_text="Open units of released orders x unit retail.")
    on_order_cost = money()
    on_order_units = serializers.IntegerField()
    received_retail = money(help_text="Received units of released orders x unit retail.")
    otb_retail = money(help_text="Budget - received - on order (negative: over-bought).")
    otb_cost = money()
    used_percent = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True,
        help_text="(On order + received) / budget x 100; null without a positive budget.",
    )  # fmt: skip


class OTBTable(APIView):
    @extend_schema(parameters=[OTBQuerySerializer], responses={200: OTBRowSerializer(many=True), **BAD_INPUT})
    def get(self, request: Request) -> Response:
        """OTB by fiscal month of one department and fiscal year: the newest approved budget,
        on order, received and the OTB left, at retail and cost (12 rows)."""
        query = validated(OTBQuerySerializer(data=request.query_params))
        department = visible_departments(request).filter(pk=query["department"].pk).first()
        if department is None:
            raise InvalidInput(f"department: no department {request.query_params['department']}.")
        keys = [query["year"] * 100 + month for month in range(1, 13)]
        return Response(OTBRowSerializer(selectors.otb_rows(department.pk, keys), many=True).data)


class VersionMonthSerializer(serializers.Serializer[Any]):
    month = serializers.IntegerField(source="month_key", help_text="Fiscal month: year * 100 + month.")
    month_label = serializers.CharField(source="label")
    receipts_retail = money(help_text="The version's planned receipts (a closed week's: its actual ones).")
    received_retail = money(help_text="Received: closed weeks' actual receipts, open weeks' PO receipts.")
    on_order_retail = money(help_text="Open lines of released orders at the plan's scope, by expected week.")
    otb_retail = money(help_text="Planned receipts - received - on order, summed over the open weeks.")
    receipts_cost = money(help_text="Planned receipts at the plan's cost complement.")
    received_cost = money(help_text="Received at the orders' unit costs (closed weeks: at the complement).")
    on_order_cost = money(help_text="On order at the orders' unit costs.")
    otb_cost = money(help_text="Planned receipts at cost - received - on order at cost, over the open weeks.")


class PlanVersionOTB(APIView):
    @extend_schema(responses={200: VersionMonthSerializer(many=True), **REFUSALS})
    def get(self, request: Request, version_id: int) -> Response:
        """A plan version's OTB by fiscal month, as its grid's month totals show it (one read path:
        `otb.open_to_buy`)."""
        version = get_object_or_404(
            PlanVersion.objects.select_related("plan"),
            pk=version_id,
            plan__department__in=visible_departments(request),
        )
        return Response(VersionMonthSerializer(open_to_buy.version_months(version), many=True).data)


class OTBBudgetMonthSerializer(serializers.ModelSerializer[OTBBudgetMonth]):
    month = serializers.IntegerField(source="month_key", help_text="Fiscal month: year * 100 + month.")
    month_label = MonthLabelField()

    class Meta:
        model = OTBBudgetMonth
        fields = ["month", "month_label", "receipts_retail", "receipts_cost", "receipts_units"]


class OTBBudgetSerializer(serializers.ModelSerializer[OTBBudget]):
    department = serializers.CharField(source="department.code", help_text="Department code.")
    department_id = serializers.IntegerField()
    status = status_field(OTBBudget.Status)
    created_by = serializers.CharField(source="created_by.username")
    submitted_by = serializers.CharField(source="submitted_by.username", allow_null=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    months = OTBBudgetMonthSerializer(many=True)

    class Meta:
        model = OTBBudget
        fields = [
            "id", "department", "department_id", "fiscal_year", "number", "status", "created_by",
            "created_at", "submitted_by", "decided_by", "decided_at", "comment", "months",
        ]  # fmt: skip


class BudgetQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField(required=False)
    year = serializers.IntegerField(required=False, help_text="Fiscal year.")
    status = serializers.ChoiceField(choices=OTBBudget.Status.values, required=False)


class OTBBudgetList(generics.ListAPIView[OTBBudget]):
    serializer_class = OTBBudgetSerializer

    def get_queryset(self) -> QuerySet[OTBBudget]:
        filters = validated(BudgetQuerySerializer(data=self.request.query_params))
        budgets = OTBBudget.objects.filter(department__in=visible_departments(self.request))
        if "department" in filters:
            budgets = budgets.filter(department=filters["department"])
        if "year" in filters:
            budgets = budgets.filter(fiscal_year=filters["year"])
        if "status" in filters:
            budgets = budgets.filter(status=filters["status"])
        return (
            budgets.select_related("department", "created_by", "submitted_by", "decided_by")
            .prefetch_related(Prefetch("months", OTBBudgetMonth.objects.order_by("month_key")))
            .order_by("department__code", "fiscal_year", "-number")
        )

    @extend_schema(
        parameters=[BudgetQuerySerializer], responses={200: OTBBudgetSerializer(many=True), **BAD_INPUT}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """OTB budgets of the departments you may see (every version and status), with their
        approved receipts by fiscal month; the newest approved version is the one in force."""
        return super().get(request, *args, **kwargs)


class BudgetReviseSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The working plan (version id) to draft the revision from.")


class OTBBudgetRevise(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=BudgetReviseSerializer,
        responses={
            201: OTBBudgetSerializer,
            **REFUSALS,
            409: OpenApiResponse(ErrorBody, description="A revision of this plan state exists."),
        },
    )
    def post(self, request: Request) -> Response:
        """A draft revision of the department's OTB budget from its working plan's receipts by
        fiscal month (retail, cost through the plan's cost complement, units; signed), numbered
        after the department-year's newest; it then goes through submit and approve. A planner
        or manager of the department; 409 when a draft or submitted revision of the same plan
        state exists (a second click)."""
        data = validated(BudgetReviseSerializer(data=request.data))
        version = get_object_or_404(
            PlanVersion.objects.filter(
                plan__department__in=visible_departments(request), kind=PlanVersion.Kind.WORKING
            ).select_related("plan"),
            pk=data["version"],
        )
        scope.require_department(
            request.user, version.plan.department_id, edit=True, message="You cannot budget this department."
        )
        budget = services.otb_budget_revision(user=request_user(request), version_id=version.pk)
        budget = (
            OTBBudget.objects.select_related("department", "created_by", "submitted_by", "decided_by")
            .prefetch_related(Prefetch("months", OTBBudgetMonth.objects.order_by("month_key")))
            .get(pk=budget.pk)
        )
        return Response(OTBBudgetSerializer(budget).data, status=status.HTTP_201_CREATED)
