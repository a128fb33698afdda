"""The demo retailer's open-to-buy: an approved budget, orders within it, one over it waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from otb import selectors
from otb.demo import otb_demo_create
from otb.models import OTBBudget, OTBException, PurchaseOrder, PurchaseOrderLine, VendorItem
from otb.replenishment.demo import replenishment_demo_create
from planning import calendar
from planning.demo.loader import demo_load
from planning.models import StyleColor

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_budget_orders_within_it_and_one_exception(
    django_capture_on_commit_callbacks: object,
) -> None:
    demo_load(size="small", seed=5, through=calendar.fiscal_week_of(timezone.localdate() - timedelta(days=7)))

    message = otb_demo_create(seed=1)

    budget = OTBBudget.objects.get()
    assert budget.status == OTBBudget.Status.APPROVED
    released = PurchaseOrder.objects.filter(status=PurchaseOrder.Status.RELEASED)
    assert released.count() >= 1
    assert PurchaseOrder.objects.get(number="PO-DEMO-OVER").status == PurchaseOrder.Status.AWAITING_APPROVAL
    assert OTBException.objects.filter(status=OTBException.Status.PENDING).count() >= 1
    months = sorted(budget.months.values_list("month_key", flat=True))
    rows = selectors.otb_rows(budget.department_id, months)
    assert sum(row.on_order_retail for row in rows) > 0
    assert all(row.otb_retail >= 0 for row in rows)  # released orders stayed within the budget
    assert message.startswith("OTB demo: budget of")
    assert otb_demo_create(seed=1) == "OTB demo data exists already."


def test_demo_orders_buy_only_what_their_vendor_supplies(django_capture_on_commit_callbacks: object) -> None:
    """The replenishment demo then gives each sold style-color its vendor terms by the same
    assignment: every PO-DEMO line's item is supplied by (has vendor terms with) its order's
    vendor, and neither orders nor terms name an exited or discontinued item."""
    demo_load(size="small", seed=5, through=calendar.fiscal_week_of(timezone.localdate() - timedelta(days=7)))
    message = otb_demo_create(seed=1)
    department = OTBBudget.objects.get().department_id
    replenishment_demo_create(department_id=department, seed=1)

    assert message.endswith("2 open orders, 1 over OTB waiting for approval.")
    lines = list(
        PurchaseOrderLine.objects.filter(order__number__startswith="PO-DEMO").values_list(
            "order__number", "order__vendor__code", "sku__style_color_id"
        )
    )
    # Order n goes to VENDORS[n % 3]: 002 V-CDR, 003 V-ATL (001, 004 and 005 were not created:
    # over the OTB left or no whole unit); the order over OTB to the first vendor, V-ATL, with
    # its one 5,000-unit line: 11 lines on the two open orders + 1.
    assert sorted({(number, vendor) for number, vendor, _ in lines}) == [
        ("PO-DEMO-002", "V-CDR"),
        ("PO-DEMO-003", "V-ATL"),
        ("PO-DEMO-OVER", "V-ATL"),
    ]
    assert len(lines) == 12
    terms = dict(VendorItem.objects.values_list("style_color_id", "vendor__code"))
    assert [(number, vendor) for number, vendor, color in lines if terms.get(color) != vendor] == []
    gone = StyleColor.objects.filter(
        Q(exit_date__lt=timezone.localdate()) | Q(lifecycle=StyleColor.Lifecycle.DISCONTINUED)
    )
    # The small demo's department: 13 style-colors, 8 exited or discontinued, 5 with terms.
    in_department = StyleColor.objects.filter(style__subclass__merch_class__department_id=department)
    assert (in_department.count(), gone.filter(pk__in=in_department).count(), len(terms)) == (13, 8, 5)
    assert not VendorItem.objects.filter(style_color__in=gone).exists()
    assert not PurchaseOrderLine.objects.filter(sku__style_color__in=gone).exists()


def test_replacing_the_demo_retailer_removes_its_open_to_buy() -> None:
    from planning.demo.loader import demo_delete
    from planning.models import Sku

    demo_load(size="small", seed=5, through=calendar.fiscal_week_of(timezone.localdate() - timedelta(days=7)))
    otb_demo_create(seed=1)

    demo_delete()

    assert not PurchaseOrder.objects.exists()
    assert not OTBBudget.objects.exists()
    assert not Sku.objects.exists()
