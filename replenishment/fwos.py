"""FWOS targets for plan lines from the replenishment policies (DESIGN.md sections 5 and 10).

A plan's stock is the stock at its selling locations (planning's history counts no DC), so a
class line's proposal is the stock the policies keep at those locations, in forward weeks of
their demand: the sum over the class's SKU-locations of (safety stock + cycle stock +
presentation minimum) / the sum of their weekly demand, in the latest done run of the plan's
department, rounded half up to 0.1 week. Two SKUs of a class at 10 and 30 a week holding 20
and 120 units propose 140 / 40 = 3.5 weeks.

Which stock: each SKU counts once, where the run replenishes it.
- Most SKUs are bought for the distribution centres: the run's policy sits at the DC and the
  stores are restocked from it. Each of the plan's selling locations that the DC supplies takes
  its part of the DC's demand (its share of the class's last 13 weeks' units at the locations
  the DC supplies; by their number when none sold) and holds, under its own policy
  (`engine.policy.selling_stock`): safety stock for its demand, its share of the DC's forecast
  error (sd x sqrt(share): the store errors do not pool), the DC's service target, the
  DC-to-store lead time and review period (settings); half a review period's demand; and the
  presentation minimum of the SKU's ABC x XYZ cell when it is a store (a web shop shows no
  shelf). A location that sold none of the class while others did holds nothing of it.
- SKUs of vendors that ship direct to store have policies at the selling locations: those at
  the plan's locations count with their own FWOS target (safety stock + half an order) plus,
  at a store, the presentation minimum in weeks of their demand.

Accepting writes the proposal into the chosen lines' open weeks (not yet ended: closed weeks
keep their actuals) through planning's cell service, so the lines recompute (EOP, receipts,
OTB) in the same transaction and every cell gets an audit row with the "policy" source.
planning never imports this module; this module calls planning's public services.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum

from core.errors import Conflict, InvalidInput
from core.money import to_places
from forecasting.selectors import weeks_up_to
from planning import clock
from planning.models import (
    Department,
    Location,
    Plan,
    PlanCellChange,
    PlanLine,
    PlanVersion,
    PlanWeek,
    SalesHistory,
)
from planning.plans.measures import validate
from planning.plans.services import CellEdit, plan_cells_update
from replenishment.engine.policy import selling_stock
from replenishment.health import supplying_dc
from replenishment.matrix_reads import latest_done_run
from replenishment.models import ItemPolicy, ReplenishmentRun, SegmentPolicy

WEEK = Decimal("0.1")
TARGET_PLACES = Decimal("0.001")  # how PlanWeek.target stores a value
SHARE_WEEKS = 13  # the weeks of sales that split a DC's demand between its locations
_CLASS = "sku__style_color__style__subclass__merch_class_id"


class FwosError(InvalidInput, ValueError):
    """The accept cannot go ahead as asked (400): nothing was written. (The plan or the proposal
    changed since the planner read the page: core's Conflict, 409.)"""


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
    return to_places(average, WEEK)


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
    sku_locations: int  # of the class in the run that serve the plan (see the module docstring)
    weighted: int  # those with a target and demand: the ones averaged
    segments: list[tuple[str, int]]  # segment -> SKU-locations, most first
    at_dcs: int = 0  # of `sku_locations`, those at distribution centres

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
        target = to_places(self.proposed, TARGET_PLACES)
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

    @property
    def nothing_to_accept(self) -> str:
        """Why no line can be accepted; empty when one can."""
        if any(line.is_acceptable for line in self.lines):
            return ""
        if self.run is None:
            return "Nothing to accept: the department has no finished replenishment run."
        if not self.open_week_ids:
            return "Nothing to accept: the plan has no open weeks left (closed weeks keep their actuals)."
        proposed = [line for line in self.lines if line.proposed is not None]
        if not proposed:
            return "Nothing to accept: no class has a SKU with a policy target and demand in this run."
        if not any(line.is_fwos for line in proposed):
            return "Nothing to accept: no line with a proposal plans by FWOS (change its method first)."
        return "Nothing to accept: every FWOS line is already at its proposal."


def _week_text(value: Decimal) -> str:
    """4.000 -> "4.0", 3.750 -> "3.75": the stored target without trailing zeros past 0.1."""
    text = f"{value.normalize():f}"
    return text if "." in text else f"{text}.0"


def seen_token(current: Sequence[tuple[int, Decimal | None]]) -> str:
    return ";".join(f"{week_id}={'' if value is None else value}" for week_id, value in current)


def _today() -> date:
    return clock.today()


def _selling_locations(plan: Plan) -> Q:
    """The plan's locations, as planning's history reads them (`planning.plans.history`), as a
    filter of Location."""
    if plan.region_id:
        return Q(region_id=plan.region_id)
    if plan.channel_id:
        return Q(channel_id=plan.channel_id)
    return ~Q(kind=Location.Kind.DC)


# (class id, segment, weekly demand at the plan's locations, FWOS target, is at a DC) of one
# SKU-location that serves the plan
PolicyRow = tuple[int, str, float, float | None, bool]
# (sku, location, class, segment, demand, demand sd, service level, fwos target) of the run
RunPolicy = tuple[int, int, int, str, float, float, float, float | None]


@dataclass(frozen=True)
class StoreTerms:
    """How the plan's selling locations hold stock of what a DC restocks them with."""

    stores: AbstractSet[int]  # the plan's locations with a shelf (kind store)
    minimums: Mapping[str, int]  # presentation minimum per ABC x XYZ cell
    lead_time: float  # weeks from the DC to the shelf
    review_period: float  # weeks between two deliveries


def served_shares(
    class_ids: Sequence[int],
    supplier: Mapping[int, int],
    in_plan: AbstractSet[int],
    units: Mapping[tuple[int, int], float],
) -> dict[tuple[int, int], list[tuple[int, float]]]:
    """Per (class, DC): the plan's locations the DC supplies, each with its share of the DC's
    demand, from `units` sold per (class, location); by the number of locations when none of
    them sold the class. `supplier`: selling location -> its DC. A DC supplying S1 (in the plan,
    30 units) and S2 (not, 10 units) gives [(S1, 0.75)]."""
    served: dict[int, list[int]] = defaultdict(list)
    for location, dc in supplier.items():
        served[dc].append(location)
    shares: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for class_id in class_ids:
        for dc, locations in served.items():
            total = sum(units.get((class_id, location), 0.0) for location in locations)
            shares[class_id, dc] = [
                (location, units.get((class_id, location), 0.0) / total if total > 0 else 1 / len(locations))
                for location in locations
                if location in in_plan
            ]
    return shares


def plan_policy_rows(
    policies: Sequence[RunPolicy],
    in_plan: AbstractSet[int],
    dc_ids: AbstractSet[int],
    served: Mapping[tuple[int, int], Sequence[tuple[int, float]]],
    terms: StoreTerms,
) -> list[PolicyRow]:
    """The run's policies that serve a plan, each with the weekly demand of the plan's
    locations and the FWOS of the stock they hold (see the module docstring). `served`: per
    (class, DC), the plan's locations it supplies and their shares of its demand (none: the DC
    serves none of the plan). A SKU with a policy at a selling location is replenished there
    (direct to store): DC rows of it, if any, do not count it twice."""
    store_skus = {policy[0] for policy in policies if policy[1] not in dc_ids}
    rows: list[PolicyRow] = []
    owner: list[int] = []  # per store-level item below: its row
    demand: list[float] = []
    sd: list[float] = []
    level: list[float] = []
    minimum: list[float] = []
    for sku, location, class_id, segment, weekly, weekly_sd, service, target in policies:
        if location not in dc_ids:
            if location in in_plan:
                shelf = terms.minimums.get(segment, 0) if location in terms.stores else 0
                if target is not None and weekly > 0:
                    target += shelf / weekly
                rows.append((class_id, segment, weekly, target, False))
        elif sku not in store_skus:
            stores = [(store, share) for store, share in served.get((class_id, location), ()) if share > 0]
            if not stores:
                continue
            for store, share in stores:
                owner.append(len(rows))
                demand.append(weekly * share)
                sd.append(weekly_sd * math.sqrt(share))
                level.append(service)
                minimum.append(terms.minimums.get(segment, 0) if store in terms.stores else 0)
            rows.append((class_id, segment, 0.0, None, True))
    if owner:
        stock = selling_stock(
            demand, sd, level, minimum, lead_time=terms.lead_time, review_period=terms.review_period
        )
        index = np.asarray(owner)
        weekly_sum = np.bincount(index, weights=np.asarray(demand), minlength=len(rows))
        stock_sum = np.bincount(index, weights=stock, minlength=len(rows))
        for position in set(owner):
            class_id, segment, _, _, at_dc = rows[position]
            weekly = float(weekly_sum[position])
            target = float(stock_sum[position]) / weekly if weekly > 0 else None
            rows[position] = (class_id, segment, weekly, target, at_dc)
    return rows


def _store_terms(locations: Sequence[tuple[int, str, int | None, bool]]) -> StoreTerms:
    return StoreTerms(
        stores={
            location for location, kind, _, chosen in locations if chosen and kind == Location.Kind.STORE
        },
        minimums=dict(SegmentPolicy.objects.values_list("cell", "presentation_min")),
        lead_time=float(settings.MERCHPLAN_STORE_LEAD_TIME_WEEKS),
        review_period=float(settings.MERCHPLAN_STORE_REVIEW_WEEKS),
    )


def _policies_by_class(plan: Plan, run: ReplenishmentRun, class_ids: list[int]) -> dict[int, list[PolicyRow]]:
    """The policies serving the plan, by class: four queries."""
    locations = list(
        Location.objects.annotate(
            in_plan=ExpressionWrapper(_selling_locations(plan), output_field=BooleanField())
        ).values_list("id", "kind", "supplied_by_id", "in_plan")
    )
    dc_ids = {location for location, kind, _, _ in locations if kind == Location.Kind.DC}
    in_plan = {location for location, kind, _, chosen in locations if chosen and kind != Location.Kind.DC}
    supplier = supplying_dc((location, kind, dc) for location, kind, dc, _ in locations)
    weeks = [week.pk for week in weeks_up_to(run.as_of, SHARE_WEEKS)]
    units = {
        (class_id, location): float(total or 0)
        for class_id, location, total in SalesHistory.objects.filter(
            **{f"{_CLASS}__in": class_ids}, fiscal_week_id__in=weeks, location_id__in=list(supplier)
        )
        .values_list(_CLASS, "location_id")
        .annotate(units=Sum("units"))
        .order_by()
    }
    policies = list(
        ItemPolicy.objects.filter(run=run, **{f"{_CLASS}__in": class_ids}).values_list(
            "sku_id", "location_id", _CLASS, "segment", "demand", "demand_sd", "service_level", "fwos_target"
        )
    )
    served = served_shares(class_ids, supplier, in_plan, units)
    by_class: dict[int, list[PolicyRow]] = defaultdict(list)
    for row in plan_policy_rows(policies, in_plan, dc_ids, served, _store_terms(locations)):
        by_class[row[0]].append(row)
    return by_class


def fwos_proposals(version: PlanVersion) -> VersionProposals:
    """Each class line of the version with its open weeks' targets and the policies' proposal.
    Seven queries, whatever the number of lines and SKU-locations."""
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
    by_class: dict[int, list[PolicyRow]] = {}
    if run is not None:
        by_class = _policies_by_class(plan, run, [line[1] for line in lines])
    proposals = []
    for line_id, class_id, class_code, class_name, method in lines:
        items = by_class.get(class_id, [])
        mix = Counter(segment for _, segment, _, _, _ in items)
        proposals.append(
            LineProposal(
                line_id=line_id,
                class_code=class_code,
                class_name=class_name,
                method=method,
                method_label=PlanLine.Method(method).label,
                current=current.get(line_id, []),
                proposed=weighted_fwos([item[3] for item in items], [item[2] for item in items]),
                sku_locations=len(items),
                weighted=sum(1 for _, _, weight, target, _ in items if target is not None and weight > 0),
                segments=sorted(mix.items(), key=lambda pair: (-pair[1], pair[0])),
                at_dcs=sum(1 for item in items if item[4]),
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
    core's Conflict, FwosError or planning's PlanError; nothing is written then.
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
        raise Conflict(
            f"The proposal for {label} is now {line.proposed_text} weeks (you saw {shown}): a newer run "
            "finished. Check it and accept again."
        )
    if seen is not None and seen != line.seen:
        raise Conflict(
            f"The FWOS targets of {label} changed since you opened the page (now {line.current_text}). "
            "Check them and accept again."
        )
    problem = validate("target", line.proposed, line.method)
    if problem:
        raise FwosError(f"{label}: {problem}")
    target = to_places(line.proposed, TARGET_PLACES)
    return [
        CellEdit(line.line_id, week_id, "target", f"{target}")
        for week_id, value in line.current
        if value != target
    ]
