"""A replenishment run goes through Redis to a real worker, which writes its policies and
suggestions to PostgreSQL."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from forecasting import selectors as forecast_selectors
from forecasting.models import ForecastRun, StyleColorForecast
from otb.models import Vendor
from planning.models import StockPosition
from replenishment.models import ItemPolicy, ReplenishmentRun, Suggestion, VendorItem
from replenishment.tasks import replenishment_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_runs_a_replenishment_run(
    celery_worker_queue: str, retailer: dict[str, Any], manager: User
) -> None:
    color = retailer["style_color"]
    as_of = forecast_selectors.latest_closed_week()
    vendor = Vendor.objects.create(code="V1", name="Mill & Co")
    VendorItem.objects.create(
        vendor=vendor, style_color=color, lead_time_weeks=Decimal("2"), moq=24, order_multiple=12
    )
    forecast = ForecastRun.objects.create(horizon=26, as_of_week=as_of, status=ForecastRun.Status.DONE)
    forecast.departments.add(retailer["tops"])
    StyleColorForecast.objects.bulk_create(
        StyleColorForecast(run=forecast, style_color=color, fiscal_week=week, units=200, lower=150, upper=250)
        for week in forecast_selectors.weeks_after(as_of, 26)
    )
    StockPosition.objects.create(
        sku=retailer["sku_s"], location=retailer["dc"], fiscal_week=as_of, on_hand=50
    )
    run = ReplenishmentRun.objects.create(as_of=as_of, created_by=manager, progress_total=5)
    run.departments.add(retailer["tops"])

    replenishment_run.apply_async(args=(run.pk,), queue=celery_worker_queue)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (ReplenishmentRun.Status.DONE, ReplenishmentRun.Status.FAILED):
            break
        time.sleep(0.5)

    assert run.status == ReplenishmentRun.Status.DONE, run.message
    assert run.progress_done == run.progress_total == 5
    assert ItemPolicy.objects.filter(run=run).count() == 2  # two sizes at the one DC
    assert Suggestion.objects.filter(run=run).exists()
