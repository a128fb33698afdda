"""Markdown pages: candidates, proposals (detail, edit, submit, decide), budget vs actual."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import AppError
from otb.markdowns import selectors, services
from otb.markdowns.forms import DecisionForm, ProposalForm, ProposeForm
from otb.models import MarkdownItem, MarkdownProposal
from planning import clock
from planning.models import Department, FiscalWeek
from planning.roles import ADMIN, MANAGER, user_roles


def _visible_department(request: HttpRequest, department_id: int) -> Department:
    department: Department = get_object_or_404(Department.objects.visible_to(request.user), pk=department_id)
    return department


def _can_edit(request: HttpRequest, department_id: int) -> bool:
    return Department.objects.editable_by(request.user).filter(pk=department_id).exists()


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "otb/markdowns/list.html",
        {
            "proposals": selectors.proposals_visible_to(request.user),
            "departments": Department.objects.visible_to(request.user).order_by("code"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidates(request: HttpRequest, department_id: int) -> HttpResponse:
    department = _visible_department(request, department_id)
    rows = selectors.markdown_candidates(department.pk)
    form = ProposeForm(request.POST or None, item_ids=[row.style_color_id for row in rows])
    if request.method == "POST":
        if not _can_edit(request, department.pk):
            raise PermissionDenied("You can propose markdowns only for your own departments.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = services.markdown_proposal_create(
                    user=request.user,  # type: ignore[arg-type]
                    department_id=department.pk,
                    name=data["name"],
                    effective_week_id=data["effective_week"],
                    items=services.items_at_percent_off(data["items"], data["percent_off"]),
                )
            except services.MarkdownError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Proposal {proposal.name} saved as a draft: check the prices.")
                return redirect("otb:markdown-detail", proposal_id=proposal.pk)
    return render(
        request,
        "otb/markdowns/candidates.html",
        {
            "department": department,
            "rows": rows,
            "form": form,
            "can_propose": _can_edit(request, department.pk),
            "thresholds": {
                "weeks": selectors.LOOK_BACK_WEEKS,
                "sell_through": selectors.SELL_THROUGH_BELOW * 100,
                "wos": selectors.WOS_ABOVE,
                "age": selectors.AGE_WEEKS_ABOVE,
                "min_weeks": selectors.MIN_WEEKS_ON_SALE,
            },
        },
        status=422 if request.method == "POST" else 200,
    )


def _can_decide(request: HttpRequest, proposal: MarkdownProposal) -> bool:
    return (
        proposal.status == MarkdownProposal.Status.SUBMITTED
        and bool(user_roles(request.user) & {MANAGER, ADMIN})
        and proposal.submitted_by_id != request.user.pk
        and _can_edit(request, proposal.department_id)
    )


def _detail_context(request: HttpRequest, proposal: MarkdownProposal, **extra: object) -> dict[str, object]:
    items = selectors.proposal_items(proposal.pk)
    is_open = proposal.status in (MarkdownProposal.Status.DRAFT, MarkdownProposal.Status.REJECTED)
    return {
        "proposal": proposal,
        "items": items,
        "totals": selectors.proposal_totals(items),
        "effect": services.markdown_plan_effect(proposal) if proposal.status != "approved" else None,
        "history": selectors.proposal_history(proposal.pk),
        "can_edit": is_open and _can_edit(request, proposal.department_id),
        "can_decide": _can_decide(request, proposal),
        "decision_form": DecisionForm(initial={"row_version": proposal.row_version}),
        **extra,
    }


def _proposal(request: HttpRequest, proposal_id: int) -> MarkdownProposal:
    proposal: MarkdownProposal = get_object_or_404(
        MarkdownProposal.objects.filter(
            department__in=Department.objects.visible_to(request.user)
        ).select_related("department", "effective_week", "created_by", "submitted_by", "decided_by"),
        pk=proposal_id,
    )
    return proposal


def _price_edits(request: HttpRequest, items: list[MarkdownItem]) -> list[services.ItemRequest] | str:
    edits = []
    for item in items:
        raw = request.POST.get(f"price-{item.style_color_id}", "").strip()
        if request.POST.get(f"drop-{item.style_color_id}"):
            continue
        try:
            edits.append(services.ItemRequest(item.style_color_id, Decimal(raw.replace(",", ""))))
        except InvalidOperation:
            return f"{item.style_color.code}: {raw!r} is not a price."
    return edits


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    form = ProposalForm(
        request.POST or None, initial={"name": proposal.name, "effective_week": proposal.effective_week_id}
    )
    error = ""
    if request.method == "POST":
        if not _can_edit(request, proposal.department_id):
            raise PermissionDenied("You cannot change markdowns of this department.")
        edits = _price_edits(request, selectors.proposal_items(proposal.pk))
        if isinstance(edits, str):
            error = edits
        elif form.is_valid():
            try:
                services.markdown_proposal_update(
                    user=request.user,  # type: ignore[arg-type]
                    proposal_id=proposal.pk,
                    row_version=int(request.POST.get("row_version", "0") or 0),
                    name=form.cleaned_data["name"],
                    effective_week_id=form.cleaned_data["effective_week"],
                    items=edits,
                )
            except services.MarkdownError as problem:
                error = str(problem)
            else:
                messages.success(request, "Proposal saved; the numbers are computed again.")
                return redirect("otb:markdown-detail", proposal_id=proposal.pk)
    context = _detail_context(request, proposal, form=form, error=error)
    return render(request, "otb/markdowns/detail.html", context, status=422 if error or form.errors else 200)


@login_required
@require_POST
def proposal_submit(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    try:
        services.markdown_proposal_submit(
            user=request.user,  # type: ignore[arg-type]
            proposal_id=proposal.pk,
            row_version=int(request.POST.get("row_version", "0") or 0),
        )
    except AppError as error:  # a refusal of the approval flow (stale version, status, rules)
        messages.error(request, str(error))
    else:
        messages.success(request, "Submitted: a manager will decide on it.")
    return redirect("otb:markdown-detail", proposal_id=proposal.pk)


@login_required
@require_POST
def proposal_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Approve or reject; with HTMX the answer is the decision panel (status, history, form)."""
    proposal = _proposal(request, proposal_id)
    form = DecisionForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error = "Choose approve or reject."
    else:
        try:
            services.markdown_proposal_decide(
                user=request.user,  # type: ignore[arg-type]
                proposal_id=proposal.pk,
                approve=form.cleaned_data["action"] == "approve",
                comment=form.cleaned_data["comment"],
                row_version=form.cleaned_data["row_version"],
            )
        except PermissionDenied as refused:  # not a manager of the department, or their own proposal
            if not request.htmx:  # type: ignore[attr-defined]
                raise  # the 403 page says why
            error, status = str(refused), 403
        except AppError as problem:
            error = str(problem)
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect("otb:markdown-detail", proposal_id=proposal.pk)
    proposal = _proposal(request, proposal_id)
    context = _detail_context(request, proposal, decision_error=error)
    return render(request, "otb/markdowns/detail.html#decision", context, status=status)


@login_required
@require_GET
def budget(request: HttpRequest, department_id: int) -> HttpResponse:
    department = _visible_department(request, department_id)
    this_year = FiscalWeek.objects.filter(end_date__gte=clock.today()).order_by("id").first()
    try:
        year = int(request.GET.get("year") or (this_year.year if this_year else clock.today().year))
    except ValueError:
        year = this_year.year if this_year else clock.today().year
    return render(
        request,
        "otb/markdowns/budget.html",
        {
            "department": department,
            "year": year,
            "years": [year - 1, year, year + 1],
            "rows": selectors.markdown_budget_vs_actual(department.pk, year),
        },
    )
