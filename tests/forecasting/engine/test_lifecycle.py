"""Launch-and-life curves and the young items forecast from them, on small hand-checked series.

Every history here is shorter than a season, so the seasonal index is 1 and deseasonalised
units are units.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import age_curves, forecast, run_forecast

START = pd.Timestamp("2024-01-01")  # a Monday


def weekly(
    unique_id: str, values: Sequence[float] | np.ndarray, start_week: int = 0, **columns: object
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": unique_id,
            "ds": pd.date_range(START + pd.Timedelta(weeks=start_week), periods=len(values), freq="7D"),
            "y": np.asarray(values, dtype=float),
            **columns,
        }
    )


def week(number: int) -> pd.Timestamp:
    return START + pd.Timedelta(weeks=number)


def test_the_curve_is_the_mean_by_age_of_the_items_seen_at_that_age() -> None:
    # a launched in week 0: ages 0-5 sell 2, 4, 6, 6, 6, 6.
    # b launched in week 2 (a Thursday of it): ages 0-3 sell 4, 8, 8 and a stock-out week.
    history = pd.concat(
        [
            weekly("a", [2, 4, 6, 6, 6, 6], is_stockout=False),
            weekly("b", [4, 8, 8, 0], start_week=2, is_stockout=[False, False, False, True]),
        ]
    )
    launches = {"a": START.date(), "b": week(2) + pd.Timedelta(days=3), "unknown": date(2024, 1, 1)}
    curve = age_curves(history, launches=launches, max_age=4)
    assert list(curve.columns) == ["parent", "age", "units"]
    assert curve["parent"].tolist() == ["all"] * 5
    assert curve["age"].tolist() == [0, 1, 2, 3, 4]
    # Means by age: (2 + 4) / 2 = 3, (4 + 8) / 2 = 6, (6 + 8) / 2 = 7, 6 (b's age 3 was a
    # stock-out), and age 4 = "4 or older": a's weeks at ages 4 and 5, 6.
    # Smoothed over 3 weeks at ages 1..max_age-2 = 1..2: (3 + 6 + 7) / 3 and (6 + 7 + 6) / 3.
    np.testing.assert_allclose(curve["units"], [3, 16 / 3, 19 / 3, 6, 6])


def test_without_launch_dates_an_item_selling_from_the_start_has_no_known_age() -> None:
    # "old" sells from the first week: its age is unknown, so it shapes no age below max_age;
    # "young" first sells 5 weeks later (after the first 4 weeks of the data): age 0 there.
    history = pd.concat([weekly("old", [50] * 8), weekly("young", [1, 2, 3], start_week=5)])
    curve = age_curves(history, max_age=10)["units"].to_numpy()
    # Ages 0-2: 1, 2, 3 (smoothed at 1: 2, at 2: (2 + 3 + 3) / 3), carried to age 10.
    np.testing.assert_allclose(curve, [1, 2, 8 / 3, 3, 3, 3, 3, 3, 3, 3, 3])


def test_weeks_after_an_exit_count_as_zeros_even_without_stock() -> None:
    # Sold 6 a week for 4 weeks, then nothing (and no stock) for the last 9 weeks: exited.
    # A 3-week gap at the end would be stock-outs instead, left out.
    exited = weekly("gone", [6] * 4 + [0] * 9, start_week=4, is_stockout=[False] * 4 + [True] * 9)
    curve = age_curves(exited, launches={"gone": week(4)}, max_age=20)["units"].to_numpy()
    # Ages 0-3: 6; ages 4-12: 0; carried: 0 up to 20. Smoothing at age 3: (6 + 6 + 0) / 3 = 4.
    np.testing.assert_allclose(curve, [6, 6, 6, 4, 2] + [0] * 16)

    paused = weekly("paused", [6] * 4 + [0] * 3, start_week=4, is_stockout=[False] * 4 + [True] * 3)
    curve = age_curves(paused, launches={"paused": week(4)}, max_age=20)["units"].to_numpy()
    np.testing.assert_allclose(curve, [6] * 21)


def _class_with_a_young_and_a_coming_item() -> tuple[pd.DataFrame, dict[str, object]]:
    """Four items launched in week 0 sell 10, 20, 30, then 30 a week to week 39; "new" launched
    in week 37 sold 20, 40, 60; "coming" launches 3 weeks after the history ends."""
    old = [weekly(f"old{i}", [10, 20] + [30] * 38) for i in range(4)]
    new = weekly("new", [20, 40, 60], start_week=37)
    coming = weekly("coming", [0, 0], start_week=38)
    launches = {**{f"old{i}": START for i in range(4)}, "new": week(37), "coming": week(43).date()}
    return pd.concat([*old, new, coming]).assign(parent="tops"), launches


def test_a_young_item_is_the_class_curve_scaled_by_its_sales_so_far() -> None:
    history, launches = _class_with_a_young_and_a_coming_item()
    # Curve: age 0 (4 x 10 + 20) / 5 = 12, age 1 (4 x 20 + 40) / 5 = 24, age 2 (4 x 30 + 60) / 5
    # = 36, ages 3-39: 30, carried after. Smoothed: age 1 (12 + 24 + 36) / 3 = 24, age 2
    # (24 + 36 + 30) / 3 = 30, age 3 (36 + 30 + 30) / 3 = 32, then 30.
    curve = age_curves(history, launches=launches)["units"].to_numpy()
    np.testing.assert_allclose(curve[:6], [12, 24, 30, 32, 30, 30])
    result = run_forecast(history, 6, launches=launches)
    # new: sold 20 + 40 + 60 = 120 at ages 0-2 where a typical item sells 12 + 24 + 30 = 66; the
    # prior is one typical week, 66 / 3 = 22: s = (120 + 22) / (66 + 22) = 142 / 88.
    scale = 142 / 88
    yhat = result.forecasts.set_index("unique_id").loc["new", "yhat"].to_numpy()
    np.testing.assert_allclose(yhat, scale * np.array([32, 30, 30, 30, 30, 30]))
    row = result.series.set_index("unique_id").loc["new"]
    assert row["model"] == "parent_profile"
    assert row["weeks_on_sale"] == 3
    assert row["reason"].startswith(
        "Class launch-and-life curve \u00d7 seasonal profile, scaled to the item's sales so far"
        " (\u00d71.61: 120.0 units seasonally adjusted in 3 weeks vs 66.0 for a typical item of its"
        " class (tops) at the same ages, with a 1-week prior of a typical item; age 3 weeks at the"
        " forecast start): 3 weeks on sale is too short to back-test"
    )


def test_an_item_not_launched_yet_is_zero_before_its_launch_week_then_a_typical_item() -> None:
    history, launches = _class_with_a_young_and_a_coming_item()
    result = run_forecast(history, 6, launches=launches, level=[80])
    coming = result.forecasts.set_index("unique_id").loc["coming"]
    # The forecast weeks are 40-45; "coming" launches in week 43: ages -3..2, curve 12, 24, 30.
    np.testing.assert_allclose(coming["yhat"].to_numpy(), [0, 0, 0, 12, 24, 30])
    assert (coming["hi-80"].to_numpy()[:3] == 0).all()
    row = result.series.set_index("unique_id").loc["coming"]
    assert row["model"] == "parent_profile"
    assert row["reason"] == (
        "Class launch-and-life curve \u00d7 seasonal profile, scaled to the item's sales so far:"
        " no sales yet: a typical item of its class (tops) from its launch week 2024-10-28;"
        " interval: Poisson (no back-test)"
    )
    # Without its launch date it is an item without history.
    unknown = {key: value for key, value in launches.items() if key != "coming"}
    out = run_forecast(history, 6, launches=unknown)
    assert out.series.set_index("unique_id").loc["coming", "model"] == "no_history"
    assert (out.forecasts.set_index("unique_id").loc["coming", "yhat"] == 0).all()


def test_a_seasonal_item_follows_the_rise_and_fall_of_its_class() -> None:
    # Six items of last season lived 20 weeks each (launched weeks 0-5), 40 x sin(pi (a + 0.5)
    # / 20) at age a, then were delisted: no sale and no stock to the end of the history.
    life = np.round(40 * np.sin(np.pi * (np.arange(20) + 0.5) / 20))
    past = [
        weekly(
            f"past{i}", [*life, *[0] * (20 - i)], start_week=i, is_stockout=[False] * 20 + [True] * (20 - i)
        )
        for i in range(6)
    ]
    young = weekly("young", life[:4].tolist(), start_week=36, is_stockout=False)
    history = pd.concat([*past, young])
    launches = {**{f"past{i}": week(i) for i in range(6)}, "young": week(36)}
    yhat = forecast(history, 20, launches=launches).set_index("unique_id").loc["young", "yhat"].to_numpy()
    # Ages 4-23: it rises to the peak of the life (ages 9-10), then falls to zero after age 19.
    peak = int(np.argmax(yhat))
    assert 4 <= peak <= 7  # ages 8-11
    assert yhat[0] < yhat[peak]
    assert (np.diff(yhat[: peak + 1]) >= 0).all()
    assert (np.diff(yhat[peak:]) <= 0).all()
    assert yhat[peak] == pytest.approx(40, rel=0.05)
    assert yhat[15] < 10  # age 19
    np.testing.assert_allclose(yhat[17:], 0, atol=1e-9)  # ages 21-23


def test_launches_must_be_dates() -> None:
    history = weekly("a", [1, 2, 3])
    for launches, message in [
        ({"a": "2024-01-01"}, "launches: 'a' has '2024-01-01', not a date"),
        ({"a": None}, "launches: 'a' has None, not a date"),
        ({"a": pd.NaT}, "launches: 'a' has NaT, not a date"),
        ({"a": 20240101}, "launches: 'a' has 20240101, not a date"),
        ([("a", START)], "launches: expected a mapping"),
    ]:
        with pytest.raises(ValueError, match=message):
            forecast(history, 2, launches=launches)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=message):
            age_curves(history, launches=launches)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_age"):
        age_curves(history, max_age=0)
    # Dates, datetimes, Timestamps and numpy datetimes all work, tz-aware ones too.
    for value in (date(2024, 1, 1), pd.Timestamp("2024-01-03 12:00", tz="UTC"), np.datetime64("2024-01-01")):
        assert len(forecast(history, 2, launches={"a": value})) == 2


def _steady(unique_id: str, weeks: int = 120, level: float = 30.0, parent: str = "c") -> pd.DataFrame:
    # A basic with a yearly swing: 30 +- 10 units.
    values = level + 10 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    return weekly(unique_id, np.round(values), is_stockout=False, parent=parent)


def test_history_only_items_teach_the_life_curve_but_are_neither_forecast_nor_in_the_season() -> None:
    life = np.round(40 * np.sin(np.pi * (np.arange(20) + 0.5) / 20))
    # Last season's items: lived 20 weeks and were delisted long before the end of the history.
    past = [
        weekly(
            f"past{i}", [*life, *[0] * 80], start_week=i, is_stockout=[False] * 20 + [True] * 80, parent="c"
        )
        for i in range(6)
    ]
    young = weekly("young", life[:4].tolist(), start_week=116, is_stockout=False, parent="c")
    basics = [_steady("basic1"), _steady("basic2", level=50.0)]
    launches = {**{f"past{i}": week(i) for i in range(6)}, "young": week(116)}
    without = run_forecast(pd.concat([*basics, young]), 13, launches=launches)
    learned = run_forecast(
        pd.concat([*basics, young, *past]), 13, launches=launches, history_only=[f"past{i}" for i in range(6)]
    )

    # Not forecast, not in the output.
    assert sorted(learned.series["unique_id"]) == ["basic1", "basic2", "young"]
    # The basics' seasonal profile ignores last season's lives: their forecasts are unchanged.
    basic_rows = lambda result: result.forecasts[result.forecasts["unique_id"] != "young"]  # noqa: E731
    pd.testing.assert_frame_equal(basic_rows(learned), basic_rows(without))
    # The young item now rises with the life curve (the peak of a life at ages 9-10, scaled by
    # the class season at those weeks) and falls after it, instead of holding its early rate.
    young_yhat = learned.forecasts.set_index("unique_id").loc["young", "yhat"].to_numpy()
    alone = without.forecasts.set_index("unique_id").loc["young", "yhat"].to_numpy()
    peak = int(np.argmax(young_yhat))
    assert 3 <= peak <= 8  # ages 7-12
    assert young_yhat[peak] > 1.3 * alone.max()
    assert young_yhat[-1] < young_yhat[peak] / 2  # age 16: the life is ending


def test_history_only_cannot_be_everything() -> None:
    with pytest.raises(ValueError, match="nothing to forecast"):
        run_forecast(_steady("basic1"), 4, history_only=["basic1"])
