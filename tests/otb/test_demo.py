"""The demo retailer's open-to-buy: an approved budget, orders within it, one over it waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otb import selectors
from otb.demo import otb_demo_create
from otb.models import OTBBudget, OTBException, PurchaseOrder
from planning import calendar
from planning.demo.loader import demo_load

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


def test_replacing_the_demo_retailer_removes_its_open_to_buy() -> None:
    from planning.demo.loader import demo_delete
    from planning.models import Sku

    demo_load(size="small", seed=5, through=calendar.fiscal_week_of(timezone.localdate() - timedelta(days=7)))
    otb_demo_create(seed=1)

    demo_delete()

    assert not PurchaseOrder.objects.exists()
    assert not OTBBudget.objects.exists()
    assert not Sku.objects.exists()
