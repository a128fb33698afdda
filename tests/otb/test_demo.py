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
from otb.models import OTBBudget, OTBException, PurchaseOrder, PurchaseOrderLine
from planning import calendar, clock
from planning.demo.loader import demo_load
from planning.models import PlanVersion, PlanWeek, StyleColor
from replenishment.demo import replenishment_demo_create
from replenishment.models import VendorItem
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
    # The budget is the pre-season OP the loader approved (r1): the OTB demo approves nothing more.
    original = budget.source_version
    assert original is not None
    assert original.kind == PlanVersion.Kind.ORIGINAL
    assert (original.revision, budget.source_version_id) == (1, original.pk)
    # The budget's months are the approved plan's receipts by month, signed, to the cent.
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
    """FY2026 W45 (the day main went red): the demo plan asks for negative receipts in a month;
    the budget holds them signed, units too, and their OTB starts below zero.

    The budget is now the pre-season OP (r1, approved before the roll), and it still has one:
    its receipts of W44 (-1,283.40) and W50 (-868.85) are negative, and FY2026 M12 (W49-W52)
    sums to 277.92 - 868.85 + 367.76 + 214.30 = -8.87 retail, -3.99 at cost (x 0.45, the plan's
    cost complement: -3.9915) and -1 unit (-8.87 at M12's planned price 1,131.69 / 88 units =
    12.86: -0.69, rounded half away from zero). M11 (W44-W48) stays positive: -1,283.40 +
    635.72 + 328.41 + 323.68 + 405.17 = 409.58."""
    _load_demo()

    otb_demo_create(seed=1)

    budget = OTBBudget.objects.get()
    negative = [month for month in budget.months.all() if month.is_negative]
    assert [m.month_key for m in negative] == [202612], "the pre-season OP plans negative receipts in M12"
    (december,) = negative
    assert (december.receipts_retail, december.receipts_cost, december.receipts_units) == (
        Decimal("-8.87"), Decimal("-3.99"), -1
    )  # fmt: skip
    assert budget.months.get(month_key=202611).receipts_retail == Decimal("409.58")
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
    """FY2026 W45: the plan has 8 open weeks (W45-W52); W01-W44 are closed. Orders are sized on
    the OP's planned receipts (the pre-season plan, r1): W46 328.41, W48 405.17, W50 -868.85,
    W52 214.30. Order n goes to VENDORS[n % 3] in the open week 2n - 1, for a share
    rng.uniform(0.4, 0.7) (Random(1)) of its week's receipts over up to 6 of its vendor's SKUs:
    - 001, V-BRK, W46: 328.41 x 0.4403 = 144.60 over 6 SKUs at 25.99/24.99: 0.93-0.96 of a unit
      each, no whole unit: no order;
    - 002, V-CDR, W48: 405.17 x 0.5955 = 241.27 over its 5 SKUs at 30.99: 1.56 -> 1 unit each,
      5 lines, 154.95 (FY2026 M11, budget 409.58: within it);
    - 003, V-ATL, W50: negative receipts, no unit: no order;
    - 004, V-BRK, W52: 214.30 x 0.6836 = 146.49 over 6 SKUs: 0.94-0.98 of a unit: no order;
    there is no 005 (no tenth week). FY2026 M12's budget is the OP's W49-W52: 277.92 - 868.85 +
    367.76 + 214.30 = -8.87, -1 unit. The order over OTB goes to the first vendor, V-ATL, in
    W48: 5,000 x 13.99 = 69,950.00 against M11's 409.58 - 154.95 = 254.63 left."""
    _load_demo()
    message = otb_demo_create(seed=1)
    department = OTBBudget.objects.get().department_id
    replenishment_demo_create(department_id=department, seed=1)

    assert message.endswith("1 open orders, 1 over OTB waiting for approval.")
    numbers = set(
        PurchaseOrder.objects.filter(number__startswith="PO-DEMO").values_list("number", "vendor__code")
    )
    assert numbers == {("PO-DEMO-002", "V-CDR"), ("PO-DEMO-OVER", "V-ATL")}
    released = PurchaseOrderLine.objects.filter(order__number="PO-DEMO-002")
    assert (
        sorted(released.values_list("units", "unit_retail", "receipt_week_id", "month_key"))
        == [(1, Decimal("30.99"), 202648, 202611)] * 5
    )
    over = PurchaseOrderLine.objects.get(order__number="PO-DEMO-OVER")
    assert (over.units, over.unit_retail, over.receipt_week_id) == (5000, Decimal("13.99"), 202648)
    assert ledger.committed_from_lines(department, [202611])[202611] == Decimal("154.95")
    budget = OTBBudget.objects.get()
    assert budget.months.get(month_key=202611).receipts_retail == Decimal("409.58")
    assert budget.months.get(month_key=202612).receipts_retail == Decimal("-8.87")
    assert budget.months.get(month_key=202612).receipts_units == -1
    exception = OTBException.objects.get()
    assert exception.status == OTBException.Status.PENDING
    in_department = StyleColor.objects.filter(style__subclass__merch_class__department_id=department)
    gone = in_department.filter(
        Q(exit_date__lt=clock.today()) | Q(lifecycle=StyleColor.Lifecycle.DISCONTINUED)
    )
    assert (in_department.count(), gone.count(), VendorItem.objects.count()) == (13, 8, 5)


