"""Every bad input is a ValueError that says what is wrong, before any model runs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import forecast

GOOD = pd.DataFrame(
    {
        "unique_id": ["A"] * 4 + ["B"] * 4,
        "ds": list(pd.date_range("2024-01-01", periods=4, freq="7D")) * 2,
        "y": [1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 0.0, 2.0],
    }
)


def test_good_input_passes() -> None:
    assert len(forecast(GOOD, 2)) == 4


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (GOOD.iloc[:0], "history: no rows"),
        (pd.DataFrame(), "history: no rows"),
        (GOOD.drop(columns="y"), r"missing column\(s\) y"),
        (GOOD.drop(columns=["ds", "unique_id"]), r"missing column\(s\) unique_id, ds"),
        (
            GOOD.assign(y=[1.0, -2.0, 3.0, 4.0, 0.0, 1.0, 0.0, 2.0]),
            "y is negative on 1 row.*'A', ds=2024-01-08",
        ),
        (GOOD.assign(y=[1.0, np.nan, 3.0, 4.0, 0.0, np.nan, 0.0, 2.0]), "y is NaN on 2 row"),
        (GOOD.assign(y=["1"] * 8), "y must be numeric"),
        (GOOD.assign(ds=GOOD["ds"].astype(str)), "ds must be datetime64"),
        (GOOD.assign(unique_id=["A"] * 7 + [None]), "unique_id is missing on 1 row"),
        (GOOD.assign(parent=["x"] * 7 + [None]), "parent is missing on 1 row"),
        (GOOD.assign(is_stockout=["no"] * 8), "is_stockout must be boolean"),
    ],
)
def test_bad_history(history: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forecast(history, 2)


def test_duplicate_rows_are_counted_and_the_first_named() -> None:
    history = pd.concat([GOOD, GOOD.iloc[[5, 6]]], ignore_index=True)
    with pytest.raises(
        ValueError, match=r"2 duplicate \(unique_id, ds\) row\(s\); the first is unique_id='B', ds=2024-01-08"
    ):
        forecast(history, 2)


def test_dates_must_be_weekly_on_one_weekday() -> None:
    history = GOOD.copy()
    history.loc[2, "ds"] = pd.Timestamp("2024-01-17")  # a Wednesday among Mondays
    with pytest.raises(
        ValueError, match=r"ds is not weekly.*2024-01-01 \(Monday\), but 2024-01-17 is a Wednesday"
    ):
        forecast(history, 2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": 2.5}, "horizon"),
        ({"season_length": 0}, "season_length"),
        ({"level": [0]}, r"level: 0 is outside \(0, 100\)"),
        ({"level": [80, 100]}, r"level: 100 is outside \(0, 100\)"),
        ({"level": [-5]}, "level"),
        ({"level": 80}, "level: expected a list"),
        ({"models": ["ses", "prophet"]}, "models: unknown 'prophet'"),
        ({"models": ["like_item"]}, "models: 'like_item' is a fallback"),
        ({"models": []}, "models: empty"),
        ({"n_windows": 0}, "n_windows"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_parameters(arguments: dict[str, Any], message: str) -> None:
    parameters: dict[str, Any] = {"horizon": 2, **arguments}
    horizon = parameters.pop("horizon")
    with pytest.raises(ValueError, match=message):
        forecast(GOOD, horizon, **parameters)
