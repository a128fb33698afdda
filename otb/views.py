"""Open-to-buy pages: the OTB table (department x fiscal month) with its drill to purchase order
lines, OTB budgets and their approval. The purchase order pages are in `otb.order_views`."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import AppError
from core.weeks import short_month_label
from otb import budget_drift, month_drill, open_to_buy, page_rows, services
from otb.forms import BudgetCreateForm, DecisionForm, DepartmentFilterForm
from otb.models import OTBBudget, OTBBudgetMonth
from planning.departments import (
    DepartmentLookupError,
    department_from_filter,
    departments_editable,
    departments_visible,
)
from planning.models import PlanLine, PlanVersion
from planning.roles import ADMIN, MANAGER, user_roles
from planning.selectors import current_fiscal_year


def _is_manager(request: HttpRequest) -> bool:
    return bool(user_roles(request.user) & {MANAGER, ADMIN})


# -- the OTB table ------------------------------------------------------------------------


@login_required
@require_GET
def otb_page(request: HttpRequest) -> HttpResponse:
    visible = departments_visible(request)
    form = DepartmentFilterForm(request.GET or None, departments=visible)
    departments = list(visible)
    if form.is_valid() and form.cleaned_data["department"]:
        departments = [form.cleaned_data["department"]]
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else current_fiscal_year()
    month_keys = page_rows.fiscal_month_keys(year)
    table = open_to_buy.otb_table([department.pk for department in departments], month_keys)
    blocks = []
    for department in departments:
        cells = [table[department.pk, key] for key in month_keys]
        blocks.append(page_rows.otb_block(department, cells, page_rows.otb_total(cells)))
    month_totals = [page_rows.otb_total(table[d.pk, key] for d in departments) for key in month_keys]
    company = page_rows.otb_block(None, month_totals, page_rows.otb_total(month_totals))
    context = {
        "form": form,  # an unknown department: its error beside the select, all departments below
        "year": year,
        "months": [{"key": key, "label": short_month_label(key)} for key in month_keys],
        "blocks": blocks,
        "company": company,
        "drift": budget_drift.budget_drift(
            departments,
            month_keys,
            user=request.user,
            working={key: cell.working_receipts_retail for key, cell in table.items()},
        ),
    }
    return render(request, "otb/otb.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def otb_drill(request: HttpRequest) -> HttpResponse:
    """The open purchase order lines behind an on-order number (department x month)."""
    try:
        department = department_from_filter(request.GET.get("department", ""), departments_visible(request))
    except DepartmentLookupError as error:
        if not error.is_unknown:
            raise Http404(str(error)) from error
        message = f"There is no department {error.value!r}: give its id or its code (e.g. W01)."
        return render(request, _drill_template(request), {"error": message}, status=400)
    key = _int(request.GET.get("month"))
    # The lines the OTB page's on order counts (an overdue line in the first open week's month).
    rows = open_to_buy.department_order_lines(department.pk, key)
    total = sum((row.open_retail for row in rows), Decimal("0.00"))
    context = {
        "units": sum(row.open_units for row in rows),
        "department": department,
        "month_label": services.month_label(key),
        "rows": rows,
        "total": total,
        **month_drill.drill_breakdown(department.pk, key),
    }
    return render(request, _drill_template(request), context)


@login_required
@require_GET
def plan_on_order(request: HttpRequest, version_id: int) -> HttpResponse:
    """The purchase-order lines behind a plan version's on order (a class line's, or all), by
    the week they are expected: what the grid's "On order $" row adds up."""
    version = get_object_or_404(
        PlanVersion.objects.select_related("plan", "plan__department"),
        pk=version_id,
        plan__department__in=departments_visible(request),
    )
    line = None
    if request.GET.get("line"):
        line = (
            PlanLine.objects.filter(version=version, pk=_int(request.GET["line"]))
            .select_related("merch_class")
            .first()
        )
        if line is None:
            raise Http404("That line is not in this plan version.")
    class_id = line.merch_class_id if line is not None else None
    rows = open_to_buy.plan_order_lines(version, class_id)
    context = {
        "version": version,
        "line": line,
        "rows": rows,
        "total": sum((row.open_retail for row in rows), Decimal("0.00")),
        "units": sum(row.open_units for row in rows),
    }
    return render(request, "otb/plan_on_order.html", context)


def _drill_template(request: HttpRequest) -> str:
    return "otb/otb_drill.html#drill" if request.htmx else "otb/otb_drill.html"  # type: ignore[attr-defined]


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


# -- budgets ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def budget_list(request: HttpRequest) -> HttpResponse:
    editable = departments_editable(request)
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
    visible = departments_visible(request)
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
            "negative_months": [
                {"label": services.month_label(month.month_key), "month": month}
                for month in budget.months.all()
                if month.is_negative
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
        status=400 if request.method == "POST" or filter_form.errors else 200,
    )


def _budget_for_change(request: HttpRequest, budget_id: int) -> OTBBudget:
    budget = get_object_or_404(
        OTBBudget.objects.filter(department__in=departments_visible(request)), pk=budget_id
    )
    if not departments_editable(request).filter(pk=budget.department_id).exists():
        raise PermissionDenied("You cannot change budgets of this department.")
    return budget


@login_required
@require_POST
def budget_submit(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget_for_change(request, budget_id)
    try:
        services.otb_budget_submit(user=request.user, budget_id=budget.pk)  # type: ignore[arg-type]
    except AppError as error:  # the approval flow's refusals, a 403 (not the department's) included
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
    except AppError as error:  # e.g. their own budget (403): the page says why
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Budget FY{budget.fiscal_year} v{budget.number} {'approved' if approve else 'rejected'}.",
        )
    return redirect("otb:budgets")


@login_required
@require_POST
def budget_revise(request: HttpRequest) -> HttpResponse:
    """One click on a budget-drift notice: a draft revision of the department's budget from its
    working plan's receipts (`services.otb_budget_revision`), then the budgets page."""
    version = get_object_or_404(
        PlanVersion.objects.filter(
            plan__department__in=departments_visible(request), kind=PlanVersion.Kind.WORKING
        ),
        pk=_int(request.POST.get("version")),
    )
    if not departments_editable(request).filter(pk=version.plan.department_id).exists():
        raise PermissionDenied("You cannot budget this department.")
    try:
        budget = services.otb_budget_revision(user=request.user, version_id=version.pk)  # type: ignore[arg-type]
    except services.OTBError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Draft budget FY{budget.fiscal_year} v{budget.number} created from the working plan's receipts: "
            "submit it for approval.",
        )
    return redirect("otb:budgets")
