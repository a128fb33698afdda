"""Rebalancing: hand-checked transfers and the conservation / limits properties."""

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.engine import AllocationInputError, Transfer, rebalance


def _after(stock: npt.ArrayLike, transfers: list[Transfer]) -> npt.NDArray[np.int64]:
    level = np.atleast_2d(np.array(stock, dtype=np.int64))
    for move in transfers:
        level[move.sku, move.from_store] -= move.units
        level[move.sku, move.to_store] += move.units
    return level


def test_neediest_receiver_is_served_first() -> None:
    # Demand 10/10/10/5, stock 80/5/20/0, 3 to 6 weeks: WOS 8/0.5/2/0.
    # Donor store 0 has 80 - 60 = 20 spare. Receivers by WOS: store 3 (wants 15 - 0 = 15),
    # store 1 (30 - 5 = 25), store 2 (30 - 20 = 10). Store 3 gets 15, store 1 the 5 left.
    transfers = rebalance([80, 5, 20, 0], [10, 10, 10, 5], min_wos=3, max_wos=6)
    assert transfers == [
        Transfer(0, 0, 3, 15, 8.0, 6.5, 0.0, 3.0),
        Transfer(0, 0, 1, 5, 6.5, 6.0, 0.5, 1.0),
    ]
    assert _after([80, 5, 20, 0], transfers).tolist() == [[60, 10, 20, 15]]


def test_receiver_takes_from_the_donor_with_most_excess_first() -> None:
    # Demand 10 each, 2 to 4 weeks. Stock 50/70/0: spare 50 - 40 = 10 and 70 - 40 = 30.
    # Store 2 wants 20 - 0 = 20: all from store 1 (30 spare, the most).
    transfers = rebalance([50, 70, 0], [10, 10, 10], min_wos=2, max_wos=4)
    assert [(t.from_store, t.to_store, t.units) for t in transfers] == [(1, 2, 20)]


def test_a_receiver_can_take_from_several_donors() -> None:
    # Demand 10 each, 2 to 4 weeks. Spare 45 - 40 = 5 and 48 - 40 = 8; store 2 wants 20:
    # 8 from store 1 (most spare), then 5 from store 0.
    transfers = rebalance([45, 48, 0], [10, 10, 10], min_wos=2, max_wos=4)
    assert [(t.from_store, t.to_store, t.units) for t in transfers] == [(1, 2, 8), (0, 2, 5)]


def test_store_without_demand_gives_all_its_stock() -> None:
    # Store 0 has 12 units and no demand (WOS inf): a donor of all 12. Store 1 wants 3 x 4 - 0 = 12.
    transfers = rebalance([12, 0], [0, 4], min_wos=3, max_wos=5)
    assert transfers == [Transfer(0, 0, 1, 12, float("inf"), float("inf"), 0.0, 3.0)]


def test_whole_packs_round_up_unless_that_passes_max_wos() -> None:
    # Packs of 6, demand 5 at the receiver with 2 on hand, min 3 weeks: wants 13 -> 3 packs (18).
    # Donor: 100 units, demand 1, max 4 weeks -> spare (100 - 4) / 6 = 16 packs.
    transfers = rebalance([100, 2], [1, 5], min_wos=3, max_wos=4, pack_size=6)
    assert [t.units for t in transfers] == [18]  # ends at 20 units = 4 weeks: allowed
    # With max 3.5 weeks the receiver has room for (17.5 - 2) / 6 = 2.58 -> 2 packs (12 units).
    transfers = rebalance([100, 2], [1, 5], min_wos=3, max_wos=3.5, pack_size=6)
    assert [t.units for t in transfers] == [12]


def test_donor_gives_whole_packs_of_its_excess_only() -> None:
    # Donor spare 50 - 4 x 10 = 10 -> 1 pack of 6 (2 packs would leave 38 < 40).
    transfers = rebalance([50, 0], [10, 10], min_wos=2, max_wos=4, pack_size=6)
    assert [t.units for t in transfers] == [6]


def test_transfers_stay_within_their_group() -> None:
    # Store 0 (group 1) is overstocked; store 1 (group 2) and store 2 (group 1) are empty.
    # Only store 2 can receive: 2 x 10 = 20.
    transfers = rebalance([100, 0, 0], [10, 10, 10], min_wos=2, max_wos=4, group=[1, 2, 1])
    assert [(t.from_store, t.to_store, t.units) for t in transfers] == [(0, 2, 20)]


def test_small_transfers_are_dropped() -> None:
    # Spare 44 - 40 = 4 for a receiver wanting 20: a 4-unit move is below min_units 5.
    assert rebalance([44, 0], [10, 10], min_wos=2, max_wos=4, min_units=5) == []
    assert [t.units for t in rebalance([44, 0], [10, 10], min_wos=2, max_wos=4, min_units=4)] == [4]


def test_batch_of_skus_with_their_own_packs() -> None:
    # SKU 0: spare 100 - 40 = 60, receiver wants 20 -> packs of 4: 20. SKU 1: packs of 12:
    # 20 -> 2 packs = 24 (ends at 2.4 weeks, below 4): 24.
    transfers = rebalance([[100, 0], [100, 0]], [[10, 10], [10, 10]], min_wos=2, max_wos=4, pack_size=[4, 12])
    assert [(t.sku, t.units) for t in transfers] == [(0, 20), (1, 24)]


