"""REST endpoints for replenishment: runs (list, start, detail), their purchase suggestions,
a buyer's change to a suggestion's units, dismissing and restoring one, turning suggestions into
purchase orders (optionally requesting an OTB exception), and the open purchase order review.

Same services as the worksheet page (`replenishment.runs`, `replenishment.worksheet`,
`replenishment.po_review`).
Refusals answer {"detail": ...}: bad input 400, not allowed 403, nothing of that id visible 404,
a stale row_version 409.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import scope
from core.api import BAD_INPUT, REFUSALS, STALE_ROW, request_user, validated
from core.api_fields import money, status_field
from core.errors import Forbidden, InvalidInput
from otb.models import Vendor
from planning.api_fields import WeekField, visible_departments
from planning.departments import DepartmentParamField
from planning.models import Department
from replenishment import po_review, po_review_decisions, runs, skipped, worksheet
from replenishment.models import ReplenishmentRun, Suggestion

CONFLICT = {409: STALE_ROW}


class RunSerializer(serializers.ModelSerializer[ReplenishmentRun]):
    status = status_field(ReplenishmentRun.Status)
    as_of = WeekField(source="as_of_id", help_text="The last closed week the run starts from.")
    departments = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = ReplenishmentRun
        fields = [
            "id", "status", "as_of", "horizon", "departments", "created_by", "created_at", "finished_at",
            "progress_done", "progress_total", "sku_locations", "optimiser_status", "message",
        ]  # fmt: skip

    def get_departments(self, run: ReplenishmentRun) -> list[str]:
        """Codes of the run's departments."""
        return [department.code for department in run.departments.all()]


class RunCreateSerializer(serializers.Serializer[Any]):
    departments = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, help_text="Ids of departments you plan."
    )
    horizon = serializers.IntegerField(min_value=4, max_value=52, default=26, help_text="Weeks ahead.")


class SuggestionSerializer(serializers.ModelSerializer[Suggestion]):
    run = serializers.IntegerField(source="run_id")
    vendor = serializers.CharField(source="vendor.code", help_text="Vendor code.")
    department = serializers.CharField(source="department.code", help_text="Department code.")
    department_id = serializers.IntegerField()
    sku = serializers.CharField(source="policy.sku.code", help_text="SKU code.")
    location = serializers.CharField(source="policy.location.code", help_text="The DC it is ordered to.")
    order_week = WeekField(source="order_week_id")
    arrival_week = WeekField(source="arrival_week_id")
    status = status_field(Suggestion.Status)
    segment = serializers.CharField(source="policy.segment", help_text="ABC x XYZ cell.")
    reorder_point = serializers.FloatField(source="policy.reorder_point")
    order_up_to = serializers.FloatField(source="policy.order_up_to")
    on_hand = serializers.IntegerField(source="policy.on_hand")
    stockout_week = WeekField(
        source="policy.first_stockout_week_id", allow_null=True, help_text="First projected stock-out week."
    )
    retail_value = serializers.SerializerMethodField()
    purchase_order = serializers.IntegerField(source="purchase_order_id", allow_null=True)

    class Meta:
        model = Suggestion
        fields = [
            "id", "run", "vendor", "department", "department_id", "sku", "location", "order_week",
            "arrival_week", "month_key", "suggested_units", "units", "cut_reason", "unit_cost", "unit_retail",
            "retail_value", "status", "purchase_order", "row_version", "segment", "reorder_point",
            "order_up_to", "on_hand", "stockout_week",
        ]  # fmt: skip

    @extend_schema_field({"type": "string", "format": "decimal", "description": "units x unit retail."})
    def get_retail_value(self, suggestion: Suggestion) -> str:
        return f"{suggestion.units * suggestion.unit_retail:.2f}"


class SuggestionQuerySerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField(required=False, help_text="A run id; default: the latest done run.")
    vendor = serializers.CharField(required=False, help_text="A vendor code.")
    department = DepartmentParamField(required=False)
    status = serializers.ChoiceField(choices=Suggestion.Status.values, required=False)


