"""The open purchase order review page: lines to expedite, push back or cancel, with the
changes made through the order services (`po_review`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict
from otb.models import PurchaseOrderLine
from otb.orders import purchase_order_line_cancel
from otb.services import OTBError
from planning.departments import DepartmentFilterField, departments_editable, departments_visible
from planning.models import Department, FiscalWeek
from replenishment import po_review, po_review_decisions, worksheet
from replenishment.views import VersionForm, _can_edit


class ReviewFilterForm(forms.Form):
    department = DepartmentFilterField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class LineMoveForm(VersionForm):
    week = forms.IntegerField(min_value=1)


class LineCutForm(VersionForm):
    units = forms.IntegerField(min_value=0, max_value=worksheet.MAX_UNITS)


@login_required
@require_GET
def open_orders_page(request: HttpRequest) -> HttpResponse:
    visible = departments_visible(request)
    form = ReviewFilterForm(request.GET or None, departments=visible)
    department = form.cleaned_data["department"] if form.is_valid() else None
    review = po_review.open_order_review(
        request.user,  # type: ignore[arg-type]
        department_id=department.pk if department else None,
    )
    editable_ids = set(departments_editable(request).values_list("pk", flat=True))
    rows = [{"review": row, "can_act": row.line.order.department_id in editable_ids} for row in review.rows]
    context = {
        "form": form,
        "review": review,
        "rows": rows,
        "counts": {
            kind: sum(1 for row in review.rows if row.kind == kind)
            for kind in po_review_decisions.KIND_LABELS
        },
        "department_id": department.pk if department else "",
    }
    return render(request, "replenishment/open_orders.html", context, status=400 if form.errors else 200)


def _line_action(request: HttpRequest, line_id: int) -> tuple[PurchaseOrderLine, str]:
    """The line if the user sees its order (else 404) and buys for its department (else 403),
    and the review page to go back to."""
    line = get_object_or_404(
        PurchaseOrderLine.objects.select_related("order", "sku"),
        pk=line_id,
        order__department__in=departments_visible(request),
    )
    if not _can_edit(request, line.order.department_id):
        raise PermissionDenied("You cannot change orders of this department.")
    back = reverse("replenishment:open-orders")
    department = request.POST.get("department", "")
    return line, f"{back}?department={department}" if department.isdigit() else back


def _line_done(request: HttpRequest, back: str, call: Any, success: str) -> HttpResponse:
    try:
        call()
    except (OTBError, Conflict) as error:  # a conflict, a closed week, insufficient OTB...
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(back)


@login_required
@require_POST
def open_order_line_move(request: HttpRequest, line_id: int) -> HttpResponse:
    line, back = _line_action(request, line_id)
    form = LineMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the week and keep the line's version: reload the page.")
        return redirect(back)
    data = form.cleaned_data
    week = FiscalWeek.objects.filter(pk=data["week"]).first()
    return _line_done(
        request,
        back,
        lambda: po_review.purchase_order_line_move(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            receipt_week_id=data["week"],
            expected_version=data["version"],
        ),
        f"PO {line.order.number}: {line.sku.code} moved to {week}.",
    )


@login_required
@require_POST
def open_order_line_cut(request: HttpRequest, line_id: int) -> HttpResponse:
    line, back = _line_action(request, line_id)
    form = LineCutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the units to keep and the line's version: reload the page.")
        return redirect(back)
    data = form.cleaned_data
    return _line_done(
        request,
        back,
        lambda: po_review.purchase_order_line_cut(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            units=data["units"],
            expected_version=data["version"],
        ),
        f"PO {line.order.number}: {line.sku.code} cut to {data['units']:,} units.",
    )


@login_required
@require_POST
def open_order_line_cancel(request: HttpRequest, line_id: int) -> HttpResponse:
    line, back = _line_action(request, line_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The line's version is missing: reload the page.")
        return redirect(back)
    return _line_done(
        request,
        back,
        lambda: purchase_order_line_cancel(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            expected_version=form.cleaned_data["version"],
        ),
        f"PO {line.order.number}: {line.sku.code} cancelled.",
    )
