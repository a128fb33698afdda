"""The replenishment worksheet: the latest finished run's open suggestions by vendor, the buyer's
edits to their units and dismissals (HTMX, one row at a time), turning chosen ones into purchase
orders (or, over OTB, an order awaiting a manager), and starting a run with its progress. The open
purchase order review lives in `po_review_views`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict
from otb.models import Vendor
from planning.departments import DepartmentFilterField, departments_editable, departments_visible
from planning.models import Department
from replenishment import runs, skipped, worksheet
from replenishment.models import ReplenishmentRun, Suggestion

PAGE_SIZE = 100  # worksheet lines a page
RUNS_SHOWN = 8


class FilterForm(forms.Form):
    department = DepartmentFilterField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False, empty_label="All vendors")
    show_dismissed = forms.BooleanField(required=False, label="Show dismissed")

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


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=0)


def _can_edit(request: HttpRequest, department_id: int) -> bool:
    return bool(departments_editable(request).filter(pk=department_id).exists())


def _row(
    suggestion: Suggestion,
    terms: dict[int, tuple[int, int]],
    *,
    can_edit: bool,
    error: str = "",
    typed: str = "",
    is_checked: bool = False,
    late: str = "",
) -> dict[str, Any]:
    """A worksheet row: the suggestion, its policy's numbers and the input's limits. `can_edit`:
    the user buys for its department (an open row is edited, a dismissed one restored);
    `is_checked`: the row was ticked for ordering when it was posted (kept on re-render), never
    a 0-unit line (no order line: `can_tick` is false); `late`: why it lands too late
    (`worksheet.late_arrivals`), shown for an open line."""
    policy = suggestion.policy
    is_open = suggestion.status == Suggestion.Status.OPEN
    is_dismissed = suggestion.status == Suggestion.Status.DISMISSED
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
        "can_edit": can_edit and is_open,
        "can_restore": can_edit and is_dismissed,
        "is_dismissed": is_dismissed,
        "can_tick": is_open and suggestion.units > 0,
        "is_checked": is_checked and is_open and suggestion.units > 0,
        "late": late if is_open else "",
        "error": error,
        "value": typed or suggestion.units,
    }


def _runs_context(request: HttpRequest) -> dict[str, Any]:
    recent = list(ReplenishmentRun.objects.select_related("as_of", "created_by")[:RUNS_SHOWN])
    return {
        # Each row's status and progress: templates/core/_run_progress.html, from the run.
        "runs": [{"run": run} for run in recent],
        "is_polling": any(run.is_active for run in recent),
    }


def _chosen_run(params: QueryDict) -> ReplenishmentRun | None:
    """The finished run named by `run`, else the latest finished one."""
    run_text = params.get("run", "")
    if run_text.isdigit():
        return get_object_or_404(ReplenishmentRun, pk=int(run_text), status=ReplenishmentRun.Status.DONE)
    return worksheet.latest_done_run()


def _with(params: QueryDict, **changes: Any) -> str:
    """`params` as a query string with some values replaced (None drops one)."""
    query = params.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = str(value)
    return query.urlencode()


def _sheet(request: HttpRequest, params: QueryDict, run: ReplenishmentRun | None) -> dict[str, Any]:
    """The worksheet's filter as the page was asked for (`params`: its query string), the lines
    it shows, the totals and, per vendor, its lines and figures with where its lines start: what
    the page renders, and what an edit answers out of band so the figures follow the edits."""
    in_run = (
        worksheet.suggestion_rows(
            request.user,  # type: ignore[arg-type]
            run_id=run.pk,
            status=[Suggestion.Status.OPEN, Suggestion.Status.DISMISSED],
        )
        if run
        else Suggestion.objects.none()
    )
    vendor_choices = Vendor.objects.filter(pk__in=in_run.values("vendor_id")).order_by("code")
    form = FilterForm(params or None, departments=departments_visible(request), vendors=vendor_choices)
    rows, show_dismissed = in_run, False
    if form.is_valid():
        if form.cleaned_data["department"]:
            rows = rows.filter(department=form.cleaned_data["department"])
        if form.cleaned_data["vendor"]:
            rows = rows.filter(vendor=form.cleaned_data["vendor"])
        show_dismissed = form.cleaned_data["show_dismissed"]
    vendors = worksheet.suggestion_vendor_totals(rows)
    if not show_dismissed:
        rows = rows.filter(status=Suggestion.Status.OPEN)
    ticked_ids = [int(value) for value in request.POST.getlist("suggestion") if value.isdigit()] or [
        int(value) for value in request.GET.getlist("suggestion") if value.isdigit()
    ]
    ticked = worksheet.suggestion_vendor_totals(
        rows.filter(pk__in=ticked_ids, status=Suggestion.Status.OPEN) if ticked_ids else rows.none()
    )
    index, first_line = [], 0  # per vendor shown, the lines and the page where they start
    for vendor in vendors:
        lines = vendor.lines if show_dismissed else vendor.open_lines
        if not lines:
            continue
        page = first_line // PAGE_SIZE + 1
        index.append(
            {
                "totals": vendor,
                "lines": lines,
                "first_line": first_line,
                "page": page,
                "page_query": _with(params, page=page),
                "filter_query": _with(params, vendor=vendor.vendor_id, page=None),
            }
        )
        first_line += lines
    return {
        "form": form,
        "rows": rows,
        "show_dismissed": show_dismissed,
        "totals": worksheet.worksheet_totals(vendors),
        "ticked": worksheet.worksheet_totals(ticked),
        "dismissed_count": sum(vendor.lines - vendor.open_lines for vendor in vendors),
        "line_count": first_line,
        "vendors": index,
        "query": params.urlencode(),
    }


@login_required
@require_GET
def worksheet_page(request: HttpRequest) -> HttpResponse:
    """The run's lines by vendor, PAGE_SIZE lines a page, with every vendor listed (its lines,
    figures and the page its lines start on) and the totals of the filter."""
    run = _chosen_run(request.GET)
    sheet = _sheet(request, request.GET, run)
    editable_ids = set(departments_editable(request).values_list("pk", flat=True))
    paginator = Paginator(range(sheet["line_count"]), PAGE_SIZE)  # the count is known: no query
    page = paginator.get_page(request.GET.get("page"))
    start = (page.number - 1) * PAGE_SIZE
    shown = list(sheet["rows"][start : start + PAGE_SIZE]) if sheet["line_count"] else []
    terms = worksheet.order_terms([row.policy.sku.style_color_id for row in shown])
    late = worksheet.late_arrivals(shown)
    by_vendor = {vendor["totals"].vendor_id: vendor for vendor in sheet["vendors"]}
    groups: list[dict[str, Any]] = []
    for suggestion in shown:
        if not groups or groups[-1]["vendor"].pk != suggestion.vendor_id:
            vendor = by_vendor[suggestion.vendor_id]
            groups.append(
                {
                    "vendor": suggestion.vendor,
                    "index": vendor,
                    "rows": [],
                    "is_continued": vendor["first_line"] < start,
                    "continues": vendor["first_line"] + vendor["lines"] > start + PAGE_SIZE,
                }
            )
        groups[-1]["rows"].append(
            _row(
                suggestion,
                terms,
                can_edit=suggestion.department_id in editable_ids,
                late=late.get(suggestion.pk, ""),
            )
        )
    context = {
        **sheet,
        "run": run,
        "groups": groups,
        "page": page,
        "page_links": [
            {"number": number, "query": _with(request.GET, page=number) if isinstance(number, int) else ""}
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ]
        if paginator.num_pages > 1
        else [],
        "previous_query": _with(request.GET, page=page.number - 1) if page.has_previous() else "",
        "next_query": _with(request.GET, page=page.number + 1) if page.has_next() else "",
        "can_edit": bool(editable_ids),
        **_runs_context(request),
    }
    if run is not None and not sheet["form"].errors:
        chosen = sheet["form"].cleaned_data if sheet["form"].is_bound else {}
        vendor = chosen.get("vendor")
        context["skipped"], context["skipped_count"] = skipped.skipped_lines(
            request.user,  # type: ignore[arg-type]
            run,
            department=chosen.get("department"),
            vendor_id=vendor.pk if vendor else None,
        )
        context["skip_ratio"] = runs.MAX_MOQ_TO_ORDER_UP_TO
    return render(
        request, "replenishment/worksheet.html", context, status=400 if sheet["form"].errors else 200
    )


@login_required
@require_GET
def worksheet_totals(request: HttpRequest) -> HttpResponse:
    """HTMX: the totals of the filter the page shows (`query`) and of the ticked lines."""
    params = QueryDict(request.GET.get("query", ""))
    context = _sheet(request, params, _chosen_run(params))
    return render(request, "replenishment/worksheet.html#totals", context)


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    """The runs with their progress and, for a buyer, the form to start one. HTMX: the runs
    alone; the page reloads once the last active run ends."""
    context = _runs_context(request)
    if not request.htmx:  # type: ignore[attr-defined]
        editable = departments_editable(request)
        context["start_form"] = RunStartForm(departments=editable) if editable.exists() else None
        return render(request, "replenishment/_ws_runs.html", context)
    response = render(request, "replenishment/worksheet.html#runs", context)
    if not context["is_polling"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    editable = departments_editable(request)
    if not editable.exists():
        raise PermissionDenied("You have no departments to replenish.")
    form = RunStartForm(request.POST, departments=editable)
    if not form.is_valid():  # the errors beside their fields, the form as it was filled in
        context = {**_runs_context(request), "start_form": form}
        return render(request, "replenishment/_ws_runs.html", context, status=422)
    try:
        run = runs.start_run(
            user=request.user,  # type: ignore[arg-type]
            department_ids=[department.pk for department in form.cleaned_data["departments"]],
            horizon=form.cleaned_data["horizon"],
        )
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Run {run.pk} started: its status and progress show below.")
    return redirect("replenishment:runs")


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
        error, code = "Enter whole units: 0 drops the line.", 422
    else:
        try:
            worksheet.suggestion_update(
                user=request.user,  # type: ignore[arg-type]
                suggestion_id=suggestion.pk,
                units=form.cleaned_data["units"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as error_:
            error, code, typed = str(error_), 409, ""
        except worksheet.ReplenishmentError as error_:
            error, code = str(error_), 422
        else:
            typed = ""
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect("replenishment:worksheet")
    return _row_answer(request, suggestion.pk, error=error, typed=typed, code=code)


def _row_answer(
    request: HttpRequest, suggestion_id: int, *, error: str = "", typed: str = "", code: int = 200
) -> HttpResponse:
    """HTMX: the worksheet row again, ticked if the posted request carried its tick, and out of
    band the totals, the vendor's figures and its line in the vendor list, for the filter the
    page shows (the posted `query`)."""
    fresh = worksheet.suggestion_rows(request.user, status=None).get(pk=suggestion_id)  # type: ignore[arg-type]
    terms = worksheet.order_terms([fresh.policy.sku.style_color_id])
    is_checked = str(suggestion_id) in request.POST.getlist("suggestion")
    late = worksheet.late_arrivals([fresh]).get(fresh.pk, "")
    row = _row(fresh, terms, can_edit=True, error=error, typed=typed, is_checked=is_checked, late=late)
    sheet = _sheet(request, QueryDict(request.POST.get("query", "")), fresh.run)
    vendor = next((item for item in sheet["vendors"] if item["totals"].vendor_id == fresh.vendor_id), None)
    context = {**sheet, "row": row, "vendor": vendor, "is_oob": True}
    return render(request, "replenishment/worksheet.html#row-answer", context, status=code)


def _status_change(request: HttpRequest, suggestion_id: int, *, is_dismiss: bool) -> HttpResponse:
    """Dismiss or restore: the row again (HTMX, the refusal beside it), or a message and back."""
    suggestion = get_object_or_404(worksheet.suggestion_rows(request.user, status=None), pk=suggestion_id)  # type: ignore[arg-type]
    if not _can_edit(request, suggestion.department_id):
        raise PermissionDenied("You cannot change suggestions of this department.")
    form = VersionForm(request.POST)
    error, code = "", 200
    if not form.is_valid():
        error, code = "The suggestion's version is missing: reload the page.", 422
    else:
        change = worksheet.suggestion_dismiss if is_dismiss else worksheet.suggestion_restore
        try:
            change(
                user=request.user,  # type: ignore[arg-type]
                suggestion_id=suggestion.pk,
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as error_:
            error, code = str(error_), 409
        except worksheet.ReplenishmentError as error_:
            error, code = str(error_), 422
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            done = "dismissed" if is_dismiss else "restored"
            messages.success(request, f"Suggestion for {suggestion.policy.sku.code} {done}.")
        return redirect(_back(request))
    return _row_answer(request, suggestion.pk, error=error, code=code)


@login_required
@require_POST
def suggestion_dismiss(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    return _status_change(request, suggestion_id, is_dismiss=True)


@login_required
@require_POST
def suggestion_restore(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    return _status_change(request, suggestion_id, is_dismiss=False)


def _back(request: HttpRequest) -> str:
    """The worksheet with the filter the form was posted from."""
    back = reverse("replenishment:worksheet")
    query = request.POST.get("query", "")
    return f"{back}?{query}" if query else back


@login_required
@require_POST
def suggestions_order(request: HttpRequest) -> HttpResponse:
    """Orders for the ticked lines; `request_exception` (the offer made after an over-OTB
    refusal) keeps an order over OTB awaiting a manager instead."""
    if not departments_editable(request).exists():
        raise PermissionDenied("You have no departments to buy for.")
    ids = [int(value) for value in request.POST.getlist("suggestion") if value.isdigit()]
    back = _back(request)
    if not ids:
        messages.error(request, "Tick the suggestions to order first.")
        return redirect(back)
    try:
        result = worksheet.suggestions_to_orders(
            user=request.user,  # type: ignore[arg-type]
            suggestion_ids=ids,
            request_exception=request.POST.get("request_exception") == "1",
        )
    except worksheet.ReplenishmentError as error:
        messages.error(request, str(error))
        return redirect(back)
    released = [order for order in result.created if not order.is_awaiting_approval]
    if released:
        messages.success(request, format_html("Purchase orders released: {}.", _order_links(released)))
    for order in result.created:
        if order.is_awaiting_approval:
            messages.warning(
                request,
                format_html(
                    "{} is over OTB and waits for a manager's approval; its suggestions are marked ordered.",
                    _order_links([order]),
                ),
            )
    for refusal in result.refused:
        text = f"{refusal.vendor} / {refusal.department} not ordered: {refusal.message}"
        if refusal.is_over_otb:
            offer = render_to_string(
                "replenishment/worksheet.html#exception-offer",
                {"refusal": refusal, "query": request.POST.get("query", "")},
                request=request,
            )
            messages.error(request, format_html("{} {}", text, offer))  # the offer: a rendered template
        else:
            messages.error(request, text)
    for note in result.skipped:
        messages.warning(request, note)
    return redirect(back)


def _order_links(orders: list[worksheet.CreatedOrder]) -> str:
    return format_html_join(
        ", ",
        '<a href="{}" data-testid="created-order">PO {}</a> ({} units)',
        ((reverse("otb:order", args=[order.order_id]), order.number, order.units) for order in orders),
    )
