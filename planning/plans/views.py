"""Plan pages: the list, the create form and a version's grid page. (The grid's HTMX partials
are in `cell_views`, the version's buttons, approvals among them, in `version_views`.)"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.errors import AppError
from planning.models import Department, Plan, PlanLine, PlanVersion
from planning.plans import excel_views, grid_tree, selectors, services
from planning.plans.forms import PlanCreateForm, RejectForm, ScenarioForm
from planning.plans.measures import SUMMARY_MEASURES
from planning.targets.plan_spread import plan_create_from_targets
from planning.targets.services import TargetError


def _visible_versions(request: HttpRequest) -> Any:
    departments = Department.objects.visible_to(request.user)
    return PlanVersion.objects.filter(plan__department__in=departments).select_related(
        "plan", "plan__department"
    )


def _can_edit(request: HttpRequest, version: PlanVersion) -> bool:
    return (
        version.is_editable
        and Department.objects.editable_by(request.user).filter(pk=version.plan.department_id).exists()
    )


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.visible_to(request.user)
    plans = (
        Plan.objects.filter(department__in=departments)
        .select_related("department", "first_week", "last_week", "channel", "region")
        .prefetch_related("versions")
    )
    waiting = selectors.versions_to_decide(request.user)  # only what this user may decide
    return render(
        request,
        "planning/plans/list.html",
        {
            "plans": plans,
            "waiting": waiting,
            "can_create": Department.objects.editable_by(request.user).exists(),
        },
    )


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanCreateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        from_targets = form.cleaned_data["seed"] == "targets"
        create = plan_create_from_targets if from_targets else services.plan_create
        try:
            plan = create(user=request.user, spec=form.spec())  # type: ignore[arg-type]
        except AppError as error:
            form.add_error("seed" if isinstance(error, TargetError) else None, error.message)
        else:
            seeded = "last year, then the published targets" if from_targets else "last year"
            messages.success(request, f"Plan {plan.name} created and seeded from {seeded}.")
            return redirect(
                "planning:plan-version", version_id=plan.versions.get(kind=PlanVersion.Kind.WORKING).pk
            )
    return render(request, "planning/plans/create.html", {"form": form}, status=400 if form.errors else 200)


# no-store: the Back button must fetch the grid again, not show the copy read before the
# planner's own edits (its row versions would make the next edit a conflict with them).
@never_cache
@login_required
@require_GET
def plan_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(_visible_versions(request), pk=version_id)
    # A tree (grid_tree): the plan total open, every class line one collapsed row of the
    # picked measure, opened on demand; a 200-line plan is one view, not pages.
    summary = grid_tree.summary_measure(request.GET.get("measure"))
    open_ids = grid_tree.opened(request.GET.get("open"), grid_tree.class_line_ids(version))
    grid, lines = grid_tree.tree_lines(
        version, is_editable=_can_edit(request, version), open_ids=open_ids, summary=summary
    )
    grid_tree.with_detail(version, grid, set(), "sales")
    siblings = PlanVersion.objects.filter(plan=version.plan).order_by("kind", "name")
    transitions = selectors.plan_trail(version)
    is_submitted = version.status == PlanVersion.Status.SUBMITTED
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "planning/plans/grid.html",
        {
            "version": version,
            "plan": version.plan,
            "grid": grid,
            "siblings": siblings,
            "transitions": transitions,
            "can_submit": grid.is_editable
            and version.kind in (PlanVersion.Kind.WORKING, PlanVersion.Kind.SCENARIO),
            # The services' own rules (role, department, four eyes): no button they would refuse.
            "can_decide": is_submitted and services.can_decide(user, version),
            "can_withdraw": is_submitted and services.can_withdraw(user, version),
            "can_branch": version.kind == PlanVersion.Kind.WORKING
            and Department.objects.editable_by(request.user).filter(pk=version.plan.department_id).exists(),
            "reject_form": RejectForm(),
            "methods": PlanLine.Method.choices,
            "tree_lines": lines,
            "summary": summary,
            "summary_measures": SUMMARY_MEASURES,
            "current_week": grid_tree.current_week_key(grid.columns),
            "scenario_form": ScenarioForm(),
            # The last Excel import's refusal or problems, shown once next to its form.
            "excel_import": excel_views.import_outcome_pop(request, version.pk),
            # An OP revision's page says which revision it is and whether a newer one replaced it.
            "current_original": selectors.current_original(version.plan_id)
            if version.kind == PlanVersion.Kind.ORIGINAL
            else None,
        },
    )
