"""Open purchase order review: which released lines to pull forward, push back or cut, from the
latest done replenishment run of each department and the lines open now.

For every SKU x location with an open line and a policy in that run, one row of arrays over the
run's weeks (`weeks_after(run.as_of, run.horizon)`, week 0 the first week after the run's
closed week):
- arrivals (N, W): the open units (units - received) of released lines by receipt week; lines
  already late land in week 0, lines after the horizon are left out of the review (counted in
  the notes);
- forecast (N, W): the policy's weekly demand in every week, a flat forecast (the run's demand
  is the mean weekly forecast over the lead time and review period, the figure the policy's
  levels were computed from);
- on hand: the policy's stock as of the run.

One action per line, at most: expedite, push back or cancel, never two of them.

Expedite: the stock is projected again with today's open lines (lost sales, as the engine
does), so a line moved already no longer counts; a line landing after the first week with
unmet demand is told to land in that week (`expedite_candidates`).

Excess: units landing above order-up-to + 4 weeks of demand (`excess_arrivals`). The excess of
a week is taken from its lines newest first. When the whole line is excess (the stock is above
the threshold before it lands) and a later week in the horizon takes it without going over the
threshold, the line is pushed back to the first such week: the excess is temporary. Otherwise
the whole line is cancelled only if the stock lasts the horizon without it (`_lasts_without`);
if it runs out without the line, the line is cut to the units the horizon needs (the demand
left unmet without it less that left unmet with it, `_units_needed`) within the vendor's terms
(`cut_to_terms`), or left as it is when the terms leave no cut. A line only partly excess has
its excess part cut ("cut the line to the units still needed").

The stock-out week of a row is the one the action answers (expedite), else the one the stock
meets once the action is taken (push back, cancel; none if it lasts the horizon). Actions are
applied in turn to the row's arrivals, so two lines of one item are not both cancelled on the
strength of the other one landing.

Priority when a line is both (it lands after the stock-out, and part of it lands above the
threshold because it is big): expedite. The stock-out loses sales in the weeks before the line
lands, which no later change wins back; the excess only costs holding and OTB, and the next
review, with the line in its new week, judges it again (the message names the excess units).

Vendor terms: a partial cut keeps the units still needed rounded up to the style-color's order
multiple and at least its MOQ (`cut_to_terms`; a line without terms has MOQ 1, multiple 1).
When that leaves no cut (the MOQ is above what the line still needs), the whole line is
cancelled if the stock lasts the horizon without it (no projected stock-out), else the line is
left as it is and counted in the notes.

Counts: `lines_reviewed` = lines with an action (one row each) + `without_action`.

The actions go through `otb.orders` (the OTB check, row_version, audit); this module only
reads the lines and names the change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from otb.models import PurchaseOrder, PurchaseOrderLine
from otb.orders import purchase_order_line_update
from otb.services import OTBError
from planning.models import Department
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem
from replenishment.po_review_decisions import KIND_LABELS, Kind, ReviewRow, review_run


@dataclass
class Review:
    rows: list[ReviewRow] = field(default_factory=list)
    runs: list[ReplenishmentRun] = field(default_factory=list)
    lines_reviewed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Rows by kind, every kind present (one row per line)."""
        return {kind: sum(1 for row in self.rows if row.kind == kind) for kind in KIND_LABELS}

    @property
    def without_action(self) -> int:
        """Lines reviewed that need no change: lines_reviewed = rows + without_action."""
        return self.lines_reviewed - len(self.rows)


def latest_done_runs(department_ids: list[int]) -> dict[int, ReplenishmentRun]:
    """Department -> the newest done run that covers it (one query for the pairs, one for the runs)."""
    through = ReplenishmentRun.departments.through
    newest: dict[int, int] = {}
    for department_id, run_id in (
        through.objects.filter(
            department_id__in=department_ids, replenishmentrun__status=ReplenishmentRun.Status.DONE
        )
        .order_by("department_id", "-replenishmentrun__created_at", "-replenishmentrun_id")
        .values_list("department_id", "replenishmentrun_id")
    ):
        newest.setdefault(department_id, run_id)
    runs = ReplenishmentRun.objects.select_related("as_of").in_bulk(sorted(set(newest.values())))
    return {department_id: runs[run_id] for department_id, run_id in newest.items()}


def open_lines(department_ids: list[int]) -> list[PurchaseOrderLine]:
    """Open lines of released orders of the departments, with what a review row shows."""
    return list(
        PurchaseOrderLine.objects.filter(
            order__status=PurchaseOrder.Status.RELEASED,
            order__department_id__in=department_ids,
            status__in=PurchaseOrderLine.OPEN_STATUSES,
        )
        .select_related("order__vendor", "order__department", "sku", "location", "receipt_week")
        .order_by("pk")
    )


