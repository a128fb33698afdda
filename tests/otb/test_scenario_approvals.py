"""The approval card of a what-if scenario in the manager's inbox: the changes promoting it makes
in the working plan now, its conflicts with a choice per cell and for all, and the page of all
changes. The plan: tests/planning/plans/conftest.py (Tops FY2025 W01..W04; Tees W02 sales 264.00,
W03 792.00; Blouses W02 165.00)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from planning.models import PlanCellChange, PlanVersion
from planning.plans.services import CellEdit, plan_cells_update, scenario_branch, version_submit
from tests.planning.plans.conftest import column, dollars, history, line_of, plan, spec, working  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _edit(version: PlanVersion, user: User, merch_class: Any, week: int, value: str) -> None:
    line = line_of(version, merch_class)
    plan_cells_update(user=user, version_id=version.pk, edits=[CellEdit(line.pk, week, "sales", value)])


@pytest.fixture
def scenario(
    working: PlanVersion,  # noqa: F811 - the fixture
    planner: User,
    manager: User,
    retailer: dict[str, Any],
    history: dict[str, Any],  # noqa: F811 - the fixture
) -> PlanVersion:
    """Tees W02 300 and Blouses W02 200 in the scenario; the working plan set Tees W02 to 280."""
    retailer["tops"].planners.add(manager)
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    _edit(scenario, planner, history["tees"], 202502, "300")
    _edit(scenario, planner, history["blouses"], 202502, "200")
    _edit(working, planner, history["tees"], 202502, "280")
    version_submit(user=planner, version_id=scenario.pk)
    return scenario


def test_the_card_shows_the_changes_and_the_conflict(
    scenario: PlanVersion,
    manager: User,
    history: dict[str, Any],  # noqa: F811 - the fixture
) -> None:
    html = _client(manager).get("/otb/approvals/").content.decode()

    key = f"{history['tees'].pk}:202502:sales"
    assert "1 change from the scenario applies to the working plan as it is now" in html
    assert "1 cell changed in both since the branch" in html
    assert f'name="resolve:{key}" value="scenario"' in html
    assert f'name="resolve:{key}" value="working"' in html
    assert 'name="resolve_all" value="working"' in html
    assert f'href="/otb/approvals/plan/{scenario.pk}/changes/"' in html
    for text in ("W-TOP-BLS Blouses", "FY2025 W02", "165.00", "200.00", "264.00", "280.00", "300.00"):
        assert text in html
    # Its month figures are the what-if's, and the card says the new OP is the merged working plan.
    assert "By month: this what-if" in html
    assert 'data-testid="what-if-months-note"' in html


def test_approving_without_a_choice_is_refused_then_a_choice_approves(
    scenario: PlanVersion,
    working: PlanVersion,  # noqa: F811 - the fixture
    manager: User,
    history: dict[str, Any],  # noqa: F811 - the fixture
) -> None:
    url = f"/otb/approvals/plan/{scenario.pk}/"
    key = f"{history['tees'].pk}:202502:sales"

    refused = _client(manager).post(url, {"action": "approve"}, headers={"HX-Request": "true"})
    approved = _client(manager).post(
        url, {"action": "approve", f"resolve:{key}": "scenario"}, headers={"HX-Request": "true"}
    )

    assert refused.status_code == 409
    assert "1 cell changed in both Hot summer and the working plan since it was branched" in (
        refused.content.decode()
    )
    assert approved.status_code == 200
    assert "The decision is in the audit trail." in approved.content.decode()
    # Tees W02 the scenario's 300 (picked), Blouses W02 the scenario's 200 (no conflict).
    assert column(line_of(working, history["tees"]), "sales")[1] == dollars("300.00")[0]
    assert column(line_of(working, history["blouses"]), "sales")[1] == dollars("200.00")[0]
    assert PlanCellChange.objects.filter(line__version=working, source="promote").count() == 2


def test_all_working_plan_keeps_its_value(
    scenario: PlanVersion,
    working: PlanVersion,  # noqa: F811 - the fixture
    manager: User,
    history: dict[str, Any],  # noqa: F811 - the fixture
) -> None:
    response = _client(manager).post(
        f"/otb/approvals/plan/{scenario.pk}/", {"action": "approve", "resolve_all": "working"}
    )
    assert response.status_code == 302
    assert column(line_of(working, history["tees"]), "sales")[1] == dollars("280.00")[0]
    assert column(line_of(working, history["blouses"]), "sales")[1] == dollars("200.00")[0]


def test_the_page_of_all_changes_is_the_deciding_managers(
    scenario: PlanVersion, manager: User, planner: User
) -> None:
    page = _client(manager).get(f"/otb/approvals/plan/{scenario.pk}/changes/")
    refused = _client(planner).get(f"/otb/approvals/plan/{scenario.pk}/changes/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "1 change to apply" in html
    assert "1 conflict: pick the winner on the approval card" in html
    assert refused.status_code == 403  # the inbox is for managers
