"""Forecasting pages: runs and their progress, the style-color forecast with overrides,
accuracy, exceptions, and seeding a plan from a forecast."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import AppError, Conflict
from forecasting import accuracy, charts, seeding, selectors, services
from forecasting.engine import MODEL_LABELS
from forecasting.forms import AccuracyFilterForm, ExceptionFilterForm, OverrideForm, RunStartForm
from forecasting.models import (
    ForecastOverride,
    ForecastRun,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from planning import clock
from planning.departments import DepartmentLookupError, department_from_filter
from planning.engine import spread
from planning.models import Department, PlanVersion, Sku, StyleColor
from planning.plans.services import PlanError

RUNS_PER_PAGE = 20
FITS_PER_PAGE = 50
EXCEPTIONS_PER_PAGE = 50
HISTORY_WEEKS_SHOWN = 104


def planner_wording(text: str) -> str:
    """The engine pools seasonality per "parent"; here the parent is always the merchandise class."""
    return text.replace("Parent's", "Class").replace("parent's", "class").replace("parent", "class")


def _model_label(name: str) -> str:
    return planner_wording(str(MODEL_LABELS.get(name, name.replace("_", " "))))


# -- runs ---------------------------------------------------------------------------------


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
        {**row, "label": _model_label(row["model"])}
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
        {"fit": fit, "label": _model_label(fit.model), "total": totals.get(fit.style_color_id)}
        for fit in page
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


# -- one style-color ----------------------------------------------------------------------


def _item_for(request: HttpRequest, style_color_id: int) -> StyleColor:
    visible = Department.objects.visible_to(request.user)
    return get_object_or_404(
        StyleColor.objects.filter(style__subclass__merch_class__department__in=visible).select_related(
            "style", "style__subclass__merch_class__department"
        ),
        pk=style_color_id,
    )


def _can_override(request: HttpRequest, item: StyleColor) -> bool:
    department_id = item.style.subclass.merch_class.department_id
    return Department.objects.editable_by(request.user).filter(pk=department_id).exists()


@login_required
@require_GET
def item_forecast(request: HttpRequest, style_color_id: int) -> HttpResponse:
    item = _item_for(request, style_color_id)
    run_id = request.GET.get("run")
    run = (
        ForecastRun.objects.filter(pk=int(run_id), fits__style_color=item).first()
        if run_id and run_id.isdigit()
        else selectors.latest_run_for(item)
    )
    context: dict[str, Any] = {"item": item, "run": run, "can_override": _can_override(request, item)}
    if run is None:
        return render(request, "forecasting/item.html", context)
    fit = SeriesFit.objects.get(run=run, style_color=item)
    rows = selectors.forecast_rows(run, item.pk)
    week_ids = [row.fiscal_week_id for row in rows]
    overrides = selectors.overrides_for(item.pk, week_ids)
    today = clock.today()
    weeks = [
        {
            "forecast": row,
            "override": overrides.get(row.fiscal_week_id),
            "final": overrides[row.fiscal_week_id].units if row.fiscal_week_id in overrides else row.units,
            "is_open": row.fiscal_week.end_date >= today,
        }
        for row in rows
    ]
    context.update(
        {
            "fit": fit,
            "model_label": _model_label(fit.model),
            "reason": planner_wording(fit.reason),
            "candidates": sorted(
                (
                    {"model": name, "label": _model_label(name), "wmape": value, "chosen": name == fit.model}
                    for name, value in fit.candidate_wmape.items()
                ),
                key=lambda candidate: (candidate["wmape"] is None, candidate["wmape"] or 0.0),
            ),
            "weeks": weeks,
            "chart": _item_chart(item, run, rows, overrides),
            "sizes": _size_table(run, item, rows, overrides),
            "reasons": ForecastOverride.Reason.choices,
            "changes": selectors.override_change_rows(item),
            "runs": ForecastRun.objects.filter(fits__style_color=item)
            .select_related("as_of_week")
            .order_by("-as_of_week_id", "-created_at")[:12],
        }
    )
    return render(request, "forecasting/item.html", context)


def _item_chart(
    item: StyleColor, run: ForecastRun, rows: list[StyleColorForecast], overrides: dict[int, ForecastOverride]
) -> str:
    history = selectors.history_frame([item.pk], run.as_of_week, weeks=HISTORY_WEEKS_SHOWN)
    # Weeks since the run also count as history, so a look-back shows what happened.
    latest = selectors.latest_closed_week()
    if latest.id > run.as_of_week_id:
        history = selectors.history_frame([item.pk], latest, weeks=HISTORY_WEEKS_SHOWN)
    first_sale = history.index[history["y"] > 0]
    if len(first_sale):
        history = history.loc[first_sale[0] :]
    stockouts = history[history["is_stockout"]]
    return charts.forecast_chart(
        history_dates=[day.date() for day in history["ds"]],
        history_units=history["y"].tolist(),
        stockout_dates=[day.date() for day in stockouts["ds"]],
        forecast_dates=[row.fiscal_week.start_date for row in rows],
        forecast_units=[float(row.units) for row in rows],
        lower=[float(row.lower) for row in rows],
        upper=[float(row.upper) for row in rows],
        interval_level=run.interval_level,
        override_dates=[row.fiscal_week.start_date for row in rows if row.fiscal_week_id in overrides],
        override_units=[
            float(overrides[row.fiscal_week_id].units) for row in rows if row.fiscal_week_id in overrides
        ],
        title=f"{item.code} · {item.style.name} {item.color_name}",
    )


def _size_table(
    run: ForecastRun, item: StyleColor, rows: list[StyleColorForecast], overrides: dict[int, ForecastOverride]
) -> dict[str, Any]:
    """Final forecast split to sizes by the run's size curve (the next 13 weeks shown)."""
    shares = dict(SizeShare.objects.filter(run=run, sku__style_color=item).values_list("sku_id", "share"))
    skus = list(Sku.objects.filter(style_color=item).order_by("size_order", "id"))
    shown = rows[:13]
    weights = np.array([float(shares.get(sku.pk, 0)) for sku in skus])
    finals = [
        float(overrides[row.fiscal_week_id].units if row.fiscal_week_id in overrides else row.units)
        for row in shown
    ]
    # Each week's final forecast split in cents that add up to it exactly (largest remainder).
    cells = (
        np.column_stack([spread(total, weights, decimals=2) for total in finals])
        if len(skus) and weights.sum() > 0 and shown
        else np.zeros((len(skus), len(shown)))
    )
    table = [
        {
            "sku": sku,
            "share": shares.get(sku.pk, Decimal("0")),
            "cells": [Decimal(f"{value:.2f}") for value in cells[position]],
            "total": Decimal(f"{cells[position].sum():.2f}"),
        }
        for position, sku in enumerate(skus)
    ]
    return {"weeks": [row.fiscal_week for row in shown], "rows": table}


