"""Plan decisions are in the department's scope: a manager decides only on plans of the
departments assigned to him, on every path (the service, the plan page, the approvals inbox
and the API). A refusal is a 403 with its message and changes nothing: not the status, not the
trail, no original plan, no decision record.

Tops's working plan is submitted by its planner; Max manages Tops, Dana manages Dresses only.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent
from planning.models import PlanTransition, PlanVersion
from planning.plans.services import version_approve, version_reject, version_submit
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import snapshot

Retailer = dict[str, Any]
Kind = PlanVersion.Kind
Status = PlanVersion.Status
NOT_YOURS = "You do not manage W-TOP Tops: only its managers approve or reject its plans."


@pytest.fixture
def submitted(working: PlanVersion, planner: User) -> PlanVersion:
    return version_submit(user=planner, version_id=working.pk)


def _state(version: PlanVersion) -> dict[str, Any]:
    """The version's values and status, its trail, any original plan, the decision records."""
    return {
        **snapshot(version),
        "trail": list(
            PlanTransition.objects.filter(version__plan=version.plan)
            .order_by("id")
            .values_list("version_id", "action", "from_status", "to_status", "reason", "user_id")
        ),
        "originals": PlanVersion.objects.filter(plan=version.plan, kind=Kind.ORIGINAL).count(),
        "decisions": AuditEvent.objects.count(),
        "lock_version": version.lock_version,
    }


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- the service ----------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_manager_of_another_department_cannot_decide(
    submitted: PlanVersion, dresses_manager: User, decision: str
) -> None:
    before = _state(submitted)

    decide = (
        partial(version_approve, comment="Fine by me")
        if decision == "approve"
        else partial(version_reject, reason="Too high")
    )

    with pytest.raises(PermissionDenied, match=re.escape(NOT_YOURS)):
        decide(user=dresses_manager, version_id=submitted.pk)

    assert _state(submitted) == before
    assert before["status"] == Status.SUBMITTED
    assert before["originals"] == 0


def test_the_assigned_manager_decides(submitted: PlanVersion, tops_manager: User) -> None:
    version_approve(user=tops_manager, version_id=submitted.pk)

    assert PlanVersion.objects.filter(plan=submitted.plan, kind=Kind.ORIGINAL).count() == 1


def test_an_admin_decides_for_every_department(submitted: PlanVersion, admin_user: User) -> None:
    version_reject(user=admin_user, version_id=submitted.pk, reason="Receipts too high")

    submitted.refresh_from_db()
    assert submitted.status == Status.DRAFT


def test_the_submitter_still_does_not_decide_his_own_plan(
    working: PlanVersion, tops_manager: User, retailer: Retailer
) -> None:
    version_submit(user=tops_manager, version_id=working.pk)
    before = _state(working)

    with pytest.raises(PermissionDenied, match="You submitted this plan; another manager must approve"):
        version_approve(user=tops_manager, version_id=working.pk)

    assert _state(working) == before


# --- the plan page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"), [("approve", {"comment": "Fine by me"}), ("reject", {"reason": "Too high"})]
)
def test_the_plan_page_refuses_another_departments_manager(
    submitted: PlanVersion, dresses_manager: User, action: str, data: dict[str, str]
) -> None:
    client = _client(dresses_manager)
    page = client.get(f"/planning/plans/versions/{submitted.pk}/").content.decode()
    assert 'data-testid="approve"' not in page  # no buttons for what he cannot do
    assert "Reason to reject" not in page
    before = _state(submitted)

    response = client.post(f"/planning/plans/versions/{submitted.pk}/{action}/", data)

    assert response.status_code == 403
    assert NOT_YOURS in response.content.decode()
    assert _state(submitted) == before


def test_the_plan_page_lets_the_assigned_manager_approve(submitted: PlanVersion, tops_manager: User) -> None:
    client = _client(tops_manager)
    assert 'data-testid="approve"' in client.get(f"/planning/plans/versions/{submitted.pk}/").content.decode()

    response = client.post(f"/planning/plans/versions/{submitted.pk}/approve/")

    assert response.status_code == 302
    assert PlanVersion.objects.filter(plan=submitted.plan, kind=Kind.ORIGINAL).count() == 1


def test_the_plan_list_shows_only_plans_the_manager_may_decide(
    submitted: PlanVersion, dresses_manager: User, tops_manager: User
) -> None:
    waiting = f'href="/planning/plans/versions/{submitted.pk}/"'

    others = _client(dresses_manager).get("/planning/plans/").content.decode()
    own = _client(tops_manager).get("/planning/plans/").content.decode()

    assert "Waiting for your approval" not in others
    assert "Waiting for your approval" in own
    assert waiting in own


# --- the approvals inbox --------------------------------------------------------------------


def test_the_inbox_does_not_list_plans_of_other_departments(
    submitted: PlanVersion, dresses_manager: User, tops_manager: User
) -> None:
    assert "Tops spring 2025" not in _client(dresses_manager).get("/otb/approvals/").content.decode()
    assert "Tops spring 2025 · Working plan" in _client(tops_manager).get("/otb/approvals/").content.decode()


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_the_inbox_refuses_another_departments_manager(
    submitted: PlanVersion, dresses_manager: User, action: str, htmx: bool
) -> None:
    before = _state(submitted)

    response = _client(dresses_manager).post(
        f"/otb/approvals/plan/{submitted.pk}/",
        {"action": action, "comment": "Looks fine"},
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert response.status_code == 403
    assert NOT_YOURS in response.content.decode()
    assert _state(submitted) == before


def test_the_inbox_lets_the_assigned_manager_reject(submitted: PlanVersion, tops_manager: User) -> None:
    response = _client(tops_manager).post(
        f"/otb/approvals/plan/{submitted.pk}/",
        {"action": "reject", "comment": "Too optimistic"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == Status.DRAFT


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body"), [("approve", {"comment": "Fine by me"}), ("reject", {"reason": "Too high"})]
)
def test_the_api_refuses_another_departments_manager(
    submitted: PlanVersion, dresses_manager: User, action: str, body: dict[str, str]
) -> None:
    before = _state(submitted)

    response = _api(dresses_manager).post(
        f"/api/v1/plan-versions/{submitted.pk}/{action}/", body, format="json"
    )

    assert (response.status_code, response.json()["detail"]) == (403, NOT_YOURS)
    assert _state(submitted) == before


def test_the_api_lets_the_assigned_manager_approve(submitted: PlanVersion, tops_manager: User) -> None:
    response = _api(tops_manager).post(f"/api/v1/plan-versions/{submitted.pk}/approve/", {}, format="json")

    assert response.status_code == 200
    assert PlanVersion.objects.filter(plan=submitted.plan, kind=Kind.ORIGINAL).count() == 1
