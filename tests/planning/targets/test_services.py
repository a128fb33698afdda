"""Targets: seeding, division-month spreads, ratios as components, checks, approval and
publication, all in conftest.py's hand-checked numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from core.approvals import approval_decide, approval_inbox, approval_submit
from core.audit import audit_trail
from core.errors import Conflict, Forbidden
from planning.models import PlanCellChange, PlanWeek, TargetCell, TargetVersion
from planning.targets.plan_spread import targets_into_plan
from planning.targets.services import (
    TargetEdit,
    TargetError,
    TargetSpec,
    target_cell_set,
    target_create,
    target_publish,
    targets_from_plans,
)
from tests.fixtures.people import role_user

D = Decimal
pytestmark = pytest.mark.django_db


def _cells(version: TargetVersion, month: int = 1) -> dict[str, tuple[Decimal, ...]]:
    return {
        cell.department.code: (cell.sales, cell.gross_margin, cell.markdowns)
        for cell in TargetCell.objects.filter(version=version, month=month).select_related("department")
    }


def _create(division: dict[str, Any], user: User, **spec: Any) -> TargetVersion:
    return target_create(user=user, spec=TargetSpec(division["division"].pk, 2027, **spec))


def test_seeded_from_last_year_grown_by_ten_percent(division: dict[str, Any], target_manager: User) -> None:
    version = _create(division, target_manager, growth_percent=D(10))
    assert version.name == "Targets FY2027 v1"
    # Tops 40,000 x 1.1 = 44,000 at 60 % margin: 26,400; twelve months per department.
    assert _cells(version) == {
        "W-DRS": (D("38500.00"), D("23100.00"), D("0.00")),
        "W-KNT": (D("27500.00"), D("16500.00"), D("0.00")),
        "W-TOP": (D("44000.00"), D("26400.00"), D("0.00")),
    }
    assert TargetCell.objects.filter(version=version).count() == 36
    assert _cells(version, month=2)["W-TOP"] == (D("0.00"), D("0.00"), D("0.00"))


def test_a_division_month_spreads_by_the_current_targets_and_keeps_each_gm_percent(
    division: dict[str, Any], target_manager: User
) -> None:
    version = _create(division, target_manager)
    target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 1, "sales", "110000"))
    # 40 : 35 : 25 of 110,000; margins stay 60 % of the new sales.
    assert _cells(version) == {
        "W-DRS": (D("38500.00"), D("23100.00"), D("0.00")),
        "W-KNT": (D("27500.00"), D("16500.00"), D("0.00")),
        "W-TOP": (D("44000.00"), D("26400.00"), D("0.00")),
    }


def test_an_empty_month_spreads_by_last_year_or_evenly(
    division: dict[str, Any], target_manager: User
) -> None:
    version = _create(division, target_manager, seed="empty")
    target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 1, "sales", "100000", by="reference"))
    assert {code: sales for code, (sales, _, _) in _cells(version).items()} == {
        "W-DRS": D("35000.00"), "W-KNT": D("25000.00"), "W-TOP": D("40000.00"),
    }  # fmt: skip
    target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 2, "sales", "100", by="even"))
    assert sorted(sales for sales, _, _ in _cells(version, 2).values()) == [
        D("33.33"),
        D("33.33"),
        D("33.34"),
    ]


def test_gm_and_markdown_percent_set_their_components(division: dict[str, Any], target_manager: User) -> None:
    version = _create(division, target_manager)
    target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 1, "gm_percent", "52"))
    target_cell_set(
        user=target_manager,
        edit=TargetEdit(version.pk, 1, "markdown_percent", "7.5", department_id=division["tops"].pk),
    )
    # 52 % of 40,000 / 35,000 / 25,000; Tops' markdowns 7.5 % of 40,000 = 3,000.
    assert _cells(version) == {
        "W-DRS": (D("35000.00"), D("18200.00"), D("0.00")),
        "W-KNT": (D("25000.00"), D("13000.00"), D("0.00")),
        "W-TOP": (D("40000.00"), D("20800.00"), D("3000.00")),
    }
    event = audit_trail(actions="target.change").first()
    assert event is not None
    assert event.user == target_manager
    new, old = event.new or {}, event.old or {}
    assert new["measure"] == "markdown_percent"
    assert old["cells"]["W-TOP M01"]["markdowns"] == "0.00"


def test_a_department_edit_moves_only_that_department(division: dict[str, Any], target_manager: User) -> None:
    version = _create(division, target_manager)
    edit = TargetEdit(version.pk, 1, "sales", "50000", department_id=division["knit"].pk, seen_version=1)
    version = target_cell_set(user=target_manager, edit=edit)
    assert version.row_version == 2
    assert _cells(version)["W-KNT"] == (D("50000.00"), D("30000.00"), D("0.00"))
    assert _cells(version)["W-TOP"][0] == D("40000.00")
    with pytest.raises(Conflict):  # another manager's edit since version 1 was read
        target_cell_set(user=target_manager, edit=edit)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"measure": "turn"}, "Set one of"),
        ({"value": "-5"}, "cannot be negative"),
        ({"value": "abc"}, "is not a number"),
        ({"measure": "gm_percent", "value": "100"}, "percentage below 100"),
        ({"month": 13}, "fiscal month is 1 to 12"),
        ({"by": "magic"}, "Spread by one of"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(
    division: dict[str, Any], target_manager: User, edit: dict[str, Any], message: str
) -> None:
    version = _create(division, target_manager)
    before = _cells(version)
    fields = {"version_id": version.pk, "month": 1, "measure": "sales", "value": "1", **edit}
    with pytest.raises(TargetError, match=message):
        target_cell_set(user=target_manager, edit=TargetEdit(**fields))
    assert _cells(version) == before


def test_only_a_manager_of_every_department_sets_targets(
    division: dict[str, Any], planner: User, manager: User
) -> None:
    with pytest.raises(Forbidden, match="Only managers"):
        _create(division, planner)
    division["tops"].planners.add(manager)
    with pytest.raises(Forbidden, match="every department of Womenswear"):
        _create(division, manager)


def test_submit_approve_by_another_manager_then_publish(
    division: dict[str, Any], target_manager: User, second_target_manager: User
) -> None:
    first = _create(division, target_manager)
    approval_submit("target", first.pk, target_manager, comment="FY27")
    with pytest.raises(Forbidden, match="another manager"):
        approval_decide("target", first.pk, target_manager, "approve")
    with pytest.raises(TargetError, match="cannot be changed"):
        target_cell_set(user=target_manager, edit=TargetEdit(first.pk, 1, "sales", "1"))
    approval_decide("target", first.pk, second_target_manager, "approve", comment="Fine")
    target_publish(user=target_manager, version_id=first.pk)

    second = _create(division, target_manager, growth_percent=D(5))
    assert second.name == "Targets FY2027 v2"
    with pytest.raises(TargetError, match="Only approved targets"):
        target_publish(user=target_manager, version_id=second.pk)
    approval_submit("target", second.pk, target_manager)
    approval_decide("target", second.pk, second_target_manager, "approve")
    target_publish(user=second_target_manager, version_id=second.pk)
    published = TargetVersion.objects.filter(is_published=True)
    assert [version.pk for version in published] == [second.pk]
    actions = [event.action for event in audit_trail(actions="target.")][::-1]
    assert actions == [
        "target.create", "target.submit", "target.approve", "target.publish",
        "target.create", "target.submit", "target.approve", "target.publish",
    ]  # fmt: skip


def test_a_rejected_version_goes_back_to_change(
    division: dict[str, Any], target_manager: User, second_target_manager: User
) -> None:
    version = _create(division, target_manager)
    approval_submit("target", version.pk, target_manager)
    approval_decide("target", version.pk, second_target_manager, "reject", comment="Too high")
    target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 1, "sales", "90000"))
    approval_submit("target", version.pk, target_manager)
    assert TargetVersion.objects.get(pk=version.pk).status == TargetVersion.Status.SUBMITTED


def test_targets_proposed_from_the_plans(division: dict[str, Any], plans: Any, target_manager: User) -> None:
    version = targets_from_plans(user=target_manager, division_id=division["division"].pk, fiscal_year=2027)
    assert version.status == TargetVersion.Status.DRAFT
    # Tops 31,000 + 11,000; Dresses 30,000; Knitwear has no plan: margins 55 % of plan sales.
    assert _cells(version) == {
        "W-DRS": (D("30000.00"), D("16500.00"), D("0.00")),
        "W-KNT": (D("0.00"), D("0.00"), D("0.00")),
        "W-TOP": (D("42000.00"), D("23100.00"), D("0.00")),
    }


def test_published_targets_spread_into_the_working_plan_by_its_classes(
    division: dict[str, Any], plans: Any, target_manager: User, second_target_manager: User
) -> None:
    version = _create(division, target_manager, growth_percent=D(10))  # Tops M01: 44,000.00
    with pytest.raises(TargetError, match="Only approved targets"):
        targets_into_plan(
            user=target_manager, target_version_id=version.pk, department_id=division["tops"].pk
        )
    approval_submit("target", version.pk, target_manager)
    approval_decide("target", version.pk, second_target_manager, "approve")
    targets_into_plan(user=target_manager, target_version_id=version.pk, department_id=division["tops"].pk)
    # 44,000 by last year's classes 30,000 : 10,000 -> Tees 33,000, Blouses 11,000 (the
    # reconciliation's class targets), each over its weeks by the plan.
    weeks = PlanWeek.objects.filter(line__version=plans["W-TOP"], line__merch_class__isnull=False).order_by(
        "line__merch_class__code"
    )
    assert [(str(week.line.merch_class), week.sales) for week in weeks] == [
        ("W-TOP-BLS Blouses", D("11000.00")), ("W-TOP-TEE Tees", D("33000.00")),
    ]  # fmt: skip
    changes = PlanCellChange.objects.filter(line__version=plans["W-TOP"], source=PlanCellChange.Source.SPREAD)
    assert [change.new_value for change in changes] == [D("33000.0000")]  # Blouses was on target
    with pytest.raises(TargetError, match="no company-wide working plan"):
        targets_into_plan(
            user=target_manager, target_version_id=version.pk, department_id=division["knit"].pk
        )
    with pytest.raises(TargetError, match="already matches"):
        targets_into_plan(
            user=target_manager, target_version_id=version.pk, department_id=division["tops"].pk
        )


def test_locked_and_closed_weeks_keep_their_sales_and_the_open_lines_absorb_the_rest(
    division: dict[str, Any], plans: Any, target_manager: User, second_target_manager: User
) -> None:
    version = _create(division, target_manager, growth_percent=D(10))  # Tops M01: 44,000.00
    approval_submit("target", version.pk, target_manager)
    approval_decide("target", version.pk, second_target_manager, "approve")
    weeks = PlanWeek.objects.filter(line__version=plans["W-TOP"], line__merch_class__isnull=False)
    tees = weeks.get(line__merch_class=division["tees"])
    tees.locked = "sales"  # the planner holds Tees' 31,000
    tees.save(update_fields=["locked"])
    targets_into_plan(user=target_manager, target_version_id=version.pk, department_id=division["tops"].pk)
    # 44,000 - 31,000 held = 13,000, all to Blouses, the one line with an open week.
    assert [(str(w.line.merch_class), w.sales) for w in weeks.order_by("line__merch_class__code")] == [
        ("W-TOP-BLS Blouses", D("13000.00")), ("W-TOP-TEE Tees", D("31000.00")),
    ]  # fmt: skip
    weeks.update(actual_eop=D("0"))  # the whole month closed: its actuals stay
    with pytest.raises(TargetError, match="already matches"):
        targets_into_plan(
            user=target_manager, target_version_id=version.pk, department_id=division["tops"].pk
        )


def test_only_managers_of_the_whole_division_see_submitted_targets_in_their_inbox(
    division: dict[str, Any], target_manager: User, second_target_manager: User, planner: User, manager: User
) -> None:
    version = _create(division, target_manager)
    approval_submit("target", version.pk, target_manager)
    division["tops"].planners.add(planner)
    partial = role_user("pia.manager", "Manager")
    division["tops"].planners.add(partial)  # manages one department of three
    assert [row.object_id for row in approval_inbox(second_target_manager) if row.kind == "target"] == [
        version.pk
    ]
    for user in (planner, partial, target_manager):  # the submitter decides nothing either
        assert not [row for row in approval_inbox(user) if row.kind == "target"]


def test_typed_amounts_are_stored_in_cents_half_up_and_bounded(
    division: dict[str, Any], target_manager: User
) -> None:
    version = _create(division, target_manager, seed="empty")
    tops = division["tops"].pk
    target_cell_set(
        user=target_manager, edit=TargetEdit(version.pk, 1, "sales", "100.005", department_id=tops)
    )
    assert TargetCell.objects.get(version=version, department_id=tops, month=1).sales == D("100.01")
    with pytest.raises(TargetError, match=r"at most 999,999,999,999\.99"):
        target_cell_set(
            user=target_manager, edit=TargetEdit(version.pk, 1, "sales", "1e20", department_id=tops)
        )
    event = audit_trail(actions="target.change").first()
    assert event is not None
    assert (event.new or {})["value"] == "100.01"


def test_a_quarter_spreads_over_its_months_and_a_division_quarter_over_departments_and_months(
    division: dict[str, Any], target_manager: User
) -> None:
    version = _create(division, target_manager, seed="empty")
    tops = division["tops"].pk
    # Empty months: Tops' Q1 of 90,000 evenly over M01..M03.
    target_cell_set(
        user=target_manager, edit=TargetEdit(version.pk, 0, "sales", "90000", department_id=tops, span="Q1")
    )
    months = TargetCell.objects.filter(version=version, department_id=tops, month__in=(1, 2, 3)).order_by(
        "month"
    )
    assert [cell.sales for cell in months] == [D("30000.00")] * 3
    # The division's Q1 doubled to 180,000 by current targets: only Tops had any, so Tops' months double.
    target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 0, "sales", "180000", span="Q1"))
    assert [cell.sales for cell in months.all()] == [D("60000.00")] * 3
    # By last year: only M01 had sales last year (40 : 35 : 25 across the departments).
    target_cell_set(
        user=target_manager, edit=TargetEdit(version.pk, 0, "sales", "100000", span="Q1", by="reference")
    )
    assert _cells(version)["W-TOP"][0] == D("40000.00")
    assert TargetCell.objects.get(version=version, department_id=tops, month=2).sales == D("0.00")
    # EOP on a span is its closing month's.
    target_cell_set(
        user=target_manager, edit=TargetEdit(version.pk, 0, "eop", "5000", department_id=tops, span="H1")
    )
    assert TargetCell.objects.get(version=version, department_id=tops, month=6).eop == D("5000.00")
    assert TargetCell.objects.get(version=version, department_id=tops, month=5).eop == D("0.00")
    with pytest.raises(TargetError, match="A span is one of"):
        target_cell_set(user=target_manager, edit=TargetEdit(version.pk, 0, "sales", "1", span="Q9"))
