"""Negative planned receipts never crash anything (the rule: budget months keep the plan's sign).

A plan week whose stock target is below what its sales leave plans negative receipts. The OTB
budget built from such a plan keeps each month's receipts signed - retail, cost and units - so
the months add up to the plan's season receipts; a negative month starts with OTB below zero, so
any order into it is over OTB (refused, or kept for a manager with an exception), and a
replenishment run buys nothing there.

The plan (on the pinned day, FY2026 W45 open): Tops over W46..W52, IMU 55% (cost complement
0.45). Its approved plan (OP) is set to, per week (one class line):
  receipts  W46 1,000.00  W47 -1,500.00  W48 400.00 | W49 250.00  W50 -50.00  W51 100.00  W52 0
  sales     800.00 / 40 units every week (planned price 20.00)
so FY2026 M11 (W44-W48; the plan has W46-W48) plans -100.00 at retail, -45.00 at cost and -5
units, and M12 (W49-W52) 300.00, 135.00 and 15 units; the season 200.00.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from otb import selectors, services
from otb.models import OTBBudget, OTBException, PurchaseOrder, Vendor
from otb.orders import LineRequest, purchase_order_create
from planning import clock
from planning.models import PlanVersion, PlanWeek
from planning.plans.services import PlanSpec, plan_create, version_approve, version_submit
from replenishment import runs
from replenishment.models import Suggestion
from tests.replenishment.test_runs import supplied  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

RECEIPTS = dict(
    zip(range(202646, 202653), map(Decimal, ["1000", "-1500", "400", "250", "-50", "100", "0"]), strict=True)
)
M11, M12 = 202611, 202612


@pytest.fixture
def approved(retailer: dict[str, Any], planner: User, manager: User, admin_user: User) -> dict[str, Any]:
    retailer["tops"].planners.add(planner, manager)
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops holiday",
            department_id=retailer["tops"].pk,
            first_week_id=202646,
            last_week_id=202652,
            cost_complement=Decimal("0.45"),
        ),
    )
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)
    original = plan.versions.get(kind=PlanVersion.Kind.ORIGINAL)
    for week_id, receipts in RECEIPTS.items():
        PlanWeek.objects.filter(
            line__version=original, line__merch_class__isnull=False, fiscal_week_id=week_id
        ).update(receipts=receipts, sales=Decimal("800.00"), sales_units=40)
    Vendor.objects.create(code="V1", name="Mill & Co")
    return {"original": original, **retailer}


def test_a_budget_keeps_each_months_receipts_signed_in_retail_cost_and_units(
    approved: dict[str, Any], manager: User
) -> None:
    budget = services.otb_budget_from_plan(user=manager, version_id=approved["original"].pk)

    months = {
        m.month_key: (m.receipts_retail, m.receipts_cost, m.receipts_units) for m in budget.months.all()
    }
    assert months == {
        M11: (Decimal("-100.00"), Decimal("-45.00"), -5),
        M12: (Decimal("300.00"), Decimal("135.00"), 15),
    }


def test_the_signed_units_round_half_away_from_zero() -> None:
    month = {"retail": Decimal("-30.00"), "sales": Decimal("80.00"), "sales_units": 4}  # price 20.00
    assert services._receipt_units(month) == -2  # -1.5 -> -2, as 1.5 -> 2
    assert services._receipt_units({**month, "retail": Decimal("30.00")}) == 2


def _order(
    user: User, approved: dict[str, Any], number: str, line: LineRequest, **extra: Any
) -> PurchaseOrder:
    return purchase_order_create(
        user=user, number=number, vendor_code="V1", department_id=approved["tops"].pk, lines=[line], **extra
    )


def _approve_budget(approved: dict[str, Any], manager: User, admin_user: User) -> OTBBudget:
    budget = services.otb_budget_from_plan(user=manager, version_id=approved["original"].pk)
    services.otb_budget_submit(user=manager, budget_id=budget.pk)
    return services.otb_budget_decide(user=admin_user, budget_id=budget.pk, approve=True)


def test_the_budgets_page_builds_it_and_marks_the_negative_months(
    approved: dict[str, Any], manager: User, admin_user: User
) -> None:
    client = Client()
    client.force_login(manager)

    response = client.post("/otb/budgets/", {"version": approved["original"].pk})

    assert response.status_code == 302
    budget = OTBBudget.objects.get()
    page = " ".join(client.get("/otb/budgets/").content.decode().split())
    assert budget.months.get(month_key=M11).is_negative
    assert '<td class="num neg" data-month="202611"' in page
    assert '<td class="num" data-month="202612"' in page
    assert '<td class="num neg">-45</td>' in page  # cost
    assert '<td class="num neg">-5</td>' in page  # units
    assert (
        "FY2026 M11 plans negative receipts (-100): the plan's stock target is below what selling leaves"
        in page
    )


def test_an_order_into_a_month_planning_negative_receipts_is_over_otb_on_every_path(
    approved: dict[str, Any], planner: User, manager: User, admin_user: User
) -> None:
    _approve_budget(approved, manager, admin_user)
    line = LineRequest("ST-1-BLK-S", "DC1", 1, Decimal("9.60"), Decimal("24.00"), 202647)

    with pytest.raises(services.InsufficientOTBError) as refused:
        _order(planner, approved, "PO-1", line)
    assert "$0.00 is left" in str(refused.value)
    assert "FY2026 M11 needs $24.00 at retail, $0.00 is left (its approved receipts are -$100.00:" in str(
        refused.value
    )
    assert not PurchaseOrder.objects.exists()

    api = APIClient()
    api.force_login(planner)
    body = {
        "number": "PO-2", "vendor": "V1", "department": approved["tops"].pk,
        "lines": [{"sku": "ST-1-BLK-S", "location": "DC1", "units": 1, "unit_cost": "9.60",
                   "unit_retail": "24.00", "receipt_week": "2026-W47"}],
    }  # fmt: skip
    response = api.post("/api/v1/otb/orders/", body, format="json")
    assert response.status_code == 409
    assert "Insufficient OTB" in response.json()["detail"]

    kept = _order(planner, approved, "PO-3", line, request_exception=True)
    assert kept.status == PurchaseOrder.Status.AWAITING_APPROVAL
    exception = OTBException.objects.get(order=kept)
    assert (exception.requested_retail, exception.available_retail) == (Decimal("24.00"), Decimal("0.00"))
    row = selectors.otb_rows(approved["tops"].pk, [M11])[0]
    assert (row.otb_retail, row.otb_cost, row.otb_units, row.used_percent) == (
        Decimal("-100.00"),
        Decimal("-45.00"),
        -5,
        None,
    )


def test_the_otb_page_and_api_show_a_negative_month(
    approved: dict[str, Any], manager: User, admin_user: User
) -> None:
    _approve_budget(approved, manager, admin_user)
    client = Client()
    client.force_login(manager)
    api = APIClient()
    api.force_login(manager)

    page = client.get("/otb/", {"department": approved["tops"].pk, "year": 2026})
    table = api.get("/api/v1/otb/otb/", {"department": approved["tops"].pk, "year": 2026})

    assert page.status_code == 200
    assert table.status_code == 200
    months = {row["month"]: row for row in table.json()}
    assert (months[M11]["budget_retail"], months[M11]["otb_retail"], months[M11]["used_percent"]) == (
        "-100.00",
        "-100.00",
        None,
    )
    assert (months[M12]["budget_retail"], months[M12]["used_percent"]) == ("300.00", "0.0")


def test_a_replenishment_run_buys_nothing_in_a_month_whose_budget_is_negative(
    supplied: dict[str, Any],  # noqa: F811
    manager: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The tees of tests/replenishment/test_runs.py, their first budgeted month planning -500.00."""
    OTBBudget.objects.get().months.update(
        receipts_retail=Decimal("-500.00"), receipts_cost=Decimal("-200.00")
    )

    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[supplied["department"].pk])
    run.refresh_from_db()

    assert run.status == run.Status.DONE, run.message
    in_month = Suggestion.objects.filter(run=run, month_key=supplied["month"])
    assert in_month.exists()
    assert list(in_month.exclude(units=0)) == []
    assert all("OTB" in suggestion.cut_reason for suggestion in in_month.exclude(suggested_units=0))


def test_the_planners_home_counts_what_was_bought_into_a_negative_month_as_over(
    approved: dict[str, Any], planner: User, manager: User, admin_user: User
) -> None:
    """M11's budget is -100.00: nothing bought, nothing over (the grid and the budget show the
    negative plan); an order of 24.00 released by an exception is 24.00 over, not 124.00."""
    from reports.dashboard import otb_overspend

    _approve_budget(approved, manager, admin_user)
    tops = approved["tops"]
    assert otb_overspend([tops], clock.today()).months == []

    line = LineRequest("ST-1-BLK-S", "DC1", 1, Decimal("9.60"), Decimal("24.00"), 202647)
    order = _order(planner, approved, "PO-1", line, request_exception=True)
    services.otb_exception_decide(
        user=admin_user, exception_id=order.exceptions.get().pk, approve=True, reason="demand"
    )

    [month] = otb_overspend([tops], clock.today()).months
    assert (month.month, month.budget, month.spent, month.over) == (
        "FY2026 M11",
        Decimal("-100.00"),
        Decimal("24.00"),
        Decimal("24.00"),
    )
