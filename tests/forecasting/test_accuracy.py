"""Look-back accuracy: which forecast counts for a closed week, and the statistical vs final figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from forecasting import accuracy, selectors
from forecasting.models import ForecastOverride, ForecastRun, SeriesFit, StyleColorForecast
from planning.models import FiscalWeek, SalesHistory, StyleColor

pytestmark = pytest.mark.django_db


def _weeks() -> dict[int, FiscalWeek]:
    """Offsets 0 (the last closed week) back to -4."""
    latest = selectors.latest_closed_week()
    rows = list(FiscalWeek.objects.filter(id__lte=latest.id).order_by("-id")[:5])
    return {-offset: week for offset, week in enumerate(rows)}


def _run(as_of: FiscalWeek, forecasts: dict[tuple[StyleColor, FiscalWeek], str], model: str) -> ForecastRun:
    run = ForecastRun.objects.create(as_of_week=as_of, horizon=13, status=ForecastRun.Status.DONE)
    for (item, week), units in forecasts.items():
        StyleColorForecast.objects.create(
            run=run,
            style_color=item,
            fiscal_week=week,
            units=Decimal(units),
            lower=0,
            upper=Decimal(units) * 2,
        )
    for item in {item for item, _ in forecasts}:
        SeriesFit.objects.get_or_create(
            run=run, style_color=item, defaults={"model": model, "pattern": "smooth"}
        )
    return run


def _sold(item: StyleColor, week: FiscalWeek, units: int, retailer: dict[str, Any]) -> None:
    sku: Any = item.skus.first() or retailer["sku_s"]
    SalesHistory.objects.create(
        sku=sku, location=retailer["store"], fiscal_week=week, units=units, retail_value=units, cost_value=0
    )


@pytest.fixture
def lookback(retailer: dict[str, Any], planner: User) -> dict[str, Any]:
    w = _weeks()
    item = retailer["style_color"]
    assert isinstance(item, StyleColor)
    # Run 1 as of w-3 forecasts w-2..w0; run 2 as of w-1 forecasts w0 again.
    first = _run(w[-3], {(item, w[-2]): "10", (item, w[-1]): "20", (item, w[0]): "30"}, "ses_seasonal")
    second = _run(w[-1], {(item, w[0]): "25"}, "arima_seasonal")
    for offset, units in ((-2, 12), (-1, 16), (0, 25)):
        _sold(item, w[offset], units, retailer)
    ForecastOverride.objects.create(
        style_color=item, fiscal_week=w[-1], units=Decimal("17"), reason="market", updated_by=planner
    )
    return {"weeks": w, "item": item, "first": first, "second": second, "tops": retailer["tops"]}


def test_each_closed_week_takes_the_newest_run_made_at_least_lag_weeks_before(
    lookback: dict[str, Any],
) -> None:
    w = lookback["weeks"]
    frame = accuracy.lookback_frame([lookback["tops"].pk], [w[-2], w[-1], w[0]], lag=1)

    by_week = frame.set_index("week_id")
    assert by_week["stat"].to_dict() == {w[-2].id: 10.0, w[-1].id: 20.0, w[0].id: 25.0}
    assert by_week["run_id"].to_dict() == {
        w[-2].id: lookback["first"].pk,
        w[-1].id: lookback["first"].pk,
        w[0].id: lookback["second"].pk,
    }
    assert by_week["final"].to_dict() == {w[-2].id: 10.0, w[-1].id: 17.0, w[0].id: 25.0}
    assert by_week["actual"].to_dict() == {w[-2].id: 12.0, w[-1].id: 16.0, w[0].id: 25.0}

    # Lag 2: w-2 has no run made two weeks before it; w0 falls back to run 1.
    lag2 = accuracy.lookback_frame([lookback["tops"].pk], [w[-2], w[-1], w[0]], lag=2)
    assert lag2.set_index("week_id")["stat"].to_dict() == {w[-1].id: 20.0, w[0].id: 30.0}


def test_summary_measures_the_statistical_and_the_final_forecast(lookback: dict[str, Any]) -> None:
    w = lookback["weeks"]
    frame = accuracy.lookback_frame([lookback["tops"].pk], [w[-2], w[-1], w[0]])

    row = accuracy.records(accuracy.summary(frame.assign(all=1), ["all"]))[0]

    # Statistical 10, 20, 25 vs actual 12, 16, 25: |errors| 2 + 4 + 0 = 6 over 53 sold.
    assert row["wmape"] == pytest.approx(6 / 53)
    assert row["bias"] == pytest.approx((55 - 53) / 53)
    # Final 10, 17 (override), 25: |errors| 2 + 1 + 0 = 3.
    assert row["final_wmape"] == pytest.approx(3 / 53)
    assert row["final_bias"] == pytest.approx((52 - 53) / 53)
    # The override removed 3/53 of WMAPE: value added.
    assert row["fva"] == pytest.approx(3 / 53)
    assert row["overridden"] == 1
    assert row["series"] == 1

    by_model = {r["model"]: r for r in accuracy.records(accuracy.summary(frame, ["model"]))}
    assert by_model["ses_seasonal"]["wmape"] == pytest.approx(6 / 28)  # weeks -2 and -1: |2| + |4| over 28
    assert by_model["arima_seasonal"]["wmape"] == 0.0


def test_exceptions_list_series_beyond_the_thresholds_with_the_reasons(
    lookback: dict[str, Any], retailer: dict[str, Any]
) -> None:
    w = lookback["weeks"]
    item = lookback["item"]
    other = StyleColor.objects.create(
        style=item.style,
        code="ST-1-RED",
        color_code="RED",
        color_name="Red",
        retail_price=Decimal("24"),
        unit_cost=Decimal("9"),
    )
    other.skus.create(code="ST-1-RED-M", size="M", size_order=2)
    _run(w[-3], {(other, w[-2]): "40", (other, w[-1]): "40", (other, w[0]): "40"}, "ses")
    for offset in (-2, -1, 0):
        _sold(other, w[offset], 100, retailer)

    frame = accuracy.lookback_frame([lookback["tops"].pk], [w[-2], w[-1], w[0]])
    flagged = accuracy.records(accuracy.exceptions(frame, accuracy.ExceptionRules.from_settings()))

    assert [row["style_color_id"] for row in flagged] == [other.pk]
    row = flagged[0]
    assert row["final_wmape"] == pytest.approx(0.6)
    assert row["final_bias"] == pytest.approx(-0.6)
    # Tracking signal: sum(F - A) / MAD = -180 / 60.
    assert row["tracking_signal"] == pytest.approx(-3.0)
    assert row["abs_error"] == pytest.approx(180.0)
    assert row["reasons"] == "WMAPE 60% > 50%; under-forecast by 60% (limit 25%)"

    stricter = accuracy.ExceptionRules.from_settings(wmape=0.05, bias=0.9)
    assert [r["style_color_id"] for r in accuracy.records(accuracy.exceptions(frame, stricter))] == [
        other.pk,
        item.pk,
    ]


def test_no_runs_means_an_empty_lookback(retailer: dict[str, Any]) -> None:
    frame = accuracy.lookback_frame([retailer["tops"].pk], list(_weeks().values()))
    assert frame.empty
    assert accuracy.summary(frame, ["model"]).empty


def test_an_override_that_fixed_the_forecast_keeps_the_item_off_the_list(
    lookback: dict[str, Any], retailer: dict[str, Any], planner: User
) -> None:
    w = lookback["weeks"]
    other = StyleColor.objects.create(
        style=lookback["item"].style, code="ST-1-BLU", color_code="BLU", color_name="Blue",
        retail_price=Decimal("24"), unit_cost=Decimal("9"),
    )  # fmt: skip
    other.skus.create(code="ST-1-BLU-M", size="M", size_order=2)
    _run(w[-3], {(other, w[-2]): "40", (other, w[-1]): "40", (other, w[0]): "40"}, "ses")
    for offset in (-2, -1, 0):
        _sold(other, w[offset], 100, retailer)
        ForecastOverride.objects.create(
            style_color=other, fiscal_week=w[offset], units=Decimal("99"), reason="market", updated_by=planner
        )

    frame = accuracy.lookback_frame([lookback["tops"].pk], [w[-2], w[-1], w[0]])
    row = accuracy.records(accuracy.summary(frame[frame["style_color_id"] == other.pk], ["style_color_id"]))[
        0
    ]

    # Statistical: 40 vs 100 three times, sum(F - A) = -180, MAD 60: tracking signal -3.
    assert row["tracking_signal"] == pytest.approx(-3.0)
    # Final: 99 vs 100, sum(F - A) = -3, MAD 1: -3 too, but WMAPE 1% and bias -1%.
    assert row["final_wmape"] == pytest.approx(0.01)
    assert row["final_tracking_signal"] == pytest.approx(-3.0)
    flagged = accuracy.exceptions(frame, accuracy.ExceptionRules.from_settings(tracking_signal=2.5))
    # Only the final forecast counts: a tracking signal of -3 crosses 2.5 for both, so the
    # item is listed for that alone, not for the statistical WMAPE of 60%.
    reasons = dict(zip(flagged["style_color_id"], flagged["reasons"], strict=True))
    assert reasons[other.pk] == "tracking signal -3.0 beyond ±2.5"


def test_stockout_weeks_are_not_scored(lookback: dict[str, Any], retailer: dict[str, Any]) -> None:
    from planning.models import StockPosition

    w = lookback["weeks"]
    item = lookback["item"]
    # Week 0 had sales of 25 in the fixture; take them away and leave no stock anywhere.
    SalesHistory.objects.filter(fiscal_week=w[0]).delete()
    StockPosition.objects.create(
        sku=retailer["sku_s"], location=retailer["store"], fiscal_week=w[-4], on_hand=0
    )

    frame = accuracy.lookback_frame([lookback["tops"].pk], [w[-2], w[-1], w[0]])

    assert sorted(frame["week_id"]) == sorted([w[-2].id, w[-1].id])
    assert set(frame["style_color_id"]) == {item.pk}
