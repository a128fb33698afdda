"""REST endpoints for allocation: runs (list, start, detail with totals and items), their lines
(SKU x store), a planner's change to a line's units, release into transfers and cancel, the
transfers themselves, and in-season rebalancing (suggested store-to-store moves, accepting some).

Same services as the pages (`allocation.runs`, `allocation.services`, `allocation.rebalancing`).
Refusals answer {"detail": ..., "code": ...} (core.api's handler): bad input 400 (a refusal
naming its field also carries {field: [message]}), not allowed 403, nothing of that id visible
404, a stale version (a line's row_version for an edit, the run's for release and cancel; or a
rebalancing move no longer suggested) 409.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation import rebalancing, runs, services
from allocation.engine import SHORTFALL_TEXT, Shortfall
from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from core.api import BAD_INPUT, REFUSALS, STALE_ROW, request_user, validated
from core.errors import Conflict, InvalidInput
from otb.apis.common import status_field, visible_departments
from otb.models import PurchaseOrder
from planning.departments import DepartmentLookupError, department_from_filter, unknown_department_message
from planning.models import Department, Location, Region, Sku, StyleColor

CONFLICT = {409: STALE_ROW}


# -- lookups by id or code -------------------------------------------------------------------


def _by_id_or_code(queryset: QuerySet[Any], value: Any, code_field: str = "code") -> Any:
    """The row a filter or field names by id ("3") or code (any case); None if none."""
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        found = queryset.filter(pk=int(text)).first()
        if found is not None:
            return found
    return queryset.filter(**{f"{code_field}__iexact": text}).first()


def _visible_department(request: Request, value: Any) -> Department | None:
    """The department `value` names (id or code) if the user sees it; None if it is outside
    their scope; an unknown name is a 400 (`planning.departments`)."""
    try:
        return department_from_filter(value, visible_departments(request))
    except DepartmentLookupError as error:
        if error.is_unknown:
            raise serializers.ValidationError({"detail": unknown_department_message(value)}) from error
        return None


def _no(field: str, what: str, value: Any) -> str:
    return f"{field}: no {what} {str(value).strip()!r}."


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


# -- serializers ------------------------------------------------------------------------------


class AllocationRunSerializer(serializers.ModelSerializer[AllocationRun]):
    status = status_field(AllocationRun.Status)
    department = serializers.CharField(source="department.code", help_text="Department code.")
    department_id = serializers.IntegerField()
    dc = serializers.CharField(source="dc.code", help_text="The DC the stock comes from.")
    purchase_order = serializers.CharField(
        source="purchase_order.number", allow_null=True, default=None, help_text="Order number (source po)."
    )
    style_colors = serializers.SerializerMethodField()
    like_style_color = serializers.CharField(source="like_style_color.code", allow_null=True, default=None)
    as_of = serializers.IntegerField(source="as_of_id", help_text="The closed fiscal week the run reads.")
    created_by = serializers.CharField(source="created_by.username")
    released_by = serializers.CharField(source="released_by.username", allow_null=True, default=None)
    is_editable = serializers.BooleanField(help_text="A preview (not what-if): lines can change.")
    progress = serializers.IntegerField(source="progress_percent", read_only=True, help_text="0 to 100.")

    class Meta:
        model = AllocationRun
        fields = [
            "id", "name", "status", "progress", "message", "row_version", "is_editable", "department",
            "department_id", "dc", "source", "purchase_order", "style_colors", "cluster", "grade", "demand",
            "like_style_color", "planned_weekly_units", "mode", "holdback", "pack_size", "coverage_weeks",
            "what_if", "as_of", "created_by", "created_at", "finished_at", "released_by", "released_at",
        ]  # fmt: skip

    def get_style_colors(self, run: AllocationRun) -> list[str]:
        """Codes of the run's style-colors."""
        return [style_color.code for style_color in run.style_colors.all()]


class AllocationItemSerializer(serializers.ModelSerializer[AllocationItem]):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    sku_id = serializers.IntegerField()
    left_at_dc = serializers.IntegerField(help_text="available - held back - allocated.")

    class Meta:
        model = AllocationItem
        fields = [
            "id", "sku", "sku_id", "available", "held_back", "allocatable", "allocated", "need",
            "stores_short", "left_at_dc",
        ]  # fmt: skip


