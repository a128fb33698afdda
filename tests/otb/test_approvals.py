"""The approvals inbox: what waits, one-click decisions with a comment, mail to approvers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from core.audit import audit_trail
from forecasting import selectors as forecast_selectors
from otb import services
from otb.models import OTBBudget, OTBBudgetMonth, OTBException, PurchaseOrder, Vendor
from otb.orders import LineRequest, purchase_order_create
from planning.models import PlanLine, PlanVersion, PlanWeek
from planning.plans.month_summary import MonthFigures, month_summaries
from planning.plans.services import (
    CellEdit,
    PlanSpec,
    plan_cells_update,
    plan_create,
    version_approve,
    version_recompute,
    version_submit,
)
from tests.planning.plans.conftest import history  # noqa: F401 (the fixture, for the plans' history)

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(
    retailer: dict[str, Any], planner: User, manager: User, django_capture_on_commit_callbacks: Any
) -> dict[str, Any]:
    """A planner's order 33,000 over OTB and a second manager who can decide on it."""
    second = User.objects.create_user(username="mo.manager", password="x", email="mo@example.com")
    second.groups.add(*manager.groups.all())
    manager.email = "max@example.com"
    manager.save()
    retailer["tops"].planners.add(planner, manager, second)
    week = forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 3)[2]
    budget = OTBBudget.objects.create(
        department=retailer["tops"],
        fiscal_year=week.year,
        status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )
    OTBBudgetMonth.objects.create(
        budget=budget,
        month_key=services.month_key(week),
        receipts_retail=Decimal("117000"),
        receipts_cost=Decimal(0),
    )
    Vendor.objects.create(code="V1", name="Mill & Co")
    with django_capture_on_commit_callbacks(execute=True):
        order = purchase_order_create(
            user=planner, number="PO-BIG", vendor_code="V1", department_id=retailer["tops"].pk,
            lines=[LineRequest("ST-1-BLK-S", "DC1", 1500, Decimal("45"), Decimal("100"), week.pk)],
            request_exception=True,
        )  # fmt: skip
    return {"order": order, "manager": manager, "second": second}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_approvers_get_a_mail_when_an_order_goes_over_otb(waiting: dict[str, Any]) -> None:
    assert sorted(message.to[0] for message in mail.outbox) == ["max@example.com", "mo@example.com"]
    message = mail.outbox[0]
    assert message.subject == "[Merchplan] PO PO-BIG is $33,000.00 over OTB in W-TOP Tops"
    assert "order $150,000.00 at retail, OTB left $117,000.00" in message.body
    assert "/otb/approvals/" in message.body


