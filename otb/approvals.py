"""The manager's inbox: everything waiting for their decision, with the numbers to decide by,
and one decide() that routes to the right service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum

from otb import services
from otb.markdowns import services as markdown_services
from otb.models import MarkdownProposal, OTBBudget, OTBException
from planning.models import Department, PlanVersion, PlanWeek
from planning.plans import selectors as plan_selectors
from planning.plans import services as plan_services
from planning.plans.month_summary import MonthSummary, month_summaries
from planning.plans.negative_receipts import negative_receipts
from planning.plans.promotion import Promotion, PromotionConflictError, promotion_preview

KINDS = ("plan", "otb_budget", "otb_exception", "markdown")


class DecisionError(Exception):
    """The decision was refused; the message is for the manager. `is_forbidden`: not theirs to
    decide (another department, their own request, not a manager), answered as a 403."""

    def __init__(self, message: str, *, is_forbidden: bool = False, is_conflict: bool = False) -> None:
        super().__init__(message)
        self.is_forbidden = is_forbidden
        self.is_conflict = is_conflict  # a scenario's conflicts are not resolved yet (409)


@dataclass(frozen=True)
class Waiting:
    kind: str
    object_id: int
    title: str
    department: str
    requested_by: str
    figures: list[tuple[str, str]]  # label, formatted number
    needs_reason_code: bool = False
    url: str = ""
    warnings: tuple[str, ...] = ()  # what the approver accepts too: a plan's negative receipts
    # A scenario: what promoting it changes in the working plan now, and the conflicts to resolve.
    promotion: Promotion | None = None
    # A plan: its months beside the plan's current OP and LY (sales, GM %, receipts, EOP).
    months: MonthSummary | None = None

    PROMOTION_SHOWN = 10  # changes listed on the card; the rest behind "all changes"

    @property
    def promotion_changes_shown(self) -> list[Any]:
        return self.promotion.changes[: self.PROMOTION_SHOWN] if self.promotion else []


def _money(value: Any) -> str:
    return f"${Decimal(value or 0):,.0f}"


def inbox(user: User) -> list[Waiting]:
    """What waits for this user's decision (never their own requests), oldest kind first."""
    departments = Department.objects.editable_by(user)
    items: list[Waiting] = []
    versions = plan_selectors.versions_to_decide(user)
    totals = {
        row["line__version_id"]: row
        for row in PlanWeek.objects.filter(line__version__in=versions, line__merch_class__isnull=True)
        .values("line__version_id")
        .annotate(sales=Sum("sales"), receipts=Sum("receipts"), markdowns=Sum("markdowns"))
    }
    negatives = negative_receipts([version.pk for version in versions])
    summaries = month_summaries(versions)
    for version in versions:
        total = totals.get(version.pk, {})
        flagged = negatives[version.pk]
        items.append(
            Waiting(
                kind="plan", object_id=version.pk, title=f"{version.plan.name} · {version.name}",
                department=str(version.plan.department),
                requested_by=str(version.submitted_by or ""),
                figures=[("Sales", _money(total.get("sales"))), ("Receipts", _money(total.get("receipts"))),
                         ("Markdowns", _money(total.get("markdowns")))],
                url=f"/planning/plans/versions/{version.pk}/",
                warnings=(flagged.summary, *flagged.lines) if flagged else (),
                promotion=promotion_preview(version) if version.kind == PlanVersion.Kind.SCENARIO else None,
                months=summaries.get(version.pk),
            )
        )  # fmt: skip
    budgets = (
        OTBBudget.objects.filter(status=OTBBudget.Status.SUBMITTED, department__in=departments)
        .exclude(submitted_by=user)
        .select_related("department", "submitted_by")
        .annotate(
            retail=Sum("months__receipts_retail"), cost=Sum("months__receipts_cost"), count=Count("months")
        )
        .order_by("id")
    )
    for budget in budgets:
        items.append(
            Waiting(
                kind="otb_budget", object_id=budget.pk,
                title=f"OTB budget FY{budget.fiscal_year} v{budget.number}",
                department=str(budget.department),
                requested_by=str(budget.submitted_by or ""),
                figures=[("Receipts at retail", _money(budget.retail)), ("At cost", _money(budget.cost)),
                         ("Months", str(budget.count))],
            )
        )  # fmt: skip
    exceptions = (
        OTBException.objects.filter(status=OTBException.Status.PENDING, department__in=departments)
        .exclude(requested_by=user)
        .select_related("order", "department", "requested_by")
        .order_by("id")
    )
    for exception in exceptions:
        items.append(
            Waiting(
                kind="otb_exception", object_id=exception.pk,
                title=f"PO {exception.order.number}, {services.month_label(exception.month_key)}",
                department=str(exception.department), requested_by=str(exception.requested_by),
                figures=[("Order", _money(exception.requested_retail)),
                         ("OTB left", _money(exception.available_retail)),
                         ("Over", _money(exception.over_retail))],
                needs_reason_code=True,
            )
        )  # fmt: skip
    proposals = (
        MarkdownProposal.objects.filter(status=MarkdownProposal.Status.SUBMITTED, department__in=departments)
        .exclude(submitted_by=user)
        .select_related("department", "submitted_by", "effective_week")
        .annotate(cost=Sum("items__markdown_cost"), count=Count("items"), units=Sum("items__units_affected"))
        .order_by("id")
    )
    for proposal in proposals:
        items.append(
            Waiting(
                kind="markdown", object_id=proposal.pk,
                title=f"Markdown {proposal.name} from {proposal.effective_week}",
                department=str(proposal.department), requested_by=str(proposal.submitted_by or ""),
                figures=[("Markdown cost", _money(proposal.cost)), ("Style-colors", str(proposal.count)),
                         ("Units affected", f"{proposal.units or 0:,}")],
                url=f"/otb/markdowns/{proposal.pk}/",
            )
        )  # fmt: skip
    return items


