"""Writes for markdowns: a proposal (draft -> submitted -> approved or rejected), its numbers,
and on approval the price history, the new retail prices and the working plan's markdowns.

Numbers of an item (computed when the proposal is saved, shown to the approver):
- current price: the style-color's retail price now;
- units affected: units on hand (all locations) at the end of the last closed week + open units
  of released purchase order lines for the item arriving by the effective week (stock is not
  known for future weeks, so on hand is today's);
- projected units: the units expected to sell from the effective week to the end of the season
  at the new price = base units x (1 + ELASTICITY x discount), capped at the units affected.
  Base units: the newest finished forecast run's units for the item over the rest of the season
  (the effective week to the item's exit date, or SEASON_WEEKS when it has none); without a
  forecast, the average weekly units sold over the last 8 closed weeks (over its weeks on sale
  when it is younger: `selectors.weeks_on_sale`) x those weeks.
  ELASTICITY = 2: a 30 % reduction sells 60 % more units (a simple linear uplift, not a fit);
- markdown cost = (current - new price) x units affected.

Approval (a manager who did not submit): PriceChange rows, StyleColor.retail_price set to the new
price at once (the price history records the effective week; retail prices have no future-dated
field), and each class's markdown cost added to the working plan's `markdowns` of the effective
week through the plan cell service (audited, recomputed by the engine). All in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Sum

from core.approvals import approval_decide, approval_submit
from core.money import is_cents, to_cents, whole_units
from forecasting.models import ForecastRun, ForecastRunPartition, StyleColorForecast
from forecasting.selectors import latest_closed_week, weeks_up_to
from otb.markdowns import selectors
from otb.models import MarkdownItem, MarkdownProposal, PriceChange, PurchaseOrder, PurchaseOrderLine
from otb.services import OTBError
from planning import clock
from planning.models import (
    Department,
    FiscalWeek,
    PlanCellChange,
    PlanLine,
    PlanVersion,
    PlanWeek,
    Sku,
    StyleColor,
)
from planning.plans.compute import run_engine
from planning.plans.services import CellEdit, PlanError, load_block, plan_cells_update

ELASTICITY = Decimal("2")
SEASON_WEEKS = 13
RATE_WEEKS = 8
KIND = "markdown"
# The plan cell audit's source for markdown flows (PlanCellChange.Source has no choice for it yet).
PLAN_SOURCE = PlanCellChange.Source.MARKDOWN
Status = MarkdownProposal.Status


class MarkdownError(OTBError):
    """A markdown request the rules refuse; the message is for the user. Nothing was written."""


@dataclass(frozen=True)
class ItemRequest:
    style_color_id: int
    new_price: Decimal


@dataclass(frozen=True)
class PlanEffect:
    """What approving the proposal does to the working plan, computed by the engine on a copy."""

    version_id: int | None
    week_id: int
    markdowns_by_class: dict[int, Decimal]
    markdowns_added: Decimal
    gross_margin_change: Decimal = Decimal("0.00")
    eop_change: Decimal = Decimal("0.00")  # at the effective week, summed over the classes
    receipts_change: Decimal = Decimal("0.00")  # over the plan: stock-target methods buy it back
    message: str = ""


# -- numbers ------------------------------------------------------------------------------


def _on_order_by_item(item_ids: list[int], week_id: int) -> dict[int, int]:
    rows = (
        PurchaseOrderLine.objects.filter(
            sku__style_color_id__in=item_ids,
            order__status=PurchaseOrder.Status.RELEASED,
            status__in=PurchaseOrderLine.OPEN_STATUSES,
            receipt_week_id__lte=week_id,
        )
        .values("sku__style_color_id")
        .annotate(units=Sum(F("units") - F("received_units")))
        .values_list("sku__style_color_id", "units")
    )
    return {item: int(units or 0) for item, units in rows}


def _season_weeks(items: dict[int, StyleColor], week: FiscalWeek) -> dict[int, list[int]]:
    """Week ids from the effective week to each item's exit (or SEASON_WEEKS without one)."""
    ahead = list(
        FiscalWeek.objects.filter(id__gte=week.id).order_by("id").values_list("id", "start_date")[:52]
    )
    season: dict[int, list[int]] = {}
    for item in items.values():
        if item.exit_date:
            season[item.pk] = [week_id for week_id, start in ahead if start <= item.exit_date] or [week.id]
        else:
            season[item.pk] = [week_id for week_id, _ in ahead[:SEASON_WEEKS]]
    return season


