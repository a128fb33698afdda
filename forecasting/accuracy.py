"""Look-back: what was forecast for weeks that have since closed, against what happened.

For each closed week and style-color, the statistical forecast is the one of the newest
finished run made at least `lag` weeks before it (lag 1: the run with history through the
week before). The final forecast is the planner's override where one was set, else the
statistical one; overrides cannot change once their week closes, so both are measured as
they stood. Forecast value added (FVA) is the WMAPE the overrides removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Sum

from forecasting import engine, selectors
from forecasting.models import ForecastOverride, ForecastRun, SeriesFit, StyleColorForecast
from planning.models import FiscalWeek, SalesHistory, StyleColor

COLUMNS = [
    "style_color_id",
    "department_id",
    "week_id",
    "actual",
    "stat",
    "override",
    "final",
    "model",
    "run_id",
]


@dataclass(frozen=True)
class ExceptionRules:
    wmape: float
    bias: float
    tracking_signal: float
    min_actual_units: float

    @classmethod
    def from_settings(cls, **overrides: float | None) -> ExceptionRules:
        rules = {**settings.MERCHPLAN_FORECAST_EXCEPTIONS}
        rules.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**rules)


def lookback_weeks(count: int, *, last: FiscalWeek | None = None) -> list[FiscalWeek]:
    return selectors.weeks_up_to(last or selectors.latest_closed_week(), count)


def lookback_frame(department_ids: list[int], weeks: list[FiscalWeek], *, lag: int = 1) -> pd.DataFrame:
    """One row per (style-color, closed week) that a run forecast, with actual units; stock-out
    weeks are left out."""
    if not weeks or not department_ids:
        return pd.DataFrame(columns=COLUMNS)
    week_ids = [week.id for week in weeks]
    frame = _latest_forecasts(department_ids, week_ids, lag)
    if frame is None:
        return pd.DataFrame(columns=COLUMNS)
    items = frame["style_color_id"].unique().tolist()
    frame = _with_sales_overrides_and_models(frame, items, week_ids)
    frame["actual"] = frame["actual"].fillna(0).astype(float)
    frame = _without_stockouts(frame, items, weeks)
    frame["override"] = frame["override"].astype(float)
    frame["final"] = frame["override"].fillna(frame["stat"])
    frame["model"] = frame["model"].fillna("unknown")
    return frame[COLUMNS].reset_index(drop=True)


def _latest_forecasts(department_ids: list[int], week_ids: list[int], lag: int) -> pd.DataFrame | None:
    """Per (style-color, week) the statistical units of the latest run made at least `lag` weeks
    before the week (columns style_color_id, week_id, stat, run_id, as_of, created); None if no
    finished run forecast these weeks."""
    # The as-of week must be at least `lag` weeks before the target week.
    ordered = list(
        FiscalWeek.objects.filter(id__lte=week_ids[-1])
        .order_by("-id")
        .values_list("id", flat=True)[: len(week_ids) + lag + 60]
    )[::-1]
    position = {week_id: index for index, week_id in enumerate(ordered)}
    in_scope = {"style_color__style__subclass__merch_class__department_id__in": department_ids}
    rows = list(
        StyleColorForecast.objects.filter(
            fiscal_week_id__in=week_ids, run__status__in=ForecastRun.FINISHED, **in_scope
        ).values_list(
            "style_color_id", "fiscal_week_id", "units", "run_id", "run__as_of_week_id", "run__created_at"
        )
    )
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["style_color_id", "week_id", "stat", "run_id", "as_of", "created"])
    target = frame["week_id"].map(position)
    made = frame["as_of"].map(position)
    frame = frame[made.notna() & (target - made >= lag)]
    frame = frame.sort_values(["as_of", "created", "run_id"]).drop_duplicates(
        ["style_color_id", "week_id"], keep="last"
    )
    frame["stat"] = frame["stat"].astype(float)
    return frame


def _with_sales_overrides_and_models(
    frame: pd.DataFrame, items: list[int], week_ids: list[int]
) -> pd.DataFrame:
    """The forecasts joined with the weeks' actual units, the overrides, the model each run chose
    and the style-color's department."""
    actuals = pd.DataFrame(
        list(
            SalesHistory.objects.filter(sku__style_color_id__in=items, fiscal_week_id__in=week_ids)
            .values_list("sku__style_color_id", "fiscal_week_id")
            .annotate(units=Sum("units"))
            .order_by()
        ),
        columns=["style_color_id", "week_id", "actual"],
    )
    overrides = pd.DataFrame(
        list(
            ForecastOverride.objects.filter(
                style_color_id__in=items, fiscal_week_id__in=week_ids
            ).values_list("style_color_id", "fiscal_week_id", "units")
        ),
        columns=["style_color_id", "week_id", "override"],
    )
    models = pd.DataFrame(
        list(
            SeriesFit.objects.filter(
                run_id__in=frame["run_id"].unique().tolist(), style_color_id__in=items
            ).values_list("run_id", "style_color_id", "model")
        ),
        columns=["run_id", "style_color_id", "model"],
    )
    departments = pd.DataFrame(
        list(
            StyleColor.objects.filter(pk__in=items).values_list(
                "id", "style__subclass__merch_class__department_id"
            )
        ),
        columns=["style_color_id", "department_id"],
    )
    return (
        frame.merge(actuals, on=["style_color_id", "week_id"], how="left")
        .merge(overrides, on=["style_color_id", "week_id"], how="left")
        .merge(models, on=["run_id", "style_color_id"], how="left")
        .merge(departments, on="style_color_id", how="left")
    )