def open_order_review(user: User, *, department_id: int | None = None) -> Review:
    """The review of the open lines of the departments the user may see (or just one)."""
    departments = Department.objects.visible_to(user)
    if department_id is not None:
        departments = departments.filter(pk=department_id)
    department_ids = list(departments.values_list("pk", flat=True))
    review = Review()
    runs = latest_done_runs(department_ids)
    review.runs = sorted({run.pk: run for run in runs.values()}.values(), key=lambda run: run.pk)
    lines = open_lines(list(runs))
    without_run = (
        PurchaseOrderLine.objects.filter(
            order__status=PurchaseOrder.Status.RELEASED,
            order__department_id__in=sorted(set(department_ids) - set(runs)),
            status__in=PurchaseOrderLine.OPEN_STATUSES,
        ).count()
        if set(department_ids) - set(runs)
        else 0
    )
    if without_run:
        review.notes.append(
            _open_lines(without_run, "is", "are") + " in departments no finished run covers: not reviewed."
        )
    by_run: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
    for line in lines:
        by_run[runs[line.order.department_id].pk].append(line)
    policies = _policies(by_run)
    terms = _terms(lines)
    unmatched = beyond = blocked = 0
    for run in review.runs:
        reviewed, skipped, late, kept = review_run(run, by_run.get(run.pk, []), policies, terms, review.rows)
        review.lines_reviewed += reviewed
        unmatched += skipped
        beyond += late
        blocked += kept
    if unmatched:
        review.notes.append(
            _open_lines(unmatched, "has", "have") + " no policy in the run (SKU or DC not replenished)."
        )
    if beyond:
        review.notes.append(_open_lines(beyond, "lands", "land") + " after the run's horizon: not reviewed.")
    if blocked:
        review.notes.append(
            _open_lines(blocked, "carries", "carry") + " units above need, but a cut would leave less than "
            "the vendor's MOQ (or break the order multiple) and the stock runs out without them: kept."
        )
    order = {Kind.EXPEDITE: 0, Kind.CANCEL: 1, Kind.PUSH_BACK: 2}
    review.rows.sort(
        key=lambda row: (order[row.kind], row.line.order.vendor.code, row.line.sku.code, row.line.pk)
    )
    return review


def _policies(by_run: dict[int, list[PurchaseOrderLine]]) -> dict[tuple[int, int, int], ItemPolicy]:
    """(run, sku, location) -> the policy, for the SKUs with open lines (one query)."""
    run_ids = sorted(by_run)
    sku_ids = sorted({line.sku_id for lines in by_run.values() for line in lines})
    if not run_ids:
        return {}
    return {
        (policy.run_id, policy.sku_id, policy.location_id): policy
        for policy in ItemPolicy.objects.filter(run_id__in=run_ids, sku_id__in=sku_ids).only(
            "run_id", "sku_id", "location_id", "on_hand", "order_up_to", "demand"
        )
    }


def _terms(lines: list[PurchaseOrderLine]) -> dict[int, tuple[int, int]]:
    """Style-color -> (MOQ, order multiple) of its vendor terms (one query)."""
    style_colors = sorted({line.sku.style_color_id for line in lines})
    if not style_colors:
        return {}
    return {
        style_color: (moq, multiple)
        for style_color, moq, multiple in VendorItem.objects.filter(
            style_color_id__in=style_colors
        ).values_list("style_color_id", "moq", "order_multiple")
    }


def _open_lines(count: int, singular: str, plural: str) -> str:
    """'1 open line has...' / '3 open lines have...'."""
    return f"{count:,} open line {singular}" if count == 1 else f"{count:,} open lines {plural}"


# -- actions: named changes through the order services ----------------------------------------


def purchase_order_line_move(
    *, user: User, line_id: int, receipt_week_id: int, expected_version: int
) -> PurchaseOrderLine:
    """Move an open line to another receipt week, units and prices as they are (checked against
    the OTB of the month it enters)."""
    line = _line(line_id)
    return purchase_order_line_update(
        user=user,
        line_id=line.pk,
        units=line.units,
        unit_cost=line.unit_cost,
        unit_retail=line.unit_retail,
        receipt_week_id=receipt_week_id,
        expected_version=expected_version,
    )


def purchase_order_line_cut(
    *, user: User, line_id: int, units: int, expected_version: int
) -> PurchaseOrderLine:
    """Lower an open line's units (the cancelled part's OTB comes back), week and prices kept."""
    line = _line(line_id)
    if units >= line.units:
        raise OTBError(f"Cut the line below its {line.units:,} units, or leave it.")
    return purchase_order_line_update(
        user=user,
        line_id=line.pk,
        units=units,
        unit_cost=line.unit_cost,
        unit_retail=line.unit_retail,
        receipt_week_id=line.receipt_week_id,
        expected_version=expected_version,
    )


def _line(line_id: int) -> PurchaseOrderLine:
    line = PurchaseOrderLine.objects.filter(pk=line_id).first()
    if line is None:
        raise OTBError(f"No purchase order line {line_id}.")
    return line
