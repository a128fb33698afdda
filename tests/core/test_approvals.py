"""The one approval flow (core.approvals): the registry lists every kind; the same checks for
each (self-approval is a 403 for every kind, a reject needs a reason, a wrong status is a 400,
a stale read a 409); one audit record per step; the approvers' mail once after the commit and
never on a rollback."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import transaction
from django.test import Client

from core import approvals
from core.approvals import ApprovalKind, Mail, approval_decide, approval_submit
from core.audit import audit_trail
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import AuditEvent
from forecasting import selectors as forecast_selectors
from otb.models import MarkdownProposal, OTBBudget, OTBException, PurchaseOrder, Vendor
from planning.models import PlanTransition, PlanVersion
from planning.plans.services import PlanSpec, plan_create
from planning.roles import MANAGER
from tests.conftest import PASSWORD

# -- a kind of test items, in memory ----------------------------------------------------------


@dataclass
class Item:
    pk: int
    status: str = "draft"
    submitted_by_id: int | None = None
    version: int = 1


@dataclass
class Fake:
    items: dict[int, Item]
    records: list[tuple[int, str, str]]
    sent: list[tuple[int, str, str, str]]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    """A registered kind "thing" whose items live in a dict, a mailer that lists its mail (both
    taken out again afterwards), and the flow's audit records listed instead of stored."""
    state = Fake(items={1: Item(1)}, records=[], sent=[])
    monkeypatch.setattr(
        approvals, "audit_record",
        lambda user, action, target, **fields: state.records.append((target.pk, action, fields["comment"])),
    )  # fmt: skip

    def decide(item: Item, user: Any, decision: str, comment: str, options: Mapping[str, Any]) -> None:
        item.status = "approved" if decision == "approve" else "rejected"

    def submit(item: Item, user: Any, comment: str) -> None:
        item.status, item.submitted_by_id = "submitted", user.pk

    def check_decider(user: Any, item: Item) -> None:
        if not user.is_staff:
            raise Forbidden("Only staff decide on things.")

    kind = ApprovalKind(
        name="thing", label="Things", noun="thing", waiting_status="submitted",
        load=lambda pk: state.items[pk], pending=lambda user: [], check_decider=check_decider,
        decide=decide, submit=submit, submittable=("draft", "rejected"),
        department_of=lambda item: 7,
        mail=lambda item: Mail(7, f"Thing {item.pk} waits", "Decide on it."),
        version_of=lambda item: item.version,
    )  # fmt: skip
    kinds, mailer = dict(approvals._KINDS), list(approvals._MAILER)
    approvals.approval_kind_register(kind)
    approvals.approval_mailer_register(lambda department, subject, body, user: state.sent.append(
        (department, subject, body, user.username)
    ))  # fmt: skip
    yield state
    approvals._KINDS.clear()
    approvals._KINDS.update(kinds)
    approvals._MAILER[:] = mailer


@dataclass
class Person:
    pk: int
    username: str
    is_staff: bool = True


ANN, BOB = Person(1, "ann"), Person(2, "bob")


def test_the_registry_lists_every_kind_in_inbox_order() -> None:
    assert [(kind.name, kind.label) for kind in approvals.approval_kinds()] == [
        ("plan", "Plans"),
        ("target", "Targets"),
        ("otb_budget", "OTB budgets"),
        ("otb_exception", "Orders over OTB"),
        ("markdown", "Markdowns"),
    ]
    with pytest.raises(NotFound):
        approvals.approval_kind("nothing")


@pytest.mark.django_db(transaction=True)
def test_submit_then_decide_records_each_step_once_and_mails_after_the_commit(fake: Fake) -> None:
    with transaction.atomic():
        approval_submit("thing", 1, ANN)
        assert fake.sent == []  # not before the commit
    assert fake.sent == [(7, "Thing 1 waits", "Decide on it.", "ann")]
    approval_decide("thing", 1, BOB, "approve", comment="  fine  ")
    assert fake.items[1].status == "approved"
    assert fake.records == [(1, "thing.submit", ""), (1, "thing.approve", "fine")]
    assert len(fake.sent) == 1  # a decision mails no one


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_submission_mails_no_one(fake: Fake) -> None:
    def request() -> None:
        with transaction.atomic():
            approval_submit("thing", 1, ANN)
            raise RuntimeError("the request failed after the submit")

    with pytest.raises(RuntimeError):
        request()
    assert fake.sent == []


@pytest.mark.django_db
def test_the_submitter_may_not_decide_a_403(fake: Fake) -> None:
    approval_submit("thing", 1, ANN)
    with pytest.raises(Forbidden, match=r"You submitted this thing: another manager must decide on it\."):
        approval_decide("thing", 1, ANN, "approve")
    assert fake.items[1].status == "submitted"
    assert [action for _, action, _ in fake.records] == ["thing.submit"]


