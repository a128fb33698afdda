"""FWOS targets for plan lines from the replenishment policies (DESIGN.md sections 5 and 10).

A class line's proposal is the demand-weighted average of its SKU-locations' `fwos_target`
(safety stock / weekly demand + half the review period, in forward weeks) from the latest done
run of the plan's department, rounded to 0.1 week. Only the plan's selling locations count,
as in the plan's own history: its region, else its channel, else every location but the DCs.

Accepting writes the proposal into the chosen lines' open weeks (not yet ended: closed weeks
keep their actuals) through planning's cell service, so the lines recompute (EOP, receipts,
OTB) in the same transaction and every cell gets an audit row with the "policy" source.
planning never imports this module; this module calls planning's public services.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from otb.models import ItemPolicy, ReplenishmentRun
from otb.replenishment.matrix_reads import latest_done_run
from planning.models import Department, Location, Plan, PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.measures import validate
from planning.plans.services import CellEdit, plan_cells_update

WEEK = Decimal("0.1")
TARGET_PLACES = Decimal("0.001")  # how PlanWeek.target stores a value


class FwosError(ValueError):
    """The accept cannot go ahead as asked: nothing was written."""


class FwosConflictError(FwosError):
    """The plan or the proposal changed since the planner read the page: nothing was written."""


# -- the arithmetic ----------------------------------------------------------------------------


def weighted_fwos(fwos_targets: Sequence[float | None], demands: Sequence[float]) -> Decimal | None:
    """Demand-weighted average of FWOS targets, rounded half up to 0.1 week; None when no
    SKU-location has both a target and demand. E.g. 3.0 at 10 a week and 5.0 at 30 a week:
    (3 x 10 + 5 x 30) / 40 = 4.5."""
    values = np.array([np.nan if value is None else value for value in fwos_targets], dtype=np.float64)
    weights = np.asarray(demands, dtype=np.float64)
    used = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    if not used.any():
        return None
    average = float(np.dot(values[used], weights[used]) / weights[used].sum())
    return Decimal(repr(average)).quantize(WEEK, rounding=ROUND_HALF_UP)


# -- reading: the proposals of a version --------------------------------------------------------


@dataclass(frozen=True)
class LineProposal:
    line_id: int
    class_code: str
    class_name: str
    method: str
    method_label: str
    current: list[tuple[int, Decimal | None]]  # the open weeks' (fiscal week id, target)
    proposed: Decimal | None
    sku_locations: int  # of the class at the plan's selling locations in the run
    weighted: int  # those with a target and demand: the ones averaged
    segments: list[tuple[str, int]]  # segment -> SKU-locations, most first

    @property
    def is_fwos(self) -> bool:
        return self.method == PlanLine.Method.FWOS

    @property
    def current_text(self) -> str:
        """The open weeks' target: one number when they agree, else the range."""
        values = sorted({value for _, value in self.current if value is not None})
        if not values:
            return ""
        low, high = (_week_text(values[0]), _week_text(values[-1]))
        return low if low == high else f"{low} to {high}"

    @property
    def proposed_text(self) -> str:
        return "" if self.proposed is None else f"{self.proposed}"

    @property
    def segments_text(self) -> str:
        return " · ".join(f"{segment} {count}" for segment, count in self.segments)

    @property
    def seen(self) -> str:
        """What the page showed of the open weeks' targets, sent back to detect a change."""
        return seen_token(self.current)

    @property
    def changes(self) -> int:
        """Open weeks whose target the proposal would change."""
        if self.proposed is None:
            return 0
        target = self.proposed.quantize(TARGET_PLACES)
        return sum(1 for _, value in self.current if value != target)

    @property
    def is_acceptable(self) -> bool:
        return self.is_fwos and self.proposed is not None and self.changes > 0


@dataclass(frozen=True)
class VersionProposals:
    version: PlanVersion
    run: ReplenishmentRun | None
    open_week_ids: list[int]
    lines: list[LineProposal] = field(default_factory=list)


def _week_text(value: Decimal) -> str:
    """4.000 -> "4.0", 3.750 -> "3.75": the stored target without trailing zeros past 0.1."""
    text = f"{value.normalize():f}"
    return text if "." in text else f"{text}.0"


def seen_token(current: Sequence[tuple[int, Decimal | None]]) -> str:
    return ";".join(f"{week_id}={'' if value is None else value}" for week_id, value in current)


def _today() -> date:
    return timezone.localdate()


def _selling_locations(plan: Plan) -> Q:
    """The plan's locations, as planning's history reads them (`planning.plans.history`)."""
    if plan.region_id:
        return Q(location__region_id=plan.region_id)
    if plan.channel_id:
        return Q(location__channel_id=plan.channel_id)
    return ~Q(location__kind=Location.Kind.DC)