class AllocationTotalsSerializer(serializers.Serializer[Any]):
    need = serializers.IntegerField()
    allocated = serializers.IntegerField()
    held_back = serializers.IntegerField()
    left_at_dc = serializers.IntegerField()
    stores_short = serializers.IntegerField(help_text="Stores short of their need in at least one SKU.")
    lines_short = serializers.IntegerField(help_text="SKU x store lines short of their need.")


class AllocationRunDetailSerializer(AllocationRunSerializer):
    totals = serializers.SerializerMethodField()
    items = AllocationItemSerializer(many=True)

    class Meta(AllocationRunSerializer.Meta):
        fields = [*AllocationRunSerializer.Meta.fields, "totals", "items"]

    @extend_schema_field(AllocationTotalsSerializer)
    def get_totals(self, run: AllocationRun) -> dict[str, int]:
        items = list(run.items.all())
        stores_short = (
            AllocationLine.objects.filter(run=run, allocated__lt=F("need")).values("store").distinct().count()
        )
        return {
            "need": sum(item.need for item in items),
            "allocated": sum(item.allocated for item in items),
            "held_back": sum(item.held_back for item in items),
            "left_at_dc": sum(item.left_at_dc for item in items),
            "stores_short": stores_short,
            "lines_short": sum(item.stores_short for item in items),
        }