class SuggestionChangeSerializer(serializers.Serializer[Any]):
    units = serializers.IntegerField(
        min_value=0, max_value=worksheet.MAX_UNITS, help_text="0 drops it; else MOQ and order multiple apply."
    )
    row_version = serializers.IntegerField(min_value=0, help_text="The row_version you read.")


class VersionSerializer(serializers.Serializer[Any]):
    row_version = serializers.IntegerField(min_value=0, help_text="The row_version you read.")


class OrderRequestSerializer(serializers.Serializer[Any]):
    suggestion_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    request_exception = serializers.BooleanField(
        default=False,
        help_text="An order over OTB is kept awaiting a manager's approval (its suggestions are marked "
        "ordered) instead of refused.",
    )


class CreatedOrderSerializer(serializers.Serializer[Any]):
    order_id = serializers.IntegerField()
    number = serializers.CharField()
    vendor = serializers.CharField()
    department = serializers.CharField()
    suggestion_ids = serializers.ListField(child=serializers.IntegerField())
    units = serializers.IntegerField()
    retail = money()
    status = serializers.CharField(help_text="released, or awaiting (over OTB: a manager decides).")
    is_awaiting_approval = serializers.BooleanField()


class RefusalSerializer(serializers.Serializer[Any]):
    vendor = serializers.CharField()
    department = serializers.CharField()
    message = serializers.CharField(help_text="Why the order was refused, e.g. insufficient OTB.")
    suggestion_ids = serializers.ListField(child=serializers.IntegerField())
    is_over_otb = serializers.BooleanField(
        help_text="Refused for insufficient OTB: asked again with request_exception, it waits for a manager."
    )


class OrderResultSerializer(serializers.Serializer[Any]):
    created = CreatedOrderSerializer(many=True)
    refused = RefusalSerializer(many=True)
    skipped = serializers.ListField(child=serializers.CharField())


def _runs() -> QuerySet[ReplenishmentRun]:
    return ReplenishmentRun.objects.select_related("created_by").prefetch_related("departments")


class ReplenishmentRunList(generics.ListAPIView[ReplenishmentRun]):
    serializer_class = RunSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[ReplenishmentRun]:
        return _runs().order_by("-created_at", "-id")

    @extend_schema(responses={200: RunSerializer(many=True), 403: REFUSALS[403]})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replenishment runs, newest first, with their progress."""
        return super().get(request, *args, **kwargs)

    @extend_schema(request=RunCreateSerializer, responses={201: RunSerializer, **BAD_INPUT})
    def post(self, request: Request) -> Response:
        """Queue a run for the departments; it computes policies and suggestions in the background."""
        data = validated(RunCreateSerializer(data=request.data))
        wanted = set(data["departments"])
        editable = set(
            Department.objects.editable_by(request.user).filter(pk__in=wanted).values_list("pk", flat=True)
        )
        if wanted - editable:
            raise Forbidden("You cannot replenish every department chosen.")
        try:
            run = runs.start_run(
                user=request_user(request), department_ids=sorted(wanted), horizon=data["horizon"]
            )
        except ValueError as error:
            raise InvalidInput(str(error)) from error
        return Response(RunSerializer(_runs().get(pk=run.pk)).data, status=status.HTTP_201_CREATED)


class ReplenishmentRunDetail(APIView):
    @extend_schema(responses={200: RunSerializer, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request: Request, run_id: int) -> Response:
        """One run with its progress."""
        return Response(RunSerializer(get_object_or_404(_runs(), pk=run_id)).data)


class SuggestionList(generics.ListAPIView[Suggestion]):
    serializer_class = SuggestionSerializer

    def get_queryset(self) -> QuerySet[Suggestion]:
        filters = validated(SuggestionQuerySerializer(data=self.request.query_params))
        run_id = filters.get("run")
        if run_id is None:
            latest = worksheet.latest_done_run()
            run_id = latest.pk if latest else 0
        rows = worksheet.suggestion_rows(
            request_user(self.request),
            run_id=run_id,
            department_id=filters["department"].pk if "department" in filters else None,
            status=filters.get("status"),
        )
        if "vendor" in filters:
            rows = rows.filter(vendor__code=filters["vendor"])
        return rows

    @extend_schema(
        parameters=[SuggestionQuerySerializer], responses={200: SuggestionSerializer(many=True), **BAD_INPUT}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Purchase suggestions of a run (default the latest done one) in the departments you may see."""
        return super().get(request, *args, **kwargs)


class SkippedLineSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField()
    location = serializers.CharField()
    department = serializers.CharField(help_text="Department code.")
    vendor = serializers.CharField(allow_blank=True, help_text="Vendor code.")
    order_week = serializers.CharField(help_text="The week it would have been placed.")
    units = serializers.IntegerField(help_text="What it would have ordered (the MOQ, or more).")
    reorder_point = serializers.IntegerField()
    order_up_to = serializers.IntegerField()
    on_hand = serializers.IntegerField()
    on_order = serializers.IntegerField()
    reason = serializers.CharField(help_text="Why it was not suggested, with the numbers.")


class SkippedSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    lines = SkippedLineSerializer(many=True)


class SkippedList(APIView):
    @extend_schema(parameters=[SuggestionQuerySerializer], responses={200: SkippedSerializer, **BAD_INPUT})
    def get(self, request: Request) -> Response:
        """Orders a run did not suggest because the vendor's minimum order is more than
        `MAX_MOQ_TO_ORDER_UP_TO` (4) times the SKU-location's order-up-to level, with what and
        when each would have ordered and why not (default: the latest done run). `status` is
        ignored here: skipped lines are not suggestions."""
        filters = validated(SuggestionQuerySerializer(data=request.query_params))
        run = (
            get_object_or_404(ReplenishmentRun, pk=filters["run"], status=ReplenishmentRun.Status.DONE)
            if "run" in filters
            else worksheet.latest_done_run()
        )
        if run is None:
            return Response({"count": 0, "lines": []})
        vendor_id = None
        if "vendor" in filters:
            vendor = Vendor.objects.filter(code=filters["vendor"]).first()
            if vendor is None:
                raise InvalidInput(f"vendor: no vendor {filters['vendor']}.")
            vendor_id = vendor.pk
        lines, count = skipped.skipped_lines(
            request_user(request),
            run,
            department=filters.get("department"),
            vendor_id=vendor_id,
            limit=None,
        )
        return Response(SkippedSerializer({"count": count, "lines": lines}).data)


class SuggestionDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=SuggestionChangeSerializer, responses={200: SuggestionSerializer, **REFUSALS, **CONFLICT}
    )
    def patch(self, request: Request, suggestion_id: int) -> Response:
        """Set an open suggestion's units, naming the row_version you read."""
        suggestion = get_object_or_404(
            Suggestion.objects.filter(department__in=visible_departments(request)), pk=suggestion_id
        )
        scope.require_department(
            request.user,
            suggestion.department_id,
            edit=True,
            message="You cannot change suggestions of this department.",
        )
        data = validated(SuggestionChangeSerializer(data=request.data))
        worksheet.suggestion_update(
            user=request_user(request),
            suggestion_id=suggestion.pk,
            units=data["units"],
            expected_version=data["row_version"],
        )
        fresh = worksheet.suggestion_rows(request_user(request), status=None).get(pk=suggestion.pk)
        return Response(SuggestionSerializer(fresh).data)


class SuggestionOrder(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=OrderRequestSerializer, responses={200: OrderResultSerializer, **BAD_INPUT})
    def post(self, request: Request) -> Response:
        """Purchase orders from open suggestions: one per vendor and department, each checked against
        OTB on its own. Refused ones (e.g. insufficient OTB) keep their suggestions open; with
        request_exception, one over OTB is kept awaiting a manager's approval instead."""
        data = validated(OrderRequestSerializer(data=request.data))
        if not Department.objects.editable_by(request.user).exists():
            raise Forbidden("You have no departments to buy for.")
        result = worksheet.suggestions_to_orders(
            user=request_user(request),
            suggestion_ids=data["suggestion_ids"],
            request_exception=data["request_exception"],
        )
        return Response(OrderResultSerializer(result).data)