def _base_units(department_id: int, season: dict[int, list[int]]) -> dict[int, Decimal]:
    """Forecast units over each item's season from the newest finished run of the department;
    items it does not cover: recent weekly sales rate x season weeks."""
    run = (
        ForecastRun.objects.filter(
            status__in=ForecastRun.FINISHED,
            partitions__department_id=department_id,
            partitions__status=ForecastRunPartition.Status.SUCCEEDED,
        )
        .order_by("-as_of_week_id", "-id")
        .first()
    )
    all_weeks = sorted({week_id for weeks in season.values() for week_id in weeks})
    forecast: dict[int, Decimal] = defaultdict(Decimal)
    covered: set[int] = set()
    if run is not None:
        for item, week_id, units in StyleColorForecast.objects.filter(
            run=run, style_color_id__in=list(season), fiscal_week_id__in=all_weeks
        ).values_list("style_color_id", "fiscal_week_id", "units"):
            covered.add(item)
            if week_id in season[item]:
                forecast[item] += Decimal(units)
    missing = [item for item in season if item not in covered]
    if missing:
        item_of = dict(Sku.objects.filter(style_color_id__in=missing).values_list("id", "style_color_id"))
        window = weeks_up_to(latest_closed_week(), RATE_WEEKS)
        launches = dict(StyleColor.objects.filter(pk__in=missing).values_list("pk", "launch_date"))
        sold, on_sale = selectors.rates_by_item(item_of, window, launches)
        for item in missing:
            # Per week on sale: a launch two weeks ago sells at its two weeks' pace, not an eighth.
            weeks = on_sale.get(item, 0)
            rate = Decimal(sold.get(item, 0)) / weeks if weeks else Decimal(0)
            forecast[item] = rate * len(season[item])
    return forecast


def projected_units(base: Decimal, current: Decimal, new: Decimal, affected: int) -> int:
    discount = (current - new) / current if current else Decimal("0")
    uplifted = base * (1 + ELASTICITY * discount)
    return min(affected, whole_units(uplifted))


def _build_items(department: Department, week: FiscalWeek, requests: list[ItemRequest]) -> list[MarkdownItem]:
    problems: list[str] = []
    if not requests:
        raise MarkdownError("Choose at least one style-color to mark down.")
    ids = [request.style_color_id for request in requests]
    if len(set(ids)) != len(ids):
        problems.append("Each style-color can appear once in a proposal.")
    found = StyleColor.objects.filter(pk__in=ids).select_related("style__subclass__merch_class")
    items = {item.pk: item for item in found}
    for request in requests:
        item = items.get(request.style_color_id)
        label = item.code if item else f"Style-color {request.style_color_id}"
        if item is None or item.style.subclass.merch_class.department_id != department.pk:
            problems.append(f"{label} is not in {department}.")
            continue
        price = request.new_price
        if not price.is_finite():
            problems.append(f"{label}: {price} is not a price: type the new price, e.g. 19.99.")
        elif price < 0:
            problems.append(f"{label}: the new price cannot be negative.")
        elif price >= item.retail_price:  # before the cents: a price of 1e99 has no cents to round
            problems.append(f"{label}: the new price must be below the current {item.retail_price}.")
        elif not is_cents(price):
            problems.append(f"{label}: use at most two decimals for the new price.")
    if problems:
        raise MarkdownError(" ".join(problems))
    item_ids = list(items)
    item_of = dict(Sku.objects.filter(style_color_id__in=item_ids).values_list("id", "style_color_id"))
    on_hand = selectors.on_hand_by_item(item_of, latest_closed_week().id)
    on_order = _on_order_by_item(item_ids, week.id)
    base = _base_units(department.pk, _season_weeks(items, week))
    built = []
    for request in requests:
        item = items[request.style_color_id]
        current = item.retail_price
        affected = on_hand.get(item.pk, 0) + on_order.get(item.pk, 0)
        built.append(
            MarkdownItem(
                style_color=item,
                current_price=current,
                new_price=request.new_price,
                units_affected=affected,
                projected_units=projected_units(
                    base.get(item.pk, Decimal(0)), current, request.new_price, affected
                ),
                markdown_cost=to_cents((current - request.new_price) * affected),
            )
        )
    return built


def _open_week(week_id: int) -> FiscalWeek:
    week = FiscalWeek.objects.filter(pk=week_id).first()
    if week is None:
        raise MarkdownError(f"Unknown effective week {week_id}.")
    if week.end_date < clock.today():
        raise MarkdownError(f"The effective week {week} is in a closed period.")
    return week


