"""The demo retailer's open-to-buy: an approved budget, orders within it, one over it waiting.

The demo is built "through last week" from today, so every test here runs on several fixed days
(`on_days`: the first weeks of a fiscal year, mid-season, after the holiday peak, the end of a
53-week year) and states what holds on each; exact counts are checked on the pinned day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Q, Sum

from otb import ledger, selectors
from otb.demo import otb_demo_create
from otb.models import OTBBudget, OTBException, PurchaseOrder, PurchaseOrderLine, VendorItem
from otb.replenishment.demo import replenishment_demo_create
from planning import calendar, clock
from planning.demo.loader import demo_load
from planning.models import PlanVersion, PlanWeek, StyleColor
from tests.conftest import on_days

pytestmark = pytest.mark.django_db


def _load_demo() -> None:
    demo_load(size="small", seed=5, through=calendar.fiscal_week_of(clock.today() - timedelta(days=7)))


@on_days
def test_the_demo_has_a_budget_orders_within_it_and_one_exception(
    pinned_clock: date, django_capture_on_commit_callbacks: object
) -> None:
    _load_demo()

    message = otb_demo_create(seed=1)

    budget = OTBBudget.objects.get()
    assert budget.status == OTBBudget.Status.APPROVED
    # The plan is this fiscal year's: the year of today's week, even when no week of it closed.
    assert budget.fiscal_year == calendar.fiscal_week_of(pinned_clock).year
    # The budget's months are the approved plan's receipts by month, signed, to the cent.
    original = PlanVersion.objects.get(kind=PlanVersion.Kind.ORIGINAL)
    planned = PlanWeek.objects.filter(line__version=original, line__merch_class__isnull=False).aggregate(
        total=Sum("receipts")
    )["total"]
    assert sum(budget.months.values_list("receipts_retail", flat=True)) == Decimal(planned).quantize(
        Decimal("0.01")
    )
    assert PurchaseOrder.objects.get(number="PO-DEMO-OVER").status == PurchaseOrder.Status.AWAITING_APPROVAL
    assert OTBException.objects.filter(status=OTBException.Status.PENDING).count() == 1
    months = sorted(budget.months.values_list("month_key", flat=True))
    budgets = dict(budget.months.values_list("month_key", "receipts_retail"))
    # Released orders stayed within the budget of their month (the one over it waits). (The OTB
    # table's received also counts the closed weeks' actual receipts: not the orders' doing.)
    for key, ordered in ledger.committed_from_lines(budget.department_id, months).items():
        if ordered:
            assert ordered <= budgets[key]
    assert message.startswith("OTB demo: budget of")
    assert otb_demo_create(seed=1) == "OTB demo data exists already."


def test_on_the_pinned_day_the_demo_plan_has_negative_receipts_and_its_budget_keeps_them() -> None:
    """FY2026 W45 (the day main went red): the demo plan asks for negative receipts in some
    months; the budget holds them signed, units too, and their OTB starts below zero."""
    _load_demo()

    otb_demo_create(seed=1)

    budget = OTBBudget.objects.get()
    negative = [month for month in budget.months.all() if month.is_negative]
    assert negative, "the pinned day's demo plan has a month of negative planned receipts"
    for month in negative:
        assert month.receipts_cost < 0
        assert month.receipts_units <= 0
    rows = {
        row.month_key: row
        for row in selectors.otb_rows(budget.department_id, [m.month_key for m in negative])
    }
    # Open months start below zero; a closed month has nothing left to buy (OTB 0).
    assert all(rows[m.month_key].otb_retail < 0 for m in negative if not rows[m.month_key].is_closed)
    assert all(rows[m.month_key].otb_retail == 0 for m in negative if rows[m.month_key].is_closed)
    assert all(rows[month.month_key].used_percent is None for month in negative)


@on_days
def test_demo_orders_buy_only_what_their_vendor_supplies(
    pinned_clock: date, django_capture_on_commit_callbacks: object
) -> None:
    """The replenishment demo then gives each sold style-color its vendor terms by the same
    assignment: every PO-DEMO line's item is supplied by (has vendor terms with) its order's
    vendor, and neither orders nor terms name an exited or discontinued item."""
    _load_demo()
    otb_demo_create(seed=1)
    department = OTBBudget.objects.get().department_id
    replenishment_demo_create(department_id=department, seed=1)

    lines = list(
        PurchaseOrderLine.objects.filter(order__number__startswith="PO-DEMO").values_list(
            "order__number", "order__vendor__code", "sku__style_color_id"
        )
    )
    assert ("PO-DEMO-OVER", "V-ATL") in {(number, vendor) for number, vendor, _ in lines}
    terms = dict(VendorItem.objects.values_list("style_color_id", "vendor__code"))
    assert [(number, vendor) for number, vendor, color in lines if terms.get(color) != vendor] == []
    gone = StyleColor.objects.filter(
        Q(exit_date__lt=clock.today()) | Q(lifecycle=StyleColor.Lifecycle.DISCONTINUED)
    )
    assert not VendorItem.objects.filter(style_color__in=gone).exists()
    assert not PurchaseOrderLine.objects.filter(sku__style_color__in=gone).exists()


def test_demo_orders_on_the_pinned_day() -> None:
    """FY2026 W45: the plan has 8 open weeks (W45-W52); W01-W44 are closed and hold the actuals, so
    W45 opens on the actual stock (8,714.07 for the department, W44's actual EOP) and plans
    receipts of -4,764.90. Order n goes to VENDORS[n % 3] in the open week 2n - 1: 001 (W46,
    receipts 72.96), 002 (W48, 104.17), 003 (W50, -149.88) and 004 (W52, 91.63) buy no whole unit
    (40-70% of the week's receipts over up to 6 SKUs); there is no 005 (no tenth week). FY2026 M12's
    budget is 230.79 (W49-W52: 166.62 - 149.88 + 122.42 + 91.63). The order over OTB goes to the
    first vendor, V-ATL, in W48."""
    _load_demo()
    message = otb_demo_create(seed=1)
    department = OTBBudget.objects.get().department_id
    replenishment_demo_create(department_id=department, seed=1)

    assert message.endswith("0 open orders, 1 over OTB waiting for approval.")
    numbers = set(
        PurchaseOrder.objects.filter(number__startswith="PO-DEMO").values_list("number", "vendor__code")
    )
    assert numbers == {("PO-DEMO-OVER", "V-ATL")}
    budget = OTBBudget.objects.get()
    assert budget.months.get(month_key=202612).receipts_retail == Decimal("230.79")
    assert budget.months.get(month_key=202612).receipts_units == 18
    in_department = StyleColor.objects.filter(style__subclass__merch_class__department_id=department)
    gone = in_department.filter(
        Q(exit_date__lt=clock.today()) | Q(lifecycle=StyleColor.Lifecycle.DISCONTINUED)
    )
    assert (in_department.count(), gone.count(), VendorItem.objects.count()) == (13, 8, 5)


def test_replacing_the_demo_retailer_removes_its_open_to_buy() -> None:
    from planning.demo.loader import demo_delete
    from planning.models import Sku

    _load_demo()
    otb_demo_create(seed=1)

    demo_delete()

    assert not PurchaseOrder.objects.exists()
    assert not OTBBudget.objects.exists()
    assert not Sku.objects.exists()


def test_the_demo_plan_holds_the_actuals_through_the_last_closed_week() -> None:
    """Pinned on 2026-12-07 (FY2026 W45): the demo's sales run through W44, which is closed."""
    from planning.models import PlanTransition, PlanVersion

    _load_demo()
    working = PlanVersion.objects.get(kind=PlanVersion.Kind.WORKING)
    assert working.actuals_through_id == 202644
    assert PlanTransition.objects.get(version=working, action="roll").reason == (
        "Week W44 closed: actuals through W44"
    )