def fwos_proposals(version: PlanVersion) -> VersionProposals:
    """Each class line of the version with its open weeks' targets and the policies' proposal.
    Four queries, whatever the number of lines and SKU-locations."""
    plan = version.plan
    run = latest_done_run(plan.department_id)
    today = _today()
    lines = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=False)
        .order_by("position", "id")
        .values_list("id", "merch_class_id", "merch_class__code", "merch_class__name", "method")
    )
    weeks = list(
        PlanWeek.objects.filter(
            line__version=version, line__merch_class__isnull=False, fiscal_week__end_date__gte=today
        )
        .order_by("line_id", "period")
        .values_list("line_id", "fiscal_week_id", "target")
    )
    current: dict[int, list[tuple[int, Decimal | None]]] = {}
    for line_id, week_id, target in weeks:
        current.setdefault(line_id, []).append((week_id, target))
    by_class: dict[int, list[tuple[str, float, float | None]]] = {}
    if run is not None:
        policies = ItemPolicy.objects.filter(
            _selling_locations(plan),
            run=run,
            sku__style_color__style__subclass__merch_class__in=[line[1] for line in lines],
        ).values_list("sku__style_color__style__subclass__merch_class_id", "segment", "demand", "fwos_target")
        for class_id, segment, demand, fwos_target in policies:
            by_class.setdefault(class_id, []).append((segment, demand, fwos_target))
    proposals = []
    for line_id, class_id, class_code, class_name, method in lines:
        items = by_class.get(class_id, [])
        mix = Counter(segment for segment, _, _ in items)
        proposals.append(
            LineProposal(
                line_id=line_id,
                class_code=class_code,
                class_name=class_name,
                method=method,
                method_label=PlanLine.Method(method).label,
                current=current.get(line_id, []),
                proposed=weighted_fwos([fwos for _, _, fwos in items], [demand for _, demand, _ in items]),
                sku_locations=len(items),
                weighted=sum(1 for _, demand, fwos in items if fwos is not None and demand > 0),
                segments=sorted(mix.items(), key=lambda pair: (-pair[1], pair[0])),
            )
        )
    open_week_ids = sorted({week_id for _, week_id, _ in weeks})
    return VersionProposals(version=version, run=run, open_week_ids=open_week_ids, lines=proposals)


def can_change_department(user: User, version: PlanVersion) -> bool:
    return bool(Department.objects.editable_by(user).filter(pk=version.plan.department_id).exists())


def refusal_reason(user: User, version: PlanVersion) -> str:
    """Why this user cannot accept proposals into this version; empty when they can."""
    if not can_change_department(user, version):
        department = version.plan.department.name
        return f"You can read these proposals; the planners and managers of {department} accept them."
    if version.kind != PlanVersion.Kind.WORKING:
        return (
            f"{version.name} is not the working plan: only the working plan takes FWOS targets from policies."
        )
    if not version.is_editable:
        return f"{version.name} is {version.get_status_display().lower()}: it cannot be changed."
    return ""


# -- writing: accept proposals into the plan ----------------------------------------------------


@dataclass(frozen=True)
class AcceptResult:
    lines: list[str]  # class codes whose weeks changed
    cells: int
    unchanged: list[str]  # class codes already at their proposal


def fwos_targets_accept(
    *,
    user: User,
    version_id: int,
    line_ids: Sequence[int],
    seen: Mapping[int, str],
    proposed: Mapping[int, str],
) -> AcceptResult:
    """Write the proposals of the chosen lines into their open weeks' FWOS targets, in one
    transaction with the lines' recompute and the audit rows (source "policy").

    `seen` and `proposed` are, per line, what the page showed (`LineProposal.seen` and
    `.proposed_text`): a target changed by someone else since, or a newer run's proposal, is a
    conflict. Raises PermissionDenied (not a planner or manager of the department),
    FwosConflictError, FwosError or planning's PlanError; nothing is written then.
    """
    if not line_ids:
        raise FwosError("Choose at least one line to accept.")
    with transaction.atomic():
        # Cell edits lock the version first too: while we hold it, nobody changes its targets.
        version = (
            PlanVersion.objects.select_for_update().select_related("plan__department").get(pk=version_id)
        )
        reason = refusal_reason(user, version)
        if reason:
            raise (FwosError if can_change_department(user, version) else PermissionDenied)(reason)
        proposals = fwos_proposals(version)
        if proposals.run is None:
            raise FwosError(
                f"{version.plan.department.name} has no finished replenishment run to take targets from."
            )
        if not proposals.open_week_ids:
            raise FwosError("This plan has no open weeks left: closed weeks keep their actuals.")
        chosen = set(line_ids)
        unknown = sorted(chosen - {line.line_id for line in proposals.lines})
        if unknown:
            raise FwosError(f"Line {unknown[0]} is not a class line of {version.name}.")
        edits: list[CellEdit] = []
        changed: list[str] = []
        unchanged: list[str] = []
        for line in proposals.lines:  # in the plan's order
            if line.line_id not in chosen:
                continue
            line_edits = _line_edits(line, seen.get(line.line_id), proposed.get(line.line_id))
            edits.extend(line_edits)
            (changed if line_edits else unchanged).append(line.class_code)
        if edits:
            plan_cells_update(
                user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.POLICY
            )
    return AcceptResult(lines=changed, cells=len(edits), unchanged=unchanged)


def _line_edits(line: LineProposal, seen: str | None, shown: str | None) -> list[CellEdit]:
    label = f"{line.class_code} {line.class_name}"
    if not line.is_fwos:
        raise FwosError(f"{label} plans by {line.method_label.lower()}: change its method to FWOS first.")
    if line.proposed is None:
        raise FwosError(f"{label} has no SKU-location with a policy target and demand: nothing to propose.")
    if shown is not None and shown != line.proposed_text:
        raise FwosConflictError(
            f"The proposal for {label} is now {line.proposed_text} weeks (you saw {shown}): a newer run "
            "finished. Check it and accept again."
        )
    if seen is not None and seen != line.seen:
        raise FwosConflictError(
            f"The FWOS targets of {label} changed since you opened the page (now {line.current_text}). "
            "Check them and accept again."
        )
    problem = validate("target", line.proposed, line.method)
    if problem:
        raise FwosError(f"{label}: {problem}")
    target = line.proposed.quantize(TARGET_PLACES)
    return [
        CellEdit(line.line_id, week_id, "target", f"{target}")
        for week_id, value in line.current
        if value != target
    ]
