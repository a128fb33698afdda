"""Input checks: one clear ValueError per problem, raised before any math.

`check_history` also returns the columns the engine uses, in canonical dtypes (ds as
datetime64[ns], y as float64, is_stockout as bool), so later stages need no defensive code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from forecasting.engine.candidates import CANDIDATE_MODELS, FALLBACK_MODELS

WEEK = pd.Timedelta(days=7)


def _first(frame: pd.DataFrame, mask: Any, *columns: str) -> str:
    """'unique_id='A', ds=2024-01-01' for the first row of `frame` where `mask` holds."""
    row = frame.loc[np.asarray(mask)].iloc[0]
    return ", ".join(f"{column}={_show(row[column])}" for column in columns)


def _show(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_history(
    history: pd.DataFrame, *, name: str = "history", keys: Sequence[str] = ("unique_id",)
) -> pd.DataFrame:
    """A clean copy of `history` (the keys, ds, y and, when present, is_stockout and parent).

    Raises ValueError for: not a DataFrame, no rows, missing columns, missing keys, ds that is
    not a datetime or not weekly (all dates on one weekday), y that is not a finite number >= 0,
    and duplicate (keys, ds) rows. `keys` name a series: unique_id, or unique_id and size_id.
    """
    required = (*keys, "ds", "y")
    if not isinstance(history, pd.DataFrame):
        raise ValueError(f"{name}: expected a pandas DataFrame, got {type(history).__name__}")
    if history.empty:
        raise ValueError(f"{name}: no rows; the engine needs at least one week of sales")
    missing = [column for column in required if column not in history.columns]
    if missing:
        raise ValueError(
            f"{name}: missing column(s) {', '.join(missing)} (has: {', '.join(map(str, history.columns))})"
        )
    columns = [*required, *(c for c in ("is_stockout", "parent") if c in history.columns)]
    frame = history.loc[:, columns].reset_index(drop=True)

    for column in (*keys, *(["parent"] if "parent" in frame.columns else [])):
        absent = frame[column].isna()
        if absent.any():
            hint = "; leave the column out to pool every item together" if column == "parent" else ""
            raise ValueError(f"{name}: {column} is missing on {int(absent.sum()):,} row(s){hint}")

    _check_ds(frame, name)
    _check_y(frame, name, keys)
    _check_unique_weekly(frame, name, keys)
    if "is_stockout" in frame.columns:
        frame["is_stockout"] = _stockout_flags(frame, name)
    return frame


def _check_ds(frame: pd.DataFrame, name: str) -> None:
    """ds a datetime without NaT, stored in place as naive datetime64[ns]."""
    if not pd.api.types.is_datetime64_any_dtype(frame["ds"]):
        raise ValueError(
            f"{name}: ds must be datetime64, got {frame['ds'].dtype}; convert it with pd.to_datetime"
        )
    ds = frame["ds"]
    if isinstance(ds.dtype, pd.DatetimeTZDtype):
        ds = ds.dt.tz_localize(None)
    frame["ds"] = ds.astype("datetime64[ns]")
    if frame["ds"].isna().any():
        raise ValueError(f"{name}: ds is missing (NaT) on {int(frame['ds'].isna().sum()):,} row(s)")


def _check_y(frame: pd.DataFrame, name: str, keys: Sequence[str]) -> None:
    """y a finite number >= 0 on every row, stored in place as float64."""
    if not pd.api.types.is_numeric_dtype(frame["y"]) or pd.api.types.is_bool_dtype(frame["y"]):
        raise ValueError(f"{name}: y must be numeric (units sold), got {frame['y'].dtype}")
    y = frame["y"].to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(y)
    if nan.any():
        where = _first(frame, nan, *keys, "ds")
        raise ValueError(f"{name}: y is NaN on {int(nan.sum()):,} row(s), the first at {where}")
    infinite = np.isinf(y)
    if infinite.any():
        raise ValueError(f"{name}: y is infinite on {int(infinite.sum()):,} row(s)")
    negative = y < 0
    if negative.any():
        where = _first(frame, negative, *keys, "ds", "y")
        raise ValueError(
            f"{name}: y is negative on {int(negative.sum()):,} row(s), the first at {where};"
            " returns belong in their own measure, not in demand"
        )
    frame["y"] = y


def _check_unique_weekly(frame: pd.DataFrame, name: str, keys: Sequence[str]) -> None:
    """One row per (keys, ds), and every ds on the weekday of the first."""
    duplicated = frame.duplicated([*keys, "ds"], keep="first")
    if duplicated.any():
        where = _first(frame, duplicated, *keys, "ds")
        raise ValueError(
            f"{name}: {int(duplicated.sum()):,} duplicate ({', '.join(keys)}, ds) row(s);"
            f" the first is {where}"
        )

    origin = frame["ds"].min()
    off_grid = ((frame["ds"] - origin) % WEEK) != pd.Timedelta(0)
    if off_grid.any():
        stray = frame.loc[off_grid.to_numpy(), "ds"].iloc[0]
        raise ValueError(
            f"{name}: ds is not weekly: every date must fall on the same weekday as the first,"
            f" {_show(origin)} ({origin.day_name()}), but {_show(stray)} is a {stray.day_name()}"
        )


def _stockout_flags(frame: pd.DataFrame, name: str) -> pd.Series:
    """is_stockout as bool: booleans, or 0/1, with missing flags read as False."""
    flags = frame["is_stockout"]
    if not pd.api.types.is_bool_dtype(flags):
        values = set(flags.dropna().unique().tolist())
        if not values <= {True, False}:  # 0 and 1 count too: True == 1 in a set
            example = sorted(map(repr, values))[0]
            raise ValueError(f"{name}: is_stockout must be boolean, got values like {example}")
        flags = flags.fillna(value=False)
    return flags.astype(bool)


def check_horizon(horizon: Any) -> int:
    if not isinstance(horizon, Integral) or isinstance(horizon, bool) or horizon < 1:
        raise ValueError(f"horizon: expected a whole number of weeks >= 1, got {horizon!r}")
    return int(horizon)


def check_season_length(season_length: Any) -> int:
    if not isinstance(season_length, Integral) or isinstance(season_length, bool) or season_length < 1:
        raise ValueError(f"season_length: expected a whole number of weeks >= 1, got {season_length!r}")
    return int(season_length)


def check_levels(level: Iterable[float] | None) -> tuple[float, ...]:
    """Interval levels in percent, each strictly between 0 and 100, no repeats."""
    if level is None:
        return ()
    if isinstance(level, (str, bytes)) or not isinstance(level, Iterable):
        raise ValueError(f"level: expected a list of percentages such as [80, 95], got {level!r}")
    levels = tuple(level)
    for value in levels:
        if (
            not isinstance(value, Real)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or not 0 < value < 100
        ):
            raise ValueError(f"level: {value!r} is outside (0, 100); use percentages such as [80, 95]")
    if len(set(levels)) != len(levels):
        raise ValueError(f"level: repeated values in {list(levels)}")
    return tuple(float(value) for value in levels)


def check_models(models: Iterable[str] | None) -> tuple[str, ...]:
    """The requested candidate models in the canonical order (the tie-break order)."""
    if models is None:
        return CANDIDATE_MODELS
    if isinstance(models, str):
        models = [models]
    requested = list(models)
    if not requested:
        everything = ", ".join(CANDIDATE_MODELS)
        raise ValueError(f"models: empty; leave it out to use every candidate ({everything})")
    for name in requested:
        if name in FALLBACK_MODELS:
            raise ValueError(
                f"models: {name!r} is a fallback, chosen automatically for short histories;"
                f" candidates are {', '.join(CANDIDATE_MODELS)}"
            )
        if name not in CANDIDATE_MODELS:
            raise ValueError(f"models: unknown {name!r}; choose from {', '.join(CANDIDATE_MODELS)}")
    return tuple(name for name in CANDIDATE_MODELS if name in requested)


def check_windows(n_windows: Any) -> int:
    if not isinstance(n_windows, Integral) or isinstance(n_windows, bool) or n_windows < 1:
        raise ValueError(f"n_windows: expected a whole number of back-test windows >= 1, got {n_windows!r}")
    return int(n_windows)


def check_jobs(n_jobs: Any) -> int:
    if not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or (n_jobs < 1 and n_jobs != -1):
        raise ValueError(f"n_jobs: expected a number of processes >= 1, or -1 for every core, got {n_jobs!r}")
    return int(n_jobs)


def check_max_age(max_age: Any) -> int:
    if not isinstance(max_age, Integral) or isinstance(max_age, bool) or max_age < 1:
        raise ValueError(f"max_age: expected a whole number of weeks >= 1, got {max_age!r}")
    return int(max_age)


def check_launches(launches: Mapping[Any, Any] | None) -> dict[Any, pd.Timestamp]:
    """unique_id -> launch day (a naive midnight Timestamp); ids absent from the history are
    ignored later. Raises ValueError for a non-mapping or a value that is not a date."""
    if launches is None:
        return {}
    if not isinstance(launches, Mapping):
        raise ValueError(
            f"launches: expected a mapping of unique_id to launch date, got {type(launches).__name__}"
        )
    out: dict[Any, pd.Timestamp] = {}
    for key, value in launches.items():
        if not isinstance(value, (date, np.datetime64)) or pd.isna(value):
            raise ValueError(
                f"launches: {key!r} has {value!r}, not a date; pass datetime.date or pd.Timestamp values"
                " (leave an item out when its launch is unknown)"
            )
        day = pd.Timestamp(value)
        if day.tzinfo is not None:
            day = day.tz_localize(None)
        out[key] = day.normalize()
    return out
