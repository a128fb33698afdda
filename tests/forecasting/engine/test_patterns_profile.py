"""Demand patterns and seasonal profiles on small hand-checked series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import demand_patterns, seasonal_profile

START = pd.Timestamp("2024-01-01")


def weekly(
    unique_id: str, values: list[float], start: pd.Timestamp = START, **columns: object
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": unique_id,
            "ds": pd.date_range(start, periods=len(values), freq="7D"),
            "y": values,
            **columns,
        }
    )


def test_patterns_of_each_class() -> None:
    history = pd.concat(
        [
            weekly("smooth", [4, 5, 4, 5, 4, 5]),
            weekly("erratic", [1, 10, 1, 10, 1, 10]),
            weekly("intermittent", [3, 0, 3, 0, 0, 3]),
            weekly("lumpy", [1, 0, 0, 9, 0, 1]),
            weekly("none", [0, 0, 0, 0, 0, 0]),
        ]
    )
    out = demand_patterns(history).set_index("unique_id")
    assert out.loc["smooth", "pattern"] == "smooth"
    assert out.loc["smooth", "adi"] == 1.0
    # sizes 4, 5: mean 4.5, population variance 0.25
    assert out.loc["smooth", "cv2"] == pytest.approx(0.25 / 4.5**2)
    assert out.loc["erratic", "pattern"] == "erratic"
    assert out.loc["erratic", "cv2"] == pytest.approx(4.5**2 / 5.5**2)
    assert out.loc["intermittent", "pattern"] == "intermittent"
    assert (out.loc["intermittent", "adi"], out.loc["intermittent", "cv2"]) == (2.0, 0.0)
    # sizes 1, 9, 1: mean 11/3, variance (2 (8/3)^2 + (16/3)^2) / 3 = 128/9
    assert out.loc["lumpy", "pattern"] == "lumpy"
    assert out.loc["lumpy", "adi"] == 2.0
    assert out.loc["lumpy", "cv2"] == pytest.approx((128 / 9) / (11 / 3) ** 2)
    assert out.loc["none", "pattern"] == "no_demand"
    assert np.isnan(out.loc["none", "adi"])
    assert np.isnan(out.loc["none", "cv2"])


def test_missing_weeks_are_zero_sales_and_weeks_before_the_first_sale_do_not_count() -> None:
    # Rows only in weeks 1, 3 and 5 (weeks 2 and 4 absent: no sales); week 0 has no row either.
    sparse = weekly("sparse", [2, 2, 2]).assign(ds=lambda frame: START + pd.to_timedelta([7, 21, 35], "D"))
    late = weekly("late", [0, 0, 0, 4, 4, 4])
    out = demand_patterns(pd.concat([sparse, late])).set_index("unique_id")
    assert out.loc["sparse", "adi"] == pytest.approx(5 / 3)  # on sale weeks 1..5, sold in 3
    assert out.loc["late", "adi"] == 1.0


def test_stockout_weeks_are_not_zero_demand_in_the_patterns() -> None:
    stockout = [False, True, False, True, False, False]
    history = weekly("item", [5, 0, 5, 0, 5, 5], is_stockout=stockout)
    flagged = demand_patterns(history).iloc[0]
    assert (flagged["adi"], flagged["pattern"]) == (1.0, "smooth")
    unflagged = demand_patterns(history.drop(columns="is_stockout")).iloc[0]
    assert unflagged["adi"] == pytest.approx(6 / 4)
    assert unflagged["pattern"] == "intermittent"


def spiked_parent(weeks: int, spike_position: int = 50) -> pd.DataFrame:
    """10 a week, 30 in one week-of-year position, from Monday 2021-01-04: weeks 0-51 are
    positions 0-51 of 2021, weeks 52-103 positions 0-51 of 2022."""
    dates = pd.date_range("2021-01-04", periods=weeks, freq="7D")
    position = (dates.dayofyear - 1) // 7
    return pd.DataFrame(
        {"unique_id": "a", "ds": dates, "y": np.where(position == spike_position, 30.0, 10.0), "parent": "p"}
    )


def test_seasonal_profile_of_a_tiny_parent() -> None:
    profile = seasonal_profile(spiked_parent(104))
    assert list(profile.columns) == ["parent", "position", "index"]
    assert len(profile) == 52
    index = profile.set_index("position")["index"]
    # Every 2x52 window holds one spike at full weight, or two at half weight: the level is
    # 10 + 20/52 = 540/52 everywhere. Ratios 10/level, 30/level at position 50; smoothed over 3
    # weeks: (10 + 10 + 30) / 3 / level at positions 49-51; the mean is already 1.
    level = 540 / 52
    assert index[50] == pytest.approx(50 / 3 / level)
    assert index[49] == pytest.approx(50 / 3 / level)
    assert index[51] == pytest.approx(50 / 3 / level)
    assert index[0] == pytest.approx(10 / level)
    assert index[25] == pytest.approx(10 / level)
    assert index.mean() == pytest.approx(1.0)


def test_a_parent_with_one_and_a_half_seasons_is_shrunk_toward_one() -> None:
    # 78 weeks: every centred window (centres 26..51) holds the spike of week 50, so the raw
    # index is as above; the weight is 78 / 104.
    index = seasonal_profile(spiked_parent(78)).set_index("position")["index"]
    level = 540 / 52
    assert index[50] == pytest.approx(1 + 0.75 * (50 / 3 / level - 1))
    assert index[0] == pytest.approx(1 + 0.75 * (10 / level - 1))


def test_a_parent_with_less_than_a_season_has_no_profile() -> None:
    index = seasonal_profile(spiked_parent(40))["index"]
    np.testing.assert_array_equal(index, np.ones(52))


def test_each_parent_has_its_own_profile() -> None:
    history = pd.concat([spiked_parent(104), spiked_parent(104, 10).assign(unique_id="b", parent="q")])
    profile = seasonal_profile(history).set_index(["parent", "position"])["index"]
    assert profile["p", 50] == pytest.approx(profile["q", 10])
    assert profile["p", 10] == pytest.approx(10 / (540 / 52))
