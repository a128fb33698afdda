"""REST endpoints for plans: read versions, lines and cells; edit cells; submit, approve,
reject and branch versions.

Thin views over the same services as the HTML grid (planning.plans.services): they scope
reads to the user's visible departments; refusals are core's errors, answered by core.api's
handler (bad input and PlanError 400, PermissionDenied 403, a stale cell 409).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import REFUSALS, ErrorBody, StaleRowBody, validated
from core.errors import Conflict, InvalidInput
from core.weeks import iso_week_label, week_key
from planning import calendar
from planning.models import Department, Plan, PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.measures import DERIVED, ENTERED, PURCHASED, TARGET_LABELS, stored_text
from planning.plans.negative_receipts import version_negative_receipts
from planning.plans.services import (
    CellConflictError,
    CellEdit,
    PlanError,
    plan_cells_update,
    scenario_branch,
    version_approve,
    version_reject,
    version_submit,
)

# Entered first, then those kept from purchase orders, then derived, in a stable order.
MEASURES = (*ENTERED, *PURCHASED, *DERIVED)
MAX_CELLS_PER_PATCH = 10_000
_WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


# --- shared fields and helpers --------------------------------------------------------------
def week_label(week_id: int) -> str:
    """FiscalWeek id 202503 as "2025-W03"."""
    return iso_week_label(week_id)


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}-W\d{2}$", "example": "2025-W03", "description": "Fiscal week."}
)
class WeekField(serializers.Field[int, str, str, Any]):
    """A fiscal week as "YYYY-Www" on the wire, its FiscalWeek id (year * 100 + week) inside."""

    default_error_messages = {
        "invalid": "Give the week as YYYY-Www, e.g. 2025-W03.",
        "missing": "{label} has no week {week}.",
    }

    def to_internal_value(self, data: Any) -> int:
        match = _WEEK_PATTERN.match(data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        year, week = int(match[1]), int(match[2])
        try:
            calendar.fiscal_week(year, week, settings.MERCHPLAN_CALENDAR_PATTERN)
        except ValueError:
            self.fail("missing", label=f"FY{year}", week=week)
        return week_key(year, week)

    def to_representation(self, value: int) -> str:
        return week_label(value)


class StaleCellBody(StaleRowBody):
    """Someone changed the cell since it was read: their value stands."""

    measure = serializers.CharField()
    current = serializers.CharField(allow_null=True, help_text="Their value, as a decimal string.")
    changed_by = serializers.CharField()
    changed_at = serializers.DateTimeField(allow_null=True)
    row_version = serializers.IntegerField(help_text="The row's version now: read it again, then retry.")


class PromotionCellSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text='"<class_id>:<week_id>:<measure>" (week 0: a line setting).')
    class_id = serializers.IntegerField()
    class_ = serializers.CharField(help_text='The class as the grid names it, e.g. "W-TOP-TEE Tees".')
    week = serializers.CharField(help_text='As the grid shows it, e.g. "FY2026 W45"; "line setting".')
    measure = serializers.CharField()
    measure_label = serializers.CharField()
    base = serializers.CharField(allow_null=True, help_text="The working plan's value at the branch.")
    scenario = serializers.CharField(allow_null=True)
    working = serializers.CharField(allow_null=True, help_text="The working plan's value now.")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["class"] = fields.pop("class_")  # a Python keyword as a field name
        return fields


class OpenCellsBody(ErrorBody):
    """A 409: cells both the scenario and the working plan changed since the branch: approve
    again with `resolutions` or `resolve_all`."""

    conflicts = PromotionCellSerializer(many=True)


_REFUSALS = REFUSALS


@contextmanager
def _answers_refusals() -> Iterator[None]:
    """The plan services' own refusals as core's errors, which the API's handler answers: a
    PlanError 400, a stale cell 409 with their value (PermissionDenied is answered as it is)."""
    try:
        yield
    except CellConflictError as error:
        details = {
            "current_version": error.row_version,
            "measure": error.measure,
            "current": stored_text(error.measure, error.current),
            "changed_by": error.changed_by,
            "changed_at": serializers.DateTimeField().to_representation(error.changed_at)
            if error.changed_at
            else None,
            "row_version": error.row_version,
        }
        raise Conflict(str(error), details=details) from error
    except PlanError as error:
        raise InvalidInput(str(error)) from error


def _user(request: Request) -> User:
    """The signed-in user (IsAuthenticated, the default permission, let only them in)."""
    return cast(User, request.user)


def _visible_versions(request: Request) -> QuerySet[PlanVersion]:
    departments = Department.objects.visible_to(request.user)
    return PlanVersion.objects.filter(plan__department__in=departments).select_related("plan")


def _version(request: Request, version_id: int) -> PlanVersion:
    return get_object_or_404(_visible_versions(request), pk=version_id)


def _editable_departments(request: Request) -> set[int]:
    return set(Department.objects.editable_by(request.user).values_list("id", flat=True))


# --- plans and versions ---------------------------------------------------------------------
class PlanVersionSerializer(serializers.ModelSerializer[PlanVersion]):
    """Needs `editable_departments` (ids) in its context; the version's plan loaded with it."""

    plan_name = serializers.CharField(source="plan.name")
    is_editable = serializers.SerializerMethodField(
        help_text="Whether you may change its cells now (a draft of one of your departments)."
    )

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "plan_name",
            "kind",
            "name",
            "status",
            "is_frozen",
            "branched_from",
            "values_version",
            "totals_version",
            "is_editable",
            "revision",
            "approved_by",
            "approved_at",
        ]

    def get_is_editable(self, version: PlanVersion) -> bool:
        return version.is_editable and version.plan.department_id in self.context["editable_departments"]


class NegativeReceiptWeekSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(source="line_id")
    merch_class = serializers.CharField(
        source="class_name", help_text='The class line, e.g. "W-TOP-TEE Tees".'
    )
    week = serializers.CharField(source="week_key", help_text='The fiscal week, e.g. "2025-W04".')
    receipts = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Planned receipts, below 0."
    )
    eop = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="The stock target (EOP).")
    left_by_sales = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="BOP - sales - markdowns - shrink: above the target."
    )


class PlanVersionWarningsSerializer(PlanVersionSerializer):
    """A version with the weeks a planner and an approver are warned about."""

    negative_receipts = serializers.SerializerMethodField(
        help_text="Class-weeks whose stock target is below what the week's sales leave, so planned "
        "receipts are negative. A warning: the version can still be submitted and approved."
    )

    class Meta(PlanVersionSerializer.Meta):
        fields = [*PlanVersionSerializer.Meta.fields, "negative_receipts"]

    @extend_schema_field(NegativeReceiptWeekSerializer(many=True))
    def get_negative_receipts(self, version: PlanVersion) -> list[dict[str, Any]]:
        weeks = version_negative_receipts(version).weeks
        return list(NegativeReceiptWeekSerializer(weeks, many=True).data)


class PlanSerializer(serializers.ModelSerializer[Plan]):
    department = serializers.CharField(source="department.code")
    scope = serializers.CharField(source="scope_label", help_text="Total company, a channel or a region.")
    first_week = serializers.IntegerField(source="first_week_id", help_text="FiscalWeek id, e.g. 202501.")
    last_week = serializers.IntegerField(source="last_week_id", help_text="FiscalWeek id, e.g. 202552.")
    versions = PlanVersionSerializer(many=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "department",
            "scope",
            "first_week",
            "last_week",
            "exhaustion",
            "growth_percent",
            "created_at",
            "versions",
        ]


def _visible_plans(request: Request) -> QuerySet[Plan]:
    return (
        Plan.objects.filter(department__in=Department.objects.visible_to(request.user))
        .select_related("department", "channel", "region")
        .prefetch_related(Prefetch("versions", PlanVersion.objects.order_by("kind", "name", "id")))
        .order_by("-created_at", "-id")
    )


