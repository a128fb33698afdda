"""Forecasting pages: the runs with the form to start one, and a run with its progress and the
models it chose. The other pages: `item_views` (one style-color's forecast and overrides),
`accuracy_views` (accuracy and exceptions), `seed_views` (seeding a plan), `import_views`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import AppError
from forecasting import services
from forecasting.forms import RunStartForm
from forecasting.models import ForecastRun, SeriesFit, StyleColorForecast
from forecasting.wording import model_label
from planning.departments import DepartmentLookupError, department_from_filter
from planning.models import Department

RUNS_PER_PAGE = 20
FITS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    editable = Department.objects.editable_by(request.user).order_by("code")
    form = RunStartForm(request.POST or None, departments=editable)
    if request.method == "POST":
        if not editable.exists():
            raise PermissionDenied("You have no departments to forecast.")
        if form.is_valid():
            try:
                run = services.forecast_run_start(
                    user=request.user,
                    department_ids=[department.pk for department in form.cleaned_data["departments"]] or None,
                    horizon=form.cleaned_data["horizon"],
                )
            except AppError as error:  # a rule, or a department not theirs (Forbidden)
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Forecast run {run.pk} started.")
                return redirect("forecasting:run", run_id=run.pk)
    visible = Department.objects.visible_to(request.user)
    runs = (
        ForecastRun.objects.filter(departments__in=visible)
        .distinct()
        .select_related("as_of_week", "created_by")
        .order_by("-created_at", "-id")
    )
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "forecasting/runs.html",
        {"form": form, "page": page, "can_run": editable.exists()},
        status=400 if request.method == "POST" else 200,
    )


def _run_for(request: HttpRequest, run_id: int) -> ForecastRun:
    visible = Department.objects.visible_to(request.user)
    return get_object_or_404(
        ForecastRun.objects.filter(departments__in=visible)
        .distinct()
        .select_related("as_of_week", "created_by"),
        pk=run_id,
    )


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_for(request, run_id)
    context: dict[str, Any] = {"run": run, "partitions": run.partitions.select_related("department")}
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "forecasting/run.html#progress", context)
        if run.is_finished:
            # The page reloads once to show the finished run's tables.
            response["HX-Refresh"] = "true"
        return response
    fits = SeriesFit.objects.filter(run=run).select_related("style_color", "style_color__style")
    department = (request.GET.get("department") or "").strip()
    model = request.GET.get("model") or ""
    pattern = request.GET.get("pattern") or ""
    department_error = ""
    if department:
        try:
            chosen = department_from_filter(department)
        except DepartmentLookupError as error:
            department_error = f"There is no department {error.value!r}: give its id or its code (e.g. W01)."
        else:
            department = str(chosen.pk)  # the select shows it when the URL gave its code
            fits = fits.filter(style_color__style__subclass__merch_class__department=chosen)
    if model:
        fits = fits.filter(model=model)
    if pattern:
        fits = fits.filter(pattern=pattern)
    by_model = [
        {**row, "label": model_label(row["model"])}
        for row in SeriesFit.objects.filter(run=run)
        .values("model")
        .annotate(series=Count("id"), wmape=Avg("backtest_wmape"), naive=Avg("naive_wmape"))
        .order_by("-series", "model")
    ]
    by_pattern = list(
        SeriesFit.objects.filter(run=run).values("pattern").annotate(series=Count("id")).order_by("-series")
    )
    totals = dict(
        StyleColorForecast.objects.filter(run=run, style_color_id__in=fits.values("style_color_id"))
        .values_list("style_color_id")
        .annotate(total=Sum("units"))
        .order_by()
    )
    page = Paginator(fits.order_by("style_color__code"), FITS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"fit": fit, "label": model_label(fit.model), "total": totals.get(fit.style_color_id)} for fit in page
    ]
    context.update(
        {
            "log": run.log.all(),
            "by_model": by_model,
            "by_pattern": by_pattern,
            "page": page,
            "rows": rows,
            "departments": run.departments.order_by("code"),
            "filters": {"department": department, "model": model, "pattern": pattern},
            "department_error": department_error,
            "models": [row["model"] for row in by_model],
            "patterns": [row["pattern"] for row in by_pattern],
        }
    )
    return render(request, "forecasting/run.html", context, status=400 if department_error else 200)
