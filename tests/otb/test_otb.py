"""OTB = approved planned receipts - received - on order; purchase orders checked against it,
over-OTB orders wait for a manager, and concurrent orders cannot overspend together."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from core.errors import Conflict, Forbidden, InvalidInput
from forecasting import selectors as forecast_selectors
from otb import ledger, selectors, services
from otb.models import OTBBudget, OTBBudgetMonth, OTBException, PurchaseOrder, PurchaseOrderLine, Vendor
from otb.orders import (
    LineRequest,
    purchase_order_create,
    purchase_order_line_cancel,
    purchase_order_line_receive,
    purchase_order_line_update,
)
from planning.models import FiscalWeek

pytestmark = pytest.mark.django_db


def _open_week() -> FiscalWeek:
    return forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 3)[2]


@pytest.fixture
def budget(approved_budget: dict[str, Any]) -> dict[str, Any]:
    """Tops has an approved budget of 117,000 retail (52,650 cost at IMU 55%) in the month of
    a week three weeks out (tests/fixtures/budgets.py)."""
    return approved_budget


def _order(
    user: User, budget: dict[str, Any], number: str, units: int, retail: str = "100.00", **extra: Any
) -> Any:
    return purchase_order_create(
        user=user,
        number=number,
        vendor_code="V1",
        department_id=budget["department"].pk,
        lines=[LineRequest("ST-1-BLK-S", "DC1", units, Decimal("45.00"), Decimal(retail), budget["week"].pk)],
        **extra,
    )


def test_otb_is_planned_receipts_minus_on_order_at_retail_and_cost(
    planner: User, budget: dict[str, Any]
) -> None:
    # DESIGN.md: planned receipts 117,000, on order 45,000 -> OTB 72,000 retail; at IMU 55%
    # the budget is 52,650 at cost. On order at cost: 450 units x 45.00 = 20,250.
    _order(planner, budget, "PO-1", 450)

    row = selectors.otb_rows(budget["department"].pk, [budget["key"]])[0]

    assert row.on_order_retail == Decimal("45000.00")
    assert row.otb_retail == Decimal("72000.00")
    assert row.otb_cost == Decimal("52650.00") - Decimal("20250.00")
    assert row.on_order_units == 450
    assert row.used_percent == Decimal("38.5")  # 45,000 / 117,000


def test_received_units_leave_on_order(planner: User, budget: dict[str, Any]) -> None:
    order = _order(planner, budget, "PO-1", 450)
    line = order.lines.get()
    purchase_order_line_receive(user=planner, line_id=line.pk, units=150)

    row = selectors.otb_rows(budget["department"].pk, [budget["key"]])[0]

    assert row.on_order_retail == Decimal("30000.00")
    assert row.received_retail == Decimal("15000.00")
    assert row.used_percent == Decimal("38.5")  # on order + received: the same budget spent
    assert PurchaseOrderLine.objects.get().status == PurchaseOrderLine.Status.PARTLY_RECEIVED
    # Receiving does not give OTB back: 117,000 - 15,000 received - 30,000 on order.
    assert row.otb_retail == Decimal("72000.00")
    assert row.otb_cost == Decimal("52650.00") - Decimal("6750.00") - Decimal("13500.00")
    with pytest.raises(services.InsufficientOTBError, match=r"\$72,000.00 is left"):
        _order(planner, budget, "PO-2", 721)
    assert _order(planner, budget, "PO-2", 720).status == PurchaseOrder.Status.RELEASED
    _assert_ledger_matches_lines(budget)


def _assert_ledger_matches_lines(budget: dict[str, Any]) -> None:
    """The commitment kept by the services equals what the lines add up to."""
    department, keys = budget["department"].pk, [budget["key"]]
    assert ledger.committed(department, keys) == ledger.committed_from_lines(department, keys)


def test_an_order_over_otb_is_refused_with_what_is_left(planner: User, budget: dict[str, Any]) -> None:
    _order(planner, budget, "PO-1", 1000)  # 100,000 of 117,000

    with pytest.raises(services.InsufficientOTBError) as refused:
        _order(planner, budget, "PO-2", 200)  # 20,000 > 17,000 left

    assert "Insufficient OTB" in str(refused.value)
    assert "$17,000.00 is left" in str(refused.value)
    assert PurchaseOrder.objects.count() == 1
    # Scaled down to fit: accepted.
    assert _order(planner, budget, "PO-2", 170).status == PurchaseOrder.Status.RELEASED


def test_an_over_otb_exception_waits_for_another_manager(
    planner: User, manager: User, admin_user: User, budget: dict[str, Any]
) -> None:
    order = _order(planner, budget, "PO-BIG", 1500, request_exception=True)  # 150,000 > 117,000
    assert order.status == PurchaseOrder.Status.AWAITING_APPROVAL
    exception = OTBException.objects.get()
    assert (exception.requested_retail, exception.available_retail, exception.over_retail) == (
        Decimal("150000.00"), Decimal("117000.00"), Decimal("33000.00"),
    )  # fmt: skip
    # Waiting orders are not on order yet.
    assert selectors.otb_rows(budget["department"].pk, [budget["key"]])[0].otb_retail == Decimal("117000.00")

    with pytest.raises(services.OTBError, match="Only managers"):
        services.otb_exception_decide(user=planner, exception_id=exception.pk, approve=True, reason="demand")
    with pytest.raises(InvalidInput, match="reason code"):
        services.otb_exception_decide(user=manager, exception_id=exception.pk, approve=True, reason="")
    services.otb_exception_decide(user=manager, exception_id=exception.pk, approve=True, reason="demand")

    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RELEASED
    assert selectors.otb_rows(budget["department"].pk, [budget["key"]])[0].otb_retail == Decimal("-33000.00")
    _assert_ledger_matches_lines(budget)


def test_the_requester_cannot_decide_their_own_exception(manager: User, budget: dict[str, Any]) -> None:
    _order(manager, budget, "PO-BIG", 1500, request_exception=True)
    with pytest.raises(Forbidden, match="another manager"):
        services.otb_exception_decide(
            user=manager, exception_id=OTBException.objects.get().pk, approve=True, reason="demand"
        )
    assert OTBException.objects.get().status == OTBException.Status.PENDING


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sku": "NOPE"}, "unknown SKU 'NOPE'"),
        ({"location": "XX"}, "unknown location 'XX'"),
        ({"units": -5}, "units must be at least 1"),
        ({"cost": "-1.00"}, "cannot be negative"),
        ({"closed": True}, "closed period"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(
    planner: User, budget: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    week = forecast_selectors.latest_closed_week() if change.get("closed") else budget["week"]
    line = LineRequest(
        change.get("sku", "ST-1-BLK-S"), change.get("location", "DC1"), change.get("units", 5),
        Decimal(change.get("cost", "45.00")), Decimal("100.00"), week.pk,
    )  # fmt: skip
    with pytest.raises(services.OTBError, match=message):
        purchase_order_create(
            user=planner, number="PO-X", vendor_code="V1", department_id=budget["department"].pk, lines=[line]
        )
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()


def test_a_department_without_an_approved_budget_cannot_buy(
    planner: User, retailer: dict[str, Any], budget: dict[str, Any]
) -> None:
    budget["budget"].status = OTBBudget.Status.SUBMITTED
    budget["budget"].save()
    with pytest.raises(services.OTBError, match="no approved OTB budget"):
        _order(planner, budget, "PO-1", 1)
    assert not PurchaseOrder.objects.exists()


def test_budget_approval_needs_another_manager_and_a_reason_to_reject(
    planner: User, manager: User, admin_user: User, budget: dict[str, Any]
) -> None:
    draft = OTBBudget.objects.create(
        department=budget["department"], fiscal_year=budget["week"].year, number=2, created_by=manager
    )
    services.otb_budget_submit(user=manager, budget_id=draft.pk)
    with pytest.raises(Forbidden, match="another manager"):
        services.otb_budget_decide(user=manager, budget_id=draft.pk, approve=True)
    with pytest.raises(services.OTBError, match="Only managers"):
        services.otb_budget_decide(user=planner, budget_id=draft.pk, approve=True)
    with pytest.raises(InvalidInput, match="Say why"):
        services.otb_budget_decide(user=admin_user, budget_id=draft.pk, approve=False)
    decided = services.otb_budget_decide(user=admin_user, budget_id=draft.pk, approve=True, comment="ok")
    assert decided.status == OTBBudget.Status.APPROVED
    assert decided.decided_by == admin_user
    from core.models import AuditEvent

    trail = list(
        AuditEvent.objects.order_by("id").values_list("action", "user__username", "comment", "old", "new")
    )
    assert trail == [
        ("otb_budget.submit", "max.manager", "", {"status": "draft"}, {"status": "submitted"}),
        ("otb_budget.approve", "ada.admin", "ok", {"status": "submitted"}, {"status": "approved"}),
    ]


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_orders_that_each_fit_cannot_overspend_together(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises writers before they can race")
    retailer["tops"].planners.add(planner, manager)
    week = _open_week()
    approved = OTBBudget.objects.create(
        department=retailer["tops"],
        fiscal_year=week.year,
        status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )
    OTBBudgetMonth.objects.create(
        budget=approved, month_key=services.month_key(week), receipts_retail=Decimal("10000.00"),
        receipts_cost=Decimal("4500.00"),
    )  # fmt: skip
    Vendor.objects.create(code="V1", name="Mill & Co")
    line = LineRequest("ST-1-BLK-S", "DC1", 30, Decimal("45.00"), Decimal("100.00"), week.pk)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def order(index: int) -> None:
        barrier.wait()
        try:
            purchase_order_create(
                user=planner, number=f"PO-{index}", vendor_code="V1", department_id=retailer["tops"].pk,
                lines=[line],
            )  # fmt: skip
            outcomes.append("released")
        except services.InsufficientOTBError as refused:
            outcomes.append("insufficient" if "Insufficient OTB" in str(refused) else "other")
        finally:
            connection.close()

    threads = [threading.Thread(target=order, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each order is 3,000 of a 10,000 budget: three fit, seventeen are told.
    assert sorted(outcomes) == ["insufficient"] * 17 + ["released"] * 3
    row = selectors.otb_rows(retailer["tops"].pk, [services.month_key(week)])[0]
    assert row.on_order_retail == Decimal("9000.00")
    assert row.otb_retail == Decimal("1000.00")
    key = services.month_key(week)
    assert ledger.committed(retailer["tops"].pk, [key]) == {key: Decimal("9000.00")}


def test_a_changed_line_is_checked_against_otb_without_counting_itself(
    planner: User, budget: dict[str, Any]
) -> None:
    order = _order(planner, budget, "PO-1", 1000)  # 100,000 of 117,000
    line = order.lines.get()
    week = budget["week"].pk

    # Growing to 1,170 units: its own 100,000 is not counted against itself, so 117,000 fits.
    changed = purchase_order_line_update(
        user=planner, line_id=line.pk, units=1170, unit_cost=Decimal("45.00"), unit_retail=Decimal("100.00"),
        receipt_week_id=week, expected_version=1,
    )  # fmt: skip
    assert (changed.units, changed.row_version) == (1170, 2)
    assert selectors.otb_rows(budget["department"].pk, [budget["key"]])[0].otb_retail == Decimal("0.00")

    with pytest.raises(services.InsufficientOTBError, match=r"\$117,100.00 at retail, \$117,000.00 is left"):
        purchase_order_line_update(
            user=planner, line_id=line.pk, units=1171, unit_cost=Decimal("45.00"),
            unit_retail=Decimal("100.00"), receipt_week_id=week, expected_version=2,
        )  # fmt: skip
    with pytest.raises(Conflict):
        purchase_order_line_update(
            user=planner, line_id=line.pk, units=10, unit_cost=Decimal("45.00"),
            unit_retail=Decimal("100.00"), receipt_week_id=week, expected_version=1,
        )  # fmt: skip
    assert PurchaseOrderLine.objects.get().units == 1170


def test_cancelling_what_is_open_gives_the_otb_back(planner: User, budget: dict[str, Any]) -> None:
    line = _order(planner, budget, "PO-1", 450).lines.get()
    purchase_order_line_receive(user=planner, line_id=line.pk, units=100)

    cancelled = purchase_order_line_cancel(user=planner, line_id=line.pk, expected_version=2)

    assert (cancelled.units, cancelled.status) == (100, PurchaseOrderLine.Status.RECEIVED)
    row = selectors.otb_rows(budget["department"].pk, [budget["key"]])[0]
    assert row.on_order_retail == Decimal("0.00")
    # The 350 open units come back; the 100 received stay bought.
    assert row.otb_retail == Decimal("107000.00")
    assert row.received_retail == Decimal("10000.00")
    assert ledger.committed(budget["department"].pk, [budget["key"]]) == {budget["key"]: Decimal("10000.00")}


def test_budget_units_come_from_the_plans_average_selling_price(
    planner: User, budget: dict[str, Any]
) -> None:
    # Planned sales 12,000 over 500 units: 24.00 a unit; receipts 117,000 -> 4,875 units.
    month = {"retail": Decimal("117000"), "sales": Decimal("12000"), "sales_units": 500}
    assert services._receipt_units(month) == 4875
    assert services._receipt_units({**month, "sales_units": 0}) == 0
    OTBBudgetMonth.objects.filter(budget=budget["budget"]).update(receipts_units=4875)
    _order(planner, budget, "PO-1", 450)

    row = selectors.otb_rows(budget["department"].pk, [budget["key"]])[0]

    assert (row.budget_units, row.on_order_units, row.otb_units) == (4875, 450, 4425)


def _second_month(budget: dict[str, Any], retail: str = "50000.00") -> tuple[FiscalWeek, int]:
    """An open week of the next fiscal month, whose month gets its own approved budget."""
    later = next(
        week
        for week in forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 12)
        if services.month_key(week) > budget["key"]
    )
    OTBBudgetMonth.objects.create(
        budget=budget["budget"], month_key=services.month_key(later), receipts_retail=Decimal(retail),
        receipts_cost=Decimal(retail) * Decimal("0.45"),
    )  # fmt: skip
    return later, services.month_key(later)


def test_the_commitment_follows_every_write_across_months(
    planner: User, manager: User, budget: dict[str, Any]
) -> None:
    later, later_key = _second_month(budget)
    department, keys = budget["department"].pk, [budget["key"], later_key]
    line = _order(planner, budget, "PO-1", 300).lines.get()  # 30,000 in the first month
    purchase_order_line_receive(user=planner, line_id=line.pk, units=100)
    assert ledger.committed(department, keys) == {budget["key"]: Decimal("30000.00")}  # receiving keeps it

    # Moved to the next month and grown to 400: the first month gets 30,000 back.
    purchase_order_line_update(
        user=planner, line_id=line.pk, units=400, unit_cost=Decimal("45.00"), unit_retail=Decimal("100.00"),
        receipt_week_id=later.pk, expected_version=2,
    )  # fmt: skip
    assert ledger.committed(department, keys) == {
        budget["key"]: Decimal("0.00"),
        later_key: Decimal("40000.00"),
    }

    # Over OTB and waiting: not committed; approved: committed whatever is left.
    waiting = _order(planner, budget, "PO-2", 1200, request_exception=True)
    assert ledger.committed(department, keys)[budget["key"]] == Decimal("0.00")
    services.otb_exception_decide(
        user=manager, exception_id=waiting.exceptions.get().pk, approve=True, reason="demand"
    )
    # Cancelled with 100 received: 10,000 stays in the next month.
    purchase_order_line_cancel(user=planner, line_id=line.pk, expected_version=3)

    assert ledger.committed(department, keys) == {
        budget["key"]: Decimal("120000.00"),
        later_key: Decimal("10000.00"),
    }
    assert ledger.committed(department, keys) == ledger.committed_from_lines(department, keys)
    assert selectors.otb_rows(department, keys)[1].otb_retail == Decimal("40000.00")


@pytest.mark.django_db(transaction=True)
def test_two_lines_of_an_order_swapping_months_at_once_neither_deadlock_nor_drift(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises writers before they can race")
    retailer["tops"].planners.add(planner, manager)
    week = _open_week()
    approved = OTBBudget.objects.create(
        department=retailer["tops"],
        fiscal_year=week.year,
        status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )
    OTBBudgetMonth.objects.create(
        budget=approved, month_key=services.month_key(week), receipts_retail=Decimal("100000.00"),
        receipts_cost=Decimal("45000.00"),
    )  # fmt: skip
    Vendor.objects.create(code="V1", name="Mill & Co")
    budget = {
        "week": week,
        "key": services.month_key(week),
        "department": retailer["tops"],
        "budget": approved,
    }
    later, later_key = _second_month(budget, "100000.00")
    weeks = [week, later]
    order = purchase_order_create(
        user=planner, number="PO-1", vendor_code="V1", department_id=retailer["tops"].pk,
        lines=[
            LineRequest("ST-1-BLK-S", "DC1", 100, Decimal("45.00"), Decimal("100.00"), week.pk),
            LineRequest("ST-1-BLK-S", "DC1", 200, Decimal("45.00"), Decimal("100.00"), later.pk),
        ],
    )  # fmt: skip
    first, second = order.lines.order_by("pk")  # 10,000 in the first month, 20,000 in the next
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def swap(line_id: int, start: int) -> None:
        # Each round moves the line to the other month while the other line moves the opposite way.
        try:
            for round_number in range(10):
                barrier.wait()
                line = PurchaseOrderLine.objects.get(pk=line_id)
                purchase_order_line_update(
                    user=planner, line_id=line_id, units=line.units, unit_cost=line.unit_cost,
                    unit_retail=line.unit_retail, receipt_week_id=weeks[(start + round_number + 1) % 2].pk,
                    expected_version=line.row_version,
                )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - any failure (a deadlock above all) fails the test
            errors.append(repr(error))
            barrier.abort()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=swap, args=(first.pk, 0)),
        threading.Thread(target=swap, args=(second.pk, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    keys = [budget["key"], later_key]
    # Ten moves each: both lines are back where they started.
    assert ledger.committed(retailer["tops"].pk, keys) == {
        budget["key"]: Decimal("10000.00"),
        later_key: Decimal("20000.00"),
    }
    assert ledger.committed(retailer["tops"].pk, keys) == ledger.committed_from_lines(
        retailer["tops"].pk, keys
    )


def test_the_ledger_command_finds_and_repairs_a_drifted_month(planner: User, budget: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from otb.models import OTBCommitment

    _order(planner, budget, "PO-1", 450)  # 45,000
    call_command("otb_ledger", stdout=StringIO())  # matches: no error
    OTBCommitment.objects.update(committed_cents=1)

    with pytest.raises(CommandError, match="1 month"):
        call_command("otb_ledger", stdout=StringIO())
    out = StringIO()
    call_command("otb_ledger", "--repair", stdout=out)

    assert "ledger 0.01, lines 45000.00" in out.getvalue()
    assert ledger.committed(budget["department"].pk, [budget["key"]]) == {budget["key"]: Decimal("45000.00")}