@pytest.mark.django_db
def test_a_reject_needs_a_reason_and_a_wrong_status_or_stale_read_is_refused(fake: Fake) -> None:
    with pytest.raises(InvalidInput, match=r"This thing is not waiting for a decision\."):
        approval_decide("thing", 1, BOB, "approve")
    approval_submit("thing", 1, ANN)
    with pytest.raises(InvalidInput, match=r"Say why the thing is rejected\.") as refused:
        approval_decide("thing", 1, BOB, "reject", comment="   ")
    assert refused.value.status == 400
    with pytest.raises(Conflict) as stale:
        approval_decide("thing", 1, BOB, "approve", seen_version=0)
    assert stale.value.details == {"current_version": 1, "seen_version": 0}
    with pytest.raises(Forbidden, match="Only staff"):
        approval_decide("thing", 1, Person(3, "cy", is_staff=False), "approve")
    with pytest.raises(InvalidInput, match=r"Choose approve or reject\."):
        approval_decide("thing", 1, BOB, "maybe")
    assert fake.items[1].status == "submitted"
    approval_decide("thing", 1, BOB, "reject", comment="Too much")
    assert fake.records[-1] == (1, "thing.reject", "Too much")
    with pytest.raises(InvalidInput, match="This thing is not waiting"):
        approval_decide("thing", 1, BOB, "approve")


# -- every registered kind, through the inbox ---------------------------------------------------


@pytest.fixture
def own_requests(
    retailer: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> dict[str, int]:
    """One item of each kind, each submitted (or requested) by the manager who will try to
    decide on it."""
    retailer["tops"].planners.add(manager)
    week = forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 3)[2]
    plan = plan_create(
        user=manager,
        spec=PlanSpec(
            name="Tops FY", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202504
        ),
    )
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    approval_submit("plan", working.pk, manager)
    budget = OTBBudget.objects.create(
        department=retailer["tops"], fiscal_year=week.year, status=OTBBudget.Status.SUBMITTED,
        created_by=manager, submitted_by=manager,
    )  # fmt: skip
    order = PurchaseOrder.objects.create(
        number="PO-1", vendor=Vendor.objects.create(code="V1", name="Mill"), department=retailer["tops"],
        created_by=manager, status=PurchaseOrder.Status.AWAITING_APPROVAL,
    )  # fmt: skip
    exception = OTBException.objects.create(
        order=order, department=retailer["tops"], month_key=week.year * 100 + week.month,
        requested_retail=Decimal("100"), available_retail=Decimal("0"), requested_by=manager,
    )  # fmt: skip
    proposal = MarkdownProposal.objects.create(
        department=retailer["tops"], name="Spring", effective_week=week, created_by=manager,
        status=MarkdownProposal.Status.SUBMITTED, submitted_by=manager,
    )  # fmt: skip
    return {
        "plan": working.pk,
        "otb_budget": budget.pk,
        "otb_exception": exception.pk,
        "markdown": proposal.pk,
    }


@pytest.mark.django_db
def test_self_approval_is_a_403_for_every_kind(own_requests: dict[str, int], manager: User) -> None:
    client = Client()
    client.force_login(manager)
    for kind, object_id in own_requests.items():
        with pytest.raises(Forbidden):
            approval_decide(kind, object_id, manager, "approve", reason="demand")
        response = client.post(
            f"/otb/approvals/{kind}/{object_id}/",
            {"action": "approve", "reason": "demand"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 403, kind
    assert not AuditEvent.objects.exclude(action__endswith=".submit").exists()
    assert not PlanTransition.objects.filter(action__in=["approve", "reject"]).exists()


@pytest.mark.django_db
def test_an_inbox_decision_on_a_plan_leaves_one_record(
    own_requests: dict[str, int], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The inbox wrote an ApprovalDecision beside the plan's trail row: one audit record now,
    beside the plan's own state history (PlanTransition)."""
    second = User.objects.create_user(username="mo.manager", password=PASSWORD)
    second.groups.add(Group.objects.get(name=MANAGER))
    PlanVersion.objects.get(pk=own_requests["plan"]).plan.department.planners.add(second)
    client = Client()
    client.force_login(second)
    response = client.post(
        f"/otb/approvals/plan/{own_requests['plan']}/",
        {"action": "reject", "comment": "Too optimistic"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    rejects = PlanTransition.objects.filter(version_id=own_requests["plan"], action="reject")
    assert [(row.user, row.reason) for row in rejects] == [(second, "Too optimistic")]
    [event] = [event for event in audit_trail(actions="plan.") if event.action == "plan.reject"]
    assert (event.action, event.user, event.comment) == ("plan.reject", second, "Too optimistic")
    assert (event.old, event.new) == ({"status": "submitted"}, {"status": "draft"})


@pytest.mark.django_db
def test_each_kind_mails_its_approvers_once_after_the_commit(
    retailer: dict[str, Any], planner: User, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    manager.email = "max@example.com"
    manager.save()
    retailer["tops"].planners.add(planner, manager)
    plan = plan_create(
        user=planner,
        spec=PlanSpec(
            name="Tops FY", department_id=retailer["tops"].pk, first_week_id=202501, last_week_id=202504
        ),
    )
    working = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approval_submit("plan", working.pk, planner)
    assert mail.outbox == []  # queued, not sent
    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.subject for message in mail.outbox] == [
        "[Merchplan] Plan Tops FY (Working plan) waits for you"
    ]
    assert [transition.action for transition in PlanTransition.objects.filter(version=working)] == [
        "submit",
        "create",
    ]