class AllocationRunCreateSerializer(serializers.Serializer[Any]):
    department = serializers.CharField(help_text="A department id or code (W01) you plan.")
    dc = serializers.CharField(help_text="The DC's id or code.")
    style_colors = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Style-color ids or codes."
    )
    source = serializers.CharField(  # type: ignore[assignment]  # the field, not Field.source
        required=False, help_text="dc (DC stock, default) or po (an order)."
    )
    purchase_order = serializers.CharField(required=False, help_text="Source po: the order's id or number.")
    cluster = serializers.CharField(required=False, allow_blank=True, help_text="Only this cluster's stores.")
    grade = serializers.CharField(required=False, allow_blank=True, help_text="Only this grade's stores.")
    demand = serializers.CharField(required=False, help_text="forecast (default), like_item or plan.")
    like_style_color = serializers.CharField(required=False, help_text="Launch: the like item's id or code.")
    planned_weekly_units = serializers.DecimalField(
        max_digits=10, decimal_places=1, required=False, help_text="Launch from the plan: units a week."
    )
    mode = serializers.CharField(required=False, help_text="fill_ratio (default) or wos.")
    holdback = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, help_text="Share kept at the DC, 0 to 0.95."
    )
    pack_size = serializers.IntegerField(required=False, help_text="Units a pack, at least 1.")
    coverage_weeks = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, help_text="Weeks of demand to cover, 0.5 to 26."
    )
    what_if = serializers.BooleanField(required=False, help_text="Unlimited supply: shows the full need.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)


class AllocationRunQuerySerializer(serializers.Serializer[Any]):
    department = serializers.CharField(required=False, help_text="A department id or code (W01).")
    status = serializers.ChoiceField(choices=AllocationRun.Status.values, required=False)


@extend_schema_field(
    {"type": "string", "description": "Why the store got less than its need, in words (blank if not)."}
)
class AllocationShortfallTextField(serializers.Field):  # type: ignore[type-arg]
    def __init__(self, **options: Any) -> None:
        super().__init__(source="shortfall", read_only=True, **options)

    def to_representation(self, value: int) -> str:
        return SHORTFALL_TEXT[Shortfall(int(value))]


class AllocationLineSerializer(serializers.ModelSerializer[AllocationLine]):
    run = serializers.IntegerField(source="run_id")
    sku = serializers.CharField(source="item.sku.code", help_text="SKU code.")
    store = serializers.CharField(source="store.code", help_text="Store code.")
    fill_rate = serializers.FloatField(help_text="allocated / need (1 without need).")
    projected_wos = serializers.FloatField(
        allow_null=True, help_text="(on hand + in transit + allocated) / weekly demand; null without demand."
    )
    is_edited = serializers.BooleanField(help_text="Changed by hand from the proposal.")
    shortfall = serializers.IntegerField(
        help_text="0 none, 1 no supply, 2 shared, 3 priority, 4 cap, 5 pack."
    )
    shortfall_text = AllocationShortfallTextField()

    class Meta:
        model = AllocationLine
        fields = [
            "id", "run", "sku", "store", "segment", "priority", "presentation_min", "on_hand", "in_transit",
            "weekly_demand", "need", "cap", "proposed", "allocated", "is_edited", "fill_rate",
            "projected_wos", "shortfall", "shortfall_text", "row_version",
        ]  # fmt: skip


class AllocationLineQuerySerializer(serializers.Serializer[Any]):
    sku = serializers.CharField(required=False, help_text="A SKU code.")
    store = serializers.CharField(required=False, help_text="A store code.")


class AllocationLineChangeSerializer(serializers.Serializer[Any]):
    units = serializers.IntegerField(help_text="Units the store gets: whole packs, within its room.")
    row_version = serializers.IntegerField(
        min_value=0, help_text="The line's row_version you read (a change to it meanwhile: 409)."
    )


class AllocationLineEditSerializer(serializers.Serializer[Any]):
    line = AllocationLineSerializer()
    item = AllocationItemSerializer()
    run_version = serializers.IntegerField(help_text="The run's row_version now.")


class AllocationRunVersionSerializer(serializers.Serializer[Any]):
    run_version = serializers.IntegerField(min_value=0, help_text="The run's row_version you read.")


class AllocationReleasedSerializer(serializers.Serializer[Any]):
    transfers = serializers.IntegerField()
    units = serializers.IntegerField()


class AllocationTransferSerializer(serializers.ModelSerializer[Transfer]):
    run = serializers.IntegerField(source="run_id", allow_null=True)
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    from_location = serializers.CharField(source="from_location.code")
    to_location = serializers.CharField(source="to_location.code")
    kind = status_field(Transfer.Kind)
    status = status_field(Transfer.Status)
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = Transfer
        fields = [
            "id", "kind", "run", "sku", "from_location", "to_location", "units", "status", "created_by",
            "created_at",
        ]  # fmt: skip


class AllocationTransferQuerySerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField(required=False, help_text="An allocation run id.")
    kind = serializers.ChoiceField(choices=Transfer.Kind.values, required=False)
    sku = serializers.CharField(required=False, help_text="A SKU code.")
    store = serializers.CharField(required=False, help_text="The receiving store's code.")
    status = serializers.ChoiceField(choices=Transfer.Status.values, required=False)


class RebalanceQuerySerializer(serializers.Serializer[Any]):
    department = serializers.CharField(help_text="A department id or code (W01).")
    style_color = serializers.CharField(required=False, help_text="Only this style-color (code).")
    region = serializers.CharField(required=False, help_text="Only the stores of this region (code).")
    min_wos = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=rebalancing.DEFAULT_MIN_WOS,
        help_text="Receivers fill up to it.",
    )
    max_wos = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=rebalancing.DEFAULT_MAX_WOS,
        help_text="Donors keep this much.",
    )
    pack_size = serializers.IntegerField(default=1, help_text="Moves in whole packs of this many units.")


class RebalanceAcceptSerializer(RebalanceQuerySerializer):
    moves = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Keys of the suggested moves to accept."
    )


class RebalanceMoveSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="Send it back to accept the move.")
    sku = serializers.CharField(source="sku_code")
    from_store = serializers.CharField(source="from_code")
    to_store = serializers.CharField(source="to_code")
    units = serializers.IntegerField()
    from_wos_before = serializers.SerializerMethodField()
    from_wos_after = serializers.SerializerMethodField()
    to_wos_before = serializers.SerializerMethodField()
    to_wos_after = serializers.SerializerMethodField()

    def get_from_wos_before(self, move: rebalancing.Move) -> float | None:
        """Weeks of supply; null: stock without demand."""
        return _finite(move.from_wos[0])

    def get_from_wos_after(self, move: rebalancing.Move) -> float | None:
        return _finite(move.from_wos[1])

    def get_to_wos_before(self, move: rebalancing.Move) -> float | None:
        return _finite(move.to_wos[0])

    def get_to_wos_after(self, move: rebalancing.Move) -> float | None:
        return _finite(move.to_wos[1])


