"""Vendor reliability from purchase order history: lead time (mean and spread, in weeks), on-time
share and fill rate. The spread feeds safety stock as sigma_LT."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from core.money import to_cents
from otb.models import PurchaseOrderLine, PurchaseOrderReceipt, Vendor
from replenishment.models import VendorItem

# Fewer receipts than this say too little about a vendor's spread: sigma_LT is then 0 and the
# quoted lead time is used (the page says so).
MIN_RECEIPTS = 3


@dataclass(frozen=True)
class Reliability:
    vendor_id: int
    receipts: int
    lead_time_mean: float | None  # weeks from order to receipt
    lead_time_sd: float | None
    on_time_percent: float | None  # receipts by the end of the expected week
    fill_rate_percent: float | None  # received / ordered on closed lines

    @property
    def is_measured(self) -> bool:
        return self.receipts >= MIN_RECEIPTS


def vendor_reliability(vendor_ids: list[int] | None = None) -> dict[int, Reliability]:
    """Per vendor, from every receipt and every closed line (two grouped reads)."""
    receipts = PurchaseOrderReceipt.objects.all()
    closed = PurchaseOrderLine.objects.filter(
        status__in=[PurchaseOrderLine.Status.RECEIVED, PurchaseOrderLine.Status.CANCELLED],
        ordered_units__gt=0,
    )
    if vendor_ids is not None:
        receipts = receipts.filter(line__order__vendor_id__in=vendor_ids)
        closed = closed.filter(order__vendor_id__in=vendor_ids)
    lead_times: dict[int, list[float]] = defaultdict(list)
    on_time: dict[int, int] = defaultdict(int)
    for vendor, ordered_at, received_on, expected_end in receipts.values_list(
        "line__order__vendor_id", "line__order__created_at", "received_on", "line__receipt_week__end_date"
    ):
        lead_times[vendor].append((received_on - ordered_at.date()).days / 7)
        on_time[vendor] += received_on <= expected_end
    fills = {
        row["order__vendor_id"]: (row["received"] or 0, row["ordered"] or 0)
        for row in closed.values("order__vendor_id").annotate(
            received=Sum("received_units"), ordered=Sum("ordered_units", filter=Q(ordered_units__gt=0))
        )
    }
    vendors = set(lead_times) | set(fills)
    return {
        vendor: _reliability(vendor, lead_times[vendor], on_time[vendor], fills.get(vendor))
        for vendor in vendors
    }


def _reliability(vendor: int, weeks: list[float], on_time: int, fill: tuple[int, int] | None) -> Reliability:
    count = len(weeks)
    return Reliability(
        vendor_id=vendor,
        receipts=count,
        lead_time_mean=round(statistics.fmean(weeks), 2) if weeks else None,
        lead_time_sd=round(statistics.pstdev(weeks), 2) if count >= MIN_RECEIPTS else None,
        on_time_percent=round(100 * on_time / count, 1) if count else None,
        fill_rate_percent=round(100 * fill[0] / fill[1], 1) if fill and fill[1] else None,
    )


def vendor_reliability_rows() -> list[dict[str, Any]]:
    """Every vendor with its measured reliability and its quoted lead time (average of its
    items' terms): three queries."""
    reliability = vendor_reliability()
    quoted: dict[int, list[Decimal]] = {}
    for vendor_id, lead_time in VendorItem.objects.values_list("vendor_id", "lead_time_weeks"):
        quoted.setdefault(vendor_id, []).append(lead_time)
    rows = []
    for vendor in Vendor.objects.order_by("code"):
        measured = reliability.get(vendor.pk)
        weeks = quoted.get(vendor.pk, [])
        rows.append(
            {
                "vendor": vendor,
                "reliability": measured,
                "is_measured": bool(measured and measured.is_measured),
                "quoted_lead_time": to_cents(sum(weeks, Decimal(0)) / len(weeks)) if weeks else None,
                "items": len(weeks),
            }
        )
    return rows
