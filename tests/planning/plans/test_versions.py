"""Versions and approvals: submit, approve (a new frozen OP), reject with a reason, what-if
scenarios branched from the working plan and promoted into it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from core.errors import InvalidInput
from planning.models import PlanCellChange, PlanLine, PlanTransition, PlanVersion, PlanWeek
from planning.plans.compute import ENTERED_FIELDS
from planning.plans.measures import DERIVED
from planning.plans.services import (
    CellEdit,
    PlanError,
    plan_cells_update,
    scenario_branch,
    version_approve,
    version_reject,
    version_submit,
)
from tests.planning.plans.conftest import column, dollars, line_of, snapshot, version_of

Retailer = dict[str, Any]
Kind = PlanVersion.Kind
Status = PlanVersion.Status


def _values(version: PlanVersion) -> dict[tuple[int | None, int], tuple[Any, ...]]:
    """Every entered and derived value of a version, by (class, week)."""
    rows = PlanWeek.objects.filter(line__version=version).values_list(
        "line__merch_class_id", "fiscal_week_id", *ENTERED_FIELDS, *DERIVED
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def _trail(version: PlanVersion) -> list[tuple[str, str, str, str, int]]:
    return [
        (t.action, t.from_status, t.to_status, t.reason, t.user_id)
        for t in PlanTransition.objects.filter(version=version).order_by("id")
    ]


def _edit(version: PlanVersion, user: User, line: PlanLine, week: int, measure: str, value: str) -> None:
    row_version = PlanWeek.objects.get(line=line, fiscal_week_id=week).row_version
    plan_cells_update(
        user=user, version_id=version.pk, edits=[CellEdit(line.pk, week, measure, value, row_version)]
    )


# Plans are decided by a manager of their department (test_approval_scope: anyone else is
# refused): every test here runs with the manager planning Tops (tests/fixtures/people.py).
pytestmark = pytest.mark.usefixtures("tops_manager")


# --- submit and approve ---------------------------------------------------------------------


def test_approval_makes_a_frozen_original_plan_with_the_working_values(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    _edit(working, planner, line_of(working, history["tees"]), 202502, "target", "2")

    submitted = version_submit(user=planner, version_id=working.pk)
    assert (submitted.status, submitted.submitted_by) == (Status.SUBMITTED, planner)
    version_approve(user=manager, version_id=working.pk)

    original = version_of(working.plan, Kind.ORIGINAL)
    assert (original.status, original.is_frozen, original.is_editable) == (Status.APPROVED, True, False)
    assert _values(original) == _values(working)
    assert column(line_of(original, history["tees"]), "eop") == dollars(
        "2098.80", "990.00", "1854.60", "1320.00"
    )
    working.refresh_from_db()
    # The working plan goes on as a draft beside its approved copy.
    assert (working.status, working.is_frozen, working.is_editable) == (Status.DRAFT, False, True)


def test_every_transition_is_recorded(working: PlanVersion, planner: User, manager: User) -> None:
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)

    assert _trail(working) == [
        ("create", "", "draft", "", planner.pk),
        ("submit", "draft", "submitted", "", planner.pk),
        ("approve", "submitted", "draft", "", manager.pk),
    ]
    assert _trail(version_of(working.plan, Kind.ORIGINAL)) == [("approve", "", "approved", "", manager.pk)]


def test_a_second_approval_adds_a_revision_and_keeps_the_first(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)
    _edit(working, planner, line_of(working, history["tees"]), 202501, "sales", "600")
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)

    first, second = PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).order_by("revision")
    assert (first.revision, first.name, second.revision, second.name) == (
        1,
        "Original plan",
        2,
        "Original plan r2",
    )
    assert column(line_of(first, history["tees"]), "sales")[0] == Decimal("501.60")  # as first approved
    assert column(line_of(second, history["tees"]), "sales")[0] == Decimal("600.00")


def test_the_submitter_cannot_approve(
    working: PlanVersion, manager: User, second_manager: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(manager)  # a manager of Tops may submit too
    version_submit(user=manager, version_id=working.pk)
    before = snapshot(working)

    with pytest.raises(PermissionDenied, match="another manager must approve"):
        version_approve(user=manager, version_id=working.pk)
    with pytest.raises(PermissionDenied):
        version_reject(user=manager, version_id=working.pk, reason="Mine")

    assert snapshot(working) == before
    assert not PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).exists()
    version_approve(user=second_manager, version_id=working.pk)
    assert PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).exists()


def test_a_planner_cannot_approve(working: PlanVersion, planner: User, other_planner: User) -> None:
    version_submit(user=planner, version_id=working.pk)

    with pytest.raises(PermissionDenied, match="Only a manager"):
        version_approve(user=other_planner, version_id=working.pk)

    working.refresh_from_db()
    assert working.status == Status.SUBMITTED


def test_only_a_submitted_plan_is_decided(working: PlanVersion, manager: User) -> None:
    with pytest.raises(InvalidInput, match="not waiting for approval"):
        version_approve(user=manager, version_id=working.pk)

    assert len(_trail(working)) == 1


def test_actuals_are_not_submitted(working: PlanVersion, planner: User) -> None:
    last_year = version_of(working.plan, Kind.LAST_YEAR)

    with pytest.raises(PlanError, match="Only a working plan or a scenario"):
        version_submit(user=planner, version_id=last_year.pk)


def test_a_submitted_plan_is_not_submitted_again(working: PlanVersion, planner: User) -> None:
    version_submit(user=planner, version_id=working.pk)

    with pytest.raises(InvalidInput):
        version_submit(user=planner, version_id=working.pk)

    assert [t[0] for t in _trail(working)] == ["create", "submit"]


# --- reject ---------------------------------------------------------------------------------


def test_reject_needs_a_reason(working: PlanVersion, planner: User, manager: User) -> None:
    version_submit(user=planner, version_id=working.pk)

    with pytest.raises(InvalidInput, match="Say why"):
        version_reject(user=manager, version_id=working.pk, reason="   ")

    working.refresh_from_db()
    assert working.status == Status.SUBMITTED
    assert [t[0] for t in _trail(working)] == ["create", "submit"]


def test_reject_returns_the_plan_to_draft_with_the_reason(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    version_submit(user=planner, version_id=working.pk)

    version_reject(user=manager, version_id=working.pk, reason="  Receipts too high in W01.  ")

    working.refresh_from_db()
    assert (working.status, working.is_editable) == (Status.DRAFT, True)
    assert _trail(working)[-1] == ("reject", "submitted", "draft", "Receipts too high in W01.", manager.pk)
    assert not PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).exists()
    _edit(working, planner, line_of(working, history["tees"]), 202501, "sales", "500")  # editable again


# --- scenarios ------------------------------------------------------------------------------


def test_a_scenario_copies_the_lines_and_weeks(working: PlanVersion, planner: User) -> None:
    scenario = scenario_branch(user=planner, version_id=working.pk, name="  Hot summer ")

    assert (scenario.kind, scenario.name, scenario.status, scenario.is_frozen) == (
        Kind.SCENARIO,
        "Hot summer",
        Status.DRAFT,
        False,
    )
    assert scenario.branched_from == working
    assert (
        PlanLine.objects.filter(version=scenario).count() == PlanLine.objects.filter(version=working).count()
    )
    assert PlanWeek.objects.filter(line__version=scenario).count() == 12
    assert _values(scenario) == _values(working)
    assert _trail(scenario) == [("branch", "", "draft", "", planner.pk)]


def test_editing_a_scenario_leaves_the_working_plan_alone(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    before = snapshot(working)

    with django_capture_on_commit_callbacks(execute=True):
        _edit(scenario, planner, line_of(scenario, history["tees"]), 202502, "target", "2")

    assert snapshot(working) == before
    assert column(line_of(scenario, history["tees"]), "eop") == dollars(
        "2098.80", "990.00", "1854.60", "1320.00"
    )
    assert column(line_of(scenario, None), "eop") == dollars("3088.80", "1980.00", "2349.60", "1815.00")


@pytest.mark.parametrize(
    ("name", "message"), [("  ", "Give the scenario a name"), ("Working plan", "already")]
)
def test_a_scenario_needs_a_new_name(working: PlanVersion, planner: User, name: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        scenario_branch(user=planner, version_id=working.pk, name=name)

    assert not PlanVersion.objects.filter(kind=Kind.SCENARIO).exists()


def test_only_the_departments_planners_branch(working: PlanVersion, executive: User) -> None:
    with pytest.raises(PermissionDenied):
        scenario_branch(user=executive, version_id=working.pk, name="Mine")

    assert not PlanVersion.objects.filter(kind=Kind.SCENARIO).exists()


def test_promoting_a_scenario_copies_its_values_into_the_working_plan(
    working: PlanVersion,
    planner: User,
    manager: User,
    history: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    with django_capture_on_commit_callbacks(execute=True):
        _edit(scenario, planner, line_of(scenario, history["tees"]), 202502, "target", "2")
        _edit(scenario, planner, line_of(scenario, history["blouses"]), 202501, "sales", "400")
    version_submit(user=planner, version_id=scenario.pk)

    version_approve(user=manager, version_id=scenario.pk)

    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    assert column(tees, "target") == dollars("5.1", "2", "4.5", "2.7")
    assert column(tees, "eop") == dollars("2098.80", "990.00", "1854.60", "1320.00")
    assert column(blouses, "sales") == dollars("400", "165", "330", "165")
    promoted = PlanCellChange.objects.filter(line__version=working, source=PlanCellChange.Source.PROMOTE)
    assert sorted(
        (c.line_id, c.fiscal_week_id, c.measure, c.old_value, c.new_value, c.changed_by_id) for c in promoted
    ) == sorted(
        [
            (tees.pk, 202502, "target", Decimal("4.1"), Decimal("2"), manager.pk),
            (blouses.pk, 202501, "sales", Decimal("330"), Decimal("400"), manager.pk),
        ]
    )
    # The working plan was recomputed in full, its total too.
    working.refresh_from_db()
    assert working.values_version == working.totals_version
    total = line_of(working, None)
    for name in ("sales", "receipts", "eop"):
        by_line = [column(tees, name), column(blouses, name)]
        assert column(total, name) == [sum(values) for values in zip(*by_line, strict=True)]
    # A new OP with those values; the scenario is done.
    original = version_of(working.plan, Kind.ORIGINAL)
    assert (original.status, original.is_frozen) == (Status.APPROVED, True)
    assert _values(original) == _values(working)
    scenario.refresh_from_db()
    assert (scenario.status, scenario.is_frozen) == (Status.APPROVED, True)
    assert _trail(scenario)[-1] == ("approve", "submitted", "approved", "", manager.pk)


def test_promotion_adds_a_revision_after_an_earlier_original_plan(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    _edit(scenario, planner, line_of(scenario, history["blouses"]), 202501, "sales", "400")
    version_submit(user=planner, version_id=scenario.pk)

    version_approve(user=manager, version_id=scenario.pk)

    first, second = PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).order_by("revision")
    # Blouses W01: 300 x 1.1 = 330.00 as first approved; 400.00 as promoted.
    assert column(line_of(first, history["blouses"]), "sales")[0] == Decimal("330.00")
    assert (second.revision, column(line_of(second, history["blouses"]), "sales")[0]) == (
        2,
        Decimal("400.00"),
    )


def test_approving_with_totals_still_recalculating_freezes_correct_totals(
    working: PlanVersion,
    planner: User,
    manager: User,
    history: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not rolled up yet
        _edit(working, planner, line_of(working, history["tees"]), 202502, "target", "2")
    version_submit(user=planner, version_id=working.pk)

    version_approve(user=manager, version_id=working.pk)

    original = version_of(working.plan, Kind.ORIGINAL)
    assert not original.totals_are_stale
    assert column(line_of(original, None), "eop") == dollars("3088.80", "1980.00", "2349.60", "1815.00")