class PlanList(generics.ListAPIView[Plan]):
    """Plans of the departments you may see, newest first, with their versions."""

    serializer_class = PlanSerializer

    def get_queryset(self) -> QuerySet[Plan]:
        return _visible_plans(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "editable_departments": _editable_departments(self.request),
        }


class PlanDetail(generics.RetrieveAPIView[Plan]):
    serializer_class = PlanSerializer

    def get_queryset(self) -> QuerySet[Plan]:
        return _visible_plans(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "editable_departments": _editable_departments(self.request),
        }


def _version_response(
    request: Request,
    version: PlanVersion,
    code: int = status.HTTP_200_OK,
    serializer: type[PlanVersionSerializer] = PlanVersionSerializer,
) -> Response:
    context = {"request": request, "editable_departments": _editable_departments(request)}
    return Response(serializer(version, context=context).data, status=code)


class PlanVersionDetail(APIView):
    @extend_schema(responses={200: PlanVersionWarningsSerializer, 403: _REFUSALS[403], 404: _REFUSALS[404]})
    def get(self, request: Request, version_id: int) -> Response:
        """A version: its status, the state of its values and totals, whether you may edit it,
        and its weeks of negative planned receipts (a warning).

        `values_version` counts changes of entered values; `totals_version` is the state the
        total line was last rolled up from: when they differ the totals are recalculating."""
        return _version_response(
            request, _version(request, version_id), serializer=PlanVersionWarningsSerializer
        )


class PlanLineSerializer(serializers.ModelSerializer[PlanLine]):
    class_code = serializers.CharField(source="merch_class.code", allow_null=True, default=None)
    class_name = serializers.CharField(source="merch_class.name", allow_null=True, default=None)

    class Meta:
        model = PlanLine
        fields = ["id", "position", "class_code", "class_name", "method", "opening_stock", "turn"]


class PlanVersionLines(generics.ListAPIView[PlanLine]):
    """The lines of a version: one per class, and the plan total (class code and name null)."""

    serializer_class = PlanLineSerializer

    def get_queryset(self) -> QuerySet[PlanLine]:
        version = _version(self.request, self.kwargs["version_id"])
        return (
            PlanLine.objects.filter(version=version).select_related("merch_class").order_by("position", "id")
        )


# --- cells ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CellValue:
    line: int
    week: int
    measure: str
    value: str | None
    row_version: int
    is_entered: bool


class PlanCellSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    week = WeekField()
    measure = serializers.ChoiceField(choices=MEASURES)
    value = serializers.CharField(allow_null=True, help_text="A decimal string; null where undefined.")
    row_version = serializers.IntegerField(help_text="Name it when you change a cell of this row.")
    is_entered = serializers.BooleanField(
        help_text="The planner enters this value on this line (PATCH takes it); false where it is derived."
    )


class CellQuerySerializer(serializers.Serializer[Any]):
    line = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Line ids (repeat for several)."
    )
    measure = serializers.MultipleChoiceField(
        choices=MEASURES, required=False, help_text="Measures (repeat for several); all by default."
    )
    week_from = WeekField(required=False)
    week_to = WeekField(required=False)


def _entered_on(method: str) -> set[str]:
    """Measures a planner enters on a class line of this method: receipts only on a
    receipts line, a weekly target only where the method has one (as the service checks)."""
    names = set(ENTERED)
    if method != PlanLine.Method.RECEIPTS:
        names.discard("receipts_entered")
    if method not in TARGET_LABELS:
        names.discard("target")
    return names


class CellPagination(LimitOffsetPagination):
    max_limit = 5000


