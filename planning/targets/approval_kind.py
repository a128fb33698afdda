"""Targets in the one approval flow (core.approvals): a manager submits a division's targets,
another manager of the division approves (frozen, publishable) or rejects them back to change.
The checks, the audit record ("target.submit", "target.approve") and the mail are core's."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from core.approvals import ApprovalKind, Decision, InboxRow, Mail, approval_kind_register
from core.money import format_money
from planning.models import Department, TargetVersion
from planning.roles import ADMIN, MANAGER, user_roles
from planning.targets.services import check_manager

KIND = "target"
STORED_COMMENT = 500


def _load(object_id: int) -> TargetVersion:
    return TargetVersion.objects.select_for_update(of=("self",)).select_related("division").get(pk=object_id)


def _first_department(version: TargetVersion) -> int:
    department = Department.objects.filter(division_id=version.division_id).order_by("code").first()
    return department.pk if department else 0


def _decided_divisions(user: User) -> list[int]:
    """The divisions the user may decide targets of: a manager (or admin) of all its departments."""
    if not user_roles(user) & {MANAGER, ADMIN}:
        return []
    managed = set(Department.objects.editable_by(user).values_list("pk", flat=True))
    by_division: dict[int, set[int]] = {}
    for department_id, division_id in Department.objects.values_list("pk", "division_id"):
        by_division.setdefault(division_id, set()).add(department_id)
    return [division for division, departments in by_division.items() if departments <= managed]


def _pending(user: User) -> list[InboxRow]:
    versions = (
        TargetVersion.objects.filter(
            status=TargetVersion.Status.SUBMITTED, division_id__in=_decided_divisions(user)
        )
        .exclude(submitted_by=user)
        .select_related("division", "submitted_by")
        .annotate(
            sales=Sum("cells__sales"), margin=Sum("cells__gross_margin"), receipts=Sum("cells__receipts")
        )
        .order_by("id")
    )
    return [
        InboxRow(
            kind=KIND, object_id=version.pk, title=version.name, department=str(version.division),
            requested_by=str(version.submitted_by or ""),
            figures=[("Sales", format_money(Decimal(version.sales or 0), symbol="$")),
                     ("Gross margin", format_money(Decimal(version.margin or 0), symbol="$")),
                     ("Receipts", format_money(Decimal(version.receipts or 0), symbol="$"))],
            url=reverse("planning:target-detail", args=[version.pk]),
        )
        for version in versions
    ]  # fmt: skip


def _check_manager(user: User, version: TargetVersion) -> None:
    check_manager(user, version.division)


def _submit(version: TargetVersion, user: User, comment: str) -> None:
    version.status, version.submitted_by = TargetVersion.Status.SUBMITTED, user
    version.row_version += 1
    version.save(update_fields=["status", "submitted_by", "row_version"])


def _decide(
    version: TargetVersion, user: User, decision: Decision, comment: str, options: Mapping[str, Any]
) -> None:
    version.status = TargetVersion.Status.APPROVED if decision == "approve" else TargetVersion.Status.REJECTED
    version.decided_by, version.decided_at, version.comment = user, timezone.now(), comment[:STORED_COMMENT]
    version.row_version += 1
    version.save(update_fields=["status", "decided_by", "decided_at", "comment", "row_version"])


def _mail(version: TargetVersion) -> Mail:
    return Mail(
        _first_department(version),
        f"{version.name} of {version.division} waits for you",
        f"The targets {version} were submitted for your approval.",
    )


TARGET = ApprovalKind(
    name=KIND, label="Targets", noun="target version", waiting_status=TargetVersion.Status.SUBMITTED,
    load=_load, pending=_pending,
    check_decider=_check_manager,
    decide=_decide, department_of=_first_department, mail=_mail,
    submit=_submit, submittable=(TargetVersion.Status.DRAFT, TargetVersion.Status.REJECTED),
    check_submitter=_check_manager,
    version_of=lambda version: version.row_version,
    not_submittable_message=lambda version: (
        f"{version.name} is {version.get_status_display().lower()}: it cannot be submitted."
    ),
)  # fmt: skip


def register() -> None:
    approval_kind_register(TARGET)
