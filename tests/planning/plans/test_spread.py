"""Totals typed over: spread to weeks and lines (proportional, LY, locks), target fill, method change.

Working plan sales (LY x 1.1): tees 501.60, 264.00, 792.00, 198.00 (1,755.60: shares 2/7,
20/133, 60/133, 15/133 of it); blouses 330, 165, 330, 165. FY2025 W01..W04 are fiscal month 1.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import PlanCellChange, PlanLine, PlanVersion
from planning.plans.line_settings import plan_line_settings_update
from planning.plans.services import PlanError, plan_aggregate_update, plan_cell_lock
from tests.planning.plans.conftest import column, dollars, line_of

pytestmark = pytest.mark.django_db


def _spread(planner: User, version: PlanVersion, line: PlanLine, value: str, **extra: Any) -> None:
    plan_aggregate_update(
        user=planner, version_id=version.pk, line_id=line.pk, column_key=extra.pop("column", "M1"),
        measure=extra.pop("measure", "sales"), value=value, expected=extra.pop("expected", None),
    )  # fmt: skip


def test_a_month_total_spreads_in_proportion_to_the_weeks(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    _spread(planner, working, tees, "2000", expected="1755.60")
    # 2000 x 2/7, 20/133, 60/133, 15/133 in cents, the two leftover cents to the largest remainders
    assert column(tees, "sales") == dollars("571.43", "300.75", "902.26", "225.56")
    assert sum(column(tees, "sales")) == Decimal("2000.00")
    spread_rows = PlanCellChange.objects.filter(line=tees, source=PlanCellChange.Source.SPREAD)
    assert spread_rows.count() == 4


def test_locked_weeks_keep_their_value(working: PlanVersion, planner: User, history: dict[str, Any]) -> None:
    tees = line_of(working, history["tees"])
    plan_cell_lock(
        user=planner, version_id=working.pk, line_id=tees.pk, week_id=202501, measure="sales", locked=True
    )
    _spread(planner, working, tees, "2000")
    # 1,498.40 over 264, 792, 198 (4/19, 12/19, 3/19)
    assert column(tees, "sales") == dollars("501.60", "315.45", "946.36", "236.59")


def test_zero_weeks_take_last_years_shape(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    _spread(planner, working, tees, "0")
    assert column(tees, "sales") == dollars("0", "0", "0", "0")
    _spread(planner, working, tees, "1000")
    # LY 456, 240, 720, 180 of 1,596
    assert column(tees, "sales") == dollars("285.71", "150.38", "451.13", "112.78")


def test_a_target_typed_on_a_month_fills_its_weeks(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    _spread(planner, working, tees, "3", measure="target")
    assert column(tees, "target") == [Decimal("3.000")] * 4


def test_a_total_changed_since_it_was_read_is_refused(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    before = column(tees, "sales")
    with pytest.raises(PlanError, match=r"changed to 1,755\.60 since you read it"):
        _spread(planner, working, tees, "2000", expected="1500")
    assert column(tees, "sales") == before


@pytest.mark.parametrize(
    ("measure", "value", "message"),
    [("eop", "100", "calculated"), ("sales", "-5", "between 0"), ("sales", "abc", "not a number")],
)
def test_bad_totals_change_nothing(
    working: PlanVersion, planner: User, history: dict[str, Any], measure: str, value: str, message: str
) -> None:
    tees = line_of(working, history["tees"])
    before = column(tees, "sales")
    with pytest.raises(PlanError, match=message):
        _spread(planner, working, tees, value, measure=measure)
    assert column(tees, "sales") == before


def test_locking_a_calculated_cell_is_refused(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    with pytest.raises(PlanError, match="Only entered amounts"):
        plan_cell_lock(
            user=planner, version_id=working.pk, line_id=tees.pk, week_id=202501, measure="eop", locked=True
        )


def test_the_plan_total_spreads_over_lines_and_weeks(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    total = line_of(working, None)
    with django_capture_on_commit_callbacks(execute=True):
        _spread(planner, working, total, "5491.20", column="season")  # twice 2,745.60
    assert column(line_of(working, history["tees"]), "sales") == dollars(
        "1003.20", "528.00", "1584.00", "396.00"
    )
    assert column(line_of(working, history["blouses"]), "sales") == dollars("660", "330", "660", "330")
    assert sum(column(line_of(working, None), "sales")) == Decimal("5491.20")  # rolled up


def test_changing_a_lines_method_recomputes_the_plan(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees = line_of(working, history["tees"])
    with django_capture_on_commit_callbacks(execute=True):
        plan_line_settings_update(
            user=planner, version_id=working.pk, line_id=tees.pk, method="turn", turn="2", opening_stock=None
        )
    tees.refresh_from_db()
    assert (tees.method, tees.turn) == ("turn", Decimal("2.000"))
    # Turn 2 over the span: every BOP after the first is 1,755.60 / 2 = 877.80
    assert column(tees, "bop")[1:] == dollars("877.80", "877.80", "877.80")
    with pytest.raises(PlanError, match="need a turn greater than zero"):
        plan_line_settings_update(
            user=planner,
            version_id=working.pk,
            line_id=tees.pk,
            method="basic_stock",
            turn="0",
            opening_stock=None,
        )
