"""The demo's vendor terms and receipt history, and the vendor reliability they give."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from otb import ledger
from otb.models import PurchaseOrderReceipt, ReceivingCapacity, Vendor, VendorItem
from otb.replenishment.demo import HISTORY_ORDERS, replenishment_demo_create
from otb.replenishment.reliability import vendor_reliability

pytestmark = pytest.mark.django_db


def test_demo_terms_history_and_reliability(retailer: dict[str, Any], planner: User) -> None:
    for code in ("V-ATL", "V-BRK", "V-CDR"):
        Vendor.objects.create(code=code, name=code)

    message = replenishment_demo_create(department_id=retailer["tops"].pk)

    assert "1 items with vendor terms" in message
    assert VendorItem.objects.get().lead_time_weeks > 0
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
