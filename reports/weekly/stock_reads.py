"""The weekly report's reads of stock: the sparse stock positions as a running total of their
changes (one scan for every week's stock, at the selling locations and owned), and the
corrections that value each week's stock at the retail price in effect that week."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import connection

from otb.models import PriceChange
from planning.models import Location, StockPosition, StyleColor, Subclass
from reports import figures
from reports.weekly.reads import Hierarchy, by_report_key

STOCK_COLUMNS = ["eop", "eop_cost", "eop_units", "owned", "owned_cost"]


def _position_changes(columns: str, group: str, where: str = "") -> str:
    """SQL over every stock position up to a week (parameters: the DC kind, the week): each
    position's change since its previous row, `selling` (on hand at a store or the web shop)
    and `owned` (on hand and in transit anywhere), summed per `group` with `columns` (`d`: the
    changes, `k`: the SKU, `c`: its style-color, `st`: its style)."""
    table = StockPosition._meta.db_table
    window = "OVER (PARTITION BY p.sku_id, p.location_id ORDER BY p.fiscal_week_id)"
    return f"""
        SELECT {columns}
        FROM (
            SELECT p.fiscal_week_id, p.sku_id, l.channel_id,
                   CASE WHEN l.kind <> %s
                        THEN p.on_hand - COALESCE(LAG(p.on_hand) {window}, 0) ELSE 0 END AS selling,
                   p.on_hand + p.in_transit - COALESCE(LAG(p.on_hand + p.in_transit) {window}, 0) AS owned
            FROM {table} p
            JOIN planning_location l ON l.id = p.location_id
            WHERE p.fiscal_week_id <= %s {where}
        ) d
        JOIN planning_sku k ON k.id = d.sku_id
        JOIN planning_stylecolor c ON c.id = k.style_color_id
        JOIN planning_style st ON st.id = c.style_id
        WHERE d.selling <> 0 OR d.owned <> 0
        GROUP BY {group}
    """  # noqa: S608 - table names are ours; values are parameters


def stock_changes(up_to: int, tree: Hierarchy) -> pd.DataFrame:
    """Per report key and week: the change of the stock at the selling locations (at retail, at
    cost and in units) and of the total owned stock (every location's on hand and in transit, at
    retail and at cost), each position's value less its previous one: one scan of the positions.
    Retail at today's price; `price_corrections` puts each week at the price of its own week."""
    sql = _position_changes(
        "d.fiscal_week_id, st.subclass_id, d.channel_id,"
        " SUM(d.selling * c.retail_price), SUM(d.selling * c.unit_cost), SUM(d.selling),"
        " SUM(d.owned * c.retail_price), SUM(d.owned * c.unit_cost)",
        "d.fiscal_week_id, st.subclass_id, d.channel_id",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Location.Kind.DC, up_to])
        raw = cursor.fetchall()
    subclass_class = dict(_subclasses())
    rows = [(week, subclass_class.get(sub), channel, *values) for week, sub, channel, *values in raw]
    return by_report_key(rows, STOCK_COLUMNS, tree)


def prices_in_effect(history: list[tuple[int, Decimal, Decimal]], weeks: list[int]) -> list[Decimal]:
    """An item's retail price in each week from its price changes (effective week, old price,
    new price; oldest first): the new price of the latest change effective by the week, the
    old price of the first change before it. 24.00 -> 18.00 from W46: W44 24.00, W46 18.00."""
    starts = [week for week, _, _ in history]
    prices = []
    for week in weeks:
        latest = bisect_right(starts, week)
        prices.append(history[latest - 1][2] if latest else history[0][1])
    return prices


def price_corrections(weeks: list[int], up_to: int, tree: Hierarchy) -> pd.DataFrame:
    """Per report key and wanted week: what valuing the week's stock at the retail price in effect
    that week (`prices_in_effect`), rather than today's, adds: positive for a markdown approved
    since, negative for a price raised since. Items without a price change are at today's price
    already. Columns eop (selling locations) and owned. One scan of the changed items' positions,
    summed per item and channel before pricing.

    E.g. an item at 24.00 marked down to 18.00 from W46 (retail price 18.00 now): 7 units held at
    the end of W44 add 7 x (24.00 - 18.00) = 42.00 to W44, nothing to W46."""
    changes: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    for item, week, old, new in PriceChange.objects.order_by("effective_week_id", "id").values_list(
        "style_color_id", "effective_week_id", "old_price", "new_price"
    ):
        changes[item].append((week, old, new))
    if not changes or not weeks:
        return _no_corrections()
    items = {
        pk: (price, merch_class)
        for pk, price, merch_class in StyleColor.objects.filter(pk__in=list(changes)).values_list(
            "pk", "retail_price", "style__subclass__merch_class_id"
        )
    }
    # Per (item, channel): the change of its units, selling and owned, week by week.
    changed = f"SELECT style_color_id FROM {PriceChange._meta.db_table}"  # noqa: S608 - our table
    changed_skus = f"SELECT id FROM planning_sku WHERE style_color_id IN ({changed})"  # noqa: S608
    sql = _position_changes(
        "d.fiscal_week_id, c.id, d.channel_id, SUM(d.selling), SUM(d.owned)",
        "d.fiscal_week_id, c.id, d.channel_id",
        where=f"AND p.sku_id IN ({changed_skus})",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Location.Kind.DC, up_to])
        raw = cursor.fetchall()
    if not raw:
        return _no_corrections()
    places = sorted({(item, channel) for _, item, channel, _, _ in raw}, key=lambda p: (p[0], p[1] or 0))
    index = {place: number for number, place in enumerate(places)}
    deltas = pd.DataFrame(
        [
            (index[item, channel], week, float(selling), float(owned))
            for week, item, channel, selling, owned in raw
        ],
        columns=["key", "week", "selling", "owned"],
    )
    units = figures.stock_series(deltas, weeks)  # units held at each wanted week's end
    price_gap = {
        item: [float(price - items[item][0]) for price in prices_in_effect(changes[item], weeks)]
        for item in {item for item, _ in places}
    }
    week_at = {week: position for position, week in enumerate(weeks)}
    rows: list[tuple[Any, ...]] = []
    for (number, week), selling, owned in zip(
        units.index, units["selling"].to_numpy(), units["owned"].to_numpy(), strict=True
    ):
        item, channel = places[number]
        gap = price_gap[item][week_at[week]]
        if gap and (selling or owned):
            rows.append((week, items[item][1], channel, selling * gap, owned * gap))
    frame = by_report_key(rows, ["eop", "owned"], tree)
    return frame.groupby(["key", "week"])[["eop", "owned"]].sum() if not frame.empty else _no_corrections()


def _no_corrections() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([], names=["key", "week"])
    return pd.DataFrame({"eop": pd.Series(dtype=float), "owned": pd.Series(dtype=float)}, index=index)


def valued_at_their_prices(stock: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """The stock series with each week's retail values at that week's prices."""
    if corrections.empty:
        return stock
    return stock.add(corrections, fill_value=0.0).fillna(0.0)


def _subclasses() -> list[tuple[int, int]]:
    return list(Subclass.objects.values_list("pk", "merch_class_id"))
