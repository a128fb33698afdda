"""Seeding a plan version from a forecast: the preview by class, and the seeding itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from forecasting import seeding, services
from planning.models import Department, PlanVersion
from planning.plans.services import PlanError


@login_required
@require_http_methods(["GET", "POST"])
def plan_seed(request: HttpRequest, version_id: int) -> HttpResponse:
    visible = Department.objects.visible_to(request.user)
    version = get_object_or_404(
        PlanVersion.objects.filter(plan__department__in=visible).select_related(
            "plan", "plan__department", "plan__channel", "plan__region"
        ),
        pk=version_id,
    )
    run = seeding.seed_run_for(version)
    if request.method == "POST":
        try:
            result = seeding.plan_seed_from_forecast(
                user=request.user,  # type: ignore[arg-type]
                version_id=version.pk,
                run_id=int(request.POST["run"]) if request.POST.get("run", "").isdigit() else None,
                use_overrides=request.POST.get("use_overrides") == "on",
            )
        except (services.ForecastError, PlanError) as error:
            messages.error(request, str(error))
            return redirect("forecasting:plan-seed", version_id=version.pk)
        messages.success(
            request,
            f"Seeded {result.cells} cells over {result.weeks} weeks from forecast run {result.run.pk}: "
            f"{result.total_units:,} units, ${result.total_sales:,.2f}"
            + (f"; {result.skipped_locked} locked cells kept" if result.skipped_locked else "")
            + ".",
        )
        return redirect("planning:plan-version", version_id=version.pk)
    preview = None
    problem = ""
    if run is None:
        problem = f"No finished forecast covers {version.plan.department} yet: run one first."
    else:
        try:
            preview = seeding.plan_seed_preview(version, run)
        except services.ForecastError as error:
            problem = str(error)
    classes = dict(
        version.lines.filter(merch_class__isnull=False).values_list("merch_class_id", "merch_class__name")
    )
    table = []
    if preview:
        for merch_class, units in preview.class_units.items():
            table.append(
                {
                    "name": classes.get(merch_class, merch_class),
                    "units": sum(units) / 100,
                    "sales": sum(preview.class_sales[merch_class]) / 10000,
                    "share": preview.scope_share.get(merch_class, 0.0 if seeding.is_scoped(version) else 1.0),
                }
            )
    return render(
        request,
        "forecasting/seed.html",
        {
            "version": version,
            "run": run,
            "preview": preview,
            "table": table,
            "problem": problem,
            "can_edit": version.is_editable
            and Department.objects.editable_by(request.user).filter(pk=version.plan.department_id).exists(),
        },
    )