def promotion_to_decide(user: User, version_id: int) -> Promotion | None:
    """Every change promoting the scenario would make, for a manager who may decide on it."""
    version = (
        plan_selectors.versions_to_decide(user).filter(pk=version_id, kind=PlanVersion.Kind.SCENARIO).first()
    )
    return promotion_preview(version) if version is not None else None


def waiting_count(user: User) -> int:
    departments = Department.objects.editable_by(user)
    return (
        plan_selectors.versions_to_decide(user).count()
        + OTBBudget.objects.filter(Q(status=OTBBudget.Status.SUBMITTED), department__in=departments)
        .exclude(submitted_by=user)
        .count()
        + OTBException.objects.filter(status=OTBException.Status.PENDING, department__in=departments)
        .exclude(requested_by=user)
        .count()
        + MarkdownProposal.objects.filter(
            status=MarkdownProposal.Status.SUBMITTED, department__in=departments
        )
        .exclude(submitted_by=user)
        .count()
    )


def decide(
    *,
    user: User,
    kind: str,
    object_id: int,
    approve: bool,
    comment: str,
    reason: str = "",
    resolutions: dict[str, str] | None = None,
    resolve_all: str | None = None,
) -> None:
    """Approve or reject one waiting item through its own service (which audits it). A
    scenario's conflicts are resolved by `resolutions` (cell key -> "scenario"/"working") or
    `resolve_all`; unresolved ones refuse the approval (`is_conflict`)."""
    try:
        with transaction.atomic():
            _decide(
                user=user, kind=kind, object_id=object_id, approve=approve, comment=comment, reason=reason,
                resolutions=resolutions, resolve_all=resolve_all,
            )  # fmt: skip
    # (Markdown refusals are OTBErrors too.)
    except (services.OTBError, plan_services.PlanError, PermissionDenied) as refused:
        forbidden = isinstance(refused, PermissionDenied | services.OTBForbiddenError)
        conflict = isinstance(refused, PromotionConflictError)
        raise DecisionError(str(refused), is_forbidden=forbidden, is_conflict=conflict) from refused


def _decide(
    *,
    user: User,
    kind: str,
    object_id: int,
    approve: bool,
    comment: str,
    reason: str,
    resolutions: dict[str, str] | None = None,
    resolve_all: str | None = None,
) -> None:
    if kind == "plan":
        if approve:
            plan_services.version_approve(
                user=user, version_id=object_id, comment=comment, resolutions=resolutions,
                resolve_all=resolve_all,
            )  # fmt: skip
        else:
            plan_services.version_reject(user=user, version_id=object_id, reason=comment)
        services.decision_record(user, "plan", object_id, "approve" if approve else "reject", comment[:500])
    elif kind == "otb_budget":
        services.otb_budget_decide(user=user, budget_id=object_id, approve=approve, comment=comment)
    elif kind == "otb_exception":
        services.otb_exception_decide(
            user=user, exception_id=object_id, approve=approve, reason=reason, comment=comment
        )
    elif kind == "markdown":
        markdown_services.markdown_proposal_decide(
            user=user, proposal_id=object_id, approve=approve, comment=comment
        )
    else:
        raise DecisionError(f"Nothing of kind {kind!r} waits for approval.")