def editable_department(user: User, department_id: int) -> Department:
    department: Department | None = Department.objects.editable_by(user).filter(pk=department_id).first()
    if department is None:
        raise PermissionDenied("You can propose markdowns only for your own departments.")
    return department


# -- proposals ----------------------------------------------------------------------------


@transaction.atomic
def markdown_proposal_create(
    *, user: User, department_id: int, name: str, effective_week_id: int, items: list[ItemRequest]
) -> MarkdownProposal:
    department = editable_department(user, department_id)
    if not name.strip():
        raise MarkdownError("Give the proposal a name.")
    week = _open_week(effective_week_id)
    built = _build_items(department, week, items)
    proposal = MarkdownProposal.objects.create(
        department=department, name=name.strip()[:120], effective_week=week, created_by=user
    )
    for item in built:
        item.proposal = proposal
    MarkdownItem.objects.bulk_create(built)
    return proposal


@transaction.atomic
def markdown_proposal_update(
    *,
    user: User,
    proposal_id: int,
    row_version: int,
    name: str,
    effective_week_id: int,
    items: list[ItemRequest],
) -> MarkdownProposal:
    """Replace a draft's (or a rejected proposal's, which goes back to draft) name, week and
    items; the numbers are computed again. The version read must still be current."""
    proposal = proposal_locked(proposal_id, row_version)
    editable_department(user, proposal.department_id)
    if proposal.status not in (Status.DRAFT, Status.REJECTED):
        raise MarkdownError(f"The proposal is {proposal.get_status_display().lower()}: it cannot be changed.")
    if not name.strip():
        raise MarkdownError("Give the proposal a name.")
    week = _open_week(effective_week_id)
    built = _build_items(proposal.department, week, items)
    proposal.items.all().delete()
    for item in built:
        item.proposal = proposal
    MarkdownItem.objects.bulk_create(built)
    proposal.name, proposal.effective_week, proposal.status = name.strip()[:120], week, Status.DRAFT
    proposal.row_version += 1
    proposal.save(update_fields=["name", "effective_week", "status", "row_version"])
    return proposal


