"""Actuals for a plan's scope from sales history and stock: per class x fiscal week, in one
aggregate query for sales and one pandas pass for stock (sparse positions carried forward)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import F, Q, Sum

from planning.models import Location, Plan, SalesHistory, StockPosition


@dataclass(frozen=True)
class Actuals:
    """Arrays (classes x weeks) in the order of `class_ids` and `week_ids`; money at retail."""

    class_ids: list[int]
    week_ids: list[int | None]
    sales: np.ndarray
    units: np.ndarray
    markdowns: np.ndarray
    eop: np.ndarray  # stock at retail at the end of each week
    opening: np.ndarray  # stock at retail before the first week, per class


def _location_filter(plan: Plan, prefix: str = "location__") -> Q:
    if plan.region_id:
        return Q(**{f"{prefix}region_id": plan.region_id})
    if plan.channel_id:
        return Q(**{f"{prefix}channel_id": plan.channel_id})
    return ~Q(**{f"{prefix}kind": Location.Kind.DC})  # total company: every selling location


def actuals(plan: Plan, class_ids: list[int], week_ids: list[int | None]) -> Actuals:
    """Sales, units, markdowns and end-of-week stock for the classes and weeks (None: no week,
    e.g. week 53 against a 52-week last year: zeros)."""
    shape = (len(class_ids), len(week_ids))
    row_of = {class_id: i for i, class_id in enumerate(class_ids)}
    column_of = {week: j for j, week in enumerate(week_ids) if week is not None}
    real_weeks = [week for week in week_ids if week is not None]
    sales, units, markdowns = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    class_path = "sku__style_color__style__subclass__merch_class_id"
    rows = (
        SalesHistory.objects.filter(_location_filter(plan), fiscal_week_id__in=real_weeks)
        .filter(**{f"{class_path}__in": class_ids})
        .values_list(class_path, "fiscal_week_id")
        .annotate(units=Sum("units"), retail=Sum("retail_value"), markdown=Sum("markdown_value"))
    )
    for class_id, week_id, unit_sum, retail, markdown in rows:
        i, j = row_of[class_id], column_of[week_id]
        sales[i, j], units[i, j], markdowns[i, j] = float(retail), unit_sum, float(markdown)
    eop, opening = _stock(plan, class_ids, week_ids)
    return Actuals(class_ids, week_ids, sales, units, markdowns, eop, opening)


def _stock(plan: Plan, class_ids: list[int], week_ids: list[int | None]) -> tuple[np.ndarray, np.ndarray]:
    """Stock at retail per class at the end of each week, and before the first week."""
    real_weeks = [week for week in week_ids if week is not None]
    shape = (len(class_ids), len(week_ids))
    if not real_weeks:
        return np.zeros(shape), np.zeros(len(class_ids))
    first, last = min(real_weeks), max(real_weeks)
    class_path = "sku__style_color__style__subclass__merch_class_id"
    frame = pd.DataFrame.from_records(
        StockPosition.objects.filter(_location_filter(plan), fiscal_week_id__lte=last)
        .filter(**{f"{class_path}__in": class_ids})
        .annotate(merch_class=F(class_path), price=F("sku__style_color__retail_price"))
        .values_list("sku_id", "location_id", "merch_class", "fiscal_week_id", "on_hand", "price"),
        columns=["sku", "location", "merch_class", "week", "on_hand", "price"],
    )
    if frame.empty:
        return np.zeros(shape), np.zeros(len(class_ids))
    frame["value"] = frame["on_hand"].astype(float) * frame["price"].astype(float)
    # Positions are sparse (a row when they changed): carry each pair's last value forward.
    wanted = sorted({*real_weeks, _week_before(first, frame)})
    grid = (
        frame.pivot_table(
            index=["sku", "location", "merch_class"], columns="week", values="value", aggfunc="last"
        )
        .reindex(columns=sorted({*frame["week"].unique(), *wanted}))
        .ffill(axis=1)
        .fillna(0.0)[wanted]
    )
    by_class = grid.groupby(level="merch_class").sum().reindex(class_ids, fill_value=0.0)
    eop = np.zeros(shape)
    for j, week in enumerate(week_ids):
        if week is not None:
            eop[:, j] = by_class[week].to_numpy()
    before = _week_before(first, frame)
    # No position before the first week: nothing on hand yet (not the first week's closing stock).
    opening = (
        by_class[before].to_numpy()
        if before < first and before in by_class.columns
        else np.zeros(len(class_ids))
    )
    return eop, opening


def _week_before(first: int, frame: pd.DataFrame) -> int:
    """The latest stock week before `first` that has data (the plan's opening position)."""
    earlier = frame.loc[frame["week"] < first, "week"]
    return int(earlier.max()) if not earlier.empty else first
