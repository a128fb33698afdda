"""The forecast page of one style-color: its weeks, chart, sizes and model, and the overrides a
planner sets week by week (answered over HTMX with the week's row)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict
from forecasting import charts, selectors, services
from forecasting.forms import OverrideForm
from forecasting.models import (
    ForecastOverride,
    ForecastRun,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from forecasting.wording import model_label, planner_wording
from planning import clock
from planning.engine import spread
from planning.models import Department, Sku, StyleColor

HISTORY_WEEKS_SHOWN = 104


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
            "model_label": model_label(fit.model),
            "reason": planner_wording(fit.reason),
            "candidates": sorted(
                (
                    {"model": name, "label": model_label(name), "wmape": value, "chosen": name == fit.model}
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
