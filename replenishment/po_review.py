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

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.models import User

from forecasting.selectors import weeks_after
from otb.models import PurchaseOrder, PurchaseOrderLine
from otb.orders import purchase_order_line_update
from otb.services import OTBError
from planning.models import Department, FiscalWeek
from replenishment.engine.suggest import (
    Excess,
    FloatArray,
    cut_to_terms,
    excess_arrivals,
    expedite_candidates,
    first_stockout,
    project_on_hand,
)
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem

WEEKS_OF_COVER = 4
_TOLERANCE = 1e-9  # units: float noise


class Kind:
    EXPEDITE = "expedite"
    PUSH_BACK = "push_back"
    CANCEL = "cancel"


KIND_LABELS = {Kind.EXPEDITE: "Expedite", Kind.PUSH_BACK: "Push back", Kind.CANCEL: "Cancel"}


@dataclass(frozen=True)
class ReviewRow:
    """One suggestion for one open line. `target_week` is where to move it (expedite, push
    back); `excess_units` how many units to take off it (cancel); `keep_units` the line's units
    after the cut (its received units stay)."""

    kind: str
    line: PurchaseOrderLine
    open_units: int
    receipt_week: FiscalWeek
    target_week: FiscalWeek | None
    weeks: int  # earlier (expedite) or later (push back); 0 for a cancel
    excess_units: int
    keep_units: int
    on_hand: int
    order_up_to: float
    demand: float
    stockout_week: FiscalWeek | None
    run_id: int
    message: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def is_whole_line(self) -> bool:
        return self.kind == Kind.CANCEL and self.excess_units == self.open_units


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
        reviewed, skipped, late, kept = _review_run(run, by_run.get(run.pk, []), policies, terms, review.rows)
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


