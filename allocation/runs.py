"""An allocation run: set up and checked (`start_run`), then computed by a Celery task
(`allocation.run_compute.execute`) into AllocationItem and AllocationLine rows for a preview.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from allocation.models import MAX_PACK_SIZE, AllocationRun
from allocation.tasks import allocation_run
from core.audit import audit_record
from core.errors import InvalidInput
from forecasting.models import LikeItem
from forecasting.selectors import latest_closed_week
from otb.models import PurchaseOrder
from planning.models import Department, Location, StyleColor

logger = logging.getLogger(__name__)


class AllocationError(InvalidInput, ValueError):
    """A run or an edit that cannot go ahead as asked (400); `field` names the form field at
    fault. The API body also carries {field: [message]}, as DRF's own field errors do."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)

    def body(self) -> dict[str, Any]:
        if not self.field:
            return super().body()
        return {"detail": f"{self.field}: {self.message}", "code": self.code, self.field: [self.message]}


@dataclass(frozen=True)
class RunRequest:
    """What a planner asks for; every field as a form or the API hands it over."""

    department: Department
    dc: Location
    style_colors: list[StyleColor]
    source: str = AllocationRun.Source.DC_STOCK
    purchase_order: PurchaseOrder | None = None
    cluster: str = ""
    grade: str = ""
    demand: str = AllocationRun.Demand.FORECAST
    like_style_color: StyleColor | None = None
    planned_weekly_units: Decimal | None = None
    mode: str = AllocationRun.Mode.FILL_RATIO
    holdback: Any = Decimal("0")
    pack_size: Any = 1
    coverage_weeks: Any = Decimal("2.0")
    what_if: bool = False
    name: str = ""


