"""Allocation runs end to end through the services: setup checks, the computed preview (numbers by
hand, see tests/allocation/conftest.py), hand edits with totals kept, release into transfers,
what-if, failures that write nothing, and who may."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from allocation import runs, services
from allocation.engine import store_caps
from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from allocation.runs import AllocationError, RunRequest
from core.audit import audit_for
from core.errors import Conflict
from planning.models import StyleColor
from replenishment.models import SegmentPolicy
from tests.allocation.conftest import put_stock


def _run(
    user: User, world: dict[str, Any], django_capture_on_commit_callbacks: Any, **fields: Any
) -> AllocationRun:
    request = RunRequest(
        department=world["tops"], dc=world["dc"], style_colors=[world["style_color"]], **fields
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=user, request=request)
    run.refresh_from_db()
    return run


def _lines(run: AllocationRun) -> dict[tuple[str, str], AllocationLine]:
    return {
        (line.item.sku.code, line.store.code): line
        for line in AllocationLine.objects.filter(run=run).select_related("item__sku", "store")
    }


def _item(run: AllocationRun, code: str) -> AllocationItem:
    return AllocationItem.objects.get(run=run, sku__code=code)


def test_enough_supply_every_store_gets_its_need(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks, holdback="0.1")
    assert run.status == AllocationRun.Status.PREVIEW, run.message
    lines = _lines(run)
    small = _item(run, "ST-1-BLK-S")
    # DC 10, holdback ceil(10 x 0.1) = 1, allocatable 9; needs 3 + 2 = 5 -> all of it, 4 left at the DC
    assert (small.available, small.held_back, small.allocatable, small.allocated, small.left_at_dc) == (
        10,
        1,
        9,
        5,
        4,
    )
    assert (lines["ST-1-BLK-S", "S001"].need, lines["ST-1-BLK-S", "S001"].allocated) == (3, 3)
    assert (lines["ST-1-BLK-S", "S002"].need, lines["ST-1-BLK-S", "S002"].allocated) == (2, 2)
    # projected weeks of supply: S001 (1 on hand + 3) / 2 a week = 2.0; S002 2 / 1 = 2.0
    assert lines["ST-1-BLK-S", "S001"].projected_wos == pytest.approx(2.0)
    assert lines["ST-1-BLK-S", "S002"].fill_rate == 1.0
    medium = _item(run, "ST-1-BLK-M")
    # M: DC 2, holdback ceil(0.2) = 1, allocatable 1; S001 needs 2 -> gets 1 (shared short supply)
    assert (medium.held_back, medium.allocatable, medium.allocated, medium.stores_short) == (1, 1, 1, 1)
    assert lines["ST-1-BLK-M", "S001"].shortfall == 2  # SHARED
    assert (
        run.message == "Demand from the forecast; 2 SKUs without a forecast use their last 13 weeks' sales."
    )
    assert audit_for(run, actions="allocation.create").filter(user=planner).exists()


def test_scarce_supply_is_shared_by_fill_ratio(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    put_stock(world["sku_s"], world["dc"], world["week"], 4)
    run = _run(planner, world, django_capture_on_commit_callbacks)
    lines = _lines(run)
    # 4 for needs 3 and 2: ratio 0.8 -> ideals 2.4 and 1.6; floors 2 + 1; the larger remainder
    # (0.6) gets the last
    assert (lines["ST-1-BLK-S", "S001"].allocated, lines["ST-1-BLK-S", "S002"].allocated) == (2, 2)
    assert lines["ST-1-BLK-S", "S001"].fill_rate == pytest.approx(2 / 3)


def test_packs_cluster_and_grade(world: Any, planner: User, django_capture_on_commit_callbacks: Any) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks, pack_size=2)
    lines = _lines(run)
    # packs of 2: S001 needs 3 -> 2 packs (4), S002 needs 2 -> 1 pack; 6 of the 10
    assert (lines["ST-1-BLK-S", "S001"].allocated, lines["ST-1-BLK-S", "S002"].allocated) == (4, 2)
    assert _item(run, "ST-1-BLK-M").allocated == 2
    outlet = _run(planner, world, django_capture_on_commit_callbacks, cluster="outlet")
    assert {store for _, store in _lines(outlet)} == {"S002"}
    grade_a = _run(planner, world, django_capture_on_commit_callbacks, grade="a")
    assert {store for _, store in _lines(grade_a)} == {"S001"}


def test_presentation_minimum_and_priority_from_the_matrix(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    SegmentPolicy.objects.update(presentation_min=3)
    put_stock(world["sku_s"], world["dc"], world["week"], 4)
    run = _run(planner, world, django_capture_on_commit_callbacks)
    lines = _lines(run)
    # need = demand + minimum - stock: S001 4 + 3 - 1 = 6, S002 2 + 3 = 5; 4 units: minimums first (3 each
    # does not fit: shared 2 + 2), nothing left for depth
    assert (lines["ST-1-BLK-S", "S001"].need, lines["ST-1-BLK-S", "S002"].need) == (6, 5)
    assert lines["ST-1-BLK-S", "S001"].presentation_min == 3
    assert lines["ST-1-BLK-S", "S001"].allocated + lines["ST-1-BLK-S", "S002"].allocated == 4
    assert ("ST-1-BLK-M", "S002") not in lines  # no demand there: no minimum, no line


def test_what_if_shows_the_full_need(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    put_stock(world["sku_s"], world["dc"], world["week"], 0)
    run = _run(planner, world, django_capture_on_commit_callbacks, what_if=True)
    lines = _lines(run)
    assert (lines["ST-1-BLK-S", "S001"].allocated, lines["ST-1-BLK-S", "S002"].allocated) == (3, 2)
    assert not run.is_editable
    with pytest.raises(AllocationError, match="what-if"):
        services.allocation_release(user=planner, run_id=run.pk)


def test_hand_edit_keeps_totals(world: Any, planner: User, django_capture_on_commit_callbacks: Any) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    line = _lines(run)["ST-1-BLK-S", "S002"]
    # allocatable 10, 5 given: S002 can go up to 2 + 5 = 7
    edit = services.allocation_line_set(
        user=planner, line_id=line.pk, units="7", seen_version=line.row_version
    )
    assert (edit.line.allocated, edit.item.allocated, edit.item.left_at_dc) == (7, 10, 0)
    assert edit.line.proposed == 2
    assert edit.line.is_edited
    with pytest.raises(AllocationError, match="only 7 units of ST-1-BLK-S can go to this store"):
        services.allocation_line_set(user=planner, line_id=line.pk, units=8)
    with pytest.raises(AllocationError, match="whole number"):
        services.allocation_line_set(user=planner, line_id=line.pk, units="two")
    with pytest.raises(AllocationError, match="negative"):
        services.allocation_line_set(user=planner, line_id=line.pk, units=-1)
    with pytest.raises(Conflict):
        services.allocation_line_set(user=planner, line_id=line.pk, units=1, seen_version=line.row_version)
    change = audit_for(run, actions="allocation.line.change").get()
    assert change.old is not None
    assert change.new is not None
    assert (change.old["units"], change.new["units"], change.comment) == (2, 7, "ST-1-BLK-S at S002")
    assert change.old["line"] == change.new["line"] == line.pk
    with pytest.raises(AllocationError, match="no allocation line 999999"):
        services.allocation_line_set(user=planner, line_id=999999, units=1)


def test_release_creates_transfers_once(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    released = services.allocation_release(user=planner, run_id=run.pk, seen_version=run.row_version)
    # S: 3 to S001, 2 to S002; M: 2 to S001
    assert (released.transfers, released.units) == (3, 7)
    transfers = sorted(
        Transfer.objects.filter(run=run).values_list("sku__code", "to_location__code", "units")
    )
    assert transfers == [("ST-1-BLK-M", "S001", 2), ("ST-1-BLK-S", "S001", 3), ("ST-1-BLK-S", "S002", 2)]
    assert set(Transfer.objects.values_list("from_location__code", "status", "kind")) == {
        ("DC1", "planned", "allocation")
    }
    with pytest.raises(AllocationError, match="released"):
        services.allocation_release(user=planner, run_id=run.pk)
    # A second run sees the DC's stock less what the first promised: S 10 - 5 = 5, M 0
    again = _run(planner, world, django_capture_on_commit_callbacks)
    assert (_item(again, "ST-1-BLK-S").available, _item(again, "ST-1-BLK-M").available) == (5, 0)
    # and the stores' need less what is on its way: nothing more for S001 or S002
    assert _item(again, "ST-1-BLK-S").need == 0


def test_release_refuses_stock_taken_meanwhile(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = _run(planner, world, django_capture_on_commit_callbacks)
    second = _run(planner, world, django_capture_on_commit_callbacks)
    put_stock(world["sku_s"], world["dc"], world["week"], 6)
    services.allocation_release(user=planner, run_id=first.pk)
    with pytest.raises(AllocationError, match="DC1 now has 1 units of ST-1-BLK-S free"):
        services.allocation_release(user=planner, run_id=second.pk)
    assert not Transfer.objects.filter(run=second).exists()
    assert AllocationRun.objects.get(pk=second.pk).status == AllocationRun.Status.PREVIEW


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"pack_size": 0}, "pack_size", "Pack size must be a whole number of units, at least 1."),
        ({"pack_size": "2.5"}, "pack_size", "Pack size must be a whole number"),
        ({"holdback": "1.2"}, "holdback", "Holdback is a share of the stock"),
        ({"holdback": "x"}, "holdback", "Holdback must be a number"),
        ({"coverage_weeks": 0}, "coverage_weeks", "Coverage is 0.5 to 26 weeks."),
        ({"grade": "Z"}, "grade", "Unknown store grade 'Z'"),
        ({"demand": "plan"}, "planned_weekly_units", "needs the planned units a week"),
        ({"source": "po"}, "purchase_order", "Choose the incoming purchase order"),
        ({"mode": "fastest"}, "mode", "Unknown mode"),
        ({"demand": "like_item"}, "like_style_color", "needs one: choose it here, or link one to ST-1-BLK"),
    ],
)
def test_bad_setup_is_refused_with_its_field(
    world: Any, planner: User, fields: dict[str, Any], field: str, message: str
) -> None:
    request = RunRequest(
        department=world["tops"], dc=world["dc"], style_colors=[world["style_color"]], **fields
    )
    with pytest.raises(AllocationError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        runs.start_run(user=planner, request=request)
    assert error.value.field == field
    assert not AllocationRun.objects.exists()


def test_a_store_as_source_and_other_departments_are_refused(
    world: Any, planner: User, executive: User
) -> None:
    def request(**fields: Any) -> RunRequest:
        return RunRequest(
            **{
                "department": world["tops"],
                "dc": world["dc"],
                "style_colors": [world["style_color"]],
                **fields,
            }
        )

    with pytest.raises(AllocationError, match="S001 is not a distribution centre"):
        runs.start_run(user=planner, request=request(dc=world["store"]))
    world["dresses"].planners.add(planner)
    with pytest.raises(AllocationError, match="ST-1-BLK is not in Dresses"):
        runs.start_run(user=planner, request=request(department=world["dresses"]))
    with pytest.raises(PermissionDenied, match="Only the planners and managers of Tops"):
        runs.start_run(user=executive, request=request())
    assert not AllocationRun.objects.exists()


def test_a_failed_run_writes_nothing(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks, cluster="Nowhere")
    assert run.status == AllocationRun.Status.FAILED
    assert run.message == "DC1 supplies no open store of cluster Nowhere: nothing to allocate to."
    assert not AllocationLine.objects.filter(run=run).exists()
    assert not AllocationItem.objects.filter(run=run).exists()
    unsold = StyleColor.objects.create(
        style=world["style_color"].style, code="ST-1-WHT", color_code="WHT", color_name="White",
        retail_price=Decimal("24.00"), unit_cost=Decimal("9.60"),
    )  # fmt: skip
    launch = _run(
        planner, world, django_capture_on_commit_callbacks, demand="like_item", like_style_color=unsold
    )
    assert launch.status == AllocationRun.Status.FAILED
    assert launch.message == (
        "The like item sold nothing at these stores in the last 13 weeks: "
        "choose another one or launch from the plan."
    )


def test_launch_from_the_plan(world: Any, planner: User, django_capture_on_commit_callbacks: Any) -> None:
    run = _run(
        planner, world, django_capture_on_commit_callbacks, demand="plan", planned_weekly_units=Decimal("30")
    )
    lines = _lines(run)
    # The class sold 26 + 13 + 13 = 52 in 13 weeks: S001 39 (0.75), S002 13 (0.25). 30 a week x share x
    # size share (no forecast: 1/2 each) x 2 weeks: S at S001 22.5 - 1 on hand = 21.5 -> 22, S002 7.5 -> 8
    assert (lines["ST-1-BLK-S", "S001"].need, lines["ST-1-BLK-S", "S002"].need) == (22, 8)
    assert lines["ST-1-BLK-S", "S001"].weekly_demand == pytest.approx(11.25)


def test_store_caps_split_the_room_by_need() -> None:
    caps = store_caps(np.array([[20.0, 5.0], [40.0, 5.0]]), np.array([30.0, np.inf]))
    np.testing.assert_array_equal(caps, [[10.0, np.inf], [20.0, np.inf]])


def test_released_transfers_are_committed_in_available_to_sell(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    from replenishment.health import inventory_health

    run = _run(planner, world, django_capture_on_commit_callbacks)
    services.allocation_release(user=planner, run_id=run.pk)
    rows = {(row.sku, row.channel): row for row in inventory_health(world["tops"]).available}
    # DC1 holds 10 of S; 3 + 2 go to the stores: committed 5, available 5. The Stores channel has
    # S001's 1 on hand and the 5 arriving.
    dc = rows["ST-1-BLK-S", "Distribution centres (no channel)"]
    assert (dc.on_hand, dc.arriving, dc.committed, dc.available) == (10, 0, 5, 5)
    stores = rows["ST-1-BLK-S", "Stores"]
    assert (stores.on_hand, stores.arriving, stores.committed, stores.available) == (1, 5, 0, 6)