@login_required
@require_POST
def override_save(request: HttpRequest, style_color_id: int, week_id: int) -> HttpResponse:
    """Set, change or clear one week's override; HTMX gets the row back, with the error in it."""
    item = _item_for(request, style_color_id)
    if not _can_override(request, item):
        raise PermissionDenied(f"You cannot change forecasts of {item.code}'s department.")
    form = OverrideForm(request.POST)
    error = ""
    status = 200
    if form.is_valid():
        try:
            services.forecast_override_set(
                user=request.user,  # type: ignore[arg-type]
                style_color_id=item.pk,
                fiscal_week_id=week_id,
                units=form.cleaned_data["units"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["row_version"],
            )
        except Conflict as conflict:
            error, status = str(conflict), 409
        except services.ForecastError as problem:
            error, status = str(problem), 422
    else:
        problems = [str(message) for field_messages in form.errors.values() for message in field_messages]
        error, status = "; ".join(problems), 422
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Override saved.")
        return redirect(
            reverse("forecasting:item", args=[item.pk])
            + (f"?run={request.POST.get('run')}" if request.POST.get("run", "").isdigit() else "")
        )
    run_id = request.POST.get("run", "")
    row = (
        StyleColorForecast.objects.select_related("fiscal_week")
        .filter(run_id=int(run_id) if run_id.isdigit() else 0, style_color=item, fiscal_week_id=week_id)
        .first()
    )
    if row is None:
        raise Http404("That week is not in the forecast shown.")
    override = ForecastOverride.objects.filter(style_color=item, fiscal_week_id=week_id).first()
    context = {
        "item": item,
        "run": row.run,
        "week": {
            "forecast": row,
            "override": override,
            "final": override.units if override else row.units,
            "is_open": row.fiscal_week.end_date >= clock.today(),
        },
        "reasons": ForecastOverride.Reason.choices,
        "can_override": True,
        "error": error,
        "posted": request.POST if error else None,
    }
    response = render(request, "forecasting/item.html#override-row", context, status=status)
    if not error:
        response["HX-Trigger"] = "forecastOverridden"
    return response


# -- accuracy and exceptions --------------------------------------------------------------


def _lookback(request: HttpRequest, form: AccuracyFilterForm | ExceptionFilterForm) -> tuple[Any, list[Any]]:
    visible = Department.objects.visible_to(request.user)
    data = form.cleaned_data if form.is_valid() else {}
    department = data.get("department")
    department_ids = [department.pk] if department else list(visible.values_list("id", flat=True))
    weeks = accuracy.lookback_weeks(data.get("weeks") or 13)
    frame = accuracy.lookback_frame(department_ids, weeks, lag=data.get("lag") or 1)
    return frame, weeks


@login_required
@require_GET
def accuracy_dashboard(request: HttpRequest) -> HttpResponse:
    visible = Department.objects.visible_to(request.user).order_by("code")
    form = AccuracyFilterForm(request.GET or None, departments=visible)
    frame, weeks = _lookback(request, form)
    names = dict(visible.values_list("id", "name"))
    by_department = accuracy.records(accuracy.summary(frame, ["department_id"]))
    for row in by_department:
        row["name"] = names.get(row["department_id"], row["department_id"])
    by_model = accuracy.records(accuracy.summary(frame, ["model"]))
    for row in by_model:
        row["label"] = _model_label(row["model"])
    overall = accuracy.records(accuracy.summary(frame.assign(all=1), ["all"]))
    trend = accuracy.records(accuracy.summary(frame, ["week_id"]))
    week_of = {week.id: week for week in weeks}
    for row in trend:
        row["week"] = week_of.get(row["week_id"])
    chart = (
        charts.trend_chart(
            dates=[row["week"].start_date for row in trend],
            series={
                "WMAPE statistical": [row["wmape"] for row in trend],
                "WMAPE final (with overrides)": [row["final_wmape"] for row in trend],
                "Bias final": [row["final_bias"] for row in trend],
            },
            ylabel="%",
            title="Accuracy by week",
        )
        if trend
        else ""
    )
    return render(
        request,
        "forecasting/accuracy.html",
        {
            "form": form,
            "weeks": weeks,
            "overall": overall[0] if overall else None,
            "by_department": by_department,
            "by_model": by_model,
            "trend": trend,
            "chart": chart,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def exception_list(request: HttpRequest) -> HttpResponse:
    visible = Department.objects.visible_to(request.user).order_by("code")
    form = ExceptionFilterForm(request.GET or None, departments=visible)
    frame, weeks = _lookback(request, form)
    data = form.cleaned_data if form.is_valid() else {}
    rules = accuracy.ExceptionRules.from_settings(
        wmape=float(data["max_wmape"]) / 100 if data.get("max_wmape") is not None else None,
        bias=float(data["max_bias"]) / 100 if data.get("max_bias") is not None else None,
    )
    page = Paginator(accuracy.records(accuracy.exceptions(frame, rules)), EXCEPTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    flagged = list(page)
    items = StyleColor.objects.in_bulk([row["style_color_id"] for row in flagged])
    names = dict(visible.values_list("id", "name"))
    for row in flagged:
        row["item"] = items.get(row["style_color_id"])
        row["department"] = names.get(row["department_id"], "")
    return render(
        request,
        "forecasting/exceptions.html",
        {
            "form": form,
            "weeks": weeks,
            "rows": flagged,
            "page": page,
            "rules": rules,
            "query": _without_page(request),
        },
        status=400 if form.errors else 200,
    )


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# -- plan seeding -------------------------------------------------------------------------


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
