"""The weekly report's sections beside its rows, put together from their reads: open to buy of
the coming months, the item lists (best sellers, understocked, overstocked) and forecast
accuracy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.money import to_cents
from forecasting import accuracy
from otb.services import month_label
from planning.engine import rounding
from planning.models import FiscalWeek
from reports import figures
from reports.report_types import AccuracyWeek, ItemRow, OTBMonth
from reports.weekly.item_reads import ItemSales, item_sales
from reports.weekly.reads import Calendar, accuracy_lookback, coming_otb

LIST_LENGTH = 10
UNDERSTOCKED_WOS = 2.0
OVERSTOCKED_WOS = 26.0


# -- open to buy -----------------------------------------------------------------------------------


def otb_months(week: FiscalWeek, department_ids: list[int]) -> list[OTBMonth]:
    """The month of the week after the report's and the next ones: company totals."""
    coming = coming_otb(week, department_ids)
    months = []
    for key in coming.month_keys:
        cells = [cell for (dept, month), cell in coming.cells.items() if month == key]
        budget = (
            sum((cell.budget_retail for cell in cells), Decimal("0.00")) if key in coming.budgeted else None
        )
        months.append(
            OTBMonth(
                key=key,
                label=month_label(key),
                budget=budget,
                received=sum((cell.received_retail for cell in cells), Decimal("0.00")),
                on_order=sum((cell.on_order_retail for cell in cells), Decimal("0.00")),
                left=sum((cell.otb_retail for cell in cells), Decimal("0.00")),
            )
        )
    return months


# -- the item lists --------------------------------------------------------------------------------


def item_lists(cal: Calendar) -> dict[str, list[ItemRow]]:
    """Best sellers of the week; understocked (fast sellers under UNDERSTOCKED_WOS weeks of
    supply) and overstocked (over OVERSTOCKED_WOS weeks, or stock that did not sell in the recent
    weeks) style-colors, from `item_sales`."""
    sold = item_sales(cal)
    return {
        "best_sellers": _best_sellers(sold),
        "understocked": _understocked(sold),
        "overstocked": _overstocked(sold),
    }


def _item(sold: ItemSales, style: int, reason: str) -> ItemRow:
    code, name, dept = sold.info[style]
    sales, units = sold.this_week.get(style, (Decimal("0.00"), 0))
    on_hand = sold.stock.get(style, 0)
    season_units = sold.season_units.get(style, 0)
    return ItemRow(
        code=code,
        name=name,
        department=dept,
        sales=to_cents(sales),
        units=units,
        stock_units=on_hand,
        wos=figures.weeks_of_supply_of(on_hand, sold.recent_units.get(style, 0), sold.recent_weeks),
        # units: sold / (sold + on hand), the stock that was available (no receipts recorded)
        sell_through=figures.sell_through_of_available(season_units, 0.0, on_hand),
        reason=reason,
    )


def _best_sellers(sold: ItemSales) -> list[ItemRow]:
    this_week = sold.this_week
    best = sorted(this_week, key=lambda style: (-this_week[style][0], sold.info[style][0]))[:LIST_LENGTH]
    return [
        _item(sold, style, f"{this_week[style][1]:,} units for {this_week[style][0]:,.2f} this week")
        for style in best
    ]


def _understocked(sold: ItemSales) -> list[ItemRow]:
    weeks = sold.recent_weeks
    under: list[tuple[float, int]] = []
    for style, units in sold.recent_units.items():
        weekly = units / weeks
        cover = figures.weeks_of_supply_of(sold.stock.get(style, 0), units, weeks)
        if cover is not None and cover < UNDERSTOCKED_WOS and weekly >= 5:
            under.append((cover, style))
    return [
        _item(
            sold,
            style,
            (f"{_shown(cover)} weeks of supply" if cover else "out of stock at the stores")
            + f", selling {_shown(sold.recent_units[style] / weeks, 0)} a week (last {weeks} weeks)",
        )
        for cover, style in sorted(under)[:LIST_LENGTH]
    ]


def _overstocked(sold: ItemSales) -> list[ItemRow]:
    weeks, stock = sold.recent_weeks, sold.stock
    over: list[tuple[float, int]] = []
    for style, on_hand in stock.items():
        cover = figures.weeks_of_supply_of(on_hand, sold.recent_units.get(style, 0), weeks)
        if on_hand > 0 and (cover is None or cover > OVERSTOCKED_WOS):
            over.append((-on_hand, style))
    over_rows = []
    for _, style in sorted(over)[:LIST_LENGTH]:
        weekly = sold.recent_units.get(style, 0) / weeks
        reason = (
            f"{stock[style]:,} units and no sale in {weeks} weeks"
            if not weekly
            else f"{_shown(stock[style] / weekly, 0)} weeks of supply ({stock[style]:,} units,"
            f" {_shown(weekly)} a week)"
        )
        over_rows.append(_item(sold, style, reason))
    return over_rows


def _shown(value: float, places: int = 1) -> str:
    """A ratio in a sentence, rounded half up as the tables round it: 2.25 -> 2.3."""
    return f"{rounding.shown_ratio(value, places):,}"


# -- forecast accuracy -----------------------------------------------------------------------------


def forecast_accuracy(week: FiscalWeek, department_ids: list[int], notes: list[str]) -> list[AccuracyWeek]:
    weeks, frame = accuracy_lookback(week, department_ids)
    if frame.empty:
        notes.append(
            "No week-ahead forecast covers these weeks yet: forecast accuracy starts after forecast runs."
        )
        return []
    table = accuracy.summary(frame, ["week_id"])
    by_week = {int(row["week_id"]): row for row in table.to_dict("records")}
    labels = {w.pk: f"W{w.week:02d}" for w in weeks}
    return [
        AccuracyWeek(
            week_id=w.pk,
            label=labels[w.pk],
            wmape=_float(by_week[w.pk]["final_wmape"]) if w.pk in by_week else None,
            bias=_float(by_week[w.pk]["final_bias"]) if w.pk in by_week else None,
        )
        for w in weeks
    ]


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN -> None
