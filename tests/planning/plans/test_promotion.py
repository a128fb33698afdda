"""Promoting a what-if: the pure three-way merge (planning.plans.three_way), hand-made cases and
hypothesis properties over random base / scenario / working plan states."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
