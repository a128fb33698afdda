"""Vendor terms: managers change them; a negative lead time, an MOQ or multiple of 0 each get a
clear message and nothing is written; every change is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core.audit import audit_for
from core.models import AuditEvent
from otb.models import Vendor
from otb.services import OTBError
from replenishment import terms
from replenishment.models import VendorItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(retailer: dict[str, Any], manager: User, planner: User) -> VendorItem:
    retailer["tops"].planners.add(manager, planner)
    vendor = Vendor.objects.create(code="V1", name="Mill & Co")
    return VendorItem.objects.create(
        vendor=vendor,
        style_color=retailer["style_color"],
        lead_time_weeks=Decimal("4"),
        moq=24,
        order_multiple=12,
    )


def test_bad_terms_are_refused_field_by_field(item: VendorItem, manager: User) -> None:
    bad = {"lead_time_weeks": Decimal("-1"), "moq": 0, "order_multiple": 0, "holding_rate": Decimal("2")}
    with pytest.raises(terms.TermsError) as refused:
        terms.vendor_item_update(user=manager, item_id=item.pk, values=bad)

    assert refused.value.problems == {
        "lead_time_weeks": "Lead time cannot be negative: give weeks, 0 or more.",
        "moq": "MOQ must be a whole number of units, at least 1.",
        "order_multiple": "Order multiple must be a whole number of units, at least 1.",
        "holding_rate": "Holding rate is a share of unit cost a year: 0.25 is 25%.",
    }
    item.refresh_from_db()
    assert (item.lead_time_weeks, item.moq, item.order_multiple) == (Decimal("4.00"), 24, 12)
    assert not AuditEvent.objects.exists()


def test_a_manager_changes_terms_and_the_change_is_audited(item: VendorItem, manager: User) -> None:
    changed = terms.vendor_item_update(
        user=manager, item_id=item.pk, values={"lead_time_weeks": Decimal("6"), "moq": 36}
    )

    assert (changed.lead_time_weeks, changed.moq) == (Decimal("6"), 36)
    decision = audit_for(item).get()
    assert decision.comment == "lead_time_weeks 4.00 -> 6; moq 24 -> 36"
    assert (decision.action, decision.old, decision.new) == (
        "vendor_item.change",
        {"lead_time_weeks": "4.00", "moq": 24},
        {"lead_time_weeks": "6", "moq": 36},
    )
    assert decision.user == manager


def test_planners_do_not_change_terms(item: VendorItem, planner: User) -> None:
    with pytest.raises(OTBError, match="Only managers and admins"):
        terms.vendor_item_update(user=planner, item_id=item.pk, values={"moq": 48})


def test_the_api_answers_each_bad_field_and_reads_terms(
    client: Client, item: VendorItem, manager: User
) -> None:
    client.force_login(manager)
    url = f"/api/v1/otb/vendor-items/{item.pk}/"

    bad = client.patch(url, {"lead_time_weeks": "-2", "moq": 0}, content_type="application/json")
    good = client.patch(url, {"order_multiple": 6}, content_type="application/json")
    listed = client.get("/api/v1/otb/vendor-items/?vendor=v1")
    missing = client.patch("/api/v1/otb/vendor-items/999999/", {"moq": 1}, content_type="application/json")

    assert bad.status_code == 400
    assert bad.json()["moq"] == "MOQ must be a whole number of units, at least 1."
    assert "negative" in bad.json()["lead_time_weeks"]
    assert good.status_code == 200
    assert good.json()["order_multiple"] == 6
    assert [row["style_color"] for row in listed.json()] == ["ST-1-BLK"]
    assert listed.json()[0]["moq"] == 24
    assert missing.status_code == 404