def test_on_the_pinned_day_the_demo_compares_the_pre_season_plan_with_the_actuals() -> None:
    """The demo plan is approved before the season (OP r1) and rolled afterwards: in the closed
    weeks the working plan holds the actuals and the OP what was planned, so "vs OP" shows plan
    against actual (it read +0.0% in every closed week when the OP was a copy of the rolled plan).

    Department W01 (Women's tops), FY2026 W44, the last closed week: actual sales 1,147.53
    (the working plan's and TY's), OP 619.11 (the pre-season plan, LY x 1.05 seeded); LY 589.63.
    vs OP: 1,147.53 - 619.11 = +528.42, +85.4% (528.42 / 619.11 = 0.8535)."""
    from django.contrib.auth.models import User

    from planning.models import Plan
    from planning.plans.grid import plan_grid
    from reports.weekly import weekly_report

    _load_demo()
    plan = Plan.objects.earliest("pk")  # the demo plan: the planner's first department
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    original = plan.versions.get(kind=PlanVersion.Kind.ORIGINAL)
    assert (original.revision, original.approved_by_id, original.actuals_through_id) == (
        1, User.objects.get(username="manager").pk, None
    )  # fmt: skip
    assert working.actuals_through_id == 202644

    def w44_sales(version: PlanVersion) -> Decimal:
        rows = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
        return Decimal(rows.filter(fiscal_week_id=202644).aggregate(total=Sum("sales"))["total"])

    assert w44_sales(working).quantize(Decimal("0.01")) == Decimal("1147.53")
    assert w44_sales(original).quantize(Decimal("0.01")) == Decimal("619.11")

    # The grid of the working plan, its total line, in W44: OP 619, TY 1,148, TY vs OP +528, +85.4%.
    grid = plan_grid(working, is_editable=True)
    total = next(block for block in grid.lines if block.is_total)
    w44 = next(index for index, column in enumerate(grid.columns) if column.week_id == 202644)
    assert grid.columns[w44].is_closed
    cells = {row.label: row.cells[w44].text for row in total.rows}
    assert (cells["OP sales $"], cells["TY sales $"]) == ("619", "1,148")
    assert (cells["TY vs OP $"], cells["TY vs OP %"]) == ("+528", "+85.4%")
    assert (cells["vs OP $"], cells["vs OP %"]) == ("+528", "+85.4%")

    # The weekly report (its week is W44): the department's week against the OP is not 0.0.
    report = weekly_report()
    assert report.week_id == 202644
    row = next(r for r in report.rows if r.level == "department" and r.code == plan.department.code)
    sales = row.periods["week"].sales
    assert (sales.ty, sales.op, sales.vs_op) == (Decimal("1147.53"), Decimal("619.11"), Decimal("528.42"))
    assert sales.vs_op_percent == pytest.approx(528.42 / 619.11)


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
    working = PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING).earliest("plan_id")  # the demo plan
    assert working.actuals_through_id == 202644
    assert PlanTransition.objects.get(version=working, action="roll").reason == (
        "Week W44 closed: actuals through W44"
    )
