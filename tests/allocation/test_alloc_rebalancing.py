"""Rebalancing suggestions from store stock and demand (tests/allocation/conftest.py: S001 sells 2 of
ST-1-BLK-S a week, S002 1 a week, both in region North), and accepting them as transfers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from allocation import rebalancing
from allocation.models import Transfer
from allocation.runs import AllocationError
from core.audit import audit_trail
from planning.models import Location, Region
from tests.allocation.conftest import put_stock


@pytest.fixture
def overstocked(world: dict[str, Any]) -> dict[str, Any]:
    # S001 holds 30 of S: 15 weeks at 2 a week, above the 8-week high mark: 30 - 8 x 2 = 14 spare.
    # S002 holds none: 0 weeks, below the 2-week low mark: it takes 2 x 1 - 0 = 2.
    put_stock(world["sku_s"], world["store"], world["week"], 30)
    return world


def test_moves_from_the_overstocked_store_to_the_short_one(overstocked: Any) -> None:
    found = rebalancing.suggestions(overstocked["tops"])
    assert [(m.sku_code, m.from_code, m.to_code, m.units) for m in found.moves] == [
        ("ST-1-BLK-S", "S001", "S002", 2)
    ]
    move = found.moves[0]
    assert move.from_wos == pytest.approx((15.0, 14.0))  # 30 / 2 -> 28 / 2
    assert move.to_wos == pytest.approx((0.0, 2.0))
    assert (move.from_wos_text, move.to_wos_text) == ("15.0 → 14.0", "0.0 → 2.0")
    no_sales = rebalancing.Move(1, "S", 1, "A", 2, "B", 1, (float("inf"), float("inf")), (0.0, 1.0))
    assert no_sales.from_wos_text == "no sales → no sales"
    assert (found.skus, found.stores, found.units) == (1, 2, 2)
    # a 4-week low mark: S002 takes 4; packs of 3 round its 4 up to 6 (6 weeks, below the high mark)
    assert rebalancing.suggestions(overstocked["tops"], min_wos=Decimal("4")).moves[0].units == 4
    assert rebalancing.suggestions(overstocked["tops"], min_wos=Decimal("4"), pack_size=3).moves[0].units == 6


def test_no_transfer_across_regions(overstocked: Any) -> None:
    south = Region.objects.create(code="SOUTH", name="South", channel=overstocked["store"].channel)
    Location.objects.filter(code="S002").update(region=south)
    assert rebalancing.suggestions(overstocked["tops"]).moves == []


def test_bad_marks_are_refused(world: Any) -> None:
    with pytest.raises(
        AllocationError, match=r"low mark \(8 weeks\) must be below the high mark \(4 weeks\)"
    ):
        rebalancing.suggestions(world["tops"], min_wos=Decimal("8"), max_wos=Decimal("4"))
    with pytest.raises(AllocationError, match="Pack size"):
        rebalancing.suggestions(world["tops"], pack_size=0)


def test_accept_writes_transfers_and_an_audit_row(overstocked: Any, planner: User) -> None:
    key = rebalancing.suggestions(overstocked["tops"]).moves[0].key
    transfers = rebalancing.rebalance_accept(user=planner, department=overstocked["tops"], keys=[key])
    assert [(t.kind, t.from_location.code, t.to_location.code, t.units) for t in transfers] == [
        ("rebalance", "S001", "S002", 2)
    ]
    change = audit_trail(actions="allocation.rebalance").get()
    assert change.new is not None
    assert (change.new["units"], change.comment, change.user) == (
        2,
        "W-TOP: 1 store-to-store transfers",
        planner,
    )
    # The planned transfer is stock on its way to S002: it is no longer short, nothing more to move.
    assert rebalancing.suggestions(overstocked["tops"]).moves == []
    with pytest.raises(AllocationError, match="no longer suggested"):
        rebalancing.rebalance_accept(user=planner, department=overstocked["tops"], keys=[key])
    assert Transfer.objects.count() == 1


def test_accept_needs_the_department(overstocked: Any, executive: User) -> None:
    key = rebalancing.suggestions(overstocked["tops"]).moves[0].key
    with pytest.raises(PermissionDenied):
        rebalancing.rebalance_accept(user=executive, department=overstocked["tops"], keys=[key])
    assert not Transfer.objects.exists()
