"""The approvals inbox: what waits, one-click decisions with a comment, mail to approvers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from forecasting import selectors as forecast_selectors
from otb import services
from otb.models import ApprovalDecision, OTBBudget, OTBBudgetMonth, OTBException, PurchaseOrder, Vendor
from otb.orders import LineRequest, purchase_order_create

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
        budget=budget, month_key=services.month_key(week), receipts_retail=Decimal("117000"), receipts_cost=0
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
    decision = ApprovalDecision.objects.get(kind="otb_exception")
    assert (decision.action, decision.user, decision.comment) == (
        "approve",
        waiting["manager"],
        "demand: Holiday demand",
    )


def test_a_refused_decision_answers_in_the_row_and_changes_nothing(waiting: dict[str, Any]) -> None:
    exception = OTBException.objects.get()
    response = _client(waiting["manager"]).post(
        f"/otb/approvals/otb_exception/{exception.pk}/", {"action": "reject"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert b"Say why the exception is rejected." in response.content
    assert OTBException.objects.get().status == OTBException.Status.PENDING
    assert not ApprovalDecision.objects.filter(kind="otb_exception").exists()


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
    assert ApprovalDecision.objects.filter(kind="plan", action="reject", comment="Too optimistic").exists()
