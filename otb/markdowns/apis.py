"""Markdowns: candidates and why, proposals (create, submit, decide), markdown budget vs actual,
and the price history.

Thin views over `otb.markdowns.services` and `otb.markdowns.selectors`. A write names the
row_version it read; when the proposal changed since, the answer is a 409.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import scope
from core.api import BAD_INPUT, REFUSALS, STALE_ROW, request_user, validated
from core.api_fields import money, status_field
from core.errors import AppError, Conflict, Forbidden, InvalidInput
from otb.markdowns import selectors, services
from otb.models import MarkdownItem, MarkdownProposal, PriceChange
from planning.api_fields import WeekField, visible_departments
from planning.departments import DepartmentParamField
from planning.models import Department
from planning.roles import ADMIN, MANAGER, user_roles

CONFLICT = {409: STALE_ROW}


def _department(request: Request, department: Department) -> Department | None:
    """The department if the user sees it (the query names it by id or code)."""
    return visible_departments(request).filter(pk=department.pk).first()


# -- candidates ---------------------------------------------------------------------------


class DepartmentQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField()


class MarkdownCandidateSerializer(serializers.Serializer[Any]):
    style_color_id = serializers.IntegerField()
    code = serializers.CharField(help_text="Style-color code.")
    name = serializers.CharField(help_text="Color name.")
    class_id = serializers.IntegerField(help_text="Merchandise class id.")
    retail_price = money()
    unit_cost = money()
    units_sold = serializers.IntegerField(help_text="Units sold over the look-back weeks.")
    on_hand = serializers.IntegerField(help_text="Units on hand at the end of the last closed week.")
    sell_through_percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Sold / (sold + on hand) x 100."
    )
    weeks_of_supply = serializers.DecimalField(
        max_digits=10, decimal_places=1, allow_null=True, help_text="Null: no sales in the window."
    )
    age_weeks = serializers.IntegerField(allow_null=True, help_text="Weeks since launch; null without one.")
    weeks_on_sale = serializers.IntegerField(
        help_text="Weeks of the look-back window the item was on sale (since its launch, or its first "
        "sale or stock without a launch date): its rates are over these weeks."
    )
    value_retail = money(help_text="Value at risk: on hand x retail price.")
    value_cost = money(help_text="On hand x unit cost.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is a candidate.")


class MarkdownCandidates(APIView):
    @extend_schema(
        parameters=[DepartmentQuerySerializer],
        responses={200: MarkdownCandidateSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request) -> Response:
        """Style-colors of a department worth a markdown as of the last closed week, highest
        value at risk (retail) first, each with the rules that put it there."""
        query = validated(DepartmentQuerySerializer(data=request.query_params))
        department = _department(request, query["department"])
        if department is None:
            raise InvalidInput(f"department: no department {request.query_params['department']}.")
        rows = selectors.markdown_candidates(department.pk)
        return Response(MarkdownCandidateSerializer(rows, many=True).data)


# -- proposals ----------------------------------------------------------------------------


class MarkdownItemSerializer(serializers.ModelSerializer[MarkdownItem]):
    style_color_id = serializers.IntegerField()
    style_color = serializers.CharField(source="style_color.code", help_text="Style-color code.")
    units_affected = serializers.IntegerField(help_text="Units on hand + on order by the effective week.")
    projected_units = serializers.IntegerField(help_text="Units expected to sell at the new price.")
    markdown_cost = money(help_text="(Current - new price) x units affected.")

    class Meta:
        model = MarkdownItem
        fields = [
            "style_color_id", "style_color", "current_price", "new_price", "units_affected",
            "projected_units", "markdown_cost",
        ]  # fmt: skip


class MarkdownProposalSerializer(serializers.ModelSerializer[MarkdownProposal]):
    department = serializers.CharField(source="department.code", help_text="Department code.")
    department_id = serializers.IntegerField()
    effective_week = WeekField(source="effective_week_id")
    status = status_field(MarkdownProposal.Status)
    created_by = serializers.CharField(source="created_by.username")
    submitted_by = serializers.CharField(source="submitted_by.username", allow_null=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    markdown_cost = money(source="total_cost", help_text="Sum of the items' markdown cost.")

    class Meta:
        model = MarkdownProposal
        fields = [
            "id", "name", "department", "department_id", "effective_week", "status", "row_version",
            "markdown_cost", "created_by", "created_at", "submitted_by", "decided_by", "decided_at",
            "comment",
        ]  # fmt: skip


class MarkdownProposalDetailSerializer(MarkdownProposalSerializer):
    items = MarkdownItemSerializer(many=True, source="item_rows")
    units_affected = serializers.IntegerField(source="totals.units_affected")
    projected_units = serializers.IntegerField(source="totals.projected_units")
    value_before = money(source="totals.value_before", help_text="Units affected x current prices.")
    value_after = money(source="totals.value_after", help_text="Units affected x new prices.")

    class Meta(MarkdownProposalSerializer.Meta):
        fields = [
            *MarkdownProposalSerializer.Meta.fields, "units_affected", "projected_units", "value_before",
            "value_after", "items",
        ]  # fmt: skip


def _proposals(request: Request) -> QuerySet[MarkdownProposal]:
    return (
        MarkdownProposal.objects.filter(department__in=visible_departments(request))
        .select_related("department", "created_by", "submitted_by", "decided_by")
        .annotate(
            total_cost=Coalesce(
                Sum("items__markdown_cost"),
                Value(Decimal("0.00")),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
    )


def _detail(request: Request, proposal_id: int) -> dict[str, Any]:
    proposal = get_object_or_404(_proposals(request), pk=proposal_id)
    items = selectors.proposal_items(proposal.pk)
    proposal.item_rows = items  # type: ignore[attr-defined]
    proposal.totals = selectors.proposal_totals(items)  # type: ignore[attr-defined]
    return dict(MarkdownProposalDetailSerializer(proposal).data)


class ProposalQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField(required=False)
    status = serializers.ChoiceField(choices=MarkdownProposal.Status.values, required=False)


class MarkdownItemCreateSerializer(serializers.Serializer[Any]):
    style_color = serializers.IntegerField(help_text="A style-color id of the department.")
    new_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Below the current retail price, at least 0."
    )


class MarkdownProposalCreateSerializer(serializers.Serializer[Any]):
    department = DepartmentParamField(help_text="A department you plan: its id or code (W01).")
    name = serializers.CharField(max_length=120)
    effective_week = WeekField(help_text="The week the new prices start; it must not be over.")
    items = MarkdownItemCreateSerializer(many=True, allow_empty=False)


class MarkdownProposalList(generics.ListAPIView[MarkdownProposal]):
    serializer_class = MarkdownProposalSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[MarkdownProposal]:
        filters = validated(ProposalQuerySerializer(data=self.request.query_params))
        proposals = _proposals(self.request)
        if "department" in filters:
            proposals = proposals.filter(department=filters["department"])
        if "status" in filters:
            proposals = proposals.filter(status=filters["status"])
        return proposals.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[ProposalQuerySerializer],
        responses={200: MarkdownProposalSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Markdown proposals of the departments you may see, newest first."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=MarkdownProposalCreateSerializer,
        responses={201: MarkdownProposalDetailSerializer, **BAD_INPUT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a draft proposal; each item's numbers are computed now (current price, units
        affected, projected units, markdown cost)."""
        data = validated(MarkdownProposalCreateSerializer(data=request.data))
        department = _department(request, data["department"])
        if department is None:
            raise InvalidInput(f"department: no department {request.data['department']}.")
        scope.require_department(
            request.user, department.pk, edit=True, message=f"You cannot propose markdowns for {department}."
        )
        proposal = services.markdown_proposal_create(
            user=request_user(request),
            department_id=department.pk,
            name=data["name"],
            effective_week_id=data["effective_week"],
            items=[services.ItemRequest(item["style_color"], item["new_price"]) for item in data["items"]],
        )
        return Response(_detail(request, proposal.pk), status=status.HTTP_201_CREATED)


