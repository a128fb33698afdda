"""Stock on the move: the transfers (released allocations and accepted rebalancing) and the
rebalancing suggestions between stores of a region, accepted as transfers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from allocation import rebalancing
from allocation.forms import RebalanceForm, TransferFilterForm
from allocation.models import Transfer
from allocation.runs import AllocationError
from allocation.views import acting_user, editable_departments, visible_departments
from planning.models import StyleColor

PAGE_SIZE = 100


@login_required
@require_GET
def transfers_page(request: HttpRequest) -> HttpResponse:
    form = TransferFilterForm(request.GET or None)
    transfers = (
        Transfer.objects.filter(
            sku__style_color__style__subclass__merch_class__department__in=visible_departments(request)
        )
        .select_related("sku", "from_location", "to_location", "run", "created_by")
        .order_by("-created_at", "pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            transfers = transfers.filter(kind=data["kind"])
        if data["status"]:
            transfers = transfers.filter(status=data["status"])
        if data["store"]:
            transfers = transfers.filter(Q(from_location=data["store"]) | Q(to_location=data["store"]))
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    units = transfers.aggregate(units=Sum("units"))["units"] or 0
    return render(
        request,
        "allocation/transfers.html",
        {"form": form, "page": page, "query": query.urlencode(), "tab": "transfers", "units": units},
    )


def _suggestions(form: RebalanceForm) -> rebalancing.Suggestions | None:
    """The moves for a valid filter; a refused one (the service's rule) shown on its field."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return rebalancing.suggestions(
            data["department"],
            style_color=form.color,
            region_id=data["region"].pk if data["region"] else None,
            min_wos=data["min_wos"],
            max_wos=data["max_wos"],
            pack_size=data["pack_size"],
        )
    except AllocationError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return None


def _filter_params(params: QueryDict, department: Any) -> QueryDict:
    """The filter as asked, with the first department when none is named."""
    query = params.copy()
    if not query.get("department") and department is not None:
        query["department"] = str(department.pk)
    for name, initial in (("min_wos", "2"), ("max_wos", "8"), ("pack_size", "1")):
        query.setdefault(name, initial)
    return query


@login_required
@require_http_methods(["GET", "POST"])
def rebalance_page(request: HttpRequest) -> HttpResponse:
    """GET: the suggested moves for the filter. POST: the ticked moves (`move`, their keys)
    become transfers, or the service's refusal (a stale choice) is shown above them (422)."""
    visible = visible_departments(request)
    first = editable_departments(request).first() or visible.first()  # the user's own department first
    params = _filter_params(request.POST if request.method == "POST" else request.GET, first)
    form = RebalanceForm(params, departments=visible)
    found = _suggestions(form)
    error, status = "", 200
    chosen = request.POST.getlist("move") if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfers = rebalancing.rebalance_accept(
                user=acting_user(request),
                department=data["department"],
                keys=chosen,
                style_color=form.color,
                region_id=data["region"].pk if data["region"] else None,
                min_wos=data["min_wos"],
                max_wos=data["max_wos"],
                pack_size=data["pack_size"],
            )
        except AllocationError as refused:
            error, status = str(refused), 422
        else:
            messages.success(
                request,
                f"{len(transfers):,} transfer{'' if len(transfers) == 1 else 's'} created, "
                f"{sum(t.units for t in transfers):,} units.",
            )
            keep = params.copy()
            for name in ("move", "csrfmiddlewaretoken"):
                keep.pop(name, None)
            return redirect(f"{reverse('allocation:rebalance')}?{keep.urlencode()}")
    elif request.method == "POST":
        status = 422
    elif form.errors:  # a filter that names nothing (an unknown department...): said beside it
        status = 400
    department = form.cleaned_data.get("department") if form.is_valid() else None
    context = {
        "form": form,
        "found": found,
        "error": error,
        "chosen": set(chosen),
        "can_accept": department is not None
        and editable_departments(request).filter(pk=department.pk).exists(),
        "style_color_codes": list(
            StyleColor.objects.filter(style__subclass__merch_class__department=department)
            .order_by("code")
            .values_list("code", flat=True)[:2000]
        )
        if department
        else [],
        "tab": "rebalance",
    }
    return render(request, "allocation/rebalance.html", context, status=status)
