"""The replenishment worksheet: the latest finished run's open suggestions by vendor, the buyer's
edits to their units (HTMX, one row at a time), turning chosen ones into purchase orders, and
starting a run with its progress."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from otb.models import ReplenishmentRun, Suggestion, Vendor
from otb.replenishment import runs, worksheet
from otb.views import _editable, _visible
from planning.models import Department

ROW_LIMIT = 300
RUNS_SHOWN = 8
ACTIVE = (ReplenishmentRun.Status.QUEUED, ReplenishmentRun.Status.RUNNING)


class FilterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False, empty_label="All vendors")

    def __init__(self, *args: Any, departments: Any, vendors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["vendor"].queryset = vendors  # type: ignore[attr-defined]


class RunStartForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="Ctrl-click for several.",
    )
    horizon = forms.IntegerField(min_value=4, max_value=52, initial=26, help_text="Weeks ahead, 4 to 52.")

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]


class ChangeForm(forms.Form):
    units = forms.IntegerField(min_value=0, max_value=worksheet.MAX_UNITS)
    version = forms.IntegerField(min_value=0)


def _can_edit(request: HttpRequest, department_id: int) -> bool:
    return bool(_editable(request).filter(pk=department_id).exists())


def _row(
    suggestion: Suggestion,
    terms: dict[int, tuple[int, int]],
    *,
    can_edit: bool,
    error: str = "",
    typed: str = "",
) -> dict[str, Any]:
    """A worksheet row: the suggestion, its policy's numbers and the input's limits."""
    policy = suggestion.policy
    moq, multiple = terms.get(policy.sku.style_color_id, (1, 1))
    return {
        "suggestion": suggestion,
        "policy": policy,
        "retail": suggestion.units * suggestion.unit_retail,
        "reorder_point": round(policy.reorder_point),
        "order_up_to": round(policy.order_up_to),
        "moq": moq,
        "multiple": multiple,
        "least": worksheet.smallest_order(moq, multiple),
        "is_cut": suggestion.units < suggestion.suggested_units,
        "can_edit": can_edit,
        "error": error,
        "value": typed or suggestion.units,
    }


def _runs_context(request: HttpRequest) -> dict[str, Any]:
    recent = list(ReplenishmentRun.objects.select_related("as_of", "created_by")[:RUNS_SHOWN])
    return {
        "runs": [
            {
                "run": run,
                "percent": round(100 * run.progress_done / run.progress_total) if run.progress_total else 0,
                "is_active": run.status in ACTIVE,
            }
            for run in recent
        ],
        "is_polling": any(run.status in ACTIVE for run in recent),
    }


@login_required
@require_GET
def worksheet_page(request: HttpRequest) -> HttpResponse:
    visible = _visible(request)
    editable_ids = set(_editable(request).values_list("pk", flat=True))
    run_text = request.GET.get("run", "")
    run = (
        get_object_or_404(ReplenishmentRun, pk=int(run_text), status=ReplenishmentRun.Status.DONE)
        if run_text.isdigit()
        else worksheet.latest_done_run()
    )
    in_run = worksheet.suggestion_rows(request.user, run_id=run.pk) if run else Suggestion.objects.none()  # type: ignore[arg-type]
    vendors = Vendor.objects.filter(pk__in=in_run.values("vendor_id")).order_by("code")
    form = FilterForm(request.GET or None, departments=visible, vendors=vendors)
    rows = in_run
    if form.is_valid():
        if form.cleaned_data["department"]:
            rows = rows.filter(department=form.cleaned_data["department"])
        if form.cleaned_data["vendor"]:
            rows = rows.filter(vendor=form.cleaned_data["vendor"])
    totals = worksheet.suggestion_totals(rows)
    shown = list(rows[:ROW_LIMIT])
    terms = worksheet.order_terms([row.policy.sku.style_color_id for row in shown])
    groups: list[dict[str, Any]] = []
    for suggestion in shown:
        if not groups or groups[-1]["vendor"].pk != suggestion.vendor_id:
            groups.append({"vendor": suggestion.vendor, "rows": [], "units": 0, "retail": 0})
        row = _row(suggestion, terms, can_edit=suggestion.department_id in editable_ids)
        groups[-1]["rows"].append(row)
        groups[-1]["units"] += suggestion.units
        groups[-1]["retail"] += row["retail"]
    can_edit = bool(editable_ids)
    context = {
        "run": run,
        "form": form,
        "groups": groups,
        "totals": totals,
        "shown": len(shown),
        "is_capped": totals["count"] > len(shown),
        "can_edit": can_edit,
        "start_form": RunStartForm(departments=_editable(request)) if can_edit else None,
        "query": request.GET.urlencode(),
        **_runs_context(request),
    }
    return render(request, "otb/replenishment/worksheet.html", context)


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    """HTMX: the runs with their progress; the page reloads once the last active run ends."""
    context = _runs_context(request)
    response = render(request, "otb/replenishment/worksheet.html#runs", context)
    if request.htmx and not context["is_polling"]:  # type: ignore[attr-defined]
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    editable = _editable(request)
    if not editable.exists():
        raise PermissionDenied("You have no departments to replenish.")
    form = RunStartForm(request.POST, departments=editable)
    if not form.is_valid():
        problems = [" ".join(str(error) for error in errors) for errors in form.errors.values()]
        messages.error(request, "Run not started: " + " ".join(problems))
        return redirect("otb:replenishment")
    try:
        run = runs.start_run(
            user=request.user,  # type: ignore[arg-type]
            department_ids=[department.pk for department in form.cleaned_data["departments"]],
            horizon=form.cleaned_data["horizon"],
        )
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Replenishment run {run.pk} queued.")
    return redirect("otb:replenishment")


@login_required
@require_POST
def suggestion_change(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """HTMX: the row again, with the new units, or with the refusal beside the input (4xx)."""
    suggestion = get_object_or_404(worksheet.suggestion_rows(request.user, status=None), pk=suggestion_id)  # type: ignore[arg-type]
    if not _can_edit(request, suggestion.department_id):
        raise PermissionDenied("You cannot change suggestions of this department.")
    form = ChangeForm(request.POST)
    typed = request.POST.get("units", "")
    error, code = "", 200
    if not form.is_valid():
        error, code = "Enter whole units: 0 drops the line.", 400
    else:
        try:
            worksheet.suggestion_update(
                user=request.user,  # type: ignore[arg-type]
                suggestion_id=suggestion.pk,
                units=form.cleaned_data["units"],
                expected_version=form.cleaned_data["version"],
            )
        except worksheet.SuggestionConflictError as error_:
            error, code, typed = str(error_), 409, ""
        except worksheet.ReplenishmentError as error_:
            error, code = str(error_), 400
        else:
            typed = ""
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect("otb:replenishment")
    fresh = worksheet.suggestion_rows(request.user, status=None).get(pk=suggestion.pk)  # type: ignore[arg-type]
    terms = worksheet.order_terms([fresh.policy.sku.style_color_id])
    row = _row(fresh, terms, can_edit=fresh.status == Suggestion.Status.OPEN, error=error, typed=typed)
    return render(request, "otb/replenishment/worksheet.html#row", {"row": row}, status=code)


@login_required
@require_POST
def suggestions_order(request: HttpRequest) -> HttpResponse:
    if not _editable(request).exists():
        raise PermissionDenied("You have no departments to buy for.")
    ids = [int(value) for value in request.POST.getlist("suggestion") if value.isdigit()]
    back = reverse("otb:replenishment")
    query = request.POST.get("query", "")
    if query:
        back += f"?{query}"
    if not ids:
        messages.error(request, "Tick the suggestions to order first.")
        return redirect(back)
    try:
        result = worksheet.suggestions_to_orders(user=request.user, suggestion_ids=ids)  # type: ignore[arg-type]
    except worksheet.ReplenishmentError as error:
        messages.error(request, str(error))
        return redirect(back)
    if result.created:
        links = format_html_join(
            ", ",
            '<a href="{}" data-testid="created-order">PO {}</a> ({} units)',
            (
                (reverse("otb:order", args=[order.order_id]), order.number, order.units)
                for order in result.created
            ),
        )
        messages.success(request, format_html("Purchase orders released: {}.", links))
    for refusal in result.refused:
        messages.error(request, f"{refusal.vendor} / {refusal.department} not ordered: {refusal.message}")
    for note in result.skipped:
        messages.warning(request, note)
    return redirect(back)
