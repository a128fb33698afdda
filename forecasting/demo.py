"""Demo planner overrides, so the override and look-back pages have something to show.

Past-week overrides are written directly (the service refuses closed weeks, rightly): they
stand for what planners entered before those weeks closed. Most move the statistical
forecast part of the way toward what then sold, some miss: a realistic mix for FVA.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum

from core.audit import AuditEntry, audit_record_many
from core.money import to_cents
from forecasting.models import ForecastOverride, ForecastRun, StyleColorForecast
from forecasting.selectors import OVERRIDE_CHANGE
from planning import clock
from planning.models import Department, SalesHistory, StyleColor

ITEMS = 12
DEMO_NOTE = "demo"


def demo_overrides_create(*, seed: int = 42) -> int:
    if ForecastOverride.objects.exists():
        return 0
    user = get_user_model().objects.filter(username="planner").first()
    if user is None:
        return 0
    departments = list(Department.objects.editable_by(user).values_list("id", flat=True))
    runs = ForecastRun.objects.filter(status=ForecastRun.Status.DONE).order_by("as_of_week_id")
    if not departments or not runs.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    today = clock.today()
    oldest, newest = runs.first(), runs.last()
    if oldest is None or newest is None:
        return 0
    scope = {"style_color__style__subclass__merch_class__department_id__in": departments}
    past = list(
        StyleColorForecast.objects.filter(run=oldest, fiscal_week__end_date__lt=today, units__gte=5, **scope)
        .order_by("style_color_id", "fiscal_week_id")
        .values_list("style_color_id", "fiscal_week_id", "units")
    )
    future = list(
        StyleColorForecast.objects.filter(run=newest, fiscal_week__end_date__gte=today, units__gte=5, **scope)
        .order_by("style_color_id", "fiscal_week_id")
        .values_list("style_color_id", "fiscal_week_id", "units")
    )
    items = sorted({item for item, _, _ in past})
    chosen = set(rng.sample(items, min(ITEMS, len(items))))
    sold_rows = (
        SalesHistory.objects.filter(
            sku__style_color_id__in=chosen, fiscal_week_id__in={week for _, week, _ in past}
        )
        .values_list("sku__style_color_id", "fiscal_week_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    actual = {(item, week): units for item, week, units in sold_rows}
    rows: list[tuple[int, int, Decimal, str]] = []
    for item, week, stat in past:
        if item in chosen and rng.random() < 0.5:
            sold = Decimal(actual.get((item, week), 0))
            # Seven in ten overrides move toward what sold; the rest overshoot.
            value = stat + (sold - stat) * Decimal("0.6") if rng.random() < 0.7 else stat * Decimal("1.4")
            rows.append((item, week, to_cents(value), ForecastOverride.Reason.MARKET))
    for item, week, stat in future:
        if item in chosen and rng.random() < 0.15:
            rows.append(
                (
                    item,
                    week,
                    to_cents(stat * Decimal("1.25")),
                    ForecastOverride.Reason.PROMOTION,
                )
            )
    with transaction.atomic():
        ForecastOverride.objects.bulk_create(
            ForecastOverride(style_color_id=item, fiscal_week_id=week, units=value, reason=reason,
                             note=DEMO_NOTE, updated_by=user)
            for item, week, value, reason in rows
        )  # fmt: skip
        by_id = StyleColor.objects.in_bulk({item for item, _, _, _ in rows})
        audit_record_many(
            user,
            OVERRIDE_CHANGE,
            (
                AuditEntry(
                    by_id[item],
                    {"week": week, "units": None},
                    {"week": week, "units": value, "reason": reason},
                    label=by_id[item].code,
                )
                for item, week, value, reason in rows
            ),
            comment=DEMO_NOTE,
        )  # fmt: skip
    return len(rows)
