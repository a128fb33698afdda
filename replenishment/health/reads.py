"""The queries behind inventory health: stock, sales and first stock of a department's SKUs by
location, the run's item policies, vendors and the orders stock was received on, revenue, open
arrivals and planned transfers. One (grouped) query each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import F, Max, Min, OuterRef, Q, Subquery, Sum

from otb.models import PurchaseOrder, PurchaseOrderLine
from planning.models import Channel, Location, SalesHistory, Sku, StockPosition
from replenishment.engine.stock_health import SLOW_WINDOW_WEEKS
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem

DEPARTMENT = "sku__style_color__style__subclass__merch_class__department_id"

# The item policy columns the health lists read.
POLICY_COLUMNS = [
    "sku_id", "sku__code", "sku__style_color_id", "sku__style_color__code",
    "sku__style_color__unit_cost", "sku__style_color__lifecycle", "sku__style_color__launch_date",
    "location_id", "location__code", "location__kind", "segment", "demand", "order_up_to", "on_order",
]  # fmt: skip


def stock_on_hand(department_id: int, week_id: int) -> dict[tuple[int, int], int]:
    """On hand per (sku, location) of the department's SKUs at the end of a week (the latest
    stock row at or before it: rows are sparse and carry forward). One query."""
    latest = (
        StockPosition.objects.filter(
            sku_id=OuterRef("sku_id"), location_id=OuterRef("location_id"), fiscal_week_id__lte=week_id
        )
        .order_by("-fiscal_week_id")
        .values("fiscal_week_id")[:1]
    )
    rows = StockPosition.objects.filter(**{DEPARTMENT: department_id}, fiscal_week_id__lte=week_id).filter(
        fiscal_week_id=Subquery(latest)
    )
    return {
        (sku, location): on_hand
        for sku, location, on_hand in rows.values_list("sku_id", "location_id", "on_hand")
    }


def first_stocked(department_id: int, week_id: int) -> dict[tuple[int, int], int]:
    """Per (sku, location): the first week (up to `week_id`) it had stock there. One query."""
    rows = (
        StockPosition.objects.filter(**{DEPARTMENT: department_id}, fiscal_week_id__lte=week_id)
        .filter(on_hand__gt=0)
        .values("sku_id", "location_id")
        .annotate(first=Min("fiscal_week_id"))
        .order_by()
    )
    return {(row["sku_id"], row["location_id"]): row["first"] for row in rows}


def sales_by_location(department_id: int, window: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (sku, location) that sold in the window's weeks (oldest first): (weeks since the last
    sale, 0 = the last week of the window; units in the last 13 weeks). One grouped query."""
    slow = window[-SLOW_WINDOW_WEEKS:]
    rows = (
        SalesHistory.objects.filter(**{DEPARTMENT: department_id}, fiscal_week_id__in=window, units__gt=0)
        .values("sku_id", "location_id")
        .annotate(last_week=Max("fiscal_week_id"), slow_units=Sum("units", filter=Q(fiscal_week_id__in=slow)))
        .order_by()
    )
    position = {week: index for index, week in enumerate(window)}
    return {
        (row["sku_id"], row["location_id"]): (
            len(window) - 1 - position[row["last_week"]],
            row["slow_units"] or 0,
        )
        for row in rows
    }


def location_rows() -> list[tuple[int, str, int | None, int | None]]:
    """Every location as (id, kind, supplied by, channel)."""
    return list(Location.objects.values_list("id", "kind", "supplied_by_id", "channel_id"))


def item_policies(run: ReplenishmentRun, department_id: int) -> list[dict[str, Any]]:
    """The run's item policies of the department (POLICY_COLUMNS), by SKU and location code."""
    return [
        dict(row)
        for row in ItemPolicy.objects.filter(run=run, **{DEPARTMENT: department_id})
        .values(*POLICY_COLUMNS)
        .order_by("sku__code", "location__code")
    ]


def vendor_codes(style_color_ids: set[int]) -> dict[int, str]:
    """Style-color -> the code of the vendor its terms name."""
    return dict(
        VendorItem.objects.filter(style_color__in=style_color_ids).values_list(
            "style_color_id", "vendor__code"
        )
    )


def received_from(department_id: int, sku_ids: set[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """Per (SKU, vendor code): the latest purchase order of the department that received the SKU
    from that vendor, as (order id, number): the order a return to vendor refers to. Two queries."""
    latest = {
        (row["sku_id"], row["order__vendor__code"]): row["latest"]
        for row in PurchaseOrderLine.objects.filter(
            order__department_id=department_id, sku_id__in=sku_ids, received_units__gt=0
        )
        .values("sku_id", "order__vendor__code")
        .annotate(latest=Max("order_id"))
        .order_by()
    }
    numbers = dict(PurchaseOrder.objects.filter(pk__in=set(latest.values())).values_list("pk", "number"))
    return {key: (order, numbers[order]) for key, order in latest.items()}


def revenue_and_cost(department_id: int, week_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Per SKU of the department: (revenue, cost) of its sales in the weeks. One grouped query."""
    return {
        row["sku_id"]: (row["revenue"] or Decimal(0), row["cost"] or Decimal(0))
        for row in SalesHistory.objects.filter(**{DEPARTMENT: department_id}, fiscal_week_id__in=week_ids)
        .values("sku_id")
        .annotate(revenue=Sum("retail_value"), cost=Sum("cost_value"))
        .order_by()
    }


def open_arrivals(department_id: int, week_ids: list[int]) -> list[dict[str, Any]]:
    """Open units of released orders' lines due in the weeks, per SKU and channel of the location
    they arrive at (rows of sku_id, location__channel_id, units)."""
    return list(
        PurchaseOrderLine.objects.filter(
            **{DEPARTMENT: department_id},
            order__status=PurchaseOrder.Status.RELEASED,
            status__in=PurchaseOrderLine.OPEN_STATUSES,
            receipt_week_id__in=week_ids,
        )
        .values("sku_id", "location__channel_id")
        .annotate(units=Sum(F("units") - F("received_units")))
        .order_by()
    )


def planned_transfers(department_id: int) -> list[tuple[int, int, int, int]]:
    """Planned transfers of the department's SKUs: (sku, from location, to location, units)."""
    # allocation depends on otb (orders, the policy matrix): its transfers are read through the
    # app registry so the imports stay one way.
    transfer = apps.get_model("allocation", "Transfer")
    return list(
        transfer.objects.filter(**{DEPARTMENT: department_id}, status="planned")
        .values_list("sku_id", "from_location_id", "to_location_id")
        .annotate(units=Sum("units"))
        .order_by()
    )


def channel_names() -> dict[int, str]:
    return dict(Channel.objects.values_list("id", "name"))


def sku_codes(sku_ids: set[int]) -> dict[int, str]:
    return dict(Sku.objects.filter(id__in=sku_ids).values_list("id", "code"))
