"""Demo replenishment: every style-color of the demo plan's department still sold (not exited,
not discontinued) gets a vendor with terms, the DC a weekly receiving capacity, and the vendors
a year of received purchase orders of items they supply (the history behind their reliability).

Which vendor supplies which style-color is `demo_suppliers`: the vendors in turn over the
colors in id order. The OTB demo (`otb.demo`) places its open orders with the same vendors, so
every demo order line's item is supplied by its order's vendor and the replenishment review
applies that vendor's MOQ and order multiple."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.weeks import month_key
from otb import ledger, open_to_buy
from otb.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderReceipt, Vendor
from planning import clock
from planning.models import FiscalWeek, Location, Sku, StyleColor
from replenishment.models import ReceivingCapacity, VendorItem

# Quoted lead time (weeks) and how late each vendor tends to be: (mean delay, spread) in days.
TERMS = {"V-ATL": (Decimal("4"), (2, 4)), "V-BRK": (Decimal("6"), (6, 8)), "V-CDR": (Decimal("3"), (0, 2))}
HISTORY_ORDERS = 12


def demo_colors(department_id: int) -> list[StyleColor]:
    """The department's style-colors the demo buys, in id order: neither discontinued nor exited
    (an exit date before today). Exited items get no vendor terms and no orders."""
    return list(
        StyleColor.objects.filter(style__subclass__merch_class__department_id=department_id)
        .exclude(lifecycle=StyleColor.Lifecycle.DISCONTINUED)
        .exclude(exit_date__lt=clock.today())
        .order_by("pk")
    )


def demo_suppliers(colors: list[StyleColor], codes: list[str]) -> dict[int, str]:
    """Style-color id -> the code of the vendor that supplies it: `codes` in turn over `colors`.
    Colors 1, 2, 3, 4 with V-ATL, V-BRK, V-CDR: V-ATL, V-BRK, V-CDR, V-ATL."""
    return {color.pk: codes[index % len(codes)] for index, color in enumerate(colors)} if codes else {}


@transaction.atomic
def replenishment_demo_create(*, department_id: int, seed: int = 42) -> str:
    vendors = {vendor.code: vendor for vendor in Vendor.objects.filter(code__in=TERMS)}
    if not vendors or VendorItem.objects.exists():
        return "Replenishment demo: nothing to do."
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    colors = demo_colors(department_id)
    suppliers = demo_suppliers(colors, sorted(vendors))
    VendorItem.objects.bulk_create(
        VendorItem(
            vendor=vendors[code], style_color=color, lead_time_weeks=TERMS[code][0],
            moq=rng.choice([12, 24, 48]), order_multiple=rng.choice([6, 12]), order_cost=Decimal("75.00"),
            holding_rate=Decimal("0.250"),
        )
        for color in colors
        for code in [suppliers[color.pk]]
    )  # fmt: skip
    dc = Location.objects.filter(kind=Location.Kind.DC).order_by("code").first()
    if dc is None:
        return "Replenishment demo: no DC."
    ReceivingCapacity.objects.get_or_create(location=dc, defaults={"units_per_week": 6000})
    created = _history(vendors, colors, suppliers, dc, rng)
    return f"Replenishment demo: {len(colors)} items with vendor terms, {created} received orders of history."


def _history(
    vendors: dict[str, Vendor],
    colors: list[StyleColor],
    suppliers: dict[int, str],
    dc: Location,
    rng: random.Random,
) -> int:
    """Past orders of items each vendor supplies, received late or on time as the vendor tends
    to: created a lead time (plus its delay) before their receipt, all received."""
    user = User.objects.filter(username="planner").first() or User.objects.order_by("pk").first()
    if user is None or not colors:
        return 0
    today = clock.today()
    weeks = list(FiscalWeek.objects.filter(end_date__lt=today).order_by("-start_date")[4:52])
    created = 0
    departments: set[int] = set()
    for code, vendor in vendors.items():
        quoted, (low, high) = TERMS[code]
        supplied = [color for color in colors if suppliers.get(color.pk) == code]
        if not supplied:
            continue
        for number in range(HISTORY_ORDERS):
            week = rng.choice(weeks)
            color = rng.choice(supplied)
            sku = Sku.objects.filter(style_color=color).order_by("pk").first()
            if sku is None:
                continue
            received_on = (
                week.end_date - timedelta(days=rng.randint(0, 6)) + timedelta(days=rng.randint(low, high))
            )
            department = color.style.subclass.merch_class.department_id
            order = PurchaseOrder.objects.create(
                number=f"PO-HIST-{code}-{number:02d}", vendor=vendor, department_id=department,
                status=PurchaseOrder.Status.RELEASED, created_by=user,
            )  # fmt: skip
            # auto_now_add: set the order date after the insert.
            ordered_on = received_on - timedelta(days=int(quoted * 7) + rng.randint(low, high))
            PurchaseOrder.objects.filter(pk=order.pk).update(
                created_at=timezone.make_aware(datetime.combine(ordered_on, time.min))
            )
            units = rng.choice([48, 96, 144])
            received = units if rng.random() > 0.15 else units - 12
            line = PurchaseOrderLine.objects.create(
                order=order, sku=sku, location=dc, units=received, ordered_units=units,
                received_units=received, unit_cost=color.unit_cost, unit_retail=color.retail_price,
                receipt_week=week, month_key=month_key(week.year, week.month),
                status=PurchaseOrderLine.Status.RECEIVED,
            )  # fmt: skip
            # Received orders stay committed against their month, as if placed through the check.
            ledger.commit(department, {line.month_key: received * color.retail_price})
            PurchaseOrderReceipt.objects.create(line=line, units=received, received_on=received_on, user=user)
            departments.add(department)
            created += 1
    open_to_buy.orders_changed(sorted(departments))  # the plans' received follow the history
    return created
