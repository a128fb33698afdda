"""Promoting a what-if: the pure three-way merge (planning.plans.three_way), hand-made cases and
hypothesis properties over random base / scenario / working plan states."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.errors import Conflict as RefusedConflict
from planning.models import (
    PlanCellChange,
    PlanLine,
    PlanTransition,
    PlanVersion,
    PlanWeek,
    ScenarioBaseLine,
    ScenarioBaseWeek,
)
from planning.plans.line_settings import plan_line_settings_update
from planning.plans.promotion import promotion_preview
from planning.plans.services import (
    CellEdit,
    PlanError,
    plan_cells_update,
    scenario_branch,
    version_approve,
    version_submit,
)
from planning.plans.three_way import (
    MISSING,
    CellKey,
    Change,
    Conflict,
    Value,
    key_text,
    merge,
    merged_values,
    parse_key,
)
from tests.planning.plans.conftest import column, dollars, line_of, snapshot

Retailer = dict[str, Any]
Status = PlanVersion.Status
D = Decimal
A, B = 1, 2  # class ids
W10, W11 = 202610, 202611


def test_both_sides_changes_elsewhere_all_survive() -> None:
    base = {(A, W10, "sales"): D("100.00"), (A, W11, "sales"): D("200.00"), (B, W10, "sales"): D("300.00")}
    scenario = {**base, (A, W10, "sales"): D("150.00")}
    current = {**base, (A, W11, "sales"): D("250.00"), (B, W10, "sales"): D("330.00")}

    result = merge(base, scenario, current)

    assert result.changes == [Change((A, W10, "sales"), D("100.00"), D("150.00"))]
    assert result.conflicts == []
    assert merged_values(current, result) == {
        (A, W10, "sales"): D("150.00"),  # the scenario's
        (A, W11, "sales"): D("250.00"),  # the working plan's
        (B, W10, "sales"): D("330.00"),  # the working plan's
    }


def test_a_cell_changed_on_both_sides_differently_is_a_conflict_until_resolved() -> None:
    base = {(A, W10, "sales"): D("100.00")}
    scenario, current = {(A, W10, "sales"): D("150.00")}, {(A, W10, "sales"): D("120.00")}

    unresolved = merge(base, scenario, current)
    for_scenario = merge(base, scenario, current, resolutions={(A, W10, "sales"): "scenario"})
    for_working = merge(base, scenario, current, resolve_all="working")

    assert unresolved.unresolved == [Conflict((A, W10, "sales"), D("100.00"), D("150.00"), D("120.00"))]
    assert unresolved.applied == {}
    assert (for_scenario.unresolved, for_scenario.applied) == ([], {(A, W10, "sales"): D("150.00")})
    assert (for_working.unresolved, for_working.applied) == ([], {})
    # A cell's own choice beats the choice for all.
    both = merge(base, scenario, current, resolutions={(A, W10, "sales"): "working"}, resolve_all="scenario")
    assert both.applied == {}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    base = {(A, W10, "target"): D("4.1")}
    result = merge(base, {(A, W10, "target"): D("2")}, {(A, W10, "target"): D("2.0000000000")})
    assert (result.changes, result.conflicts, result.applied) == ([], [], {})


def test_frozen_cells_are_never_written_nor_conflict() -> None:
    key: CellKey = (A, W10, "sales")
    result = merge({key: D("1")}, {key: D("2")}, {key: D("3")}, frozen={key})
    assert (result.changes, result.conflicts, result.applied) == ([], [], {})


def test_a_cell_without_a_base_conflicts_where_the_sides_differ() -> None:
    key: CellKey = (A, 0, "method")
    assert merge({}, {key: "wos"}, {key: "fwos"}).conflicts == [Conflict(key, MISSING, "wos", "fwos")]
    assert merge({}, {key: "wos"}, {key: "wos"}).conflicts == []


def test_keys_and_bad_choices() -> None:
    assert key_text((12, 202545, "sales")) == "12:202545:sales"
    assert parse_key("12:202545:sales") == (12, 202545, "sales")
    assert parse_key("12:0:method") == (12, 0, "method")
    assert [parse_key(text) for text in ("12:sales", "a:1:sales", "1:2:", "1:-2:sales")] == [None] * 4
    with pytest.raises(ValueError, match="Choose 'scenario' or 'working'"):
        merge({}, {}, {}, resolve_all="both")


# --- properties -------------------------------------------------------------------------------
KEYS = [(c, w, m) for c in (A, B) for w in (W10, W11, W10 + 2) for m in ("sales", "target")]
values = st.integers(min_value=0, max_value=3)  # few values: sides often agree or collide
states = st.fixed_dictionaries(dict.fromkeys(KEYS, values))
edits = st.dictionaries(st.sampled_from(KEYS), values, max_size=len(KEYS))


def _changed(before: dict[CellKey, Value], after: dict[CellKey, Value]) -> set[CellKey]:
    return {key for key in before if after[key] != before[key]}


@given(base=states, edit=edits)
def test_with_no_working_plan_changes_the_result_is_the_scenario(
    base: dict[CellKey, Value], edit: dict[CellKey, Value]
) -> None:
    scenario = {**base, **edit}
    result = merge(base, scenario, dict(base))
    assert merged_values(base, result) == scenario
    assert result.conflicts == []


@given(base=states, edit=edits)
def test_with_no_scenario_changes_the_working_plan_is_unchanged(
    base: dict[CellKey, Value], edit: dict[CellKey, Value]
) -> None:
    current = {**base, **edit}
    result = merge(base, dict(base), current)
    assert (result.applied, result.conflicts) == ({}, [])
    assert merged_values(current, result) == current


@given(base=states, theirs=edits, ours=edits, choice=st.sampled_from(["scenario", "working"]))
def test_conflicts_are_exactly_the_cells_changed_on_both_sides_differently(
    base: dict[CellKey, Value], theirs: dict[CellKey, Value], ours: dict[CellKey, Value], choice: str
) -> None:
    scenario, current = {**base, **theirs}, {**base, **ours}
    by_scenario, by_working = _changed(base, scenario), _changed(base, current)

    result = merge(base, scenario, current, resolve_all=choice)
    merged = merged_values(current, result)

    expected = {key for key in by_scenario & by_working if scenario[key] != current[key]}
    assert {conflict.key for conflict in result.conflicts} == expected
    assert result.unresolved == []
    for key in KEYS:
        if key in expected:  # the approver's pick
            assert merged[key] == (scenario[key] if choice == "scenario" else current[key])
        elif key in by_scenario:  # a scenario change no one else made differently survives
            assert merged[key] == scenario[key]
        else:  # untouched by the scenario: the working plan's, changed or not
            assert merged[key] == current[key]
    # Nothing is written that would not change a cell.
    assert all(current[key] != value for key, value in result.applied.items())


@given(base=states, theirs=edits, ours=edits, frozen=st.sets(st.sampled_from(KEYS)))
def test_frozen_cells_keep_the_working_plans_values(
    base: dict[CellKey, Value],
    theirs: dict[CellKey, Value],
    ours: dict[CellKey, Value],
    frozen: set[CellKey],
) -> None:
    current = {**base, **ours}
    result = merge(base, {**base, **theirs}, current, frozen=frozen, resolve_all="scenario")
    merged = merged_values(current, result)
    assert all(merged[key] == current[key] for key in frozen)
    assert not frozen & {conflict.key for conflict in result.conflicts}


# --- the service: version_approve promotes a scenario three-way --------------------------------
# The plan (tests/planning/plans/conftest.py): Tops over FY2025 W01..W04, FWOS, seeded from last
# year x 1.1: Tees sales 501.60, 264.00, 792.00, 198.00 (456 / 240 / 720 / 180 x 1.1), Blouses
# 330.00, 165.00, 330.00, 165.00 (300 / 150 / 300 / 150 x 1.1).


@pytest.fixture
def tops_manager(manager: User, retailer: Retailer) -> User:
    retailer["tops"].planners.add(manager)
    return manager


def _edit(version: PlanVersion, user: User, merch_class: Any, week: int, measure: str, value: str) -> None:
    line = line_of(version, merch_class)
    row_version = PlanWeek.objects.get(line=line, fiscal_week_id=week).row_version
    plan_cells_update(
        user=user, version_id=version.pk, edits=[CellEdit(line.pk, week, measure, value, row_version)]
    )


def _row_versions(version: PlanVersion) -> dict[tuple[int | None, int], int]:
    rows = PlanWeek.objects.filter(line__version=version).values_list(
        "line__merch_class_id", "fiscal_week_id", "row_version"
    )
    return {(class_id, week): row_version for class_id, week, row_version in rows}


def _promoted(version: PlanVersion) -> list[tuple[int, int, str, Decimal | None, Decimal | None, int]]:
    changes = PlanCellChange.objects.filter(line__version=version, source=PlanCellChange.Source.PROMOTE)
    return sorted(
        (c.line_id, c.fiscal_week_id, c.measure, c.old_value, c.new_value, c.changed_by_id) for c in changes
    )


@pytest.fixture
def conflict(
    working: PlanVersion, planner: User, tops_manager: User, history: dict[str, Any]
) -> tuple[PlanVersion, str]:
    """A scenario that sets Tees W02 sales to 300 while the working plan set them to 280."""
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    _edit(scenario, planner, history["tees"], 202502, "sales", "300")
    _edit(working, planner, history["tees"], 202502, "sales", "280")
    _edit(working, planner, history["tees"], 202503, "sales", "800")
    version_submit(user=planner, version_id=scenario.pk)
    return scenario, f"{history['tees'].pk}:202502:sales"


def test_branching_records_the_working_plan_as_the_base(working: PlanVersion, planner: User) -> None:
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    # 2 classes x 4 weeks, and a settings row per class (not the total line).
    assert ScenarioBaseWeek.objects.filter(scenario=scenario).count() == 8
    assert ScenarioBaseLine.objects.filter(scenario=scenario).count() == 2
    base = dict(
        ScenarioBaseWeek.objects.filter(scenario=scenario).values_list("fiscal_week_id", "sales").order_by()
        .filter(merch_class__code="W-TOP-BLS")
    )  # fmt: skip
    assert base == {202501: D("330.00"), 202502: D("165.00"), 202503: D("330.00"), 202504: D("165.00")}


def test_both_sides_changes_survive_the_promotion(
    working: PlanVersion,
    planner: User,
    tops_manager: User,
    history: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    tees, blouses = history["tees"], history["blouses"]
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    with django_capture_on_commit_callbacks(execute=True):
        _edit(scenario, planner, tees, 202502, "sales", "300")  # the scenario: Tees W02
        _edit(working, planner, tees, 202503, "sales", "800")  # the working plan: Tees W03, Blouses W02
        _edit(working, planner, blouses, 202502, "sales", "200")
    version_submit(user=planner, version_id=scenario.pk)
    before = _row_versions(working)

    version_approve(user=tops_manager, version_id=scenario.pk)

    assert column(line_of(working, tees), "sales") == dollars("501.60", "300.00", "800.00", "198.00")
    assert column(line_of(working, blouses), "sales") == dollars("330.00", "200.00", "330.00", "165.00")
    assert _promoted(working) == [
        (line_of(working, tees).pk, 202502, "sales", D("264.00"), D("300.00"), tops_manager.pk)
    ]
    # Only the promoted row has a new version (the total line is rewritten by the recompute).
    after = _row_versions(working)
    assert {key for key in before if after[key] != before[key]} == {(tees.pk, 202502)}
    # Recomputed: the total sums the lines (W02: 300 + 200), its totals are current.
    working.refresh_from_db()
    assert working.values_version == working.totals_version
    assert column(line_of(working, None), "sales") == dollars("831.60", "500.00", "1130.00", "363.00")
    trail = PlanTransition.objects.filter(version=working, action="promote").get()
    assert (trail.user_id, trail.reason) == (tops_manager.pk, "Promoted Hot summer: 1 change applied")
    scenario.refresh_from_db()
    assert (scenario.status, scenario.is_frozen) == (Status.APPROVED, True)


def test_a_conflict_refuses_the_approval_with_the_cell(
    working: PlanVersion, conflict: tuple[PlanVersion, str], tops_manager: User, history: dict[str, Any]
) -> None:
    scenario, key = conflict
    before = snapshot(working)

    with pytest.raises(RefusedConflict) as refused:
        version_approve(user=tops_manager, version_id=scenario.pk)

    assert str(refused.value) == (
        "1 cell changed in both Hot summer and the working plan since it was branched: choose which "
        "value wins for each (or for all), then approve."
    )
    assert refused.value.details["conflicts"] == [
        {
            "key": key,
            "class_id": history["tees"].pk,
            "class": "W-TOP-TEE Tees",
            "week": "FY2025 W02",
            "measure": "sales",
            "measure_label": "Sales $",
            "base": "264.00",
            "scenario": "300.00",
            "working": "280.00",
        }
    ]
    assert snapshot(working) == before
    scenario.refresh_from_db()
    assert scenario.status == Status.SUBMITTED


def test_the_approver_picks_the_scenario(
    working: PlanVersion, conflict: tuple[PlanVersion, str], tops_manager: User, history: dict[str, Any]
) -> None:
    scenario, key = conflict

    version_approve(user=tops_manager, version_id=scenario.pk, resolutions={key: "scenario"})

    tees = line_of(working, history["tees"])
    assert column(tees, "sales") == dollars("501.60", "300.00", "800.00", "198.00")  # W03: the WP's 800
    assert _promoted(working) == [(tees.pk, 202502, "sales", D("280.00"), D("300.00"), tops_manager.pk)]
    assert PlanTransition.objects.get(version=working, action="promote").reason == (
        "Promoted Hot summer: 0 changes applied, 1 conflict resolved "
        "(1 to the scenario, 0 to the working plan)"
    )


def test_the_approver_keeps_the_working_plan(
    working: PlanVersion, conflict: tuple[PlanVersion, str], tops_manager: User, history: dict[str, Any]
) -> None:
    scenario, _ = conflict

    version_approve(user=tops_manager, version_id=scenario.pk, resolve_all="working")

    assert column(line_of(working, history["tees"]), "sales") == dollars(
        "501.60", "280.00", "800.00", "198.00"
    )
    assert _promoted(working) == []
    scenario.refresh_from_db()
    assert scenario.status == Status.APPROVED


@pytest.mark.parametrize(
    ("resolutions", "resolve_all", "message"),
    [
        ({"1:sales": "scenario"}, None, "'1:sales' is not a cell"),
        ({"1:202502:sales": "both"}, None, "Choose 'scenario' or 'working' for 1:202502:sales"),
        ({}, "mine", "resolve_all is 'scenario' or 'working'"),
    ],
)
def test_bad_choices_are_refused(
    conflict: tuple[PlanVersion, str],
    tops_manager: User,
    resolutions: dict[str, str],
    resolve_all: str | None,
    message: str,
) -> None:
    scenario, _ = conflict
    with pytest.raises(PlanError, match=message):
        version_approve(
            user=tops_manager, version_id=scenario.pk, resolutions=resolutions, resolve_all=resolve_all
        )


def test_closed_weeks_on_order_and_the_in_season_opening_stock_keep_the_working_plans(
    working: PlanVersion, planner: User, tops_manager: User, history: dict[str, Any]
) -> None:
    tees = history["tees"]
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    _edit(scenario, planner, tees, 202501, "sales", "999")
    _edit(scenario, planner, tees, 202502, "sales", "300")
    PlanWeek.objects.filter(line__version=scenario, fiscal_week_id=202503).update(on_order=D("50.00"))
    PlanLine.objects.filter(version=scenario, merch_class=tees).update(opening_stock=D("5000.00"))
    version_submit(user=planner, version_id=scenario.pk)
    # Meanwhile W01 closed in the working plan (as a roll leaves it: its actuals, the actual stock).
    PlanWeek.objects.filter(line__version=working, fiscal_week_id=202501).update(actual_eop=D("1000.00"))
    PlanVersion.objects.filter(pk=working.pk).update(actuals_through_id=202501)
    opening = line_of(working, tees).opening_stock

    preview = promotion_preview(scenario)
    version_approve(user=tops_manager, version_id=scenario.pk)

    assert [(cell.week, cell.measure) for cell in preview.changes] == [("FY2025 W02", "sales")]
    assert column(line_of(working, tees), "sales")[:2] == dollars("501.60", "300.00")
    assert column(line_of(working, tees), "on_order")[2] == D("0")
    assert line_of(working, tees).opening_stock == opening


def test_line_settings_merge_as_cells(
    working: PlanVersion, planner: User, tops_manager: User, history: dict[str, Any]
) -> None:
    tees, blouses = history["tees"], history["blouses"]
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    PlanLine.objects.filter(version=scenario, merch_class=blouses).update(opening_stock=D("700.00"))
    PlanLine.objects.filter(version=working, merch_class=tees).update(opening_stock=D("1500.00"))
    PlanLine.objects.filter(version=scenario, merch_class=tees).update(opening_stock=D("1400.00"))
    version_submit(user=planner, version_id=scenario.pk)

    with pytest.raises(RefusedConflict) as refused:
        version_approve(user=tops_manager, version_id=scenario.pk)
    assert [
        (c["class"], c["week"], c["measure_label"], c["base"], c["scenario"], c["working"])
        for c in refused.value.details["conflicts"]
    ] == [("W-TOP-TEE Tees", "line setting", "Opening stock $", "1200.00", "1400.00", "1500.00")]
    version_approve(user=tops_manager, version_id=scenario.pk, resolve_all="working")

    assert line_of(working, blouses).opening_stock == D("700.00")  # the scenario's
    assert line_of(working, tees).opening_stock == D("1500.00")  # the working plan's, picked
    assert PlanTransition.objects.get(version=working, action="promote").reason == (
        "Promoted Hot summer: 1 change applied, 1 conflict resolved "
        "(0 to the scenario, 1 to the working plan); W-TOP-BLS Blouses opening stock $ 450.00 -> 700.00"
    )  # the plan opens on the stock before FY2025: 15 blouses x 30.00; Tees 50 x 24.00 = 1,200.00


def test_a_scenario_branched_before_snapshots_takes_its_base_from_the_audit(
    working: PlanVersion, planner: User, tops_manager: User, history: dict[str, Any]
) -> None:
    tees = history["tees"]
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    ScenarioBaseWeek.objects.filter(scenario=scenario).delete()
    ScenarioBaseLine.objects.filter(scenario=scenario).delete()
    _edit(scenario, planner, tees, 202502, "sales", "300")
    _edit(working, planner, tees, 202503, "sales", "800")  # audited: its base is the old 792.00
    _edit(working, planner, tees, 202503, "sales", "810")
    version_submit(user=planner, version_id=scenario.pk)

    preview = promotion_preview(scenario)
    version_approve(user=tops_manager, version_id=scenario.pk)

    assert (preview.base_is_snapshot, preview.conflicts) == (False, [])
    assert column(line_of(working, tees), "sales") == dollars("501.60", "300.00", "810.00", "198.00")


# --- the API ------------------------------------------------------------------------------------
def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_answers_409_with_the_conflicts_then_takes_the_choices(
    working: PlanVersion, conflict: tuple[PlanVersion, str], tops_manager: User, history: dict[str, Any]
) -> None:
    scenario, key = conflict
    url = f"/api/v1/plan-versions/{scenario.pk}/approve/"

    preview = _api(tops_manager).get(f"/api/v1/plan-versions/{scenario.pk}/promotion/")
    refused = _api(tops_manager).post(url, {}, format="json")
    bad = _api(tops_manager).post(url, {"resolutions": {key: "both"}}, format="json")
    approved = _api(tops_manager).post(url, {"resolutions": {key: "working"}}, format="json")

    cell = {
        "key": key,
        "class_id": history["tees"].pk,
        "class": "W-TOP-TEE Tees",
        "week": "FY2025 W02",
        "measure": "sales",
        "measure_label": "Sales $",
        "base": "264.00",
        "scenario": "300.00",
        "working": "280.00",
    }
    assert preview.status_code == 200
    # The scenario changed W02 only; the working plan's W03 (800) is its own: nothing to apply.
    assert preview.json() == {"changes_count": 0, "changes": [], "conflicts": [cell], "base": "snapshot"}
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "1 cell changed in both Hot summer and the working plan since it was branched: choose "
        "which value wins for each (or for all), then approve.",
        "code": "conflict",
        "conflicts": [cell],
    }
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("resolutions.")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert column(line_of(working, history["tees"]), "sales")[1] == D("280.00")


def test_the_api_keeps_the_approval_rules(
    conflict: tuple[PlanVersion, str], planner: User, working: PlanVersion
) -> None:
    scenario, _ = conflict
    # The submitter (a planner) may not approve, whatever they choose: 403 before any merge.
    refused = _api(planner).post(
        f"/api/v1/plan-versions/{scenario.pk}/approve/", {"resolve_all": "scenario"}, format="json"
    )
    not_a_scenario = _api(planner).get(f"/api/v1/plan-versions/{working.pk}/promotion/")

    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Only a manager approves or rejects plans.",
    )
    assert (not_a_scenario.status_code, not_a_scenario.json()["detail"]) == (
        400,
        "Only a what-if scenario is promoted into the working plan.",
    )


def test_a_merged_line_must_hold_together(
    working: PlanVersion, planner: User, tops_manager: User, history: dict[str, Any]
) -> None:
    """The scenario switches Blouses to sell-through (its targets rewritten as shares of BOP);
    the working plan typed an FWOS target of 6 into W02 meanwhile. Keeping the working plan's 6
    would make a sell-through target of 600%: refused with the cell, nothing written."""
    blouses = history["blouses"]
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    plan_line_settings_update(
        user=planner,
        version_id=scenario.pk,
        line_id=line_of(scenario, blouses).pk,
        method="sell_through",
        turn=None,
        opening_stock=None,
    )
    _edit(working, planner, blouses, 202502, "target", "6")
    version_submit(user=planner, version_id=scenario.pk)
    before = snapshot(working)

    with pytest.raises(PlanError, match="W-TOP-BLS Blouses FY2025 W02: Sell-through target must be between"):
        version_approve(user=tops_manager, version_id=scenario.pk, resolve_all="working")
    assert snapshot(working) == before

    version_approve(user=tops_manager, version_id=scenario.pk, resolve_all="scenario")
    line = line_of(working, blouses)
    assert line.method == "sell_through"
    assert column(line, "target") == column(line_of(scenario, blouses), "target")
