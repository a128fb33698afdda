"""The demo's targets: for each division the demo manager manages (every division), the
plan year's targets seeded from last year + 5 %, submitted by the manager, approved and
published by the admin (another approver, as separation of duties wants), so the
reconciliation has published targets to show against the demo plan on the first visit."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User

from core.approvals import approval_decide, approval_submit
from planning.models import Department, Division
from planning.targets.services import TargetSpec, target_create, target_publish

GROWTH_PERCENT = Decimal(5)


def _managed(user: User) -> list[Division]:
    """Divisions every department of which the user manages."""
    managed = set(Department.objects.editable_by(user).values_list("pk", flat=True))
    return [
        division
        for division in Division.objects.order_by("code").prefetch_related("departments")
        if division.departments.exists() and all(d.pk in managed for d in division.departments.all())
    ]


def demo_targets(fiscal_year: int) -> int:
    """Published targets for the manager's divisions; how many versions were made."""
    manager = User.objects.get(username="manager")
    admin = User.objects.get(username="admin")
    made = 0
    for division in _managed(manager):
        spec = TargetSpec(division.pk, fiscal_year, f"Targets FY{fiscal_year}", growth_percent=GROWTH_PERCENT)
        version = target_create(user=manager, spec=spec)
        approval_submit("target", version.pk, manager, comment="Demo: last year + 5 %")
        approval_decide("target", version.pk, admin, "approve", comment="Demo: the year's targets")
        target_publish(user=admin, version_id=version.pk)
        made += 1
    return made