def test_the_inbox_lists_the_exception_with_its_numbers(waiting: dict[str, Any]) -> None:
    page = _client(waiting["manager"]).get("/otb/approvals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "PO PO-BIG" in html
    assert "$150,000" in html
    assert "$117,000" in html
    assert "$33,000" in html


def test_one_click_approve_with_a_reason_releases_the_order(waiting: dict[str, Any]) -> None:
    exception = OTBException.objects.get()
    response = _client(waiting["manager"]).post(
        f"/otb/approvals/otb_exception/{exception.pk}/",
        {"action": "approve", "reason": "demand", "comment": "Holiday demand"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"Approved." in response.content
    assert response["HX-Trigger"] == "approvalDecided"
    waiting["order"].refresh_from_db()
    assert waiting["order"].status == PurchaseOrder.Status.RELEASED
    decision = audit_trail(actions="otb_exception.").get()
    assert (decision.action, decision.user, decision.comment, decision.old, decision.new) == (
        "otb_exception.approve",
        waiting["manager"],
        "Holiday demand",
        {"status": "pending"},
        {"status": "approved", "reason": "demand"},
    )


def test_a_refused_decision_answers_in_the_row_and_changes_nothing(waiting: dict[str, Any]) -> None:
    exception = OTBException.objects.get()
    response = _client(waiting["manager"]).post(
        f"/otb/approvals/otb_exception/{exception.pk}/", {"action": "reject"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert b"Say why the exception is rejected." in response.content
    assert OTBException.objects.get().status == OTBException.Status.PENDING
    assert not audit_trail(actions="otb_exception.").exists()


def test_planners_and_executives_have_no_inbox(
    waiting: dict[str, Any], planner: User, executive: User
) -> None:
    for user in (planner, executive):
        assert _client(user).get("/otb/approvals/").status_code == 403
    exception = OTBException.objects.get()
    response = _client(planner).post(
        f"/otb/approvals/otb_exception/{exception.pk}/", {"action": "approve", "reason": "demand"}
    )
    assert response.status_code == 403
    assert OTBException.objects.get().status == OTBException.Status.PENDING


def test_a_submitted_plan_waits_in_the_inbox_and_mails_its_approvers(
    waiting: dict[str, Any], planner: User, retailer: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from planning.models import PlanVersion
    from planning.plans.services import PlanSpec, plan_create, version_submit

    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops FY", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202504
        ),
    )
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version_submit(user=planner, version_id=working.pk)

    assert [message.subject for message in mail.outbox] == [
        "[Merchplan] Plan Tops FY (Working plan) waits for you"
    ] * 2
    page = _client(waiting["second"]).get("/otb/approvals/").content.decode()
    assert "Tops FY · Working plan" in page
    response = _client(waiting["second"]).post(
        f"/otb/approvals/plan/{working.pk}/", {"action": "reject", "comment": "Too optimistic"}
    )
    assert response.status_code == 302
    working.refresh_from_db()
    assert working.status == PlanVersion.Status.DRAFT
    [rejected] = audit_trail(actions="plan.reject")
    assert (rejected.target, rejected.comment) == (working, "Too optimistic")
    assert rejected.user == waiting["second"]


# --- a plan's card: its months beside the current OP and LY ---------------------------------
# Tops over FY2025 W01..W05 (fiscal months M01 = W01..W04 and M02 = W05), entered receipts,
# growth 10%, from the hand-made history of tests/planning/plans/conftest.py. Plan total:
#   sales      831.60, 429.00, 1,122.00, 363.00 | 10,998.90  (LY 756, 390, 1,020, 330 | 9,999; x 1.1)
#   markdowns   39.60,   0,        0,     66.00 |      0
#   receipts 2,613.60, 165.00,  792.00, 165.00 | 10,998.90  (LY eop - bop + sales, floored at 0, x 1.1)
#   opening 1,650.00 (this year's stock: tees 50 x 24 + blouses 15 x 30)
#   EOP      3,392.40, 3,128.40, 2,798.40, 2,534.40 | 2,534.40  (BOP + receipts - sales - markdowns)
# M01: sales 2,745.60, receipts 3,735.60, EOP 2,534.40; GM = 2,745.60 - 0.45 x (2,745.60 + 105.60)
#      = 1,462.56, GM % = 1,462.56 / 2,745.60 = 53.27% -> 53.3
# M02: sales = receipts 10,998.90, EOP 2,534.40; GM % = 1 - 0.45 = 55.0
# LY:  M01 sales 2,496.00, receipts (eop - bop + sales + markdowns) 1,692 + 1,350 = 3,042.00,
#      EOP 1,200 + 450 = 1,650.00; M02 sales 9,999.00, receipts 9,999.00, EOP 1,650.00
D = Decimal


@pytest.fixture
def deciders(retailer: dict[str, Any], planner: User, manager: User) -> User:
    """A second manager of Tops who decides on the planner's and the manager's plans."""
    second = User.objects.create_user(username="mo.manager", password="x")
    second.groups.add(*manager.groups.all())
    retailer["tops"].planners.add(planner, manager, second)
    return second


@pytest.fixture
def five_weeks(
    request: pytest.FixtureRequest, retailer: dict[str, Any], planner: User, deciders: User
) -> PlanVersion:
    request.getfixturevalue("history")  # tests/planning/plans/conftest.py's sales and stock
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops 5 weeks", department_id=retailer["tops"].pk, first_week_id=202501,
            last_week_id=202505, method=PlanLine.Method.RECEIPTS, growth_percent=D("10"),
        ),
    )  # fmt: skip
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def _figures(sales: str, gm: str | None, receipts: str, eop: str) -> MonthFigures:
    return MonthFigures(D(sales), None if gm is None else D(gm), D(receipts), D(eop))


def test_a_first_plan_card_shows_its_months_against_ly_and_no_op_yet(
    five_weeks: PlanVersion, planner: User, deciders: User
) -> None:
    version_submit(user=planner, version_id=five_weeks.pk)

    summary = month_summaries([five_weeks])[five_weeks.pk]

    assert summary.original is None
    assert [row.label for row in summary.months] == ["FY2025 M01 Feb", "FY2025 M02 Mar"]
    first, second = summary.months
    assert first.plan == _figures("2745.60", "53.3", "3735.60", "2534.40")
    assert second.plan == _figures("10998.90", "55.0", "10998.90", "2534.40")
    assert first.original is None
    assert (first.last_year.sales, first.last_year.receipts, first.last_year.eop) == (  # type: ignore[union-attr]
        D("2496.00"), D("3042.00"), D("1650.00"),
    )  # fmt: skip
    assert (second.last_year.sales, second.last_year.receipts, second.last_year.eop) == (  # type: ignore[union-attr]
        D("9999.00"), D("9999.00"), D("1650.00"),
    )  # fmt: skip
    html = _client(deciders).get("/otb/approvals/").content.decode()
    assert 'data-testid="no-op">(no OP yet)' in html
    assert "FY2025 M01 Feb" in html
    assert "2,746" in html  # M01 sales shown in whole dollars


def test_the_card_compares_with_the_current_op(
    five_weeks: PlanVersion, planner: User, manager: User, deciders: User
) -> None:
    """OP r1 is the plan as seeded; then Tees W01 sales 501.60 -> 1,501.60 (+1,000): M01 sales
    3,745.60, EOP 2,534.40 - 1,000 = 1,534.40 (receipts are entered: they stay 3,735.60);
    GM = 3,745.60 - 0.45 x (3,745.60 + 105.60) = 2,012.56, GM % 53.73 -> 53.7."""
    version_submit(user=planner, version_id=five_weeks.pk)
    version_approve(user=deciders, version_id=five_weeks.pk)
    tees = PlanLine.objects.get(version=five_weeks, merch_class__code="W-TOP-TEE")
    row = PlanWeek.objects.get(line=tees, fiscal_week_id=202501)
    plan_cells_update(
        user=planner,
        version_id=five_weeks.pk,
        edits=[CellEdit(tees.pk, 202501, "sales", "1501.60", row.row_version)],
    )
    version_recompute(five_weeks.pk)  # the plan total, as the worker rolls it up after the commit
    version_submit(user=planner, version_id=five_weeks.pk)

    summary = month_summaries([five_weeks])[five_weeks.pk]

    assert summary.original == "OP r1"
    first, second = summary.months
    assert first.plan == _figures("3745.60", "53.7", "3735.60", "1534.40")
    assert first.original == _figures("2745.60", "53.3", "3735.60", "2534.40")
    assert second.original == _figures("10998.90", "55.0", "10998.90", "2534.40")
    html = _client(deciders).get("/otb/approvals/").content.decode()
    assert "vs OP r1 (the current OP)" in html
    assert "no OP yet" not in html
    assert "53.7%" in html
    assert "1,534" in html


def test_month_figures_take_a_fixed_number_of_queries(
    five_weeks: PlanVersion, planner: User, manager: User, retailer: dict[str, Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version_submit(user=planner, version_id=five_weeks.pk)
    with CaptureQueriesContext(connection) as one:
        month_summaries([five_weeks])
    other = plan_create(
        user=manager,
        spec=PlanSpec(
            name="Tops again", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202504
        ),
    ).versions.get(kind=PlanVersion.Kind.WORKING)
    with CaptureQueriesContext(connection) as two:
        summaries = month_summaries([five_weeks, other])
    assert len(one) == len(two) == 2  # the plans' OPs and LYs, then the plan-total weeks
    assert [row.label for row in summaries[other.pk].months] == ["FY2025 M01 Feb"]
