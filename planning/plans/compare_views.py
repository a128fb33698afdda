"""The compare page: two versions of a plan, the cells that differ (planning.plans.compare)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.weeks import iso_week_label
from planning.models import Department, Plan, PlanVersion
from planning.plans import selectors
from planning.plans.compare import MEASURE_LABELS, compare_versions

SHOWN_CELLS = 2000  # the page lists this many differing cells; the count covers them all


def plan_versions(plan: Plan) -> list[PlanVersion]:
    """The plan's versions in the order the pickers list them: working plan, OP revisions
    newest first, scenarios, LY, TY."""
    order = {"wp": 0, "op": 1, "scenario": 2, "ly": 3, "ty": 4}
    versions = list(PlanVersion.objects.filter(plan=plan).order_by("-revision", "name", "pk"))
    return sorted(versions, key=lambda version: order.get(version.kind, 9))


def pick(versions: list[PlanVersion], raw: str | None, default: PlanVersion | None) -> PlanVersion | None:
    """The version named by a ?a= / ?b= id among the plan's, else the default."""
    if raw is not None and raw.strip().isdigit():
        chosen = next((version for version in versions if version.pk == int(raw)), None)
        if chosen is not None:
            return chosen
    return default


def week_label(week_id: int) -> str:
    return iso_week_label(week_id)


@login_required
@require_GET
def plan_compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(
        Plan.objects.filter(department__in=Department.objects.visible_to(request.user)).select_related(
            "department"
        ),
        pk=plan_id,
    )
    versions = plan_versions(plan)
    working = next((version for version in versions if version.kind == PlanVersion.Kind.WORKING), None)
    original = selectors.current_original(plan)
    version_a = pick(versions, request.GET.get("a"), original or working)
    fallback_b = working if version_a is not None and version_a != working else original
    version_b = pick(versions, request.GET.get("b"), fallback_b)
    comparison = None
    rows = []
    if version_a is not None and version_b is not None:
        comparison = compare_versions(version_a, version_b)
        rows = [
            {
                "line": comparison.class_names.get(cell.class_id, "?"),
                "week": week_label(cell.week_id),
                "measure": MEASURE_LABELS[cell.measure],
                "units": cell.measure == "sales_units",
                "a": cell.a,
                "b": cell.b,
                "difference": cell.difference,
            }
            for cell in comparison.cells[:SHOWN_CELLS]
        ]
    return render(
        request,
        "planning/plans/compare.html",
        {
            "plan": plan,
            "versions": versions,
            "version_a": version_a,
            "version_b": version_b,
            "comparison": comparison,
            "rows": rows,
            "by_measure": [
                (MEASURE_LABELS[name], count)
                for name, count in (comparison.by_measure() if comparison else {}).items()
            ],
            "shown": SHOWN_CELLS,
        },
    )
