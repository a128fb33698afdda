"""The rows of a run's snapshot: weekly forecasts, series fits and size shares of style-colors.

`forecasting.services` replaces a partition's snapshot in one transaction: it deletes the
earlier rows, checks that the engine's weeks are fiscal weeks, then writes these.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from forecasting.models import ForecastRun, SeriesFit, SizeShare, StyleColorForecast
from planning.models import StyleColor


def forecasts_create(run: ForecastRun, ids: list[int], forecasts: pd.DataFrame, week_ids: pd.Series) -> None:
    """One StyleColorForecast per row of the engine's `forecasts` (`week_ids`: their fiscal
    weeks), in cents, the interval around the units; nothing after an item's exit date."""
    level = run.interval_level
    gone = _after_exit(ids, forecasts)
    units = np.where(gone, 0.0, _cents(forecasts["yhat"].to_numpy()))
    lower = np.where(gone, 0.0, np.minimum(_cents(forecasts[f"lo-{level}"].to_numpy()), units))
    upper = np.where(gone, 0.0, np.maximum(_cents(forecasts[f"hi-{level}"].to_numpy()), units))
    StyleColorForecast.objects.bulk_create(
        (
            StyleColorForecast(
                run=run,
                style_color_id=int(item),
                fiscal_week_id=int(week),
                units=_decimal(value),
                lower=_decimal(low),
                upper=_decimal(high),
            )
            for item, week, value, low, high in zip(
                forecasts["unique_id"], week_ids, units, lower, upper, strict=True
            )
        ),
        batch_size=5000,
    )


def _after_exit(ids: list[int], forecasts: pd.DataFrame) -> np.ndarray:
    """Per forecast row: does its week start after its item's exit date?"""
    # An item that leaves the range sells nothing after its exit date.
    exits = dict(
        StyleColor.objects.filter(pk__in=ids, exit_date__isnull=False).values_list("id", "exit_date")
    )
    starts = forecasts["ds"].dt.date.to_numpy()
    return np.array(
        [
            item in exits and start > exits[item]
            for item, start in zip(forecasts["unique_id"], starts, strict=True)
        ],
        dtype=bool,
    )


def series_fits_create(run: ForecastRun, series: pd.DataFrame) -> None:
    """One SeriesFit per row of the engine's `series` table (NaN scores stored as null)."""
    SeriesFit.objects.bulk_create(
        (
            SeriesFit(
                run=run,
                style_color_id=int(row.unique_id),
                model=row.model,
                pattern=row.pattern,
                adi=_float(row.adi),
                cv2=_float(row.cv2),
                weeks_on_sale=int(row.weeks_on_sale),
                stockout_weeks=int(row.stockout_weeks),
                is_fallback=bool(row.is_fallback),
                backtest_wmape=_float(row.backtest_wmape),
                backtest_bias=_float(row.backtest_bias),
                naive_wmape=_float(row.naive_wmape),
                error_sd=_float(row.error_sd),
                candidate_wmape={name: _float(value) for name, value in dict(row.candidate_wmape).items()},
                reason=row.reason,
            )
            for row in series.itertuples(index=False)
        ),
        batch_size=2000,
    )


def size_shares_create(run: ForecastRun, shares: pd.DataFrame, wanted: set[int]) -> None:
    """One SizeShare per size of the `wanted` style-colors in `shares` (unique_id, size_id, share)."""
    SizeShare.objects.bulk_create(
        (
            SizeShare(run=run, sku_id=int(sku), share=Decimal(f"{share:.6f}"))
            for item, sku, share in zip(shares["unique_id"], shares["size_id"], shares["share"], strict=True)
            if item in wanted
        ),
        batch_size=5000,
    )


def _cents(values: np.ndarray) -> np.ndarray:
    rounded: np.ndarray = np.round(np.maximum(values.astype(float), 0.0), 2)
    return rounded


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _float(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number
