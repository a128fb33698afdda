"""Markdowns' kind of the one approval flow (`core.approvals`): a proposal waits from submitted
to approved (its prices, price history and working-plan markdowns written) or rejected (back to
draft-like: it can be changed and submitted again). Registered in `OtbConfig.ready`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Sum
from django.utils import timezone

from core.approvals import ApprovalKind, Decision, InboxRow, Mail, approval_kind_register
from core.errors import Forbidden
from otb.approval_kinds import STORED_COMMENT, money
from otb.markdowns.services import (
    KIND,
    MarkdownError,
    Status,
    apply_approved,
    editable_department,
    proposal_locked,
)
from otb.models import MarkdownProposal
from planning import clock
from planning.models import Department
from planning.roles import ADMIN, MANAGER, user_roles


def _pending(user: User) -> list[InboxRow]:
    proposals = (
        MarkdownProposal.objects.filter(
            status=Status.SUBMITTED, department__in=Department.objects.editable_by(user)
        )
        .exclude(submitted_by=user)
        .select_related("department", "submitted_by", "effective_week")
        .annotate(cost=Sum("items__markdown_cost"), count=Count("items"), units=Sum("items__units_affected"))
        .order_by("id")
    )
    return [
        InboxRow(
            kind=KIND, object_id=proposal.pk,
            title=f"Markdown {proposal.name} from {proposal.effective_week}",
            department=str(proposal.department), requested_by=str(proposal.submitted_by or ""),
            figures=[("Markdown cost", money(proposal.cost)), ("Style-colors", str(proposal.count)),
                     ("Units affected", f"{proposal.units or 0:,}")],
            url=f"/otb/markdowns/{proposal.pk}/",
        )
        for proposal in proposals
    ]  # fmt: skip


def _check_decider(user: User, proposal: MarkdownProposal) -> None:
    if not user_roles(user) & {MANAGER, ADMIN}:
        raise Forbidden("Only managers decide on markdowns.")
    if not Department.objects.editable_by(user).filter(pk=proposal.department_id).exists():
        raise Forbidden("You do not manage this department.")


def _check_submitter(user: User, proposal: MarkdownProposal) -> None:
    editable_department(user, proposal.department_id)  # a planner or manager of its department


def _validate_submit(user: User, proposal: MarkdownProposal) -> None:
    if not proposal.items.exists():
        raise MarkdownError("The proposal has no items.")
    if proposal.effective_week.end_date < clock.today():
        raise MarkdownError(f"The effective week {proposal.effective_week} has closed: choose a later one.")


def _submit(proposal: MarkdownProposal, user: User, comment: str) -> None:
    proposal.status, proposal.submitted_by = Status.SUBMITTED, user
    proposal.row_version += 1
    proposal.save(update_fields=["status", "submitted_by", "row_version"])


def _decide(
    proposal: MarkdownProposal, user: User, decision: Decision, comment: str, options: Mapping[str, Any]
) -> None:
    if decision == "approve":
        apply_approved(user, proposal)
    proposal.status = Status.APPROVED if decision == "approve" else Status.REJECTED
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    proposal.comment = comment[:STORED_COMMENT]
    proposal.row_version += 1
    proposal.save(update_fields=["status", "decided_by", "decided_at", "comment", "row_version"])


def _mail(proposal: MarkdownProposal) -> Mail:
    cost = proposal.items.aggregate(total=Sum("markdown_cost"))["total"] or Decimal("0")
    return Mail(
        proposal.department_id,
        f"Markdown {proposal.name} of {proposal.department} waits for you",
        f"Markdown {proposal.name} from {proposal.effective_week}: ${cost:,.2f} of markdown cost.",
    )


MARKDOWN = ApprovalKind(
    name=KIND, label="Markdowns", noun="proposal", waiting_status=Status.SUBMITTED,
    load=lambda object_id: proposal_locked(object_id, None), pending=_pending,
    check_decider=_check_decider, decide=_decide, mail=_mail,
    department_of=lambda proposal: proposal.department_id,
    submit=_submit, submittable=(Status.DRAFT, Status.REJECTED),
    check_submitter=_check_submitter,
    validate_submit=_validate_submit, version_of=lambda proposal: proposal.row_version,
    not_waiting_message=lambda proposal: "The proposal is not waiting for a decision.",
    not_submittable_message=lambda proposal: (
        f"The proposal is {proposal.get_status_display().lower()}: it cannot be submitted."
    ),
    stale_message="Someone changed this proposal since you read it: reload it and try again.",
)  # fmt: skip


def register() -> None:
    approval_kind_register(MARKDOWN)