class _SuggestionStatusChange(APIView):
    parser_classes = [JSONParser]
    is_dismiss = True

    def _change(self, request: Request, suggestion_id: int) -> Response:
        suggestion = get_object_or_404(
            Suggestion.objects.filter(department__in=visible_departments(request)), pk=suggestion_id
        )
        scope.require_department(
            request.user,
            suggestion.department_id,
            edit=True,
            message="You cannot change suggestions of this department.",
        )
        data = validated(VersionSerializer(data=request.data))
        change = worksheet.suggestion_dismiss if self.is_dismiss else worksheet.suggestion_restore
        change(user=request_user(request), suggestion_id=suggestion.pk, expected_version=data["row_version"])
        fresh = worksheet.suggestion_rows(request_user(request), status=None).get(pk=suggestion.pk)
        return Response(SuggestionSerializer(fresh).data)


class SuggestionDismiss(_SuggestionStatusChange):
    is_dismiss = True

    @extend_schema(request=VersionSerializer, responses={200: SuggestionSerializer, **REFUSALS, **CONFLICT})
    def post(self, request: Request, suggestion_id: int) -> Response:
        """Dismiss an open suggestion (audited): it is not ordered and leaves the worksheet."""
        return self._change(request, suggestion_id)


class SuggestionRestore(_SuggestionStatusChange):
    is_dismiss = False

    @extend_schema(request=VersionSerializer, responses={200: SuggestionSerializer, **REFUSALS, **CONFLICT})
    def post(self, request: Request, suggestion_id: int) -> Response:
        """Make a dismissed suggestion open again (audited)."""
        return self._change(request, suggestion_id)


class ReviewQuerySerializer(serializers.Serializer[Any]):
    department = DepartmentParamField(
        required=False, help_text="A department id or code (W01, any case); default: all you see."
    )


class ReviewRowSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=list(po_review_decisions.KIND_LABELS),
        help_text="expedite: pull the line forward to target_week; push_back: move it to target_week; "
        "cancel: take excess_units off it (keep_units stay).",
    )
    message = serializers.CharField()
    line_id = serializers.IntegerField(source="line.pk")
    row_version = serializers.IntegerField(source="line.row_version", help_text="The line's, for a change.")
    order_id = serializers.IntegerField(source="line.order_id")
    order_number = serializers.CharField(source="line.order.number")
    vendor = serializers.CharField(source="line.order.vendor.code")
    department = serializers.CharField(source="line.order.department.code")
    sku = serializers.CharField(source="line.sku.code")
    location = serializers.CharField(source="line.location.code")
    units = serializers.IntegerField(source="line.units")
    open_units = serializers.IntegerField()
    receipt_week = WeekField(source="receipt_week.pk")
    target_week = WeekField(source="target_week.pk", allow_null=True, default=None)
    weeks = serializers.IntegerField(help_text="Weeks earlier (expedite) or later (push back); 0 to cancel.")
    excess_units = serializers.IntegerField()
    keep_units = serializers.IntegerField(help_text="The line's units after a cancel (received units stay).")
    on_hand = serializers.IntegerField(help_text="Stock as of the run.")
    order_up_to = serializers.FloatField()
    demand = serializers.FloatField(help_text="The policy's weekly demand, the flat forecast of the review.")
    stockout_week = WeekField(source="stockout_week.pk", allow_null=True, default=None)
    run = serializers.IntegerField(source="run_id")


class ReviewSerializer(serializers.Serializer[Any]):
    runs = serializers.SerializerMethodField()
    lines_reviewed = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())
    rows = ReviewRowSerializer(many=True)

    def get_runs(self, review: po_review.Review) -> list[int]:
        """Ids of the runs reviewed against (the latest done run of each department)."""
        return [run.pk for run in review.runs]


class OpenOrderReview(APIView):
    @extend_schema(parameters=[ReviewQuerySerializer], responses={200: ReviewSerializer, **BAD_INPUT})
    def get(self, request: Request) -> Response:
        """Open lines of released orders to expedite, push back or cancel, against the latest done
        replenishment run of their department (see replenishment.po_review). Change them with
        the purchase order line endpoints."""
        filters = validated(ReviewQuerySerializer(data=request.query_params))
        department = filters.get("department")
        review = po_review.open_order_review(
            request_user(request), department_id=department.pk if department else None
        )
        return Response(ReviewSerializer(review).data)
