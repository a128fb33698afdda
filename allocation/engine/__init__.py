"""Pure allocation engine: numpy only, no Django (enforced by import-linter)."""

from allocation.engine.allocate import (
    MODES,
    SHORTFALL_TEXT,
    Allocation,
    AllocationInputError,
    Shortfall,
    allocate,
    store_need,
)

__all__ = [
    "MODES",
    "SHORTFALL_TEXT",
    "Allocation",
    "AllocationInputError",
    "Shortfall",
    "allocate",
    "store_need",
]