def _decimal(value: Any, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AllocationError(f"{label} must be a number, not {value!r}.", field) from None
    if not number.is_finite():
        raise AllocationError(f"{label} must be a number, not {value!r}.", field)
    return number


def check_request(user: User, request: RunRequest) -> dict[str, Any]:
    """The run's fields, checked; AllocationError naming the field otherwise."""
    _check_scope(user, request)
    _check_source(request)
    if request.mode not in AllocationRun.Mode.values:
        raise AllocationError(f"Unknown mode {request.mode!r}: fill_ratio or wos.", "mode")
    planned = _checked_demand(request)
    pack = _checked_pack_size(request)
    holdback = _checked_holdback(request)
    coverage = _checked_coverage(request)
    grade = request.grade.strip().upper()
    if grade and grade not in Location.Grade.values:
        raise AllocationError(f"Unknown store grade {request.grade!r}: A, B or C.", "grade")
    return {
        "department": request.department,
        "dc": request.dc,
        "source": request.source,
        "purchase_order": request.purchase_order
        if request.source == AllocationRun.Source.PURCHASE_ORDER
        else None,
        "cluster": request.cluster.strip(),
        "grade": grade,
        "demand": request.demand,
        "like_style_color": request.like_style_color
        if request.demand == AllocationRun.Demand.LIKE_ITEM
        else None,
        "planned_weekly_units": planned,
        "mode": request.mode,
        "holdback": holdback,
        "pack_size": pack,
        "coverage_weeks": coverage,
        "what_if": bool(request.what_if),
        "name": request.name.strip()[:120],
    }


def _check_scope(user: User, request: RunRequest) -> None:
    """The user allocates this department's stock, from a DC, to style-colors of the department."""
    if not Department.objects.editable_by(user).filter(pk=request.department.pk).exists():
        raise PermissionDenied(
            f"Only the planners and managers of {request.department.name} allocate its stock."
        )
    if request.dc.kind != Location.Kind.DC:
        raise AllocationError(f"{request.dc.code} is not a distribution centre.", "dc")
    if not request.style_colors:
        raise AllocationError("Choose at least one style-color.", "style_colors")
    outside = [
        sc.code
        for sc in request.style_colors
        if sc.style.subclass.merch_class.department_id != request.department.pk
    ]
    if outside:
        raise AllocationError(f"{outside[0]} is not in {request.department.name}.", "style_colors")


def _check_source(request: RunRequest) -> None:
    """A known source; from an order: a released one bringing these style-colors to the DC."""
    if request.source not in AllocationRun.Source.values:
        raise AllocationError(f"Unknown source {request.source!r}.", "source")
    if request.source != AllocationRun.Source.PURCHASE_ORDER:
        return
    order = request.purchase_order
    if order is None:
        raise AllocationError("Choose the incoming purchase order to allocate.", "purchase_order")
    if order.status != PurchaseOrder.Status.RELEASED:
        raise AllocationError(f"Order {order.number} is not released: nothing is coming.", "purchase_order")
    if not order.lines.filter(location=request.dc, sku__style_color__in=request.style_colors).exists():
        raise AllocationError(
            f"Order {order.number} brings none of these style-colors to {request.dc.code}.",
            "purchase_order",
        )


def _checked_demand(request: RunRequest) -> Decimal | None:
    """A known demand; a launch needs a like item for every style-color, or planned units a
    week (returned, the planned units of a launch from the plan; None for other demands)."""
    if request.demand not in AllocationRun.Demand.values:
        raise AllocationError(f"Unknown demand {request.demand!r}.", "demand")
    if request.demand == AllocationRun.Demand.LIKE_ITEM and request.like_style_color is None:
        linked = set(
            LikeItem.objects.filter(style_color__in=request.style_colors).values_list(
                "style_color_id", flat=True
            )
        )
        unlinked = [sc.code for sc in request.style_colors if sc.pk not in linked]
        if unlinked:
            raise AllocationError(
                f"A launch from a like item needs one: choose it here, or link one to {unlinked[0]} "
                "(Forecasts, like items).",
                "like_style_color",
            )
    if request.demand != AllocationRun.Demand.PLAN:
        return None
    if request.planned_weekly_units is None:
        raise AllocationError(
            "A launch from the plan needs the planned units a week.", "planned_weekly_units"
        )
    planned = _decimal(request.planned_weekly_units, "planned_weekly_units", "Planned units a week")
    if planned <= 0:
        raise AllocationError("Planned units a week must be above 0.", "planned_weekly_units")
    return planned


def _checked_pack_size(request: RunRequest) -> int:
    pack = _decimal(request.pack_size, "pack_size", "Pack size")
    if pack != pack.to_integral_value() or pack < 1:
        raise AllocationError("Pack size must be a whole number of units, at least 1.", "pack_size")
    if pack > MAX_PACK_SIZE:
        raise AllocationError(f"Pack size is at most {MAX_PACK_SIZE:,} units.", "pack_size")
    return int(pack)


def _checked_holdback(request: RunRequest) -> Decimal:
    holdback = _decimal(request.holdback, "holdback", "Holdback")
    if not Decimal("0") <= holdback <= Decimal("0.95"):
        raise AllocationError(
            "Holdback is a share of the stock, 0 to 0.95 (e.g. 0.1 keeps 10% at the DC).", "holdback"
        )
    return holdback


def _checked_coverage(request: RunRequest) -> Decimal:
    coverage = _decimal(request.coverage_weeks, "coverage_weeks", "Coverage")
    if not Decimal("0.5") <= coverage <= Decimal("26"):
        raise AllocationError("Coverage is 0.5 to 26 weeks.", "coverage_weeks")
    return coverage


def start_run(*, user: User, request: RunRequest) -> AllocationRun:
    """Queue a run; the worker computes it once the run row is committed."""
    fields = check_request(user, request)
    with transaction.atomic():
        run = AllocationRun.objects.create(
            as_of=latest_closed_week(), created_by=user, progress_total=100, **fields
        )
        run.style_colors.set(request.style_colors)
        audit_record(user, "allocation.create", run)
        transaction.on_commit(lambda: allocation_run.delay(run.pk))
    return run