def _review_run(
    run: ReplenishmentRun,
    lines: list[PurchaseOrderLine],
    policies: dict[tuple[int, int, int], ItemPolicy],
    terms: dict[int, tuple[int, int]],
    out: list[ReviewRow],
) -> tuple[int, int, int, int]:
    """Append the run's rows to `out` (one per line at most); (lines reviewed, without a
    policy, after the horizon, excess kept because of the vendor's terms)."""
    weeks = weeks_after(run.as_of, run.horizon)
    if not weeks or not lines:
        return 0, 0, 0, 0
    column = {week.pk: index for index, week in enumerate(weeks)}
    last = weeks[-1].start_date
    row_of: dict[tuple[int, int], int] = {}
    chosen: list[ItemPolicy] = []
    cells: dict[tuple[int, int], list[PurchaseOrderLine]] = defaultdict(list)
    unmatched = beyond = 0
    for line in lines:
        policy = policies.get((run.pk, line.sku_id, line.location_id))
        if policy is None:
            unmatched += 1
            continue
        if line.receipt_week.start_date > last:
            beyond += 1
            continue
        key = (line.sku_id, line.location_id)
        if key not in row_of:
            row_of[key] = len(chosen)
            chosen.append(policy)
        cells[row_of[key], column.get(line.receipt_week_id, 0)].append(line)
    if not chosen:
        return 0, unmatched, beyond, 0
    arrivals = np.zeros((len(chosen), len(weeks)))
    for (row, week), members in cells.items():
        arrivals[row, week] = sum(line.units - line.received_units for line in members)
    on_hand = np.array([float(max(policy.on_hand, 0)) for policy in chosen])
    demand = np.array([max(policy.demand, 0.0) for policy in chosen])
    order_up_to = np.array([max(policy.order_up_to, 0.0) for policy in chosen])
    forecast = np.repeat(demand[:, None], len(weeks), axis=1)

    _projected, unmet = project_on_hand(on_hand, arrivals, forecast)
    stockout = first_stockout(unmet)
    expedite = expedite_candidates(arrivals, stockout)
    excess = excess_arrivals(on_hand, arrivals, forecast, order_up_to, weeks_of_cover=WEEKS_OF_COVER)

    planned = arrivals.copy()  # the arrivals with the actions chosen so far

    def after(row: int) -> FiscalWeek | None:
        """The stock-out the row's arrivals as planned now cause, None if the stock lasts."""
        _projected, short = project_on_hand(
            on_hand[row : row + 1], planned[row : row + 1], forecast[row : row + 1]
        )
        at = int(first_stockout(short)[0])
        return weeks[at] if at >= 0 else None

    def row_for(
        kind: str, line: PurchaseOrderLine, row: int, target: int | None, excess_units: int, message: str
    ) -> ReviewRow:
        """The row; its stock-out week is the one it answers (expedite) or the one the arrivals
        cause once the action is taken (push back, cancel: `planned` already carries it)."""
        policy, at = chosen[row], int(stockout[row])
        current = weeks[at] if at >= 0 else None
        return ReviewRow(
            kind=kind, line=line, open_units=line.units - line.received_units,
            receipt_week=line.receipt_week, target_week=weeks[target] if target is not None else None,
            weeks=abs(target - column.get(line.receipt_week_id, 0)) if target is not None else 0,
            excess_units=excess_units,
            keep_units=line.units - excess_units if kind == Kind.CANCEL else line.units,
            on_hand=policy.on_hand, order_up_to=policy.order_up_to, demand=policy.demand,
            stockout_week=current if kind == Kind.EXPEDITE else after(row), run_id=run.pk, message=message,
        )  # fmt: skip

    def take(row: int, week: int, units: int, target: int | None = None) -> None:
        planned[row, week] -= units
        if target is not None:
            planned[row, target] += units

    blocked = 0
    for (row, week), members in sorted(cells.items()):
        earlier = int(expedite.weeks_earlier[row, week])
        left = round(float(excess.units[row, week]))
        for line in sorted(members, key=lambda line: -line.pk):  # the newest line is cut first
            open_units = line.units - line.received_units
            cut = min(open_units, max(left, 0))
            moq, multiple = terms.get(line.sku.style_color_id, (1, 1))
            if earlier:  # expedite wins over an excess (see the module docstring)
                left -= cut
                target = week - earlier
                message = (
                    f"Move {line.receipt_week} -> {weeks[target]}, {_weeks(earlier)} earlier: "
                    f"stock runs out in {weeks[target]}."
                )
                if cut:
                    message += (
                        f" {_of_its_units(cut)} above order-up-to + {WEEKS_OF_COVER} weeks of "
                        "demand: review its quantity once it is moved."
                    )
                take(row, week, open_units, target)
                out.append(row_for(Kind.EXPEDITE, line, row, target, 0, message))
                continue
            if cut <= 0:
                continue
            if cut == open_units:
                later = _later_week(excess, arrivals, row, week, cut)
                if later is not None:
                    left -= cut
                    message = (
                        f"Push back {line.receipt_week} -> {weeks[later]}, {_weeks(later - week)} "
                        f"later: stock stays above order-up-to + {WEEKS_OF_COVER} weeks of demand "
                        "until then."
                    )
                    take(row, week, open_units, later)
                    out.append(row_for(Kind.PUSH_BACK, line, row, later, cut, message))
                elif _lasts_without(on_hand[row], planned[row], forecast[row], week, open_units):
                    left -= cut
                    message = (
                        f"Cancel the whole line: above order-up-to + {WEEKS_OF_COVER} weeks of demand, "
                        "and the stock lasts the horizon without it."
                    )
                    take(row, week, open_units)
                    out.append(row_for(Kind.CANCEL, line, row, None, cut, message))
                else:  # the stock runs out without it: keep what the horizon needs, within terms
                    needed = _units_needed(on_hand[row], planned[row], forecast[row], week, open_units)
                    keep = int(cut_to_terms([line.units], [open_units - needed], [moq], [multiple])[0])
                    if keep >= line.units:
                        blocked += needed < open_units
                        continue
                    taken = line.units - keep
                    left -= taken
                    take(row, week, open_units)
                    gone = after(row)  # the stock-out without the line
                    take(row, week, -open_units)
                    message = (
                        f"Cancel {taken:,} of {open_units:,} open units: the stock is above "
                        f"order-up-to + {WEEKS_OF_COVER} weeks of demand when it lands, but runs out "
                        f"in {gone} without the line; the horizon needs {needed:,} of its units"
                        + (
                            f" (kept {keep - line.received_units:,}: MOQ {moq:,}, multiple {multiple:,})."
                            if keep - line.received_units != needed
                            else "."
                        )
                    )
                    take(row, week, taken)
                    out.append(row_for(Kind.CANCEL, line, row, None, taken, message))
                continue
            keep = int(cut_to_terms([line.units], [cut], [moq], [multiple])[0])
            if keep < line.units:
                taken = line.units - keep
                left -= taken
                take(row, week, taken)
                stock_out = after(row)
                message = (
                    f"Cancel {taken:,} of {open_units:,} open units: above order-up-to + "
                    f"{WEEKS_OF_COVER} weeks of demand, "
                    + (
                        "not needed within the horizon"
                        if stock_out is None
                        else f"the stock runs out in {stock_out} without them"
                    )
                    + (f" (kept {keep:,}: MOQ {moq:,}, multiple {multiple:,})." if taken != cut else ".")
                )
                out.append(row_for(Kind.CANCEL, line, row, None, taken, message))
            elif _lasts_without(on_hand[row], planned[row], forecast[row], week, open_units):
                left -= open_units
                message = (
                    f"Cancel the whole line: {cut:,} of its {open_units:,} open units are above "
                    f"order-up-to + {WEEKS_OF_COVER} weeks of demand, a cut to the rest would be "
                    f"below the vendor's MOQ of {moq:,} (multiple {multiple:,}), and the stock "
                    "lasts the horizon without it."
                )
                take(row, week, open_units)
                out.append(row_for(Kind.CANCEL, line, row, None, open_units, message))
            else:
                blocked += 1
    return sum(len(members) for members in cells.values()), unmatched, beyond, blocked


