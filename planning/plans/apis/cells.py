"""A version's cells: read them page by page, change entered ones all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.apis.serializers import (
    MEASURES,
    CellQuerySerializer,
    CellsPatchSerializer,
    CellsUpdatedSerializer,
    PlanCellSerializer,
    StaleCellBody,
)
from planning.plans.apis.shared import _REFUSALS, _answers_refusals, _user, _version
from planning.plans.measures import ENTERED, TARGET_LABELS, stored_text
from planning.plans.services import CellEdit, plan_cells_update


@dataclass(frozen=True, slots=True)
class CellValue:
    line: int
    week: int
    measure: str
    value: str | None
    row_version: int
    is_entered: bool


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