def _without_stockouts(frame: pd.DataFrame, items: list[int], weeks: list[FiscalWeek]) -> pd.DataFrame:
    """A week with no sales and no stock anywhere is not zero demand: it is left out, as the
    engine leaves it out of its back-tests."""
    stock = selectors.history_frame(items, weeks[-1], weeks=len(weeks))
    stockouts = stock.loc[stock["is_stockout"], ["unique_id", "ds"]]
    if stockouts.empty:
        return frame
    week_of = {pd.Timestamp(week.start_date): week.id for week in weeks}
    out = set(zip(stockouts["unique_id"], stockouts["ds"].map(week_of), strict=True))
    keep = [pair not in out for pair in zip(frame["style_color_id"], frame["week_id"], strict=True)]
    return frame[keep]


def summary(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """WMAPE, bias and tracking signal of the statistical and the final forecast per group,
    with FVA (points of WMAPE the overrides removed; negative: they made it worse)."""
    if frame.empty:
        return pd.DataFrame(
            columns=[*by, "actual", "stat", "final", "wmape", "bias", "mape", "final_wmape", "final_bias",
                     "final_mape", "fva", "tracking_signal", "final_tracking_signal", "series", "overridden"]
        )  # fmt: skip
    stat = engine.accuracy(frame, by, actual="actual", forecast="stat")
    final = engine.accuracy(frame, by, actual="actual", forecast="final")
    counts = frame.groupby(by).agg(
        series=("style_color_id", "nunique"),
        overridden=("override", lambda column: int(column.notna().sum())),
    )
    result = (
        stat.set_index(by)[["actual", "forecast", "wmape", "bias", "mape", "tracking_signal"]]
        .rename(columns={"forecast": "stat"})
        .join(
            final.set_index(by)[["forecast", "wmape", "bias", "mape", "tracking_signal"]].rename(
                columns={
                    "forecast": "final",
                    "wmape": "final_wmape",
                    "bias": "final_bias",
                    "mape": "final_mape",
                    "tracking_signal": "final_tracking_signal",
                }
            )
        )
        .join(counts)
        .reset_index()
    )
    result["fva"] = result["wmape"] - result["final_wmape"]
    return result


def exceptions(frame: pd.DataFrame, rules: ExceptionRules) -> pd.DataFrame:
    """Style-colors whose look-back error or bias crosses a threshold, worst (most units of
    error) first, each with the reasons that put it on the list."""
    if frame.empty:
        return pd.DataFrame(columns=["style_color_id", "department_id", "reasons", "abs_error"])
    table = summary(frame, ["style_color_id", "department_id"])
    errors = frame.assign(abs_error=(frame["final"] - frame["actual"]).abs())
    table = table.merge(
        errors.groupby("style_color_id", as_index=False)["abs_error"].sum(), on="style_color_id", how="left"
    )
    table = table[table["actual"] >= rules.min_actual_units].copy()
    reasons: list[list[str]] = [[] for _ in range(len(table))]
    for index, (wmape, bias, signal) in enumerate(
        zip(table["final_wmape"], table["final_bias"], table["final_tracking_signal"], strict=True)
    ):
        if np.isfinite(wmape) and wmape > rules.wmape:
            reasons[index].append(f"WMAPE {wmape:.0%} > {rules.wmape:.0%}")
        if np.isfinite(bias) and abs(bias) > rules.bias:
            word = "over" if bias > 0 else "under"
            reasons[index].append(f"{word}-forecast by {abs(bias):.0%} (limit {rules.bias:.0%})")
        if np.isfinite(signal) and abs(signal) > rules.tracking_signal:
            reasons[index].append(f"tracking signal {signal:+.1f} beyond ±{rules.tracking_signal:g}")
    table["reasons"] = ["; ".join(found) for found in reasons]
    flagged = table[table["reasons"] != ""]
    return flagged.sort_values(["abs_error", "style_color_id"], ascending=[False, True], ignore_index=True)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for templates and JSON: NaN becomes None."""
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [dict(row) for row in cleaned.to_dict(orient="records")]
