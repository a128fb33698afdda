"""A submission can be withdrawn before a decision, and every decision's comment is in the
plan's trail (who, when, what, comment) on the plan page and in the API.

Tops's working plan; Pat plans Tops and submits, Sam plans Tops too, Max manages Tops. The
clock is pinned to 7 Dec 2026 12:00 UTC, so every step of the trail is dated "7 Dec 2026".
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from core.errors import InvalidInput
from core.models import AuditEvent
from planning.models import PlanTransition, PlanVersion
from planning.plans import selectors
from planning.plans.services import (
    PlanError,
    version_approve,
    version_reject,
    version_submit,
    version_withdraw,
)
from planning.roles import PLANNER
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import snapshot

Retailer = dict[str, Any]
Kind = PlanVersion.Kind
Status = PlanVersion.Status
LONG = "x" * 2001


@pytest.fixture
def submitted(working: PlanVersion, planner: User, tops_manager: User) -> PlanVersion:
    return version_submit(user=planner, version_id=working.pk)


@pytest.fixture
def dresses_planner(retailer: Retailer) -> User:
    user = User.objects.create_user(username="dee.dresses", password=PASSWORD)
    user.groups.add(Group.objects.get(name=PLANNER))
    retailer["dresses"].planners.add(user)
    return user


def _trail(version: PlanVersion) -> list[tuple[str, str, str, str, str]]:
    return [
        (t.action, t.from_status, t.to_status, t.reason, t.user.get_username())
        for t in PlanTransition.objects.filter(version=version).select_related("user").order_by("id")
    ]


def _state(version: PlanVersion) -> dict[str, Any]:
    return {
        **snapshot(version),
        "trail": _trail(version),
        "originals": PlanVersion.objects.filter(plan=version.plan, kind=Kind.ORIGINAL).count(),
        "decisions": AuditEvent.objects.count(),
    }


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _page(user: User, version: PlanVersion) -> str:
    return _client(user).get(f"/planning/plans/versions/{version.pk}/").content.decode()


def _trail_rows(html: str) -> list[list[str]]:
    """The plan page's trail, newest first: [when, version, what, who, comment] per step."""
    table = re.search(r'<table class="data compact" data-testid="trail">.*?</table>', html, flags=re.DOTALL)
    assert table, "no trail on the page"
    rows = re.findall(r"<tr data-action=[^>]*>(.*?)</tr>", table.group(0), flags=re.DOTALL)
    return [[re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in rows]  # fmt: skip


# --- withdraw: the service ------------------------------------------------------------------


def test_the_submitter_withdraws_back_to_draft(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    assert list(selectors.versions_to_decide(tops_manager)) == [submitted]

    version = version_withdraw(user=planner, version_id=submitted.pk, reason="  Forgot the W03 promotion ")

    assert (version.status, version.is_editable) == (Status.DRAFT, True)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.lock_version) == (Status.DRAFT, 3)  # create 1, submit 2, withdraw 3
    assert _trail(submitted)[-1] == (
        "withdraw",
        "submitted",
        "draft",
        "Forgot the W03 promotion",
        "pat.planner",
    )
    assert list(selectors.versions_to_decide(tops_manager)) == []  # it left the inbox
    assert not PlanVersion.objects.filter(plan=submitted.plan, kind=Kind.ORIGINAL).exists()


def test_a_planner_of_the_department_withdraws_a_colleagues_submission(
    submitted: PlanVersion, other_planner: User
) -> None:
    version_withdraw(user=other_planner, version_id=submitted.pk)

    assert _trail(submitted)[-1] == ("withdraw", "submitted", "draft", "", "sam.second")


def test_a_manager_who_did_not_submit_decides_instead_of_withdrawing(
    submitted: PlanVersion, tops_manager: User
) -> None:
    before = _state(submitted)

    with pytest.raises(
        PermissionDenied,
        match=re.escape(
            "Only the submitter or a planner of W-TOP Tops withdraws a submission; "
            "as a manager, approve or reject it."
        ),
    ):
        version_withdraw(user=tops_manager, version_id=submitted.pk)

    assert _state(submitted) == before


def test_a_planner_of_another_department_cannot_withdraw(
    submitted: PlanVersion, dresses_planner: User
) -> None:
    before = _state(submitted)

    with pytest.raises(PermissionDenied, match=re.escape("You cannot change plans of W-TOP Tops.")):
        version_withdraw(user=dresses_planner, version_id=submitted.pk)

    assert _state(submitted) == before


def test_an_approved_submission_cannot_be_withdrawn(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    version_approve(user=tops_manager, version_id=submitted.pk)
    before = _state(submitted)

    with pytest.raises(PlanError) as refused:
        version_withdraw(user=planner, version_id=submitted.pk)

    assert str(refused.value) == (
        "Working plan was already approved by max.manager: only a submission still waiting can be withdrawn."
    )
    assert _state(submitted) == before
    assert before["originals"] == 1


def test_a_rejected_submission_cannot_be_withdrawn(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    version_reject(user=tops_manager, version_id=submitted.pk, reason="Too much stock")
    before = _state(submitted)

    with pytest.raises(
        PlanError, match=re.escape("Working plan was already rejected by max.manager: only a submission")
    ):
        version_withdraw(user=planner, version_id=submitted.pk)

    assert _state(submitted) == before


def test_a_draft_never_submitted_has_nothing_to_withdraw(working: PlanVersion, planner: User) -> None:
    with pytest.raises(PlanError) as refused:
        version_withdraw(user=planner, version_id=working.pk)

    assert str(refused.value) == (
        "Working plan is not waiting for approval: only a submission still waiting can be withdrawn."
    )
    assert [step[0] for step in _trail(working)] == ["create"]


def test_a_withdrawn_submission_is_not_approved_afterwards(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    version_withdraw(user=planner, version_id=submitted.pk)
    before = _state(submitted)

    with pytest.raises(InvalidInput) as refused:
        version_approve(user=tops_manager, version_id=submitted.pk)

    assert str(refused.value) == "Working plan was already withdrawn by pat.planner."
    assert _state(submitted) == before


def test_a_resubmitted_plan_waits_again_and_is_decided(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    version_withdraw(user=planner, version_id=submitted.pk)
    version_submit(user=planner, version_id=submitted.pk)

    version_approve(user=tops_manager, version_id=submitted.pk)

    assert [step[0] for step in _trail(submitted)] == ["create", "submit", "withdraw", "submit", "approve"]


def test_a_reason_over_2000_characters_is_refused(submitted: PlanVersion, planner: User) -> None:
    before = _state(submitted)

    with pytest.raises(PlanError, match=r"Keep the comment to 2,000 characters \(it has 2,001\)."):
        version_withdraw(user=planner, version_id=submitted.pk, reason=LONG)

    assert _state(submitted) == before


# --- withdraw: the page, the inbox and the API ----------------------------------------------


def test_the_page_offers_withdraw_to_the_submitter_only(
    submitted: PlanVersion, planner: User, tops_manager: User, executive: User
) -> None:
    assert 'data-testid="withdraw"' in _page(planner, submitted)
    assert 'data-testid="withdraw"' not in _page(tops_manager, submitted)  # he approves or rejects
    assert 'data-testid="withdraw"' not in _page(executive, submitted)


def test_withdrawing_on_the_page_leaves_the_inbox(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    assert "Tops spring 2025 · Working plan" in _client(tops_manager).get("/otb/approvals/").content.decode()

    response = _client(planner).post(
        f"/planning/plans/versions/{submitted.pk}/withdraw/", {"reason": "Forgot W03"}, follow=True
    )

    assert response.redirect_chain == [(f"/planning/plans/versions/{submitted.pk}/", 302)]
    html = response.content.decode()
    assert "Withdrawn: the plan is a draft again and no longer waits for approval." in html
    assert _trail_rows(html)[0][2:] == ["Withdrawn", "pat.planner", "Forgot W03"]
    assert "Submit for approval" in html  # a draft again
    assert "Tops spring 2025" not in _client(tops_manager).get("/otb/approvals/").content.decode()
    # Deciding from a stale inbox: refused with what happened.
    late = _client(tops_manager).post(
        f"/otb/approvals/plan/{submitted.pk}/", {"action": "approve"}, headers={"HX-Request": "true"}
    )
    assert late.status_code == 422
    assert "Working plan was already withdrawn by pat.planner." in late.content.decode()


def test_withdrawing_a_decided_plan_on_the_page_says_why(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    version_approve(user=tops_manager, version_id=submitted.pk)
    before = _state(submitted)

    response = _client(planner).post(f"/planning/plans/versions/{submitted.pk}/withdraw/", follow=True)

    assert (
        "Working plan was already approved by max.manager: only a submission still waiting can be withdrawn."
        in response.content.decode()
    )
    assert _state(submitted) == before


def test_a_manager_withdrawing_on_the_page_gets_a_403(submitted: PlanVersion, tops_manager: User) -> None:
    before = _state(submitted)

    response = _client(tops_manager).post(f"/planning/plans/versions/{submitted.pk}/withdraw/")

    assert response.status_code == 403
    assert "as a manager, approve or reject it." in response.content.decode()
    assert _state(submitted) == before


def test_the_api_withdraws(submitted: PlanVersion, planner: User) -> None:
    response = _api(planner).post(
        f"/api/v1/plan-versions/{submitted.pk}/withdraw/", {"reason": "Forgot W03"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["is_editable"]) == ("draft", True)
    assert _trail(submitted)[-1] == ("withdraw", "submitted", "draft", "Forgot W03", "pat.planner")


def test_the_api_refuses_to_withdraw_a_decided_plan(
    submitted: PlanVersion, planner: User, tops_manager: User
) -> None:
    version_reject(user=tops_manager, version_id=submitted.pk, reason="Too much stock")
    before = _state(submitted)

    response = _api(planner).post(f"/api/v1/plan-versions/{submitted.pk}/withdraw/", {}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Working plan was already rejected by max.manager: "
            "only a submission still waiting can be withdrawn.",
            "code": "invalid",
        },
    )
    assert _state(submitted) == before


@pytest.mark.parametrize(
    ("who", "body", "code", "detail"),
    [
        ("dresses_planner", {}, 403, "You cannot change plans of W-TOP Tops."),
        ("tops_manager", {}, 403, None),
        ("planner", {"reason": LONG}, 400, "reason: Ensure this field has no more than 2000 characters."),
    ],
)
def test_the_api_refuses_a_withdrawal(
    submitted: PlanVersion, request: pytest.FixtureRequest, who: str, body: dict[str, str], code: int,
    detail: str | None,
) -> None:  # fmt: skip
    before = _state(submitted)

    response = _api(request.getfixturevalue(who)).post(
        f"/api/v1/plan-versions/{submitted.pk}/withdraw/", body, format="json"
    )

    assert response.status_code == code
    if detail:
        assert response.json()["detail"] == detail
    assert _state(submitted) == before


# --- the trail: approval comments and reasons -----------------------------------------------


def test_an_approval_comment_on_the_page_shows_in_the_trail(
    submitted: PlanVersion, tops_manager: User
) -> None:
    response = _client(tops_manager).post(
        f"/planning/plans/versions/{submitted.pk}/approve/", {"comment": " Receipts look right "}, follow=True
    )

    rows = _trail_rows(response.content.decode())
    assert rows[0][2:] == ["Approved", "max.manager", "Receipts look right"]
    assert rows[0][1] == "Working plan"
    assert rows[0][0].startswith("7 Dec 2026 ")
    assert [row[2] for row in rows] == [
        "Approved",
        "Approved",
        "Submitted for approval",
        "Created",
        "Created",
        "Created",
    ]
    assert _trail(submitted)[-1] == ("approve", "submitted", "draft", "Receipts look right", "max.manager")


def test_a_rejection_reason_shows_in_the_trail(submitted: PlanVersion, tops_manager: User) -> None:
    response = _client(tops_manager).post(
        f"/planning/plans/versions/{submitted.pk}/reject/", {"reason": "W04 stock too high"}, follow=True
    )

    rows = _trail_rows(response.content.decode())
    assert rows[0][1:] == ["Working plan", "Rejected", "max.manager", "W04 stock too high"]


def test_an_approval_comment_in_the_inbox_shows_in_the_trail(
    submitted: PlanVersion, tops_manager: User, planner: User
) -> None:
    response = _client(tops_manager).post(
        f"/otb/approvals/plan/{submitted.pk}/",
        {"action": "approve", "comment": "Good plan"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert _trail(submitted)[-1] == ("approve", "submitted", "draft", "Good plan", "max.manager")
    assert _trail_rows(_page(planner, submitted))[0][2:] == ["Approved", "max.manager", "Good plan"]


def test_an_approval_comment_in_the_api_shows_in_the_trail(
    submitted: PlanVersion, tops_manager: User, planner: User
) -> None:
    approved = _api(tops_manager).post(
        f"/api/v1/plan-versions/{submitted.pk}/approve/", {"comment": "Good plan"}, format="json"
    )
    assert approved.status_code == 200

    trail = _api(planner).get(f"/api/v1/plan-versions/{submitted.pk}/trail/")

    assert trail.status_code == 200
    assert [
        (step["action"], step["what"], step["from_status"], step["to_status"], step["user"], step["comment"])
        for step in trail.json()
    ] == [
        ("create", "Created", "", "draft", "pat.planner", ""),
        ("submit", "Submitted for approval", "draft", "submitted", "pat.planner", ""),
        ("approve", "Approved", "submitted", "draft", "max.manager", "Good plan"),
    ]
    assert trail.json()[-1]["at"].startswith("2026-12-07T12:")


def test_an_approval_comment_over_2000_characters_changes_nothing(
    submitted: PlanVersion, tops_manager: User
) -> None:
    before = _state(submitted)

    page = _client(tops_manager).post(
        f"/planning/plans/versions/{submitted.pk}/approve/", {"comment": LONG}, follow=True
    )
    api = _api(tops_manager).post(
        f"/api/v1/plan-versions/{submitted.pk}/approve/", {"comment": LONG}, format="json"
    )

    assert "Keep the comment to 2,000 characters (it has 2,001)." in page.content.decode()
    assert (api.status_code, api.json()["detail"]) == (
        400,
        "comment: Ensure this field has no more than 2000 characters.",
    )
    assert _state(submitted) == before


# --- approve and withdraw at the same time --------------------------------------------------


def _in_memory_sqlite() -> bool:
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["approve", "withdraw"])
def test_approve_and_withdraw_at_once_only_one_wins(
    working: PlanVersion, planner: User, manager: User, retailer: Retailer, first: str
) -> None:
    """The first to lock the version row wins; the second waits for its commit, then reads
    the new status and is refused. One thread holds the lock (its transaction open) until the
    other is seen waiting on it."""
    if _in_memory_sqlite():
        pytest.skip("needs row locks between connections: run with DATABASE_URL (PostgreSQL, as CI does)")
    from django.db import transaction

    retailer["tops"].planners.add(manager)
    version_submit(user=planner, version_id=working.pk)
    holding, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def act(name: str) -> None:
        if name == "approve":
            version_approve(user=manager, version_id=working.pk, comment="Fine")
        else:
            version_withdraw(user=planner, version_id=working.pk)

    def winner() -> None:
        try:
            with transaction.atomic():
                act(first)
                holding.set()
                release.wait(timeout=30)  # keep the row locked while the other one tries
            outcomes[first] = "done"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[first] = f"error {type(error).__name__}: {error}"
        finally:
            holding.set()
            connection.close()

    second = "withdraw" if first == "approve" else "approve"

    def loser() -> None:
        try:
            act(second)
            outcomes[second] = "done"
        except InvalidInput as error:  # PlanError, or core.approvals' status refusal
            outcomes[second] = str(error)
        except Exception as error:  # noqa: BLE001
            outcomes[second] = f"error {type(error).__name__}: {error}"
        finally:
            connection.close()

    one = threading.Thread(target=winner)
    one.start()
    assert holding.wait(timeout=30)
    two = threading.Thread(target=loser)
    two.start()
    two.join(timeout=1.5)
    assert two.is_alive(), f"the second one did not wait for the lock: {outcomes}"
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)

    done = {
        "approve": "Working plan was already approved by max.manager: "
        "only a submission still waiting can be withdrawn.",
        "withdraw": "Working plan was already withdrawn by pat.planner.",
    }
    assert outcomes == {first: "done", second: done[first]}
    working.refresh_from_db()
    assert working.status == Status.DRAFT
    assert [step[0] for step in _trail(working)] == ["create", "submit", first]
    originals = PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).count()
    assert originals == (1 if first == "approve" else 0)
