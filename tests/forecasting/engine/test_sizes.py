"""Size curves and the split of item forecasts into sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.engine import size_curves, split_to_sizes

LAST = pd.Timestamp("2024-03-04")


def rows(*entries: tuple[str, str, int, float]) -> pd.DataFrame:
    """(item, size, weeks before the last date, units)."""
    return pd.DataFrame(
        {
            "unique_id": [entry[0] for entry in entries],
            "size_id": [entry[1] for entry in entries],
            "ds": [LAST - pd.Timedelta(weeks=entry[2]) for entry in entries],
            "y": [entry[3] for entry in entries],
        }
    )


SALES = rows(
    ("A", "S", 2, 4.0),
    ("A", "M", 2, 0.0),
    ("A", "L", 2, 4.0),
    ("A", "S", 1, 2.0),
    ("A", "M", 1, 4.0),
    ("A", "S", 0, 1.0),
    ("A", "M", 0, 3.0),
    ("A", "L", 0, 0.0),
    ("B", "X", 0, 0.0),
    ("B", "Y", 1, 0.0),
)


def test_size_curve_by_hand() -> None:
    shares = size_curves(SALES, weeks=2, half_life_weeks=1.0, prior_units=2.0)
    curve = shares.set_index(["unique_id", "size_id"])["share"]
    # Recent (ages 0 and 1, weights 1 and 1/2): S 1 + 2/2 = 2, M 3 + 4/2 = 5, L 0; total 7.
    # Full history: S 7, M 7, L 4 of 18. share = (recent + 2 x prior) / (7 + 2):
    # S (2 + 14/18) / 9 = 25/81, M (5 + 14/18) / 9 = 52/81, L (8/18) / 9 = 4/81.
    assert curve["A", "S"] == pytest.approx(25 / 81)
    assert curve["A", "M"] == pytest.approx(52 / 81)
    assert curve["A", "L"] == pytest.approx(4 / 81)
    # An item that sold nothing: uniform over its sizes.
    assert curve["B", "X"] == curve["B", "Y"] == 0.5
    assert list(shares.columns) == ["unique_id", "size_id", "share"]


def test_without_prior_units_the_recent_shares_stand() -> None:
    curve = size_curves(SALES, weeks=2, half_life_weeks=1.0, prior_units=0.0)
    a = curve[curve["unique_id"] == "A"].set_index("size_id")["share"]
    assert a["S"] == pytest.approx(2 / 7)
    assert a["M"] == pytest.approx(5 / 7)
    assert a["L"] == 0.0


def test_split_to_sizes_by_hand() -> None:
    shares = size_curves(SALES, weeks=2, half_life_weeks=1.0, prior_units=2.0)
    forecasts = pd.DataFrame(
        {
            "unique_id": ["A", "A", "B"],
            "ds": [LAST + pd.Timedelta(weeks=1), LAST + pd.Timedelta(weeks=2), LAST + pd.Timedelta(weeks=1)],
            "yhat": [81.0, 162.0, 3.0],
        }
    )
    split = split_to_sizes(forecasts, shares)
    assert list(split.columns) == ["unique_id", "size_id", "ds", "yhat"]
    first = split[(split["unique_id"] == "A") & (split["ds"] == forecasts["ds"][0])].set_index("size_id")
    assert first.loc["S", "yhat"] == pytest.approx(25.0)
    assert first.loc["M", "yhat"] == pytest.approx(52.0)
    assert first.loc["L", "yhat"] == pytest.approx(4.0)
    assert split[split["unique_id"] == "B"]["yhat"].tolist() == [1.5, 1.5]


def test_split_needs_a_curve_for_every_item() -> None:
    forecasts = pd.DataFrame({"unique_id": ["C"], "ds": [LAST], "yhat": [1.0]})
    with pytest.raises(ValueError, match="no size curve for 1 forecast item"):
        split_to_sizes(forecasts, size_curves(SALES))


def test_empty_sales_give_no_curves() -> None:
    assert size_curves(SALES.iloc[:0]).empty


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"weeks": 0}, "weeks"),
        ({"half_life_weeks": 0.0}, "half_life_weeks"),
        ({"prior_units": -1.0}, "prior_units"),
    ],
)
def test_size_curve_settings_are_checked(settings_: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        size_curves(SALES, **settings_)  # type: ignore[arg-type]


@st.composite
def size_sales(draw: st.DrawFn) -> pd.DataFrame:
    items = draw(st.integers(1, 3))
    frames = []
    for item in range(items):
        sizes = draw(st.integers(1, 4))
        weeks = draw(st.integers(1, 20))
        units = draw(
            st.lists(st.integers(0, 50), min_size=sizes * weeks, max_size=sizes * weeks).map(np.asarray)
        )
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": f"item{item}",
                    "size_id": np.tile([f"s{size}" for size in range(sizes)], weeks),
                    "ds": np.repeat(pd.date_range(end=LAST, periods=weeks, freq="7D"), sizes),
                    "y": units.astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@settings(max_examples=60, deadline=None)
@given(
    sales=size_sales(),
    weeks=st.integers(1, 20),
    half_life=st.floats(0.5, 20),
    prior_units=st.floats(0, 50),
)
def test_shares_are_non_negative_and_sum_to_one(
    sales: pd.DataFrame, weeks: int, half_life: float, prior_units: float
) -> None:
    shares = size_curves(sales, weeks=weeks, half_life_weeks=half_life, prior_units=prior_units)
    assert (shares["share"] >= 0).all()
    totals = shares.groupby("unique_id")["share"].sum()
    np.testing.assert_allclose(totals, 1.0, rtol=0, atol=1e-12)
    assert len(shares) == len(sales[["unique_id", "size_id"]].drop_duplicates())


@settings(max_examples=60, deadline=None)
@given(sales=size_sales(), data=st.data())
def test_split_to_sizes_sums_back_to_the_item(sales: pd.DataFrame, data: st.DataObject) -> None:
    shares = size_curves(sales)
    items = sales["unique_id"].unique()
    dates = pd.date_range(LAST + pd.Timedelta(weeks=1), periods=3, freq="7D")
    forecasts = pd.DataFrame(
        {
            "unique_id": np.repeat(items, len(dates)),
            "ds": np.tile(dates, len(items)),
            "yhat": data.draw(
                st.lists(
                    st.floats(0, 1e4), min_size=len(items) * len(dates), max_size=len(items) * len(dates)
                )
            ),
        }
    )
    split = split_to_sizes(forecasts, shares)
    summed = split.groupby(["unique_id", "ds"])["yhat"].sum()
    expected = forecasts.set_index(["unique_id", "ds"])["yhat"]
    np.testing.assert_allclose(summed.reindex(expected.index), expected, rtol=1e-12, atol=1e-9)
