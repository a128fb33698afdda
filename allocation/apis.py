"""REST endpoints for allocation: runs (list, start, detail with totals and items), their lines
(SKU x store), a planner's change to a line's units, release into transfers and cancel, the
transfers themselves, and in-season rebalancing (suggested store-to-store moves, accepting some).

Same services as the pages (`allocation.runs`, `allocation.services`, `allocation.rebalancing`).
Refusals answer {"detail": ..., "code": ...} (core.api's handler): bad input 400 (a refusal
naming its field also carries {field: [message]}), not allowed 403, nothing of that id visible
404, a stale version (a line's row_version for an edit, the run's for release and cancel; or a
rebalancing move no longer suggested) 409. The serializers are in `allocation.api_serializers`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation import rebalancing, runs, services
from allocation.api_serializers import (
    AllocationLineChangeSerializer,
    AllocationLineEditSerializer,
    AllocationLineQuerySerializer,
    AllocationLineSerializer,
    AllocationReleasedSerializer,
    AllocationRunCreateSerializer,
    AllocationRunDetailSerializer,
    AllocationRunQuerySerializer,
    AllocationRunSerializer,
    AllocationRunVersionSerializer,
    AllocationTransferQuerySerializer,
    AllocationTransferSerializer,
    RebalanceAcceptSerializer,
    RebalanceQuerySerializer,
    RebalanceSuggestionsSerializer,
)
from allocation.models import AllocationLine, AllocationRun, Transfer
from core.api import BAD_INPUT, REFUSALS, STALE_ROW, request_user, validated
from core.errors import Conflict, InvalidInput
from otb.models import PurchaseOrder
from planning.api_fields import visible_departments
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


def _run_request(request: Request, data: dict[str, Any]) -> runs.RunRequest:
    """The services' request from the API's fields; InvalidInput (400) names what is unknown."""
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


def _rebalance_options(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """The rebalancing services' arguments from the API's fields; InvalidInput (400) names what is unknown."""
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
