"""Pure allocation engine: numpy only, no Django (enforced by import-linter)."""

from allocation.engine.allocate import MODES, Allocation, AllocationInputError, allocate, store_need
from allocation.engine.launch import launch_demand, launch_need
from allocation.engine.prepacks import PrepackAllocation, allocate_prepacks, prepack_need
from allocation.engine.rebalance import Transfer, rebalance
from allocation.engine.shortfall import SHORTFALL_TEXT, Shortfall, shortfall_reason
from allocation.engine.sizes import size_split
from allocation.engine.store_limits import store_caps, unlimited_supply, whole_unit_need

__all__ = [
    "MODES",
    "SHORTFALL_TEXT",
    "Allocation",
    "AllocationInputError",
    "PrepackAllocation",
    "Shortfall",
    "Transfer",
    "allocate",
    "allocate_prepacks",
    "launch_demand",
    "launch_need",
    "prepack_need",
    "rebalance",
    "shortfall_reason",
    "size_split",
    "store_caps",
    "store_need",
    "unlimited_supply",
    "whole_unit_need",
]
