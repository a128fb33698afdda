"""Open-to-buy pages: the OTB table (department x fiscal month) with its drill to purchase order
lines, OTB budgets and their approval, purchase orders (entry checked against OTB, receipts,
OTB exceptions a manager decides)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otb import page_support, services
from otb.forms import (
    BudgetCreateForm,
    DecisionForm,
    DepartmentFilterForm,
    ExceptionDecisionForm,
    LineCancelForm,
    LineChangeForm,
    LineFormSet,
    OrderFilterForm,
    OrderForm,
    ReceiveForm,
    open_week_choices,
)
from otb.models import OTBBudget, OTBBudgetMonth, OTBException, PurchaseOrder, PurchaseOrderLine
from planning.models import Department, FiscalWeek
from planning.roles import ADMIN, MANAGER, user_roles

ORDERS_PER_PAGE = 50


def _is_manager(request: HttpRequest) -> bool:
    return bool(user_roles(request.user) & {MANAGER, ADMIN})


def _visible(request: HttpRequest) -> Any:
    return Department.objects.visible_to(request.user).order_by("code")


def _editable(request: HttpRequest) -> Any:
    return Department.objects.editable_by(request.user).order_by("code")


def _current_year() -> int:
    today = timezone.localdate()
    week = FiscalWeek.objects.filter(start_date__lte=today, end_date__gte=today).only("year").first()
    return week.year if week else today.year


# -- the OTB table ------------------------------------------------------------------------


@login_required
@require_GET
def otb_page(request: HttpRequest) -> HttpResponse:
    visible = _visible(request)
    form = DepartmentFilterForm(request.GET or None, departments=visible)
    departments = list(visible)
    if form.is_valid() and form.cleaned_data["department"]:
        departments = [form.cleaned_data["department"]]
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else _current_year()
    month_keys = page_support.fiscal_month_keys(year)
    table = page_support.otb_table([department.pk for department in departments], month_keys)
    blocks = []
    for department in departments:
        cells = [table[department.pk, key] for key in month_keys]
        blocks.append(page_support.otb_block(department, cells, page_support.otb_total(cells)))
    month_totals = [page_support.otb_total(table[d.pk, key] for d in departments) for key in month_keys]
    company = page_support.otb_block(None, month_totals, page_support.otb_total(month_totals))
    context = {
        "form": form,
        "year": year,
        "months": [{"key": key, "label": f"M{key % 100:02d}"} for key in month_keys],
        "blocks": blocks,
        "company": company,
    }
    return render(request, "otb/otb.html", context)


@login_required
@require_GET
def otb_drill(request: HttpRequest) -> HttpResponse:
    """The open purchase order lines behind an on-order number (department x month)."""
    department = get_object_or_404(_visible(request), pk=_int(request.GET.get("department")))
    key = _int(request.GET.get("month"))
    lines = (
        PurchaseOrderLine.objects.filter(
            order__department=department, order__status=PurchaseOrder.Status.RELEASED, month_key=key
        )
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .select_related("order", "order__vendor", "sku", "location", "receipt_week")
        .order_by("order__number", "id")
    )
    rows: list[dict[str, Any]] = []
    total = Decimal("0.00")
    for line in lines:
        open_retail = (line.open_units * line.unit_retail).quantize(Decimal("0.01"))
        total += open_retail
        rows.append({"line": line, "open_units": line.open_units, "open_retail": open_retail})
    context = {
        "department": department,
        "month_label": services.month_label(key),
        "rows": rows,
        "total": total,
        **page_support.drill_breakdown(department.pk, key),
    }
    template = "otb/otb_drill.html#drill" if request.htmx else "otb/otb_drill.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


# -- budgets ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def budget_list(request: HttpRequest) -> HttpResponse:
    editable = _editable(request)
    create_form = BudgetCreateForm(request.POST or None, departments=editable)
    if request.method == "POST":
        if not editable.exists():
            raise PermissionDenied("You have no departments to budget.")
        if create_form.is_valid():
            try:
                budget = services.otb_budget_from_plan(
                    user=request.user,  # type: ignore[arg-type]
                    version_id=create_form.cleaned_data["version"].pk,
                )
            except services.OTBError as error:
                create_form.add_error(None, str(error))
            else:
                messages.success(request, f"Draft budget FY{budget.fiscal_year} v{budget.number} created.")
                return redirect("otb:budgets")
    visible = _visible(request)
    filter_form = DepartmentFilterForm(request.GET or None, departments=visible)
    budgets = (
        OTBBudget.objects.filter(department__in=visible)
        .select_related("department", "source_version__plan", "created_by", "submitted_by", "decided_by")
        .prefetch_related(Prefetch("months", queryset=OTBBudgetMonth.objects.order_by("month_key")))
        .order_by("department__code", "-fiscal_year", "-number")
    )
    if filter_form.is_valid() and filter_form.cleaned_data["department"]:
        budgets = budgets.filter(department=filter_form.cleaned_data["department"])
    editable_ids = set(editable.values_list("pk", flat=True))
    is_manager = _is_manager(request)
    rows = [
        {
            "budget": budget,
            "months": [
                {"label": services.month_label(month.month_key), "month": month}
                for month in budget.months.all()
            ],
            "can_submit": budget.department_id in editable_ids and budget.status == OTBBudget.Status.DRAFT,
            "can_decide": is_manager
            and budget.department_id in editable_ids
            and budget.status == OTBBudget.Status.SUBMITTED,
        }
        for budget in budgets
    ]
    return render(
        request,
        "otb/budgets.html",
        {
            "create_form": create_form,
            "filter_form": filter_form,
            "rows": rows,
            "can_create": bool(editable_ids),
            "decision_form": DecisionForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _budget_for_change(request: HttpRequest, budget_id: int) -> OTBBudget:
    budget = get_object_or_404(OTBBudget.objects.filter(department__in=_visible(request)), pk=budget_id)
    if not _editable(request).filter(pk=budget.department_id).exists():
        raise PermissionDenied("You cannot change budgets of this department.")
    return budget


@login_required
@require_POST
def budget_submit(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget_for_change(request, budget_id)
    try:
        services.otb_budget_submit(user=request.user, budget_id=budget.pk)  # type: ignore[arg-type]
    except services.OTBError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Budget FY{budget.fiscal_year} v{budget.number} submitted for approval.")
    return redirect("otb:budgets")


@login_required
@require_POST
def budget_decide(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget_for_change(request, budget_id)
    if not _is_manager(request):
        raise PermissionDenied("Only managers decide on OTB budgets.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("otb:budgets")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.otb_budget_decide(
            user=request.user,  # type: ignore[arg-type]
            budget_id=budget.pk,
            approve=approve,
            comment=form.cleaned_data["comment"],
        )
    except services.OTBError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Budget FY{budget.fiscal_year} v{budget.number} {'approved' if approve else 'rejected'}.",
        )
    return redirect("otb:budgets")


# -- purchase orders ----------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    visible = _visible(request)
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
        {"form": form, "page": page, "query": query.urlencode(), "can_buy": _editable(request).exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    editable = _editable(request)
    if not editable.exists():
        raise PermissionDenied("You have no departments to buy for.")
    weeks = open_week_choices()
    form = OrderForm(request.POST or None, departments=editable)
    lines = LineFormSet(request.POST or None, prefix="lines", form_kwargs={"week_choices": weeks})
    context: dict[str, Any] = {"form": form, "lines": lines}
    if request.method == "POST":
        if form.is_valid() and lines.is_valid():
            requests = [
                services.LineRequest(
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
                order = services.purchase_order_create(
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


def _short_answer(
    requests: list[services.LineRequest], short: dict[int, tuple[Decimal, Decimal]]
) -> dict[str, Any]:
    """What is left per month, and the units per line that would fit (scaled alike, rounded down)."""
    months = {
        week_id: year * 100 + month
        for week_id, year, month in FiscalWeek.objects.filter(
            pk__in=[line.receipt_week_id for line in requests]
        ).values_list("pk", "year", "month")
    }
    lines = [(line.units, months[line.receipt_week_id], line.unit_retail) for line in requests]
    fitted = page_support.scaled_to_fit(lines, short)
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
        PurchaseOrder.objects.filter(department__in=_visible(request)).select_related(
            "department", "vendor", "created_by"
        ),
        pk=order_id,
    )


@login_required
@require_GET
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_for(request, order_id)
    can_buy = _editable(request).filter(pk=order.department_id).exists()
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
    if not _editable(request).filter(pk=order.department_id).exists():
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
        changed = services.purchase_order_line_update(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            units=data["units"],
            unit_cost=data["unit_cost"],
            unit_retail=data["unit_retail"],
            receipt_week_id=data["receipt_week"],
            expected_version=data["version"],
        )
    except services.LineConflictError as error:
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
        cancelled = services.purchase_order_line_cancel(
            user=request.user,  # type: ignore[arg-type]
            line_id=line.pk,
            expected_version=form.cleaned_data["version"],
        )
    except services.OTBError as error:
        return _line_answer(request, order, line.pk, error=str(error))
    kept = f" ({cancelled.units} received units stay)" if cancelled.received_units else ""
    return _line_answer(request, order, line.pk, notice=f"Line {line.sku.code} cancelled{kept}.")


@login_required
@require_POST
def line_receive(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    order = _order_for(request, order_id)
    line = get_object_or_404(order.lines, pk=line_id)
    if not _editable(request).filter(pk=order.department_id).exists():
        raise PermissionDenied("You cannot receive for this department.")
    form = ReceiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the units received (at least 1).")
        return redirect("otb:order", order_id=order.pk)
    try:
        services.purchase_order_line_receive(
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
        OTBException.objects.filter(department__in=_visible(request)).select_related("order"), pk=exception_id
    )
    if not _is_manager(request) or not _editable(request).filter(pk=exception.department_id).exists():
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
    except services.OTBError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"OTB exception {services.month_label(exception.month_key)} "
            f"{'approved' if approve else 'rejected'}.",
        )
    return redirect("otb:order", order_id=exception.order_id)