class RebalanceSuggestionsSerializer(serializers.Serializer[Any]):
    department = serializers.CharField(source="department.code")
    skus = serializers.IntegerField(help_text="SKUs looked at (with stock at the stores).")
    stores = serializers.IntegerField()
    units = serializers.IntegerField()
    moves = RebalanceMoveSerializer(many=True)


# -- runs ---------------------------------------------------------------------------------------


def _runs(request: Request) -> QuerySet[AllocationRun]:
    return (
        AllocationRun.objects.filter(department__in=visible_departments(request))
        .select_related("department", "dc", "purchase_order", "like_style_color", "created_by", "released_by")
        .prefetch_related("style_colors")
    )


def _run_detail(request: Request, run_id: int) -> dict[str, Any]:
    run = _runs(request).prefetch_related("items__sku").get(pk=run_id)
    return dict(AllocationRunDetailSerializer(run).data)


def _run_request(request: Request, data: dict[str, Any]) -> runs.RunRequest | Response:
    """The services' request from the API's fields, or a 400 naming what is unknown."""
    department = _visible_department(request, data["department"])
    if department is None:
        raise InvalidInput(_no("department", "department", data["department"]))
    dc = _by_id_or_code(Location.objects.all(), data["dc"])
    if dc is None:
        raise InvalidInput(_no("dc", "DC", data["dc"]))
    style_colors = []
    for value in data["style_colors"]:
        style_color = _by_id_or_code(StyleColor.objects.select_related("style__subclass__merch_class"), value)
        if style_color is None:
            raise InvalidInput(_no("style_colors", "style-color", value))
        style_colors.append(style_color)
    options: dict[str, Any] = {
        key: data[key]
        for key in (
            "source", "cluster", "grade", "demand", "planned_weekly_units", "mode", "holdback", "pack_size",
            "coverage_weeks", "what_if", "name",
        )
        if key in data
    }  # fmt: skip
    if "purchase_order" in data:
        order = _by_id_or_code(PurchaseOrder.objects.all(), data["purchase_order"], "number")
        if order is None:
            raise InvalidInput(_no("purchase_order", "purchase order", data["purchase_order"]))
        options["purchase_order"] = order
    if "like_style_color" in data:
        like = _by_id_or_code(StyleColor.objects.all(), data["like_style_color"])
        if like is None:
            raise InvalidInput(_no("like_style_color", "style-color", data["like_style_color"]))
        options["like_style_color"] = like
    return runs.RunRequest(department=department, dc=dc, style_colors=style_colors, **options)


