"""Accuracy measures: hand-checked values, undefined cases, invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecasting.engine import accuracy, bias, mape, mase, tracking_signal, wmape

ACTUAL = [10.0, 0.0, 5.0, 5.0]
FORECAST = [8.0, 2.0, 5.0, 9.0]
# |A - F| = 2, 2, 0, 4 (sum 8); sum |A| = 20; F - A = -2, 2, 0, 4 (sum 4)


def test_wmape_by_hand() -> None:
    assert wmape(ACTUAL, FORECAST) == pytest.approx(8 / 20)


def test_mape_skips_zero_actuals() -> None:
    # 2/10, 0/5, 4/5; the week with A = 0 is left out
    assert mape(ACTUAL, FORECAST) == pytest.approx((0.2 + 0.0 + 0.8) / 3)


def test_bias_is_positive_when_over_forecast() -> None:
    assert bias(ACTUAL, FORECAST) == pytest.approx(4 / 20)


def test_tracking_signal_by_hand() -> None:
    # sum (F - A) = 4, MAD = 8 / 4 = 2
    assert tracking_signal(ACTUAL, FORECAST) == pytest.approx(2.0)


def test_mase_scales_by_the_in_sample_seasonal_naive() -> None:
    insample = [1.0, 2.0, 3.0, 5.0, 4.0, 6.0]
    # m = 2: |3-1|, |5-2|, |4-3|, |6-5| = 2, 3, 1, 1 -> 7/4; MAE = 8/4 = 2
    assert mase(ACTUAL, FORECAST, insample, season_length=2) == pytest.approx(2 / 1.75)


@pytest.mark.parametrize(
    ("measure", "actual", "forecast"),
    [
        (wmape, [0.0, 0.0], [1.0, 2.0]),
        (wmape, [], []),
        (mape, [0.0, 0.0], [1.0, 0.0]),
        (bias, [0.0, 0.0], [1.0, 1.0]),
        (bias, [], []),
        (tracking_signal, [3.0, 4.0], [3.0, 4.0]),
        (tracking_signal, [], []),
    ],
)
def test_undefined_measures_are_nan(measure: object, actual: list[float], forecast: list[float]) -> None:
    assert callable(measure)
    assert math.isnan(measure(actual, forecast))


def test_mase_is_nan_without_a_season_in_sample_or_with_a_flat_one() -> None:
    assert math.isnan(mase([1.0], [2.0], [1.0, 2.0], season_length=2))
    assert math.isnan(mase([1.0], [2.0], [5.0, 5.0, 5.0, 5.0], season_length=2))
    assert math.isnan(mase([], [], [1.0, 2.0, 3.0], season_length=1))


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        wmape([1.0, 2.0], [1.0])


def test_accuracy_by_group() -> None:
    frame = pd.DataFrame(
        {
            "store": ["a", "a", "a", "a", "b", "b"],
            "y": [*ACTUAL, 0.0, 0.0],
            "yhat": [*FORECAST, 1.0, 0.0],
        }
    )
    out = accuracy(frame, "store")
    assert list(out.columns) == [
        "store",
        "wmape",
        "bias",
        "mape",
        "tracking_signal",
        "actual",
        "forecast",
        "n",
    ]
    a = out.iloc[0]
    assert a["store"] == "a"
    assert a["wmape"] == pytest.approx(0.4)
    assert a["bias"] == pytest.approx(0.2)
    assert a["mape"] == pytest.approx(1 / 3)
    assert a["tracking_signal"] == pytest.approx(2.0)
    assert (a["actual"], a["forecast"], a["n"]) == (20.0, 24.0, 4)
    b = out.iloc[1]
    # no sales: WMAPE, bias and MAPE undefined; sum(F - A) = 1 over MAD 1/2
    assert math.isnan(b["wmape"])
    assert math.isnan(b["bias"])
    assert math.isnan(b["mape"])
    assert b["tracking_signal"] == pytest.approx(2.0)
    assert b["n"] == 2


def test_accuracy_by_several_keys_matches_the_scalar_measures() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "dept": rng.integers(0, 2, 40),
            "week": rng.integers(0, 3, 40),
            "y": rng.integers(0, 9, 40).astype(float),
            "f": rng.uniform(0, 9, 40),
        }
    )
    out = accuracy(frame, ["dept", "week"], forecast="f")
    for row in out.itertuples():
        part = frame[(frame["dept"] == row.dept) & (frame["week"] == row.week)]
        np.testing.assert_allclose(row.wmape, wmape(part["y"], part["f"]))
        np.testing.assert_allclose(row.bias, bias(part["y"], part["f"]))
        np.testing.assert_allclose(row.mape, mape(part["y"], part["f"]))
        np.testing.assert_allclose(row.tracking_signal, tracking_signal(part["y"], part["f"]))


units = hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 1e4, allow_subnormal=False))


@settings(max_examples=100, deadline=None)
@given(actual=units)
def test_a_perfect_forecast_has_zero_wmape(actual: np.ndarray) -> None:
    assume(actual.sum() > 0)
    assert wmape(actual, actual) == 0.0


@settings(max_examples=100, deadline=None)
@given(data=st.data(), scale=st.floats(0.01, 100))
def test_wmape_is_scale_invariant(data: st.DataObject, scale: float) -> None:
    actual = data.draw(units)
    forecast = data.draw(hnp.arrays(np.float64, actual.shape, elements=st.floats(0, 1e4)))
    assume(actual.sum() > 1e-3)
    assert wmape(actual * scale, forecast * scale) == pytest.approx(wmape(actual, forecast), rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_bias_sign_follows_the_direction_of_the_error(data: st.DataObject) -> None:
    actual = data.draw(units)
    extra = data.draw(hnp.arrays(np.float64, actual.shape, elements=st.floats(0, 100)))
    assume(actual.sum() > 1e-3 and extra.sum() > 1e-6)
    assert bias(actual, actual + extra) > 0
    assert bias(actual + extra, actual) < 0
