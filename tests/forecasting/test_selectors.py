"""History frames for the engine: weekly units per style-color, zero-filled, with stock-outs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from forecasting import selectors
from planning.models import FiscalWeek, SalesHistory, StockPosition

pytestmark = pytest.mark.django_db


def _week(offset: int) -> FiscalWeek:
    """The week `offset` weeks before the last closed one (0: the last closed week)."""
    latest = selectors.latest_closed_week()
    return FiscalWeek.objects.filter(id__lte=latest.id).order_by("-id")[offset]


def _sale(sku: Any, location: Any, week: FiscalWeek, units: int) -> None:
    SalesHistory.objects.create(
        sku=sku,
        location=location,
        fiscal_week=week,
        units=units,
        retail_value=Decimal(units * 24),
        cost_value=Decimal(units) * Decimal("9.60"),
    )


def test_latest_closed_week_is_the_last_week_that_ended() -> None:
    week = selectors.latest_closed_week(date(2025, 3, 12))  # a Wednesday in FY2025 week 6
    assert week.end_date < date(2025, 3, 12) <= week.end_date + timedelta(days=7)
    assert week.end_date == date(2025, 3, 8)


def test_history_frame_sums_sizes_and_locations_and_fills_missing_weeks(retailer: dict[str, Any]) -> None:
    item = retailer["style_color"]
    w0, w1, w3 = _week(0), _week(1), _week(3)
    _sale(retailer["sku_s"], retailer["store"], w3, 4)
    _sale(retailer["sku_m"], retailer["store"], w3, 6)
    _sale(retailer["sku_m"], retailer["web"], w1, 5)
    _sale(retailer["sku_s"], retailer["web"], w0, 2)

    frame = selectors.history_frame([item.pk], w0, weeks=5)

    assert frame["y"].tolist() == [0.0, 10.0, 0.0, 5.0, 2.0]
    assert [str(day.date()) for day in frame["ds"]] == [
        str(week.start_date) for week in [_week(4), w3, _week(2), w1, w0]
    ]
    assert set(frame["unique_id"]) == {item.pk}


def test_weeks_without_sales_and_without_stock_are_stockouts_not_zero_demand(
    retailer: dict[str, Any],
) -> None:
    item, sku, store = retailer["style_color"], retailer["sku_s"], retailer["store"]
    w4, w3, _w2, w1, w0 = (_week(offset) for offset in (4, 3, 2, 1, 0))
    # Stock is sparse: a row when the position changes. 8 units, sold out in w3, refilled in w1.
    StockPosition.objects.create(sku=sku, location=store, fiscal_week=w4, on_hand=8)
    StockPosition.objects.create(sku=sku, location=store, fiscal_week=w3, on_hand=0)
    StockPosition.objects.create(sku=sku, location=store, fiscal_week=w1, on_hand=12)
    _sale(sku, store, w4, 3)
    _sale(sku, store, w3, 8)
    _sale(sku, store, w0, 4)

    frame = selectors.history_frame([item.pk], w0, weeks=5)

    assert frame["y"].tolist() == [3.0, 8.0, 0.0, 0.0, 4.0]
    # w2: no sales, nothing on hand at its start (w3's close) or its end: a stock-out.
    # w1: no sales but 12 units arrived by its end: real zero demand, not a stock-out.
    assert frame["is_stockout"].tolist() == [False, False, True, False, False]


def test_stock_before_the_first_record_is_unknown_not_zero(retailer: dict[str, Any]) -> None:
    item = retailer["style_color"]
    frame = selectors.history_frame([item.pk], _week(0), weeks=3)
    assert frame["y"].tolist() == [0.0, 0.0, 0.0]
    assert not frame["is_stockout"].any()


def test_stock_sums_locations_carrying_each_forward(retailer: dict[str, Any]) -> None:
    item, sku = retailer["style_color"], retailer["sku_m"]
    w2, w1, w0 = _week(2), _week(1), _week(0)
    StockPosition.objects.create(sku=sku, location=retailer["store"], fiscal_week=w2, on_hand=0)
    StockPosition.objects.create(sku=sku, location=retailer["dc"], fiscal_week=w2, on_hand=30)
    StockPosition.objects.create(sku=sku, location=retailer["dc"], fiscal_week=w1, on_hand=0)

    frame = selectors.history_frame([item.pk], w0, weeks=3)

    # w2: 30 at the DC; w1: all out at its end but 30 at its start; w0: out all week.
    assert frame["is_stockout"].tolist() == [False, False, True]


def test_size_sales_frame_keeps_unsold_sizes(retailer: dict[str, Any]) -> None:
    item = retailer["style_color"]
    _sale(retailer["sku_m"], retailer["store"], _week(1), 7)

    frame = selectors.size_sales_frame([item.pk], _week(0), weeks=4)

    totals = frame.groupby("size_id")["y"].sum().to_dict()
    assert totals == {retailer["sku_s"].pk: 0, retailer["sku_m"].pk: 7}