class _Cells:
    """A version's cells (row x measure), sliced lazily so that a page reads only its rows."""

    def __init__(self, version: PlanVersion, measures: list[str], filters: dict[str, Any]) -> None:
        self.measures = measures
        lines = PlanLine.objects.filter(version=version).values_list("id", "method", "merch_class_id")
        self.entered = {
            line_id: set() if class_id is None else _entered_on(method) for line_id, method, class_id in lines
        }
        rows = PlanWeek.objects.filter(line__version=version)
        if filters.get("line"):
            rows = rows.filter(line_id__in=filters["line"])
        if "week_from" in filters:
            rows = rows.filter(fiscal_week_id__gte=filters["week_from"])
        if "week_to" in filters:
            rows = rows.filter(fiscal_week_id__lte=filters["week_to"])
        self.rows = rows.order_by("line__position", "line_id", "period")
        self._row_count: int | None = None

    def __len__(self) -> int:
        if self._row_count is None:
            self._row_count = self.rows.count()
        return self._row_count * len(self.measures)

    def __getitem__(self, window: slice) -> list[CellValue]:
        per_row = len(self.measures)
        start = window.start or 0
        stop = len(self) if window.stop is None else min(window.stop, len(self))
        if stop <= start:
            return []
        first_row, last_row = start // per_row, (stop - 1) // per_row + 1
        cells = [
            CellValue(
                line_id,
                week_id,
                measure,
                stored_text(measure, value),
                row_version,
                measure in self.entered.get(line_id, set()),
            )
            for line_id, week_id, row_version, *values in self.rows[first_row:last_row].values_list(
                "line_id", "fiscal_week_id", "row_version", *self.measures
            )
            for measure, value in zip(self.measures, values, strict=True)
        ]
        skip = start - first_row * per_row
        return cells[skip : skip + stop - start]


class CellEditSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    week = WeekField()
    measure = serializers.ChoiceField(
        choices=list(ENTERED),
        error_messages={"invalid_choice": f'"{{input}}" is not entered; enter one of {", ".join(ENTERED)}.'},
    )
    value = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text='The new value as a decimal string, e.g. "4.5".'
    )
    row_version = serializers.IntegerField(min_value=1, help_text="The row version you read the cell at.")


