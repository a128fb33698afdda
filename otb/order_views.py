"""Purchase order pages: the order list, a new order (entry checked against OTB), an order's
page with its lines (receive, change, cancel) and the OTB exceptions a manager decides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import AppError, Conflict
from core.weeks import month_key
from otb import page_rows, services
from otb.forms import (
    ExceptionDecisionForm,
    LineCancelForm,
    LineChangeForm,
    LineFormSet,
    OrderFilterForm,
    OrderForm,
    ReceiveForm,
    open_week_choices,
)
from otb.models import OTBException, PurchaseOrder, PurchaseOrderLine
from otb.orders import (
    LineRequest,
    purchase_order_create,
    purchase_order_line_cancel,
    purchase_order_line_receive,
    purchase_order_line_update,
)
from otb.views import _int, _is_manager
from planning.departments import departments_editable, departments_visible
from planning.models import FiscalWeek

ORDERS_PER_PAGE = 50


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    visible = departments_visible(request)
    form = OrderFilterForm(request.GET or None, departments=visible)
    orders = PurchaseOrder.objects.filter(department__in=visible).select_related(
        "department", "vendor", "created_by"
    )
    if form.is_valid():
        if form.cleaned_data["department"]:
            orders = orders.filter(department=form.cleaned_data["department"])
        if form.cleaned_data["status"]:
            orders = orders.filter(status=form.cleaned_data["status"])
    page = Paginator(orders.order_by("-created_at", "-id"), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "otb/orders.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_buy": departments_editable(request).exists(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    editable = departments_editable(request)
    if not editable.exists():
        raise PermissionDenied("You have no departments to buy for.")
    weeks = open_week_choices()
    form = OrderForm(request.POST or None, departments=editable)
    lines = LineFormSet(request.POST or None, prefix="lines", form_kwargs={"week_choices": weeks})
    context: dict[str, Any] = {"form": form, "lines": lines}
    if request.method == "POST":
        if form.is_valid() and lines.is_valid():
            requests = [
                LineRequest(
                    sku_code=line["sku_code"],
                    location_code=line["location_code"],
                    units=line["units"],
                    unit_cost=line["unit_cost"],
                    unit_retail=line["unit_retail"],
                    receipt_week_id=line["receipt_week"],
                )
                for line in lines.cleaned_data
                if line
            ]
            try:
                order = purchase_order_create(
                    user=request.user,  # type: ignore[arg-type]
                    number=form.cleaned_data["number"],
                    vendor_code=form.cleaned_data["vendor"].code,
                    department_id=form.cleaned_data["department"].pk,
                    lines=requests,
                    request_exception=form.cleaned_data["request_exception"],
                )
            except services.InsufficientOTBError as error:
                context["short"] = _short_answer(requests, error.short)
            except services.OTBError as error:
                context["problems"] = str(error).split(". ")
            else:
                if order.status == PurchaseOrder.Status.AWAITING_APPROVAL:
                    messages.warning(
                        request, f"PO {order.number} is over OTB: it waits for a manager's approval."
                    )
                else:
                    messages.success(request, f"PO {order.number} released.")
                return redirect("otb:order", order_id=order.pk)
        return render(request, "otb/order_new.html", context, status=400)
    return render(request, "otb/order_new.html", context)


def _short_answer(requests: list[LineRequest], short: dict[int, tuple[Decimal, Decimal]]) -> dict[str, Any]:
    """What is left per month, and the units per line that would fit (scaled alike, rounded down)."""
    months = {
        week_id: month_key(year, month)
        for week_id, year, month in FiscalWeek.objects.filter(
            pk__in=[line.receipt_week_id for line in requests]
        ).values_list("pk", "year", "month")
    }
    lines = [(line.units, months[line.receipt_week_id], line.unit_retail) for line in requests]
    fitted = page_rows.scaled_to_fit(lines, short)
    return {
        "months": [
            {
                "label": services.month_label(key),
                "requested": requested,
                "left": max(left, Decimal("0.00")),
                "over": requested - max(left, Decimal("0.00")),
            }
            for key, (requested, left) in sorted(short.items())
        ],
        "lines": [
            {"number": index, "sku": line.sku_code, "units": line.units, "fits": fits}
            for index, (line, fits) in enumerate(zip(requests, fitted, strict=True), start=1)
        ],
    }


def _order_for(request: HttpRequest, order_id: int) -> PurchaseOrder:
    return get_object_or_404(
        PurchaseOrder.objects.filter(department__in=departments_visible(request)).select_related(
            "department", "vendor", "created_by"
        ),
        pk=order_id,
    )


@login_required
@require_GET
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_for(request, order_id)
    can_buy = departments_editable(request).filter(pk=order.department_id).exists()
    can_decide = can_buy and _is_manager(request)
    lines = order.lines.select_related("sku", "location", "receipt_week").order_by("id")
    exceptions = order.exceptions.select_related("requested_by", "decided_by").order_by("month_key", "id")
    can_change = can_buy and order.status == PurchaseOrder.Status.RELEASED
    weeks = open_week_choices() if can_change else []
    context = {
        "order": order,
        "lines": [_line_row(line, can_change=can_change, weeks=weeks) for line in lines],
        "exceptions": [
            {
                "exception": exception,
                "month_label": services.month_label(exception.month_key),
                "can_decide": can_decide
                and exception.status == OTBException.Status.PENDING
                and exception.requested_by_id != request.user.pk,
            }
            for exception in exceptions
        ],
        "reasons": OTBException.Reason.choices,
    }
    return render(request, "otb/order.html", context)


def _line_row(
    line: PurchaseOrderLine,
    *,
    can_change: bool,
    weeks: list[tuple[int, str]],
    error: str = "",
    notice: str = "",
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A line of the order page: its numbers, and the inline change form's values (the line's own,
    or what the buyer typed when the change was refused)."""
    is_changeable = can_change and line.status in PurchaseOrderLine.OPEN_STATUSES
    return {
        "line": line,
        "open_units": line.open_units,
        "month_label": services.month_label(line.month_key),
        "can_receive": is_changeable,
        "can_change": is_changeable,
        "week_choices": _weeks_with(weeks, line) if is_changeable else [],
        "values": {
            "units": line.units,
            "unit_cost": line.unit_cost,
            "unit_retail": line.unit_retail,
            "receipt_week": line.receipt_week_id,
            **(values or {}),
        },
        "error": error,
        "notice": notice,
    }


