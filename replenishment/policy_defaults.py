"""The default policy matrix: service level, FWOS target, presentation minimum and allocation
priority per ABC x XYZ cell. Every cell always exists (managers edit values, never delete
cells): `policy_matrix_ensure` adds missing cells after every migrate and flush (post_migrate),
so a database emptied by `flush` or a transactional test has its matrix again. Values of
existing cells are never touched. The same defaults seeded the table first (otb 0003)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps

# service (fill rate), FWOS target, presentation minimum, allocation priority per cell:
# fast, steady sellers get high service; erratic tails do not tie up cash.
SEGMENT_DEFAULTS = {
    "AX": ("0.980", "4.0", 4, 1),
    "AY": ("0.970", "5.0", 4, 1),
    "AZ": ("0.950", "6.0", 3, 2),
    "BX": ("0.950", "4.0", 3, 2),
    "BY": ("0.930", "5.0", 3, 2),
    "BZ": ("0.900", "6.0", 2, 3),
    "CX": ("0.900", "3.0", 2, 3),
    "CY": ("0.850", "4.0", 2, 3),
    "CZ": ("0.800", "4.0", 1, 3),
}


def policy_matrix_ensure(*, apps: Any = global_apps, **_: Any) -> int:
    """Create the cells the matrix lacks, with their defaults; returns how many were made.
    `apps` is the migrated state `migrate` passes (a partial migrate may not have the table yet);
    `flush` passes none: today's models."""
    try:
        SegmentPolicy = apps.get_model("replenishment", "SegmentPolicy")
    except LookupError:
        return 0
    present = set(SegmentPolicy.objects.values_list("cell", flat=True))
    missing = [
        SegmentPolicy(
            cell=cell, service_level=Decimal(service), fwos_target=Decimal(fwos), presentation_min=minimum,
            allocation_priority=priority,
        )
        for cell, (service, fwos, minimum, priority) in SEGMENT_DEFAULTS.items()
        if cell not in present
    ]  # fmt: skip
    SegmentPolicy.objects.bulk_create(missing)
    return len(missing)
