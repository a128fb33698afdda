"""The demo retailer's allocation: one previewed run of the DC stock of the three style-colors of
the demo plan's department that the first DC holds most of, for its planner to review."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Q

from allocation.inputs import latest_stock
from allocation.models import AllocationRun
from allocation.run_compute import execute
from allocation.runs import RunRequest, start_run
from forecasting.selectors import latest_closed_week
from planning.models import Department, Location, Sku, StyleColor

STYLE_COLORS = 3


def allocation_demo_create(*, department_id: int) -> str:
    department = Department.objects.get(pk=department_id)
    dc = Location.objects.filter(kind=Location.Kind.DC).order_by("code").first()
    user = department.planners.order_by("pk").first() or User.objects.filter(is_superuser=True).first()
    if dc is None or user is None:
        return "Allocation demo: no DC or planner, nothing allocated."
    skus = dict(
        Sku.objects.filter(style_color__style__subclass__merch_class__department=department).values_list(
            "pk", "style_color_id"
        )
    )
    held: Counter[int] = Counter()
    for sku, _, units, _ in latest_stock(latest_closed_week().pk, [dc.pk], list(skus)):
        held[skus[sku]] += units
    chosen = list(
        StyleColor.objects.filter(Q(pk__in=[style for style, _ in held.most_common(STYLE_COLORS)])).order_by(
            "code"
        )
    )
    if not chosen:
        return f"Allocation demo: {dc.code} holds nothing of {department.code}, nothing allocated."
    run = start_run(
        user=user,
        request=RunRequest(
            department=department,
            dc=dc,
            style_colors=chosen,
            holdback=Decimal("0.10"),
            name=f"{department.code} replenishment from {dc.code}",
        ),
    )
    # Computed here, not left to a worker, so the demo is ready when the command ends (the queued
    # task finds the run done and leaves it).
    run = execute(run.pk)
    codes = ", ".join(style.code for style in chosen)
    if run.status != AllocationRun.Status.PREVIEW:
        return f"Allocation demo: the run of {codes} is {run.get_status_display().lower()} ({run.message})."
    return f"Allocation demo: {codes} from {dc.code} previewed for {user.username} (run {run.pk})."