class MarkdownProposalDetail(APIView):
    @extend_schema(responses={200: MarkdownProposalDetailSerializer, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request: Request, proposal_id: int) -> Response:
        """One proposal with its items and totals."""
        return Response(_detail(request, proposal_id))


class MarkdownSubmitSerializer(serializers.Serializer[Any]):
    row_version = serializers.IntegerField(help_text="The proposal's row_version you read.")


class MarkdownDecideSerializer(MarkdownSubmitSerializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(
        allow_blank=True, default="", max_length=500, help_text="Required to reject."
    )


def _write_refusal(proposal: MarkdownProposal, row_version: int, error: Exception) -> AppError:
    """What to raise for a refused write: 403 when not allowed; 409 when the proposal changed
    since it was read (the service checks that under its lock; the transaction is rolled back,
    so the stored version tells); else the service's 400."""
    if isinstance(error, PermissionDenied):
        return error if isinstance(error, Forbidden) else Forbidden(str(error))
    current = MarkdownProposal.objects.filter(pk=proposal.pk).values_list("row_version", flat=True).first()
    if current != row_version:
        return Conflict(str(error), details={"current_version": current, "seen_version": row_version})
    return error if isinstance(error, AppError) else InvalidInput(str(error))


class MarkdownProposalSubmit(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=MarkdownSubmitSerializer,
        responses={200: MarkdownProposalDetailSerializer, **REFUSALS, **CONFLICT},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        """Submit a draft (or rejected) proposal for a manager's approval."""
        proposal = get_object_or_404(_proposals(request), pk=proposal_id)
        scope.require_department(
            request.user,
            proposal.department_id,
            edit=True,
            message=f"You cannot submit markdowns for {proposal.department}.",
        )
        data = validated(MarkdownSubmitSerializer(data=request.data))
        try:
            services.markdown_proposal_submit(
                user=request_user(request), proposal_id=proposal.pk, row_version=data["row_version"]
            )
        except (PermissionDenied, services.MarkdownError) as error:
            raise _write_refusal(proposal, data["row_version"], error) from error
        return Response(_detail(request, proposal.pk))


class MarkdownProposalDecide(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=MarkdownDecideSerializer,
        responses={200: MarkdownProposalDetailSerializer, **REFUSALS, **CONFLICT},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        """A manager of the department who did not submit it approves (the new prices, the
        price history and the working plan's markdowns are written) or rejects with a comment."""
        proposal = get_object_or_404(_proposals(request), pk=proposal_id)
        decides = "Only managers of the department decide on markdowns."
        if not user_roles(request.user) & {MANAGER, ADMIN}:
            raise Forbidden(decides)
        scope.require_department(request.user, proposal.department_id, edit=True, message=decides)
        data = validated(MarkdownDecideSerializer(data=request.data))
        try:
            services.markdown_proposal_decide(
                user=request_user(request),
                proposal_id=proposal.pk,
                approve=data["approve"],
                comment=data["comment"],
                row_version=data["row_version"],
            )
        except (PermissionDenied, services.MarkdownError) as error:
            raise _write_refusal(proposal, data["row_version"], error) from error
        return Response(_detail(request, proposal.pk))


# -- budget and price history -------------------------------------------------------------


class MarkdownBudgetQuerySerializer(DepartmentQuerySerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="Fiscal year.")


class MarkdownBudgetMonthSerializer(serializers.Serializer[Any]):
    month = serializers.IntegerField(source="month_key", help_text="Fiscal month: year * 100 + month.")
    month_label = serializers.CharField(source="label")
    budget = money(help_text="Planned markdowns of the approved (original) plan.")
    actual = money(help_text="Markdown value of the sales history.")
    variance = money(help_text="Actual - budget.")
    used_percent = serializers.DecimalField(
        max_digits=9, decimal_places=1, allow_null=True, help_text="Actual / budget x 100; null without one."
    )
    approved_markdowns = money(help_text="Markdown cost of approved proposals effective in the month.")


class MarkdownBudget(APIView):
    @extend_schema(
        parameters=[MarkdownBudgetQuerySerializer],
        responses={200: MarkdownBudgetMonthSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request) -> Response:
        """Markdowns by fiscal month of one department and fiscal year: budget vs actual, and the
        approved markdown cost committed beside them."""
        query = validated(MarkdownBudgetQuerySerializer(data=request.query_params))
        department = _department(request, query["department"])
        if department is None:
            raise InvalidInput(f"department: no department {request.query_params['department']}.")
        rows = selectors.markdown_budget_vs_actual(department.pk, query["year"])
        return Response(MarkdownBudgetMonthSerializer(rows, many=True).data)


class PriceChangeSerializer(serializers.ModelSerializer[PriceChange]):
    style_color_id = serializers.IntegerField()
    style_color = serializers.CharField(source="style_color.code", help_text="Style-color code.")
    effective_week = WeekField(source="effective_week_id")
    proposal_id = serializers.IntegerField()
    changed_by = serializers.CharField(source="changed_by.username")

    class Meta:
        model = PriceChange
        fields = [
            "id", "style_color_id", "style_color", "effective_week", "old_price", "new_price", "proposal_id",
            "changed_by", "changed_at",
        ]  # fmt: skip


class PriceChangeQuerySerializer(serializers.Serializer[Any]):
    style_color = serializers.IntegerField(required=False, help_text="A style-color id.")


class PriceChangeList(generics.ListAPIView[PriceChange]):
    serializer_class = PriceChangeSerializer

    def get_queryset(self) -> QuerySet[PriceChange]:
        filters = validated(PriceChangeQuerySerializer(data=self.request.query_params))
        changes = PriceChange.objects.filter(
            style_color__style__subclass__merch_class__department__in=visible_departments(self.request)
        )
        if "style_color" in filters:
            changes = changes.filter(style_color_id=filters["style_color"])
        return changes.select_related("style_color", "changed_by").order_by("-changed_at", "-id")

    @extend_schema(
        parameters=[PriceChangeQuerySerializer],
        responses={200: PriceChangeSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Price history of the style-colors you may see, newest first."""
        return super().get(request, *args, **kwargs)
