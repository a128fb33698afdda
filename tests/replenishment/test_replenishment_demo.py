"""The demo's vendor terms and receipt history, and the vendor reliability they give."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from otb import ledger
from otb.models import PurchaseOrderLine, PurchaseOrderReceipt, Vendor
from planning import clock
from planning.models import Sku, StyleColor
from replenishment.demo import HISTORY_ORDERS, demo_colors, demo_suppliers, replenishment_demo_create
from replenishment.models import ReceivingCapacity, VendorItem
from replenishment.reliability import vendor_reliability
from tests.conftest import on_days

pytestmark = pytest.mark.django_db


def _color(retailer: dict[str, Any], code: str, **fields: Any) -> StyleColor:
    color = StyleColor.objects.create(
        style=retailer["style_color"].style, code=f"ST-1-{code}", color_code=code, color_name=code,
        retail_price=Decimal("24.00"), unit_cost=Decimal("9.60"), **fields,
    )  # fmt: skip
    Sku.objects.create(style_color=color, code=f"ST-1-{code}-M", size="M")
    return color


def test_demo_suppliers_take_the_vendors_in_turn(retailer: dict[str, Any]) -> None:
    colors = [retailer["style_color"], *(_color(retailer, code) for code in ("RED", "BLU", "GRN"))]
    suppliers = demo_suppliers(colors, ["V-ATL", "V-BRK", "V-CDR"])
    # 4 colors in id order, 3 vendors in turn: ATL, BRK, CDR, ATL.
    assert [suppliers[color.pk] for color in colors] == ["V-ATL", "V-BRK", "V-CDR", "V-ATL"]
    assert demo_suppliers(colors, []) == {}


@on_days
def test_demo_terms_history_and_reliability(retailer: dict[str, Any], planner: User) -> None:
    """Tops has BLK (the fixture's), RED, BLU (still sold), OLD (exited yesterday) and DIS
    (discontinued): the three sold get terms, one a vendor (by id: BLK V-ATL, RED V-BRK, BLU
    V-CDR); OLD and DIS get none. Each vendor's 12 orders of history buy only its own color."""
    for code in ("V-ATL", "V-BRK", "V-CDR"):
        Vendor.objects.create(code=code, name=code)
    yesterday = clock.today() - timedelta(days=1)
    red, blue = _color(retailer, "RED"), _color(retailer, "BLU")
    _color(retailer, "OLD", exit_date=yesterday)
    _color(retailer, "DIS", lifecycle=StyleColor.Lifecycle.DISCONTINUED)
    assert [color.code for color in demo_colors(retailer["tops"].pk)] == ["ST-1-BLK", "ST-1-RED", "ST-1-BLU"]

    message = replenishment_demo_create(department_id=retailer["tops"].pk)

    assert "3 items with vendor terms" in message
    terms = dict(VendorItem.objects.values_list("style_color__code", "vendor__code"))
    assert terms == {"ST-1-BLK": "V-ATL", "ST-1-RED": "V-BRK", "ST-1-BLU": "V-CDR"}
    assert {item.lead_time_weeks for item in VendorItem.objects.all()} == {
        Decimal("4"),
        Decimal("6"),
        Decimal("3"),
    }
    # Every history line's item is supplied by its order's vendor: 12 orders each.
    lines = PurchaseOrderLine.objects.values_list("order__vendor__code", "sku__style_color_id")
    assert Counter(vendor for vendor, _ in lines) == {"V-ATL": 12, "V-BRK": 12, "V-CDR": 12}
    assert {(vendor, color) for vendor, color in lines} == {
        ("V-ATL", retailer["style_color"].pk),
        ("V-BRK", red.pk),
        ("V-CDR", blue.pk),
    }
    assert ReceivingCapacity.objects.get().units_per_week == 6000
    assert PurchaseOrderReceipt.objects.count() == 3 * HISTORY_ORDERS
    found = vendor_reliability()
    careful = found[Vendor.objects.get(code="V-CDR").pk]
    late = found[Vendor.objects.get(code="V-BRK").pk]
    assert careful.is_measured
    assert careful.receipts == HISTORY_ORDERS
    # V-BRK quotes 6 weeks and ships 6-8 days late on top: its measured lead time is longer.
    assert late.lead_time_mean is not None
    assert late.lead_time_mean > 6.5
    assert late.on_time_percent is not None
    assert careful.on_time_percent is not None
    assert late.on_time_percent < careful.on_time_percent
    assert careful.fill_rate_percent is not None
    assert 80 <= careful.fill_rate_percent <= 100
    # The history is committed against its months like any released order.
    department = retailer["tops"].pk
    months = sorted({receipt.line.month_key for receipt in PurchaseOrderReceipt.objects.all()})
    assert ledger.committed(department, months) == ledger.committed_from_lines(department, months)
