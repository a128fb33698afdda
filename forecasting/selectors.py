"""Reads for forecasting: history frames for the engine, runs, forecasts and overrides.

History is loaded at style-color x fiscal week for all locations (the level the business
forecasts at), with the stock-out flag the engine needs: a week with no sales and no
stock anywhere is missing demand, not zero demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Max, Q, QuerySet, Sum

from core.audit import audit_for_ids
from core.models import AuditEvent
from forecasting.models import ForecastOverride, ForecastRun, LikeItem, StyleColorForecast
from planning import clock
from planning.models import FiscalWeek, SalesHistory, Sku, StockPosition, StyleColor

HISTORY_WEEKS = 156  # three seasons: enough for two back-test windows and a seasonal naive


def latest_closed_week(today: date | None = None) -> FiscalWeek:
    """The last fiscal week that has ended: the newest week actuals can exist for."""
    today = today or clock.today()
    week = FiscalWeek.objects.filter(end_date__lt=today).order_by("-id").first()
    if week is None:
        raise FiscalWeek.DoesNotExist("No fiscal week has closed yet: run `manage.py calendar_sync`.")
    return week


def weeks_after(week: FiscalWeek, count: int) -> list[FiscalWeek]:
    return list(FiscalWeek.objects.filter(id__gt=week.id).order_by("id")[:count])


def weeks_up_to(week: FiscalWeek, count: int) -> list[FiscalWeek]:
    """The `count` weeks ending with `week`, oldest first."""
    return list(reversed(FiscalWeek.objects.filter(id__lte=week.id).order_by("-id")[:count]))


def forecast_items(department_id: int, as_of: FiscalWeek, horizon: int) -> pd.DataFrame:
    """Style-colors of a department for a run. `is_forecast`: on sale in the last year or
    launching within the horizon, and not exited before the forecast starts. The others sold
    within the history window (last seasons' items): they are history only, so the class's
    launch-and-life curve learns whole lives, not just the young items of this season.
    Columns: style_color_id, class_id, like_id, launch_date, is_forecast."""
    start = as_of.end_date + timedelta(days=1)
    horizon_end = start + timedelta(weeks=horizon)
    past = FiscalWeek.objects.filter(id__lte=as_of.id).order_by("-id").values_list("id", flat=True)
    year_ago, window_start = past[51:52], past[HISTORY_WEEKS - 1 : HISTORY_WEEKS]
    # One grouped read: the last week each item sold within the history window.
    # SKU ids first: the sales table is then read through its (sku, location, week) index.
    skus = list(
        Sku.objects.filter(
            style_color__style__subclass__merch_class__department_id=department_id
        ).values_list("id", flat=True)
    )
    last_sold = dict(
        SalesHistory.objects.filter(
            sku_id__in=skus,
            fiscal_week_id__lte=as_of.id,
            fiscal_week_id__gte=window_start[0] if window_start else 0,
        )
        .values_list("sku__style_color_id")
        .annotate(last=Max("fiscal_week_id"))
        .order_by()
    )
    recent = year_ago[0] if year_ago else 0
    department_items = StyleColor.objects.filter(style__subclass__merch_class__department_id=department_id)
    forecast = set(
        department_items.filter(
            Q(id__in=[item for item, last in last_sold.items() if last >= recent])
            | Q(launch_date__gte=start - timedelta(weeks=26), launch_date__lt=horizon_end)
        )
        .exclude(exit_date__lt=start)
        .exclude(lifecycle=StyleColor.Lifecycle.DISCONTINUED)
        .values_list("id", flat=True)
    )
    items = department_items.filter(id__in=forecast | set(last_sold)).values_list(
        "id", "style__subclass__merch_class_id", "launch_date"
    )
    frame = pd.DataFrame(list(items), columns=["style_color_id", "class_id", "launch_date"])
    frame["is_forecast"] = frame["style_color_id"].isin(forecast)
    likes = dict(
        LikeItem.objects.filter(style_color_id__in=list(forecast)).values_list("style_color_id", "like_id")
    )
    frame["like_id"] = frame["style_color_id"].map(likes)
    return frame.sort_values("style_color_id", ignore_index=True)


def launch_dates(items: pd.DataFrame) -> dict[int, date]:
    return {
        int(item): launch
        for item, launch in zip(items["style_color_id"], items["launch_date"], strict=True)
        if launch is not None and launch == launch
    }


def history_frame(style_color_ids: list[int], as_of: FiscalWeek, weeks: int = HISTORY_WEEKS) -> pd.DataFrame:
    """Weekly units per style-color over the `weeks` weeks ending `as_of`, every week present
    (no sales = 0), with `is_stockout`. Columns: unique_id, ds, y, is_stockout."""
    calendar = weeks_up_to(as_of, weeks)
    week_ids = [week.id for week in calendar]
    starts = pd.to_datetime([week.start_date for week in calendar])
    if not style_color_ids or not week_ids:
        return pd.DataFrame({"unique_id": [], "ds": [], "y": [], "is_stockout": []})
    item_of = sku_items(style_color_ids)
    # By SKU id (the sales table's index), summed over locations in SQL, over sizes here.
    sales = (
        SalesHistory.objects.filter(
            sku_id__in=list(item_of), fiscal_week_id__gte=week_ids[0], fiscal_week_id__lte=week_ids[-1]
        )
        .values_list("sku_id", "fiscal_week_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    index = {item: row for row, item in enumerate(style_color_ids)}
    column = {week_id: col for col, week_id in enumerate(week_ids)}
    units = np.zeros((len(style_color_ids), len(week_ids)))
    for sku, week_id, total in sales:
        units[index[item_of[sku]], column[week_id]] += total
    stock = _stock_by_item_week(style_color_ids, week_ids, item_of)
    # No sales and no stock at the start or the end of the week: demand unseen, not zero.
    opening = np.concatenate([stock[:, :1], stock[:, :-1]], axis=1)
    # Unknown stock (NaN: before the item's first stock record) never counts as a stock-out.
    is_stockout = (units == 0) & (stock <= 0) & (opening <= 0)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(style_color_ids), len(week_ids)),
            "ds": np.tile(starts.to_numpy(), len(style_color_ids)),
            "y": units.ravel(),
            "is_stockout": is_stockout.ravel(),
        }
    )


def sku_items(style_color_ids: list[int]) -> dict[int, int]:
    """SKU id -> style-color id: reads by SKU id use the history tables' indexes."""
    return dict(Sku.objects.filter(style_color_id__in=style_color_ids).values_list("id", "style_color_id"))


def _stock_by_item_week(
    style_color_ids: list[int], week_ids: list[int], item_of: dict[int, int]
) -> np.ndarray:
    """End-of-week units on hand per style-color (all locations) for each week.

    Stock rows are sparse (a row when the position changed), so each (SKU, location)
    carries its last value forward. Summing the changes per item and week and taking a
    running sum does that for every pair at once, without a dense SKU x location grid.
    """
    rows = list(
        StockPosition.objects.filter(sku_id__in=list(item_of), fiscal_week_id__lte=week_ids[-1])
        .order_by("sku_id", "location_id", "fiscal_week_id")
        .values_list("sku_id", "location_id", "fiscal_week_id", "on_hand")
    )
    result = np.full((len(style_color_ids), len(week_ids)), np.nan)
    if not rows:
        return result
    frame = pd.DataFrame(rows, columns=["sku", "location", "week", "on_hand"])
    frame["item"] = frame["sku"].map(item_of)
    previous = frame.groupby(["sku", "location"], sort=False)["on_hand"].shift(1).fillna(0)
    frame["change"] = frame["on_hand"] - previous
    # Changes before the window fold into its first week.
    frame["week"] = frame["week"].clip(lower=week_ids[0])
    changes = frame.pivot_table(index="item", columns="week", values="change", aggfunc="sum", fill_value=0.0)
    changes = changes.reindex(index=style_color_ids, columns=week_ids, fill_value=0.0)
    positions = changes.to_numpy().cumsum(axis=1)
    first_known = frame.groupby("item")["week"].min().reindex(style_color_ids)
    known = np.asarray(week_ids)[None, :] >= first_known.to_numpy(dtype=float, na_value=np.inf)[:, None]
    result[known] = positions[known]
    return result


def size_sales_frame(style_color_ids: list[int], as_of: FiscalWeek, weeks: int = 26) -> pd.DataFrame:
    """Weekly units per SKU for size curves; every SKU of the items appears (zero if unsold).
    Columns: unique_id (style-color), size_id (SKU), ds, y."""
    calendar = weeks_up_to(as_of, weeks)
    skus = list(Sku.objects.filter(style_color_id__in=style_color_ids).values_list("id", "style_color_id"))
    if not skus or not calendar:
        return pd.DataFrame({"unique_id": [], "size_id": [], "ds": [], "y": []})
    starts = {week.id: pd.Timestamp(week.start_date) for week in calendar}
    sales = list(
        SalesHistory.objects.filter(
            sku__style_color_id__in=style_color_ids,
            fiscal_week_id__gte=calendar[0].id,
            fiscal_week_id__lte=calendar[-1].id,
        )
        .values_list("sku_id", "fiscal_week_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    sku_item = dict(skus)
    sold = pd.DataFrame(sales, columns=["size_id", "week", "y"])
    # One zero row per SKU in the first week keeps unsold sizes in the curve.
    unsold = pd.DataFrame({"size_id": [sku for sku, _ in skus], "week": calendar[0].id, "y": 0})
    frame = (
        pd.concat([sold, unsold], ignore_index=True).groupby(["size_id", "week"], as_index=False)["y"].sum()
    )
    frame["unique_id"] = frame["size_id"].map(sku_item)
    frame["ds"] = frame["week"].map(starts)
    return frame[["unique_id", "size_id", "ds", "y"]]


def runs_visible_to(user: object) -> QuerySet[ForecastRun]:
    return ForecastRun.objects.select_related("as_of_week", "created_by").prefetch_related("departments")


def latest_run_for(style_color: StyleColor) -> ForecastRun | None:
    """Newest finished run that forecast this style-color."""
    return (
        ForecastRun.objects.filter(fits__style_color=style_color, status__in=ForecastRun.FINISHED)
        .order_by("-as_of_week_id", "-created_at")
        .first()
    )


def forecast_rows(run: ForecastRun, style_color_id: int) -> list[StyleColorForecast]:
    return list(
        StyleColorForecast.objects.filter(run=run, style_color_id=style_color_id)
        .select_related("fiscal_week")
        .order_by("fiscal_week_id")
    )


def overrides_for(style_color_id: int, week_ids: list[int]) -> dict[int, ForecastOverride]:
    return {
        override.fiscal_week_id: override
        for override in ForecastOverride.objects.filter(
            style_color_id=style_color_id, fiscal_week_id__in=week_ids
        )
    }


# The audit action of an override set, changed or removed: the event is on the style-color, with
# old/new {"week": id, "units": "12.00" or None} (new also holds the reason, the note is the comment).
OVERRIDE_CHANGE = "forecast.override.change"


def override_changes(
    item_ids: Iterable[int] | QuerySet[Any], *, week_from: int | None = None, week_to: int | None = None
) -> QuerySet[AuditEvent]:
    """The audit trail of the overrides of these style-colors, newest first, by week range."""
    ids = item_ids.values_list("pk", flat=True) if isinstance(item_ids, QuerySet) else list(item_ids)
    changes = audit_for_ids(StyleColor, ids, actions=OVERRIDE_CHANGE)
    if week_from is not None:
        changes = changes.filter(new__week__gte=week_from)
    if week_to is not None:
        changes = changes.filter(new__week__lte=week_to)
    return changes


@dataclass(frozen=True)
class OverrideChangeRow:
    """An override change as the item page lists it."""

    at: datetime
    user: Any
    week: FiscalWeek | None
    old_units: Decimal | None
    new_units: Decimal | None
    reason: str
    note: str


def _units_or_none(values: dict[str, Any] | None) -> Decimal | None:
    units = (values or {}).get("units")
    return None if units is None else Decimal(units)


def override_change_rows(item: StyleColor, limit: int = 20) -> list[OverrideChangeRow]:
    changes = [(change, change.new or {}) for change in override_changes([item.pk])[:limit]]
    weeks = FiscalWeek.objects.in_bulk({new.get("week") for _, new in changes})
    return [
        OverrideChangeRow(
            at=change.at,
            user=change.user,
            week=weeks.get(new.get("week")),
            old_units=_units_or_none(change.old),
            new_units=_units_or_none(new),
            reason=new.get("reason", ""),
            note=change.comment,
        )
        for change, new in changes
    ]