class CellsPatchSerializer(serializers.Serializer[Any]):
    """Changes to entered cells, saved all or nothing."""

    cells = CellEditSerializer(many=True, allow_empty=False)

    # Never partial: the body is a list of changes, not part of a resource, so `cells` stays
    # required (drf-spectacular sets `partial` on PATCH bodies, which drops `required`).
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        """Ignored: never partial."""

    def validate_cells(self, cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(cells) > MAX_CELLS_PER_PATCH:
            raise serializers.ValidationError(f"Send at most {MAX_CELLS_PER_PATCH:,} cells at a time.")
        return cells


class CellsUpdatedSerializer(serializers.Serializer[Any]):
    values_version = serializers.IntegerField()
    totals_version = serializers.IntegerField()
    cells = PlanCellSerializer(many=True, help_text="Every cell of the edited lines, all weeks.")


_CONFLICT = OpenApiResponse(StaleCellBody, description="Changed by someone since you read it.")


class PlanVersionCells(APIView):
    pagination_class = CellPagination
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[CellQuerySerializer],
        responses={200: PlanCellSerializer(many=True), **_REFUSALS},
    )
    def get(self, request: Request, version_id: int) -> Response:
        """Cells of a version, line by line and week by week, one per measure: entered values
        first (sales, sales_units, markdowns, shrink, target, receipts_entered), then on_order and
        received (from purchase orders and receipts, read-only), then derived ones (bop, eop,
        receipts, otb, gross_margin, wos, fwos, turn, sell_through, gm_percent, gmroi)."""
        version = _version(request, version_id)
        filters = validated(CellQuerySerializer(data=request.query_params))
        chosen = filters.get("measure")
        measures = [m for m in MEASURES if m in chosen] if chosen else list(MEASURES)
        paginator = CellPagination()
        # The paginator slices any sequence with a length; the stubs expect a QuerySet.
        cells = _Cells(version, measures, filters)
        page: list[CellValue] | None = paginator.paginate_queryset(cells, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(PlanCellSerializer(page, many=True).data)

    @extend_schema(
        request=CellsPatchSerializer,
        responses={200: CellsUpdatedSerializer, **_REFUSALS, 409: _CONFLICT},
    )
    def patch(self, request: Request, version_id: int) -> Response:
        """Change entered cells, all or nothing; each names the row version it read. Answers
        with every cell of the edited lines (their derived values move across the weeks); the
        total line is rolled up in the background (see the version's `totals_version`)."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(CellsPatchSerializer(data=request.data))
            edits = [
                CellEdit(
                    line_id=cell["line"],
                    week_id=cell["week"],
                    measure=cell["measure"],
                    value=str(cell["value"]),
                    row_version=cell["row_version"],
                )
                for cell in data["cells"]
            ]
            result = plan_cells_update(
                user=_user(request), version_id=version.pk, edits=edits, source=PlanCellChange.Source.EDIT
            )
        cells = _Cells(result.version, list(MEASURES), {"line": result.line_ids})
        body = {
            "values_version": result.version.values_version,
            "totals_version": result.version.totals_version,
            "cells": cells[0 : len(cells)],
        }
        return Response(CellsUpdatedSerializer(body).data)


# --- versions: approval flow and scenarios ----------------------------------------------------
class RejectSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, max_length=2000, help_text="Why; required.")


class ApproveSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        allow_blank=True, default="", max_length=2000, help_text="Optional; kept in the plan's trail."
    )
    resolutions = serializers.DictField(
        child=serializers.ChoiceField(choices=["scenario", "working"]),
        default=dict,
        help_text='A scenario\'s conflicts: "<class_id>:<week_id>:<measure>" -> "scenario" or "working".',
    )
    resolve_all = serializers.ChoiceField(
        choices=["scenario", "working"],
        allow_null=True,
        default=None,
        help_text="The value that wins in every conflict without a resolution of its own.",
    )


class BranchSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(allow_blank=True, max_length=80, help_text="The scenario's name.")


_DECIDED = {200: PlanVersionSerializer, **_REFUSALS}


class PlanVersionSubmit(APIView):
    @extend_schema(request=None, responses={200: PlanVersionWarningsSerializer, **_REFUSALS})
    def post(self, request: Request, version_id: int) -> Response:
        """Send a working plan or a scenario for approval; it cannot change meanwhile. The
        answer lists its weeks of negative planned receipts: a warning, not a refusal."""
        version = _version(request, version_id)
        with _answers_refusals():
            version = version_submit(user=_user(request), version_id=version.pk)
        return _version_response(request, version, serializer=PlanVersionWarningsSerializer)


class PlanVersionApprove(APIView):
    @extend_schema(
        request=ApproveSerializer,
        responses={
            **_DECIDED,
            409: OpenApiResponse(OpenCellsBody, description="A scenario's open conflicts."),
        },
    )
    def post(self, request: Request, version_id: int) -> Response:
        """Approve a submitted version (a manager of its department other than the submitter):
        it becomes the original plan; an approved scenario is promoted into the working plan.
        The optional comment is kept with the approval in the trail. A scenario's own changes
        since the branch go into the working plan; cells the working plan changed too, to another
        value, answer 409 with the cells until `resolutions` or `resolve_all` pick the winner."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(ApproveSerializer(data=request.data))
            version = version_approve(
                user=_user(request),
                version_id=version.pk,
                comment=data["comment"],
                resolutions=data["resolutions"],
                resolve_all=data["resolve_all"],
            )
        return _version_response(request, version)


class PlanVersionReject(APIView):
    @extend_schema(request=RejectSerializer, responses=_DECIDED)
    def post(self, request: Request, version_id: int) -> Response:
        """Send a submitted version back to draft, saying why (a manager of its department other
        than the submitter)."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(RejectSerializer(data=request.data))
            version = version_reject(user=_user(request), version_id=version.pk, reason=data["reason"])
        return _version_response(request, version)


class PlanVersionBranch(APIView):
    @extend_schema(request=BranchSerializer, responses={201: PlanVersionSerializer, **_REFUSALS})
    def post(self, request: Request, version_id: int) -> Response:
        """A named what-if copy of this version's lines and values (a draft scenario)."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(BranchSerializer(data=request.data))
            scenario = scenario_branch(user=_user(request), version_id=version.pk, name=data["name"])
        return _version_response(request, scenario, status.HTTP_201_CREATED)