def _lasts_without(on_hand: float, arrivals: FloatArray, forecast: FloatArray, week: int, units: int) -> bool:
    """Whether one row's stock meets all demand of the horizon with `units` fewer landing in
    `week`."""
    without = arrivals.copy()
    without[week] = max(without[week] - units, 0.0)
    _projected, unmet = project_on_hand(np.array([on_hand]), without[None, :], forecast[None, :])
    return bool(unmet.sum() <= _TOLERANCE)


def _units_needed(on_hand: float, arrivals: FloatArray, forecast: FloatArray, week: int, units: int) -> int:
    """How many of `units` landing in `week` the row's stock needs within the horizon: the
    demand left unmet without them less the demand left unmet with them, rounded up (lost
    sales: a unit more on hand meets one unit of later unmet demand, or none)."""
    without = arrivals.copy()
    without[week] = max(without[week] - units, 0.0)
    _projected, unmet_with = project_on_hand(np.array([on_hand]), arrivals[None, :], forecast[None, :])
    _projected, unmet_without = project_on_hand(np.array([on_hand]), without[None, :], forecast[None, :])
    short = float(unmet_without.sum() - unmet_with.sum())
    return min(units, max(0, math.ceil(short - _TOLERANCE)))


def _later_week(excess: Excess, arrivals: FloatArray, row: int, week: int, units: int) -> int | None:
    """The first week after `week` in which `units` land at or under the threshold, given the
    stock with the excess taken out; None if none within the horizon."""
    kept = arrivals[row] - excess.units[row]
    for later in range(week + 1, arrivals.shape[1]):
        landed = excess.projected_on_hand[row, later] + kept[later] + units
        if landed <= excess.threshold[row, later] + _TOLERANCE:
            return later
    return None


def _weeks(count: int) -> str:
    return f"{count} week" if count == 1 else f"{count} weeks"


def _of_its_units(count: int) -> str:
    return f"{count:,} of its units " + ("lands" if count == 1 else "land")


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