def _weeks_with(weeks: list[tuple[int, str]], line: PurchaseOrderLine) -> list[tuple[int, str]]:
    """The open receipt weeks, and the line's own week even if it has closed (kept as it is)."""
    if any(week_id == line.receipt_week_id for week_id, _label in weeks):
        return weeks
    return [(line.receipt_week_id, str(line.receipt_week)), *weeks]


def _line_for_change(
    request: HttpRequest, order_id: int, line_id: int
) -> tuple[PurchaseOrder, PurchaseOrderLine]:
    order = _order_for(request, order_id)
    line = get_object_or_404(order.lines.select_related("sku", "location", "receipt_week"), pk=line_id)
    if not departments_editable(request).filter(pk=order.department_id).exists():
        raise PermissionDenied("You cannot change orders of this department.")
    return order, line


def _line_answer(
    request: HttpRequest,
    order: PurchaseOrder,
    line_id: int,
    *,
    error: str = "",
    notice: str = "",
    values: dict[str, Any] | None = None,
) -> HttpResponse:
    """HTMX: the line's row again, with the error or notice beside it. Otherwise a message and
    back to the order."""
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("otb:order", order_id=order.pk)
    line = order.lines.select_related("sku", "location", "receipt_week").get(pk=line_id)
    row = _line_row(
        line,
        can_change=order.status == PurchaseOrder.Status.RELEASED,
        weeks=open_week_choices(),
        error=error,
        notice=notice,
        values=values,
    )
    return render(request, "otb/order.html#line", {"order": order, "row": row})


@login_required
@require_POST
def line_change(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    order, line = _line_for_change(request, order_id, line_id)
    form = LineChangeForm(request.POST, week_choices=_weeks_with(open_week_choices(), line))
    typed: dict[str, Any] = {
        name: request.POST.get(name, "") for name in ("units", "unit_cost", "unit_retail")
    }
    typed["receipt_week"] = _int(request.POST.get("receipt_week"))
    if not form.is_valid():
        problems = [
            f"{form[name].label}: {' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        ]
        return _line_answer(request, order, line.pk, error=" ".join(problems), values=typed)
    data = form.cleaned_data
    try:
        changed = purchase_order_line_update(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            units=data["units"],
            unit_cost=data["unit_cost"],
            unit_retail=data["unit_retail"],
            receipt_week_id=data["receipt_week"],
            expected_version=data["version"],
        )
    except Conflict as error:
        # Show the line as it is now: the buyer reviews it and tries again.
        return _line_answer(request, order, line.pk, error=str(error))
    except services.OTBError as error:
        return _line_answer(request, order, line.pk, error=str(error), values=typed)
    notice = (
        f"Line {line.sku.code} changed: {changed.units} units in {services.month_label(changed.month_key)}."
    )
    return _line_answer(request, order, line.pk, notice=notice)


@login_required
@require_POST
def line_cancel(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    order, line = _line_for_change(request, order_id, line_id)
    form = LineCancelForm(request.POST)
    if not form.is_valid():
        return _line_answer(request, order, line.pk, error="The line's version is missing: reload the order.")
    try:
        cancelled = purchase_order_line_cancel(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            expected_version=form.cleaned_data["version"],
        )
    except (services.OTBError, Conflict) as error:  # Conflict: the line changed meanwhile
        return _line_answer(request, order, line.pk, error=str(error))
    kept = f" ({cancelled.units} received units stay)" if cancelled.received_units else ""
    return _line_answer(request, order, line.pk, notice=f"Line {line.sku.code} cancelled{kept}.")


@login_required
@require_POST
def line_receive(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    order = _order_for(request, order_id)
    line = get_object_or_404(order.lines, pk=line_id)
    if not departments_editable(request).filter(pk=order.department_id).exists():
        raise PermissionDenied("You cannot receive for this department.")
    form = ReceiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the units received (at least 1).")
        return redirect("otb:order", order_id=order.pk)
    try:
        purchase_order_line_receive(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            units=form.cleaned_data["units"],
        )
    except services.OTBError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Received {form.cleaned_data['units']} units of {line.sku.code}.")
    return redirect("otb:order", order_id=order.pk)


@login_required
@require_POST
def exception_decide(request: HttpRequest, exception_id: int) -> HttpResponse:
    exception = get_object_or_404(
        OTBException.objects.filter(department__in=departments_visible(request)).select_related("order"),
        pk=exception_id,
    )
    if (
        not _is_manager(request)
        or not departments_editable(request).filter(pk=exception.department_id).exists()
    ):
        raise PermissionDenied("Only a manager of the department decides on its OTB exceptions.")
    form = ExceptionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("otb:order", order_id=exception.order_id)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.otb_exception_decide(
            user=request.user,  # type: ignore[arg-type]
            exception_id=exception.pk,
            approve=approve,
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
        )
    except AppError as error:  # e.g. their own request (403): the page says why
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"OTB exception {services.month_label(exception.month_key)} "
            f"{'approved' if approve else 'rejected'}.",
        )
    return redirect("otb:order", order_id=exception.order_id)
