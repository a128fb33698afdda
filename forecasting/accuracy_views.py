"""The accuracy dashboard and the exception list: forecasts against the sales of a lookback."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from forecasting import accuracy, charts
from forecasting.forms import AccuracyFilterForm, ExceptionFilterForm
from forecasting.wording import model_label
from planning.models import Department, StyleColor

EXCEPTIONS_PER_PAGE = 50


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
        row["label"] = model_label(row["model"])
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