class AllocationRunList(generics.ListAPIView[AllocationRun]):
    serializer_class = AllocationRunSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[AllocationRun]:
        filters = validated(AllocationRunQuerySerializer(data=self.request.query_params))
        rows = _runs(self.request).order_by("-created_at", "-pk")
        if "department" in filters:
            department = _visible_department(self.request, filters["department"])
            if department is None:
                raise serializers.ValidationError(
                    {"detail": _no("department", "department", filters["department"])}
                )
            rows = rows.filter(department=department)
        if "status" in filters:
            rows = rows.filter(status=filters["status"])
        return rows

    @extend_schema(
        parameters=[AllocationRunQuerySerializer],
        responses={200: AllocationRunSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Allocation runs of the departments you may see, newest first."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AllocationRunCreateSerializer, responses={201: AllocationRunSerializer, **BAD_INPUT}
    )
    def post(self, request: Request) -> Response:
        """Queue a run: DC stock (or an incoming order) shared out to the DC's stores by need. It is
        computed in the background (status queued -> running -> preview, or failed with a message)."""
        data = validated(AllocationRunCreateSerializer(data=request.data))
        run_request = _run_request(request, data)
        run = runs.start_run(user=request_user(request), request=run_request)
        return Response(
            AllocationRunSerializer(_runs(request).get(pk=run.pk)).data, status=status.HTTP_201_CREATED
        )


class AllocationRunDetail(APIView):
    @extend_schema(responses={200: AllocationRunDetailSerializer, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request: Request, run_id: int) -> Response:
        """One run: status, progress, message, totals and its items (one per SKU)."""
        get_object_or_404(_runs(request), pk=run_id)
        return Response(_run_detail(request, run_id))


class AllocationLineList(generics.ListAPIView[AllocationLine]):
    serializer_class = AllocationLineSerializer

    def get_queryset(self) -> QuerySet[AllocationLine]:
        run = get_object_or_404(_runs(self.request), pk=self.kwargs["run_id"])
        filters = validated(AllocationLineQuerySerializer(data=self.request.query_params))
        rows = (
            AllocationLine.objects.filter(run=run)
            .select_related("item__sku", "store")
            .order_by("item__sku__style_color_id", "item__sku__size_order", "item__sku_id", "store__code")
        )
        if "sku" in filters:
            if not Sku.objects.filter(code__iexact=filters["sku"]).exists():
                raise serializers.ValidationError({"detail": _no("sku", "SKU", filters["sku"])})
            rows = rows.filter(item__sku__code__iexact=filters["sku"])
        if "store" in filters:
            if not Location.objects.filter(code__iexact=filters["store"]).exists():
                raise serializers.ValidationError({"detail": _no("store", "store", filters["store"])})
            rows = rows.filter(store__code__iexact=filters["store"])
        return rows

    @extend_schema(
        parameters=[AllocationLineQuerySerializer],
        responses={200: AllocationLineSerializer(many=True), **BAD_INPUT, 404: REFUSALS[404]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A run's lines (one per SKU x store), by SKU then store."""
        return super().get(request, *args, **kwargs)


class AllocationLineDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=AllocationLineChangeSerializer,
        responses={200: AllocationLineEditSerializer, **REFUSALS, **CONFLICT},
    )
    def patch(self, request: Request, line_id: int) -> Response:
        """Give the store these units of the SKU by hand, naming the line's row_version you read.
        The SKU's total stays within its allocatable stock (lower another store first)."""
        line = get_object_or_404(
            AllocationLine.objects.filter(run__department__in=visible_departments(request)), pk=line_id
        )
        data = validated(AllocationLineChangeSerializer(data=request.data))
        edit = services.allocation_line_set(
            user=request_user(request),
            line_id=line.pk,
            units=data["units"],
            seen_version=data["row_version"],
        )
        fresh = AllocationLine.objects.select_related("item__sku", "store").get(pk=edit.line.pk)
        return Response(
            AllocationLineEditSerializer(
                {"line": fresh, "item": fresh.item, "run_version": edit.run_version}
            ).data
        )


class AllocationRunRelease(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=AllocationRunVersionSerializer,
        responses={200: AllocationReleasedSerializer, **REFUSALS, **CONFLICT},
    )
    def post(self, request: Request, run_id: int) -> Response:
        """Release a preview: its lines with units become planned transfers from the DC (the DC's
        stock is checked again first)."""
        run = get_object_or_404(_runs(request), pk=run_id)
        data = validated(AllocationRunVersionSerializer(data=request.data))
        released = services.allocation_release(
            user=request_user(request), run_id=run.pk, seen_version=data["run_version"]
        )
        return Response(AllocationReleasedSerializer(released).data)


class AllocationRunCancel(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=AllocationRunVersionSerializer,
        responses={200: AllocationRunSerializer, **REFUSALS, **CONFLICT},
    )
    def post(self, request: Request, run_id: int) -> Response:
        """Cancel a queued, running or previewed run: it is never released."""
        run = get_object_or_404(_runs(request), pk=run_id)
        data = validated(AllocationRunVersionSerializer(data=request.data))
        services.allocation_cancel(
            user=request_user(request), run_id=run.pk, seen_version=data["run_version"]
        )
        return Response(AllocationRunSerializer(_runs(request).get(pk=run.pk)).data)


# -- transfers ----------------------------------------------------------------------------------


def _transfers(request: Request) -> QuerySet[Transfer]:
    return Transfer.objects.filter(
        sku__style_color__style__subclass__merch_class__department__in=visible_departments(request)
    ).select_related("sku", "from_location", "to_location", "created_by")


class TransferList(generics.ListAPIView[Transfer]):
    serializer_class = AllocationTransferSerializer

    def get_queryset(self) -> QuerySet[Transfer]:
        filters = validated(AllocationTransferQuerySerializer(data=self.request.query_params))
        rows = _transfers(self.request).order_by("-created_at", "pk")
        if "run" in filters:
            rows = rows.filter(run_id=filters["run"])
        for field in ("kind", "status"):
            if field in filters:
                rows = rows.filter(**{field: filters[field]})
        if "sku" in filters:
            if not Sku.objects.filter(code__iexact=filters["sku"]).exists():
                raise serializers.ValidationError({"detail": _no("sku", "SKU", filters["sku"])})
            rows = rows.filter(sku__code__iexact=filters["sku"])
        if "store" in filters:
            if not Location.objects.filter(code__iexact=filters["store"]).exists():
                raise serializers.ValidationError({"detail": _no("store", "store", filters["store"])})
            rows = rows.filter(to_location__code__iexact=filters["store"])
        return rows

    @extend_schema(
        parameters=[AllocationTransferQuerySerializer],
        responses={200: AllocationTransferSerializer(many=True), **BAD_INPUT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Transfers of the departments you may see: released allocations (DC to store) and
        accepted rebalancing (store to store), newest first."""
        return super().get(request, *args, **kwargs)


# -- rebalancing --------------------------------------------------------------------------------


def _rebalance_options(request: Request, data: dict[str, Any]) -> dict[str, Any] | Response:
    """The rebalancing services' arguments from the API's fields, or a 400 naming what is unknown."""
    department = _visible_department(request, data["department"])
    if department is None:
        raise InvalidInput(_no("department", "department", data["department"]))
    options: dict[str, Any] = {
        "department": department,
        "min_wos": data["min_wos"],
        "max_wos": data["max_wos"],
        "pack_size": data["pack_size"],
    }
    if data.get("style_color"):
        style_color = StyleColor.objects.filter(code__iexact=data["style_color"].strip()).first()
        if style_color is None:
            raise InvalidInput(_no("style_color", "style-color", data["style_color"]))
        options["style_color"] = style_color
    if data.get("region"):
        region = Region.objects.filter(code__iexact=data["region"].strip()).first()
        if region is None:
            raise InvalidInput(_no("region", "region", data["region"]))
        options["region_id"] = region.pk
    return options


class Rebalance(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[RebalanceQuerySerializer], responses={200: RebalanceSuggestionsSerializer, **BAD_INPUT}
    )
    def get(self, request: Request) -> Response:
        """Suggested store-to-store moves within a region: from stores above max_wos weeks of supply
        to stores below min_wos, neediest receivers first."""
        data = validated(RebalanceQuerySerializer(data=request.query_params))
        options = _rebalance_options(request, data)
        department = options.pop("department")
        found = rebalancing.suggestions(department, **options)
        return Response(RebalanceSuggestionsSerializer(found).data)

    @extend_schema(
        request=RebalanceAcceptSerializer,
        responses={201: AllocationTransferSerializer(many=True), **BAD_INPUT, **CONFLICT},
    )
    def post(self, request: Request) -> Response:
        """Accept suggested moves (their keys, with the same filters they were suggested under) as
        planned transfers. The suggestions are worked out again: a move no longer suggested is a
        conflict (409) and nothing is written."""
        data = validated(RebalanceAcceptSerializer(data=request.data))
        options = _rebalance_options(request, data)
        try:
            made = rebalancing.rebalance_accept(user=request_user(request), keys=data["moves"], **options)
        except runs.AllocationError as error:
            if error.field == "move":  # a move no longer suggested: stock moved meanwhile
                raise Conflict(error.message) from error
            raise
        rows = _transfers(request).filter(pk__in=[transfer.pk for transfer in made]).order_by("pk")
        return Response(AllocationTransferSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)