def proposal_locked(proposal_id: int, row_version: int | None) -> MarkdownProposal:
    proposal = (
        MarkdownProposal.objects.select_for_update()
        .select_related("department")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise MarkdownError(f"Markdown proposal {proposal_id} does not exist.")
    if row_version is not None and proposal.row_version != row_version:
        raise MarkdownError("Someone changed this proposal since you read it: reload it and try again.")
    return proposal


def markdown_proposal_submit(
    *, user: User, proposal_id: int, row_version: int | None = None
) -> MarkdownProposal:
    """Send a draft (or rejected) proposal for a manager's decision (`core.approvals`; the
    kind's rules are `otb.markdowns.approval_kind`)."""
    proposal: MarkdownProposal = approval_submit(KIND, proposal_id, user, seen_version=row_version)
    return proposal


def markdown_proposal_decide(
    *, user: User, proposal_id: int, approve: bool, comment: str = "", row_version: int | None = None
) -> MarkdownProposal:
    """A manager who did not submit it approves (`apply_approved`) or rejects with a comment."""
    decision = "approve" if approve else "reject"
    proposal: MarkdownProposal = approval_decide(
        KIND, proposal_id, user, decision, comment=comment, seen_version=row_version
    )
    return proposal


def _working_version(department_id: int, week_id: int) -> PlanVersion | None:
    """The working plan of the department whose weeks include the effective week (total
    company plans first, then the newest)."""
    return (
        PlanVersion.objects.filter(
            plan__department_id=department_id,
            kind=PlanVersion.Kind.WORKING,
            plan__first_week_id__lte=week_id,
            plan__last_week_id__gte=week_id,
        )
        .select_related("plan")
        .order_by(F("plan__channel_id").asc(nulls_first=True), "-plan__created_at")
        .first()
    )


def _cost_by_class(proposal: MarkdownProposal) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for class_id, cost in proposal.items.values_list(
        "style_color__style__subclass__merch_class_id", "markdown_cost"
    ):
        totals[class_id] += cost
    return dict(totals)


def apply_approved(user: User, proposal: MarkdownProposal) -> None:
    """The approved proposal's prices, price history and working-plan markdowns."""
    items = list(proposal.items.select_related("style_color").order_by("style_color_id"))
    locked = {
        item.pk: item
        for item in StyleColor.objects.select_for_update()
        .filter(pk__in=[i.style_color_id for i in items])
        .order_by("pk")
    }
    stale = [
        item.style_color.code
        for item in items
        if locked[item.style_color_id].retail_price != item.current_price
    ]
    if stale:
        raise MarkdownError(
            f"The price of {', '.join(stale)} changed since the proposal was made: edit it and submit again."
        )
    PriceChange.objects.bulk_create(
        PriceChange(
            style_color_id=item.style_color_id,
            effective_week_id=proposal.effective_week_id,
            old_price=item.current_price,
            new_price=item.new_price,
            proposal=proposal,
            changed_by=user,
        )
        for item in items
    )
    for item in items:
        locked[item.style_color_id].retail_price = item.new_price
    StyleColor.objects.bulk_update(list(locked.values()), ["retail_price"])
    version = _working_version(proposal.department_id, proposal.effective_week_id)
    if version is None:
        raise MarkdownError(f"{proposal.department} has no working plan covering {proposal.effective_week}.")
    costs = _cost_by_class(proposal)
    lines = {
        class_id: (line_id, markdowns, row_version)
        for line_id, class_id, markdowns, row_version in PlanWeek.objects.filter(
            line__version=version,
            line__merch_class_id__in=list(costs),
            fiscal_week_id=proposal.effective_week_id,
        ).values_list("line_id", "line__merch_class_id", "markdowns", "row_version")
    }
    missing = [class_id for class_id in costs if class_id not in lines]
    if missing:
        raise MarkdownError(f"The working plan {version.plan} has no line for class {missing[0]}.")
    edits = [
        CellEdit(
            line_id=lines[class_id][0],
            week_id=proposal.effective_week_id,
            measure="markdowns",
            value=str(lines[class_id][1] + cost),
            row_version=lines[class_id][2],
        )
        for class_id, cost in sorted(costs.items())
        if cost
    ]
    if edits:
        try:
            plan_cells_update(user=user, version_id=version.pk, edits=edits, source=PLAN_SOURCE)
        except (PlanError, PermissionDenied) as error:
            raise MarkdownError(f"The working plan cannot take the markdowns: {error}") from error


def markdown_plan_effect(proposal: MarkdownProposal) -> PlanEffect:
    """The markdown $ each class's working-plan line gets in the effective week, and what that
    does to the season's gross margin and to the EOP of the effective week: the plan engine run
    on a copy of the lines' entered values, nothing written."""
    week_id = proposal.effective_week_id
    costs = _cost_by_class(proposal)
    added = sum(costs.values(), Decimal("0"))
    version = _working_version(proposal.department_id, week_id)
    if version is None:
        return PlanEffect(None, week_id, costs, added, message="No working plan covers the effective week.")
    line_of = dict(
        PlanLine.objects.filter(version=version, merch_class_id__in=list(costs)).values_list(
            "id", "merch_class_id"
        )
    )
    if not line_of:
        return PlanEffect(
            version.pk,
            week_id,
            costs,
            added,
            message="The working plan has no line for these classes.",
        )
    block, _ = load_block(version, sorted(line_of))
    period = (
        PlanWeek.objects.filter(line_id__in=list(line_of), fiscal_week_id=week_id)
        .values_list("period", flat=True)
        .first()
    )
    if period is None:
        return PlanEffect(
            version.pk,
            week_id,
            costs,
            added,
            message="The effective week is outside the plan.",
        )
    plan = version.plan
    before = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    changed = block.entered["markdowns"].copy()
    for row, line_id in enumerate(block.line_ids):
        changed[row, period] += float(costs.get(line_of[line_id], Decimal(0)))
    block.entered["markdowns"] = changed
    after = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    gm = to_cents(float((after.gross_margin - before.gross_margin).sum()))
    eop = to_cents(float((after.eop[:, period] - before.eop[:, period]).sum()))
    receipts = to_cents(float((after.receipts - before.receipts).sum()))
    return PlanEffect(version.pk, week_id, costs, added, gm, eop, receipts)


def items_at_percent_off(style_color_ids: list[int], percent_off: Decimal) -> list[ItemRequest]:
    """New prices of the chosen items at a percentage off their current retail, to the cent."""
    factor = 1 - percent_off / 100
    prices = dict(StyleColor.objects.filter(pk__in=style_color_ids).values_list("pk", "retail_price"))
    return [
        ItemRequest(item_id, to_cents(prices[item_id] * factor))
        for item_id in style_color_ids
        if item_id in prices
    ]