def test_nothing_to_do_when_everyone_is_within_limits() -> None:
    assert rebalance([30, 40], [10, 10], min_wos=2, max_wos=4) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stock": [-1, 5]}, "Stock cannot be negative"),
        ({"weekly_demand": [1, -1]}, "Weekly demand cannot be negative"),
        ({"stock": [1.5, 5]}, "whole units"),
        ({"stock": [1, 2, 3]}, "same shape"),
        ({"min_wos": 5, "max_wos": 4}, "cannot be above max_wos"),
        ({"min_wos": -1}, "at least 0"),
        ({"pack_size": 0}, "at least 1"),
        ({"pack_size": [1, 2]}, "2 values for 1 SKUs"),
        ({"group": [1]}, "1 values for 2 stores"),
        ({"group": [1.5, 2]}, "whole numbers"),
        ({"min_units": -1}, "min_units"),
    ],
)
def test_bad_input_is_rejected(kwargs: dict[str, Any], message: str) -> None:
    defaults: dict[str, Any] = {"stock": [10, 0], "weekly_demand": [1, 1], "min_wos": 2, "max_wos": 4}
    arguments = defaults | kwargs
    with pytest.raises(AllocationInputError, match=message):
        rebalance(**arguments)


@st.composite
def rebalance_problems(draw: st.DrawFn) -> dict[str, Any]:
    skus = draw(st.integers(1, 3))
    stores = draw(st.integers(1, 10))
    row = st.lists(st.integers(0, 120), min_size=stores, max_size=stores)
    demand_row = st.lists(st.sampled_from([0, 0.5, 1, 2.5, 4, 7, 10]), min_size=stores, max_size=stores)
    min_wos = draw(st.sampled_from([0, 1, 2, 3.5]))
    return {
        "stock": [draw(row) for _ in range(skus)],
        "weekly_demand": [draw(demand_row) for _ in range(skus)],
        "min_wos": min_wos,
        "max_wos": min_wos + draw(st.sampled_from([0, 0.5, 2, 6])),
        "pack_size": draw(st.lists(st.sampled_from([1, 2, 3, 6, 12]), min_size=skus, max_size=skus)),
        "group": draw(st.none() | st.lists(st.integers(0, 2), min_size=stores, max_size=stores)),
        "min_units": draw(st.sampled_from([0, 1, 6])),
    }


@settings(max_examples=300, deadline=None)
@given(rebalance_problems())
def test_transfers_conserve_stock_and_respect_the_limits(problem: dict[str, Any]) -> None:
    transfers = rebalance(**problem)
    stock = np.asarray(problem["stock"])
    demand = np.asarray(problem["weekly_demand"], dtype=float)
    after = _after(stock, transfers)
    assert np.array_equal(after.sum(axis=1), stock.sum(axis=1))  # conserved per SKU
    assert np.all(after >= 0)
    tolerance = 1e-9
    given_away = np.zeros_like(stock)
    received = np.zeros_like(stock)
    groups = problem["group"] or [0] * stock.shape[1]
    for move in transfers:
        given_away[move.sku, move.from_store] += move.units
        received[move.sku, move.to_store] += move.units
        assert move.units % problem["pack_size"][move.sku] == 0  # whole packs
        assert move.units >= max(problem["min_units"], 1)
        assert groups[move.from_store] == groups[move.to_store]
    max_level = problem["max_wos"] * demand
    donors = given_away > 0
    assert np.all(after[donors] >= max_level[donors] - tolerance)  # donors keep max_wos weeks
    receivers = received > 0
    assert np.all(after[receivers] <= max_level[receivers] + tolerance)  # never above max_wos
    assert not np.any(donors & receivers)
    # A receiver was below min_wos before, and a donor above max_wos.
    assert np.all(stock[receivers] < problem["min_wos"] * demand[receivers])
    assert np.all(stock[donors] > max_level[donors])


@settings(max_examples=300, deadline=None)
@given(rebalance_problems())
def test_no_receiver_is_left_short_while_its_group_has_spare_units(problem: dict[str, Any]) -> None:
    # With single units and no minimum transfer, the greedy only stops for a receiver when it is
    # filled (or has no room under max_wos) or its group's donors have nothing left to give.
    problem = problem | {"pack_size": 1, "min_units": 1}
    stock = np.asarray(problem["stock"], dtype=float)
    demand = np.asarray(problem["weekly_demand"], dtype=float)
    after = _after(problem["stock"], rebalance(**problem)).astype(float)
    lowest, highest = problem["min_wos"] * demand, problem["max_wos"] * demand
    was_donor = stock > highest + 1e-9
    spare = np.where(was_donor, np.floor(after - highest + 1e-9), 0)
    wants = np.where(
        demand > 0,
        np.minimum(np.ceil(lowest - after - 1e-9), np.floor(highest - after + 1e-9)),
        0,
    )
    groups = np.asarray(problem["group"] or [0] * stock.shape[1])
    for group_id in np.unique(groups):
        members = groups == group_id
        assert not (np.any(spare[:, members] >= 1, axis=1) & np.any(wants[:, members] >= 1, axis=1)).any()
