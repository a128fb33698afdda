"""An allocation world on the shared `retailer`: DC1 supplies S001 (grade A, cluster Urban), S002
(grade B, cluster Outlet) and the web shop. No forecast, so demand is each SKU's sales rate of
the last 13 weeks at the store; the default coverage is 2 weeks. Presentation minimums are 0
here unless a test sets them.

At the latest closed week (the run's week):
  ST-1-BLK-S  sold 26 at S001 (2 a week), 13 at S002 (1 a week); S001 holds 1
              -> need S001 2 x 2 - 1 = 3, S002 1 x 2 = 2 (5 in all)
  ST-1-BLK-M  sold 13 at S001 (1 a week), nothing at S002 -> need S001 2
  DC1 holds 10 of S and 2 of M.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from forecasting.selectors import latest_closed_week, weeks_up_to
from planning.models import Location, SalesHistory, StockPosition
from replenishment.models import SegmentPolicy


def put_stock(sku: Any, location: Any, week: int, on_hand: int, in_transit: int = 0) -> None:
    StockPosition.objects.update_or_create(
        sku=sku,
        location=location,
        fiscal_week_id=week,
        defaults={"on_hand": on_hand, "in_transit": in_transit},
    )


def sell(sku: Any, location: Any, units_per_week: int, weeks: int = 13) -> None:
    """The same units every week of the last `weeks` weeks (a steady seller)."""
    for week in weeks_up_to(latest_closed_week(), weeks):
        SalesHistory.objects.create(
            sku=sku, location=location, fiscal_week=week, units=units_per_week,
            retail_value=units_per_week * Decimal("24.00"), cost_value=units_per_week * Decimal("9.60"),
        )  # fmt: skip


@pytest.fixture
def world(retailer: dict[str, Any], planner: User) -> dict[str, Any]:
    retailer["tops"].planners.add(planner)
    store, dc = retailer["store"], retailer["dc"]
    Location.objects.filter(pk=store.pk).update(cluster="Urban")
    outlet = Location.objects.create(
        code="S002", name="Outlet Park", kind=Location.Kind.STORE, channel=store.channel, region=store.region,
        grade="B", cluster="Outlet", supplied_by=dc,
    )  # fmt: skip
    small, medium = retailer["sku_s"], retailer["sku_m"]
    sell(small, store, 2)
    sell(small, outlet, 1)
    sell(medium, store, 1)
    week = latest_closed_week().pk
    put_stock(small, store, week, 1)
    put_stock(small, dc, week, 10)
    put_stock(medium, dc, week, 2)
    SegmentPolicy.objects.update(presentation_min=0, allocation_priority=2)
    return {**retailer, "outlet": outlet, "week": week}
