"""OTB budgets, OTB exceptions and markdowns are decided in the department's scope on every
path: a manager of Dresses who tries to decide on Tops's items gets a 403 that says why on
the page, in the approvals inbox and in the API, and nothing changes (status, the order, the
prices, the decision records). The manager of Tops still decides.

The items (all Tops, all requested by Pat the planner): a submitted OTB budget; a purchase
order 33,000 over OTB waiting on its exception; a markdown proposal (ST-1-BLK at 18.00).
(OTB budgets have no decision endpoint in the API: page and inbox only.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent
from otb import services
from otb.markdowns import services as markdown_services
from otb.markdowns.services import ItemRequest
from otb.models import (
    MarkdownProposal,
    OTBBudget,
    OTBBudgetMonth,
    OTBException,
    PriceChange,
    PurchaseOrder,
    Vendor,
)
from otb.orders import LineRequest, purchase_order_create
from planning.roles import MANAGER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NOT_YOURS = "You do not manage this department."


@pytest.fixture
def dresses_manager(shop: dict[str, Any]) -> User:
    user = User.objects.create_user(username="dana.dresses", password=PASSWORD)
    user.groups.add(Group.objects.get(name=MANAGER))
    shop["dresses"].planners.add(user)
    return user


@pytest.fixture
def items(
    shop: dict[str, Any], planner: User, manager: User, django_capture_on_commit_callbacks: Any
) -> dict[str, Any]:
    week = shop["open"][2]
    approved = OTBBudget.objects.create(
        department=shop["tops"], fiscal_year=week.year, number=1, status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )  # fmt: skip
    OTBBudgetMonth.objects.create(
        budget=approved,
        month_key=services.month_key(week),
        receipts_retail=Decimal("117000"),
        receipts_cost=Decimal(0),
    )
    budget = OTBBudget.objects.create(
        department=shop["tops"], fiscal_year=week.year, number=2, status=OTBBudget.Status.SUBMITTED,
        created_by=planner, submitted_by=planner,
    )  # fmt: skip
    OTBBudgetMonth.objects.create(
        budget=budget,
        month_key=services.month_key(week),
        receipts_retail=Decimal("90000"),
        receipts_cost=Decimal(0),
    )
    Vendor.objects.create(code="V9", name="Mill & Co")
    with django_capture_on_commit_callbacks(execute=True):
        order = purchase_order_create(
            user=planner, number="PO-BIG", vendor_code="V9", department_id=shop["tops"].pk,
            lines=[LineRequest("ST-1-BLK-S", "DC1", 1500, Decimal("45"), Decimal("100"), week.pk)],
            request_exception=True,
        )  # fmt: skip
    proposal = markdown_services.markdown_proposal_create(
        user=planner,
        department_id=shop["tops"].pk,
        name="Tee clearance",
        effective_week_id=shop["open"][0].id,
        items=[ItemRequest(shop["a"].pk, Decimal("18.00"))],
    )
    markdown_services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk)
    return {
        "otb_budget": budget.pk,
        "otb_exception": OTBException.objects.get(order=order).pk,
        "markdown": proposal.pk,
        "order": order.pk,
    }


def _state(items: dict[str, Any]) -> dict[str, Any]:
    return {
        "budget": OTBBudget.objects.values_list("status", "decided_by", "comment").get(
            pk=items["otb_budget"]
        ),
        "exception": OTBException.objects.values_list("status", "decided_by").get(pk=items["otb_exception"]),
        "order": PurchaseOrder.objects.values_list("status", "row_version").get(pk=items["order"]),
        "proposal": MarkdownProposal.objects.values_list("status", "decided_by", "row_version").get(
            pk=items["markdown"]
        ),
        "decisions": list(AuditEvent.objects.order_by("id").values_list("action", "user_id")),
        "prices": PriceChange.objects.count(),
    }


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# What each page posts to approve, and what it answers a manager of another department.
PAGES = {
    "otb_budget": (
        "/otb/budgets/{id}/decide/",
        {"decision": "approve", "comment": "Fine"},
        "You cannot change budgets of this department.",
    ),
    "otb_exception": (
        "/otb/exceptions/{id}/decide/",
        {"decision": "approve", "reason": "demand", "comment": "Holiday demand"},
        "Only a manager of the department decides on its OTB exceptions.",
    ),
    "markdown": ("/otb/markdowns/{id}/decide/", {"action": "approve", "row_version": 2}, NOT_YOURS),
}
APIS = {
    "otb_exception": (
        "/api/v1/otb/exceptions/{id}/decide/",
        {"approve": True, "reason": "demand", "comment": "Holiday demand"},
        "Only managers of the department decide on OTB exceptions.",
    ),
    "markdown": (
        "/api/v1/otb/markdowns/{id}/decide/",
        {"approve": True, "comment": "", "row_version": 2},
        "Only managers of the department decide on markdowns.",
    ),
}


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("kind", list(PAGES))
def test_the_pages_refuse_another_departments_manager(
    items: dict[str, Any], dresses_manager: User, kind: str, htmx: bool
) -> None:
    url, data, message = PAGES[kind]
    before = _state(items)

    response = _client(dresses_manager).post(
        url.format(id=items[kind]), data, headers={"HX-Request": "true"} if htmx else {}
    )

    assert response.status_code == 403
    assert message in response.content.decode()
    if htmx and kind == "markdown":  # its decision panel, with the message in it
        assert response.content.decode().lstrip().startswith('<section class="card" id="decision">')
    assert _state(items) == before


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("kind", ["otb_budget", "otb_exception", "markdown"])
def test_the_inbox_refuses_another_departments_manager(
    items: dict[str, Any], dresses_manager: User, kind: str, htmx: bool
) -> None:
    inbox = _client(dresses_manager).get("/otb/approvals/").content.decode()
    assert "Nothing waits for your decision." in inbox
    before = _state(items)

    response = _client(dresses_manager).post(
        f"/otb/approvals/{kind}/{items[kind]}/",
        {"action": "approve", "reason": "demand", "comment": "Fine"},
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert response.status_code == 403
    assert NOT_YOURS in response.content.decode()
    assert _state(items) == before


@pytest.mark.parametrize("kind", list(APIS))
def test_the_api_refuses_another_departments_manager(
    items: dict[str, Any], dresses_manager: User, kind: str
) -> None:
    url, body, message = APIS[kind]
    before = _state(items)

    response = _api(dresses_manager).post(url.format(id=items[kind]), body, format="json")

    assert (response.status_code, response.json()["detail"]) == (403, message)
    assert _state(items) == before


def test_the_departments_manager_decides_each_in_the_inbox(
    items: dict[str, Any], manager: User, working: Any
) -> None:
    """(The markdown's approval writes its cost into `working`, Tops's working plan.)"""
    client = _client(manager)
    for kind in ("otb_budget", "otb_exception", "markdown"):
        response = client.post(
            f"/otb/approvals/{kind}/{items[kind]}/",
            {"action": "approve", "reason": "demand", "comment": "Fine"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200, (kind, response.content)

    assert _state(items)["budget"][0] == OTBBudget.Status.APPROVED
    assert _state(items)["exception"][0] == OTBException.Status.APPROVED
    assert _state(items)["proposal"][0] == MarkdownProposal.Status.APPROVED
    assert [tuple(action.split(".")) for action, _ in _state(items)["decisions"]] == [
        ("markdown", "submit"),
        ("otb_budget", "approve"),
        ("otb_exception", "approve"),
        ("markdown", "approve"),
    ]
