"""A run's need, caps and what-if supply per SKU and store (allocation.engine.store_limits),
with numbers checked by hand."""

from __future__ import annotations

import numpy as np

from allocation.engine import store_caps, unlimited_supply, whole_unit_need


def test_need_is_rounded_up_to_whole_units_and_never_below_zero() -> None:
    # 10.2 + 2 - 5 - 1 = 6.2 -> 7; 3 + 0 - 8 - 0 = -5 -> 0; 4.0000000001 float noise -> 4, not 5
    need = whole_unit_need(
        np.array([[10.2, 3.0, 4.0000000001]]),
        np.array([[2, 0, 0]]),
        np.array([[5, 8, 0]]),
        np.array([[1, 0, 0]]),
    )
    assert need.tolist() == [[7.0, 0.0, 4.0]]
    assert need.dtype == np.float64


def test_caps_split_a_tight_room_by_need() -> None:
    # Store 1: room 30 for needs 20 + 40 = 60: 20 * 30/60 = 10 and 40 * 30/60 = 20.
    # Store 2: room 7 for needs 5 + 5: 3.5 each, rounded down to 3. Store 3: no limit.
    caps = store_caps(np.array([[20.0, 5.0, 9.0], [40.0, 5.0, 1.0]]), np.array([30.0, 7.0, np.inf]))
    assert caps.tolist() == [[10.0, 3.0, np.inf], [20.0, 3.0, np.inf]]


def test_a_room_that_holds_the_need_sets_no_cap() -> None:
    caps = store_caps(np.array([[10.0], [5.0]]), np.array([15.0]))
    assert np.isinf(caps).all()


def test_unlimited_supply_is_every_need_in_whole_packs_within_the_cap() -> None:
    need = np.array([[7.0, 3.0]])
    assert unlimited_supply(need, np.full((1, 2), np.inf), 4).tolist() == [12]  # 8 + 4
    assert unlimited_supply(need, np.array([[5.0, np.inf]]), 4).tolist() == [8]  # 4 + 4
    assert unlimited_supply(np.zeros((1, 2)), np.full((1, 2), np.inf), 4).tolist() == [0]
