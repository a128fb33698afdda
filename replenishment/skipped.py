"""Reads of a run's skipped orders: SKU-locations that needed stock but whose vendor minimum is
far above what they need (`runs.MAX_MOQ_TO_ORDER_UP_TO`), so the run suggested nothing. The
worksheet lists them apart from the suggestions, each with what it would have ordered, when,
and why not. Three queries (count, rows, vendors)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from planning.models import Department
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem

SKIPPED_SHOWN = 200
_DEPARTMENT = "sku__style_color__style__subclass__merch_class__department"


@dataclass(frozen=True)
class SkippedLine:
    sku: str
    location: str
    department: str
    vendor: str
    order_week: str  # the week it would have been placed, "FY2026 W46"
    units: int  # what it would have ordered (the MOQ, or more)
    reorder_point: int
    order_up_to: int
    on_hand: int
    on_order: int
    reason: str


def skipped_lines(
    user: User,
    run: ReplenishmentRun,
    *,
    department: Department | None = None,
    vendor_id: int | None = None,
    limit: int | None = SKIPPED_SHOWN,
) -> tuple[list[SkippedLine], int]:
    """(up to `limit` (None: all) skipped lines of the run in the user's departments, by SKU and
    location; how many there are in all), filtered like the worksheet (department, vendor)."""
    rows = ItemPolicy.objects.filter(
        run=run, skipped_units__gt=0, **{f"{_DEPARTMENT}__in": Department.objects.visible_to(user)}
    )
    if department is not None:
        rows = rows.filter(**{_DEPARTMENT: department})
    if vendor_id is not None:
        rows = rows.filter(
            sku__style_color_id__in=VendorItem.objects.filter(vendor_id=vendor_id).values("style_color_id")
        )
    count = rows.count()
    if not count:
        return [], 0
    shown = list(
        rows.values_list(
            "sku__code", "location__code", f"{_DEPARTMENT}__code", "sku__style_color_id",
            "skipped_week__year", "skipped_week__week", "skipped_units", "reorder_point", "order_up_to",
            "on_hand", "on_order", "skip_reason",
        )
        .order_by("sku__code", "location__code")[:limit]
    )  # fmt: skip
    vendors = dict(
        VendorItem.objects.filter(style_color_id__in={row[3] for row in shown}).values_list(
            "style_color_id", "vendor__code"
        )
    )
    return [
        SkippedLine(
            sku=sku,
            location=location,
            department=department_code,
            vendor=vendors.get(style_color, ""),
            order_week=f"FY{year} W{week:02d}" if year else "",
            units=units,
            reorder_point=round(reorder_point),
            order_up_to=round(order_up_to),
            on_hand=on_hand,
            on_order=on_order,
            reason=reason,
        )
        for (
            sku, location, department_code, style_color, year, week, units, reorder_point, order_up_to,
            on_hand, on_order, reason,
        ) in shown
    ], count  # fmt: skip
