"""The weekly report's reads for its item lists (best sellers, understocked, overstocked): per
style-color, the week's sales, the recent and season's units sold and the stock at the selling
locations: three aggregate queries, one stock snapshot and one for the items' names."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum

from planning.models import Location, SalesHistory, StockPosition, StyleColor
from reports import figures
from reports.weekly.reads import Calendar


@dataclass(frozen=True)
class ItemSales:
    """Per style-color id; the recent weeks are the last WOS_WEEKS (weeks of supply)."""

    this_week: dict[int, tuple[Decimal, int]]  # sales at retail and units of the report's week
    recent_units: dict[int, int]  # units sold over the recent weeks
    season_units: dict[int, int]  # units sold season to date
    stock: dict[int, int]  # units at the selling locations at the week's end
    info: dict[int, tuple[str, str, str]]  # code, style name, department code
    recent_weeks: int  # how many recent weeks


def item_sales(cal: Calendar) -> ItemSales:
    week = cal.week.pk
    recent = cal.ty[-figures.WOS_WEEKS :]
    selling = ~Q(location__kind=Location.Kind.DC)
    base = SalesHistory.objects.filter(selling)
    this_week = {
        style: (Decimal(sales or 0), int(units or 0))
        for style, sales, units in base.filter(fiscal_week_id=week)
        .values_list("sku__style_color_id")
        .annotate(sales=Sum("retail_value"), units=Sum("units"))
        .order_by()
    }
    recent_units = dict(
        base.filter(fiscal_week_id__in=recent)
        .values_list("sku__style_color_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    season_units = dict(
        base.filter(fiscal_week_id__in=cal.periods["std"])
        .values_list("sku__style_color_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    stock = _stock_by_style(week)
    info = {
        pk: (code, name, dept)
        for pk, code, name, dept in StyleColor.objects.filter(
            pk__in={*this_week, *stock, *recent_units}
        ).values_list("pk", "code", "style__name", "style__subclass__merch_class__department__code")
    }
    return ItemSales(this_week, recent_units, season_units, stock, info, len(recent))


def _stock_by_style(week: int) -> dict[int, int]:
    """Units at the selling locations per style-color at the end of the week: each position's
    latest row at or before it (one grouped query on the unique index)."""
    table = StockPosition._meta.db_table
    sql = f"""
        SELECT k.style_color_id, SUM(p.on_hand)
        FROM (SELECT sku_id, location_id, MAX(fiscal_week_id) AS week FROM {table}
              WHERE fiscal_week_id <= %s GROUP BY sku_id, location_id) m
        JOIN {table} p ON p.sku_id = m.sku_id AND p.location_id = m.location_id AND p.fiscal_week_id = m.week
        JOIN planning_sku k ON k.id = p.sku_id
        JOIN planning_location l ON l.id = p.location_id
        WHERE l.kind <> %s
        GROUP BY k.style_color_id
    """  # noqa: S608 - our table names; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [week, Location.Kind.DC])
        return {int(style): int(units or 0) for style, units in cursor.fetchall()}
