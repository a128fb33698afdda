"""plan_cells_update: one edit or a pasted block, recomputed at once, audited, optimistically locked.

Starting point (conftest.py): Tees sales 501.60, 264.00, 792.00, 198.00, FWOS 5.1, 4.1, 4.5, 2.7,
opening 1,200 -> EOP 2,098.80, 1,834.80, 1,854.60, 1,320.00; Blouses sales 330, 165, 330, 165,
FWOS 4, 4, 2, 2, opening 450 -> EOP 990, 990, 495, 495.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied

from planning.models import Plan, PlanCellChange, PlanVersion, PlanWeek
from planning.plans.services import (
    CellConflictError,
    CellEdit,
    PlanError,
    PlanSpec,
    plan_cells_update,
    plan_create,
    version_submit,
)
from planning.roles import PLANNER
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import column, dollars, line_of, snapshot, version_of, weeks_of

Retailer = dict[str, Any]
Kind = PlanVersion.Kind


def _edit(line_id: int, week: int, measure: str, value: str, row_version: int | None = 1) -> CellEdit:
    return CellEdit(line_id=line_id, week_id=week, measure=measure, value=value, row_version=row_version)


# --- a target edit --------------------------------------------------------------------------


def test_fwos_edit_recomputes_the_line(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees = line_of(working, history["tees"])

    with django_capture_on_commit_callbacks(execute=True):
        result = plan_cells_update(
            user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "2")]
        )

    assert result.line_ids == [tees.pk]
    assert column(tees, "target") == dollars("5.1", "2", "4.5", "2.7")
    # W02 now covers the 2 weeks after it: 792 + 198 = 990; W03 opens with it.
    assert column(tees, "eop") == dollars("2098.80", "990.00", "1854.60", "1320.00")
    assert column(tees, "bop") == dollars("1200.00", "2098.80", "990.00", "1854.60")
    # W02: 990 - 2,098.80 + 264 = -844.80; W03: 1,854.60 - 990 + 792 = 1,656.60.
    assert column(tees, "receipts") == dollars("1440.00", "-844.80", "1656.60", "-270.60")
    assert column(tees, "otb") == dollars("1440.00", "-844.80", "1656.60", "-270.60")
    assert column(tees, "fwos") == dollars("5.1", "2", "4.5", "2.7")


def test_fwos_edit_is_audited_and_versioned(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees = line_of(working, history["tees"])

    with django_capture_on_commit_callbacks(execute=True):
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "2")])

    change = PlanCellChange.objects.get(line=tees)
    assert (change.fiscal_week_id, change.measure, change.old_value, change.new_value) == (
        202502,
        "target",
        Decimal("4.1"),
        Decimal("2"),
    )
    assert (change.changed_by, change.source) == (planner, PlanCellChange.Source.EDIT)
    edited = PlanWeek.objects.get(line=tees, fiscal_week_id=202502)
    assert (edited.row_version, edited.updated_by) == (2, planner)
    working.refresh_from_db()
    assert working.values_version == 2


def test_totals_follow_the_edit_once_the_task_ran(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees = line_of(working, history["tees"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "2")])

    assert len(callbacks) == 1  # the roll-up is queued after the commit, once
    total, classes = line_of(working, None), [tees, line_of(working, history["blouses"])]
    for name in ("sales", "markdowns", "receipts", "bop", "eop", "otb"):
        by_line = [column(line, name) for line in classes]
        assert column(total, name) == [sum(values) for values in zip(*by_line, strict=True)], name
    assert column(total, "eop") == dollars("3088.80", "1980.00", "2349.60", "1815.00")
    assert column(total, "receipts") == dollars("2310.00", "-679.80", "1491.60", "-105.60")
    working.refresh_from_db()
    assert working.totals_version == working.values_version == 2
    assert not working.totals_are_stale


def test_totals_are_stale_until_the_task_runs(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees = line_of(working, history["tees"])

    with django_capture_on_commit_callbacks(execute=False):
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "2")])

    working.refresh_from_db()
    assert (working.values_version, working.totals_version) == (2, 1)
    assert working.totals_are_stale
    assert column(line_of(working, None), "eop") == dollars("3088.80", "2824.80", "2349.60", "1815.00")


def test_every_row_keeps_the_stock_identity_after_edits(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])

    with django_capture_on_commit_callbacks(execute=True):
        plan_cells_update(
            user=planner,
            version_id=working.pk,
            edits=[
                _edit(tees.pk, 202501, "markdowns", "12.34"),
                _edit(tees.pk, 202502, "shrink", "5.55"),
                _edit(blouses.pk, 202503, "sales", "100"),
                _edit(blouses.pk, 202504, "sales", "177.77"),
            ],
        )

    for row in PlanWeek.objects.filter(line__version=working):
        assert row.eop == row.bop + row.receipts - row.sales - row.markdowns - row.shrink
        assert row.otb == row.receipts - row.received - row.on_order
    # Nothing is on order or received in this plan: OTB is the planned receipts.
    assert column(blouses, "otb")[2] == column(blouses, "receipts")[2]


def test_numbers_are_read_as_planners_type_them(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])

    plan_cells_update(
        user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202501, "sales", " $1,234.5 ")]
    )

    assert column(tees, "sales")[0] == Decimal("1234.50")


# --- conflicts ------------------------------------------------------------------------------


def test_a_stale_edit_is_a_conflict_and_changes_nothing(
    working: PlanVersion, planner: User, other_planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    plan_cells_update(
        user=other_planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "3")]
    )
    before = snapshot(working)

    with pytest.raises(CellConflictError) as raised:
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "2")])

    conflict = raised.value
    assert (conflict.changed_by, conflict.current, conflict.row_version) == ("sam.second", Decimal("3"), 2)
    assert "sam.second changed this cell to 3.000" in str(conflict)
    assert snapshot(working) == before
    assert PlanCellChange.objects.filter(line=tees).count() == 1
    assert PlanWeek.objects.get(line=tees, fiscal_week_id=202502).target == Decimal("3")


def test_an_edit_naming_the_current_version_goes_through(
    working: PlanVersion, planner: User, other_planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    plan_cells_update(
        user=other_planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "3")]
    )

    plan_cells_update(
        user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "2", row_version=2)]
    )

    row = PlanWeek.objects.get(line=tees, fiscal_week_id=202502)
    assert (row.target, row.row_version, row.updated_by) == (Decimal("2"), 3, planner)


# --- bad input: refused, nothing changed ----------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "value", "message"),
    [
        ("sales", "abc", "is not a number"),
        ("sales", "NaN", "is not a number"),
        ("sales", "-5", "between"),
        ("sales_units", "2.5", "whole number"),
        ("target", "200", "FWOS target must be between 0 and 104"),
        ("target", "-1", "between"),
        ("eop", "100", "calculated, not entered"),
        ("receipts", "100", "calculated, not entered"),
        ("receipts_entered", "100", "Receipts are derived on this line"),
    ],
)
def test_bad_values_are_refused(
    working: PlanVersion, planner: User, history: dict[str, Any], measure: str, value: str, message: str
) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PlanError, match=message):
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, measure, value)])

    assert snapshot(working) == before


def test_cells_outside_the_version_are_refused(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    last_year_tees = line_of(version_of(working.plan, Kind.LAST_YEAR), history["tees"])
    before = snapshot(working)

    for edit in (
        _edit(line_of(working, None).pk, 202502, "sales", "1"),  # the total is rolled up
        _edit(last_year_tees.pk, 202502, "sales", "1"),  # another version's line
        _edit(tees.pk, 202505, "sales", "1"),  # a week after the plan
    ):
        with pytest.raises(PlanError):
            plan_cells_update(user=planner, version_id=working.pk, edits=[edit])

    assert snapshot(working) == before


def test_a_sell_through_target_above_one_is_refused(
    planner: User, retailer: Retailer, history: dict[str, Any], spec: Callable[..., PlanSpec]
) -> None:
    retailer["tops"].planners.add(planner)
    plan = plan_create(user=planner, spec=spec("Tops by sell-through", method="sell_through"))
    working = version_of(plan, Kind.WORKING)
    tees = line_of(working, history["tees"])
    # Seeded from LY: sales / BOP = 456 / 1,200, 240 / 1,920, 720 / 1,680, 180 / 1,680.
    assert column(tees, "target") == dollars("0.380", "0.125", "0.429", "0.107")
    before = snapshot(working)

    with pytest.raises(PlanError, match=re.escape("Sell-through target must be between 0.001 and 1.")):
        plan_cells_update(
            user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "target", "1.5")]
        )

    assert snapshot(working) == before


@pytest.mark.parametrize("kind", [Kind.LAST_YEAR, Kind.ACTUAL])
def test_actuals_are_frozen(plan: Plan, planner: User, history: dict[str, Any], kind: str) -> None:
    version = version_of(plan, kind)
    tees = line_of(version, history["tees"])
    before = snapshot(version)

    with pytest.raises(PlanError, match="cannot be changed"):
        plan_cells_update(user=planner, version_id=version.pk, edits=[_edit(tees.pk, 202502, "sales", "1")])

    assert snapshot(version) == before


def test_a_submitted_plan_is_not_edited(working: PlanVersion, planner: User, history: dict[str, Any]) -> None:
    version_submit(user=planner, version_id=working.pk)
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PlanError, match="submitted for approval: it cannot be changed"):
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "sales", "1")])

    assert snapshot(working) == before


def test_an_approved_plan_is_not_edited(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    from planning.plans.services import version_approve

    working.plan.department.planners.add(manager)  # a manager of Tops decides
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)
    original = version_of(working.plan, Kind.ORIGINAL)
    tees = line_of(original, history["tees"])
    before = snapshot(original)

    with pytest.raises(PlanError, match="cannot be changed"):
        plan_cells_update(user=planner, version_id=original.pk, edits=[_edit(tees.pk, 202502, "sales", "1")])

    assert snapshot(original) == before


def test_a_planner_of_another_department_is_refused(
    working: PlanVersion, retailer: Retailer, history: dict[str, Any]
) -> None:
    stranger = User.objects.create_user(username="dee.dresses", password=PASSWORD)
    stranger.groups.add(Group.objects.get(name=PLANNER))
    retailer["dresses"].planners.add(stranger)
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PermissionDenied):
        plan_cells_update(user=stranger, version_id=working.pk, edits=[_edit(tees.pk, 202502, "sales", "1")])

    assert snapshot(working) == before


def test_an_executive_is_refused(working: PlanVersion, executive: User, history: dict[str, Any]) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PermissionDenied):
        plan_cells_update(user=executive, version_id=working.pk, edits=[_edit(tees.pk, 202502, "sales", "1")])

    assert snapshot(working) == before


def test_nothing_to_save_is_refused(working: PlanVersion, planner: User) -> None:
    with pytest.raises(PlanError, match="Nothing to save"):
        plan_cells_update(user=planner, version_id=working.pk, edits=[])


# --- pasted blocks ------------------------------------------------------------------------


def test_a_pasted_block_is_saved_together(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])

    with django_capture_on_commit_callbacks(execute=True):
        result = plan_cells_update(
            user=planner,
            version_id=working.pk,
            edits=[
                _edit(tees.pk, 202501, "sales", "600"),
                _edit(tees.pk, 202502, "sales", "300"),
                _edit(blouses.pk, 202503, "target", "3"),
            ],
            source=PlanCellChange.Source.PASTE,
        )

    assert sorted(result.line_ids) == sorted([tees.pk, blouses.pk])
    # Tees sales 600, 300, 792, 198 (1,890 a cycle): W01 5.1 = 300+792+198+600+300 + 79.2;
    # W02 4.1 = 1,890 + 79.2; W03 4.5 = 1,890 + 99; W04 2.7 = 600+300 + 554.4.
    assert column(tees, "eop") == dollars("2269.20", "1969.20", "1989.00", "1454.40")
    # Blouses W03 FWOS 3 = 165 + 330 + 165.
    assert column(blouses, "eop") == dollars("990.00", "990.00", "660.00", "495.00")
    changes = PlanCellChange.objects.filter(line__version=working)
    assert sorted(
        (c.line_id, c.fiscal_week_id, c.measure, c.old_value, c.new_value) for c in changes
    ) == sorted(
        [
            (tees.pk, 202501, "sales", Decimal("501.60"), Decimal("600")),
            (tees.pk, 202502, "sales", Decimal("264.00"), Decimal("300")),
            (blouses.pk, 202503, "target", Decimal("2"), Decimal("3")),
        ]
    )
    assert {c.source for c in changes} == {"paste"}
    working.refresh_from_db()
    assert working.values_version == working.totals_version == 2  # one version step for the block
    assert column(line_of(working, None), "eop") == dollars("3259.20", "2959.20", "2649.00", "1949.40")


def test_one_bad_cell_fails_the_whole_paste(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    before = snapshot(working)

    with pytest.raises(PlanError, match="not a number"):
        plan_cells_update(
            user=planner,
            version_id=working.pk,
            edits=[
                _edit(tees.pk, 202501, "sales", "600"),
                _edit(tees.pk, 202502, "sales", "300"),
                _edit(blouses.pk, 202503, "target", "three"),
                _edit(blouses.pk, 202504, "target", "1"),
            ],
            source=PlanCellChange.Source.PASTE,
        )

    assert snapshot(working) == before
    assert [row.sales for row in weeks_of(tees)][:2] == dollars("501.60", "264.00")


def test_one_stale_cell_fails_the_whole_paste(
    working: PlanVersion, planner: User, other_planner: User, history: dict[str, Any]
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    plan_cells_update(
        user=other_planner, version_id=working.pk, edits=[_edit(blouses.pk, 202504, "sales", "1")]
    )
    before = snapshot(working)

    with pytest.raises(CellConflictError):
        plan_cells_update(
            user=planner,
            version_id=working.pk,
            edits=[_edit(tees.pk, 202501, "sales", "600"), _edit(blouses.pk, 202504, "sales", "2")],
        )

    assert snapshot(working) == before
