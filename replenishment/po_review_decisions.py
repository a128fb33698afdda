"""The open lines of one replenishment run judged: which to expedite, push back or cut, and
the row that names the change (the rules are in `replenishment.po_review`'s docstring)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from forecasting.selectors import weeks_after
from otb.models import PurchaseOrderLine
from planning.models import FiscalWeek
from replenishment.engine.suggest import (
    Excess,
    FloatArray,
    cut_to_terms,
    excess_arrivals,
    expedite_candidates,
    first_stockout,
    project_on_hand,
)
from replenishment.models import ItemPolicy, ReplenishmentRun

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


def review_run(
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
    blocked = _RunReview(run, weeks, column, chosen, cells, terms, out).review()
    return sum(len(members) for members in cells.values()), unmatched, beyond, blocked


class _RunReview:
    """One run's rows of arrays (arrivals, forecast, on hand: see `po_review`'s docstring) and
    the actions chosen so far, applied in turn to `planned`."""

    def __init__(
        self,
        run: ReplenishmentRun,
        weeks: list[FiscalWeek],
        column: dict[int, int],
        chosen: list[ItemPolicy],
        cells: dict[tuple[int, int], list[PurchaseOrderLine]],
        terms: dict[int, tuple[int, int]],
        out: list[ReviewRow],
    ) -> None:
        self.run, self.weeks, self.column, self.chosen, self.cells = run, weeks, column, chosen, cells
        self.terms, self.out = terms, out
        arrivals = np.zeros((len(chosen), len(weeks)))
        for (row, week), members in cells.items():
            arrivals[row, week] = sum(line.units - line.received_units for line in members)
        self.arrivals = arrivals
        self.on_hand = np.array([float(max(policy.on_hand, 0)) for policy in chosen])
        demand = np.array([max(policy.demand, 0.0) for policy in chosen])
        order_up_to = np.array([max(policy.order_up_to, 0.0) for policy in chosen])
        self.forecast = np.repeat(demand[:, None], len(weeks), axis=1)

        _projected, unmet = project_on_hand(self.on_hand, arrivals, self.forecast)
        self.stockout = first_stockout(unmet)
        self.expedite = expedite_candidates(arrivals, self.stockout)
        self.excess = excess_arrivals(
            self.on_hand, arrivals, self.forecast, order_up_to, weeks_of_cover=WEEKS_OF_COVER
        )
        self.planned = arrivals.copy()  # the arrivals with the actions chosen so far

    def after(self, row: int) -> FiscalWeek | None:
        """The stock-out the row's arrivals as planned now cause, None if the stock lasts."""
        _projected, short = project_on_hand(
            self.on_hand[row : row + 1], self.planned[row : row + 1], self.forecast[row : row + 1]
        )
        at = int(first_stockout(short)[0])
        return self.weeks[at] if at >= 0 else None

    def row_for(
        self,
        kind: str,
        line: PurchaseOrderLine,
        row: int,
        target: int | None,
        excess_units: int,
        message: str,
    ) -> ReviewRow:
        """The row; its stock-out week is the one it answers (expedite) or the one the arrivals
        cause once the action is taken (push back, cancel: `planned` already carries it)."""
        weeks, column = self.weeks, self.column
        policy, at = self.chosen[row], int(self.stockout[row])
        current = weeks[at] if at >= 0 else None
        return ReviewRow(
            kind=kind, line=line, open_units=line.units - line.received_units,
            receipt_week=line.receipt_week, target_week=weeks[target] if target is not None else None,
            weeks=abs(target - column.get(line.receipt_week_id, 0)) if target is not None else 0,
            excess_units=excess_units,
            keep_units=line.units - excess_units if kind == Kind.CANCEL else line.units,
            on_hand=policy.on_hand, order_up_to=policy.order_up_to, demand=policy.demand,
            stockout_week=current if kind == Kind.EXPEDITE else self.after(row), run_id=self.run.pk,
            message=message,
        )  # fmt: skip

    def take(self, row: int, week: int, units: int, target: int | None = None) -> None:
        self.planned[row, week] -= units
        if target is not None:
            self.planned[row, target] += units

    def review(self) -> int:
        """Each line's action, the newest line of a week first; returns how many lines keep an
        excess because of the vendor's terms."""
        blocked = 0
        for (row, week), members in sorted(self.cells.items()):
            earlier = int(self.expedite.weeks_earlier[row, week])
            left = round(float(self.excess.units[row, week]))
            for line in sorted(members, key=lambda line: -line.pk):  # the newest line is cut first
                open_units = line.units - line.received_units
                cut = min(open_units, max(left, 0))
                if earlier:  # expedite wins over an excess (see po_review's docstring)
                    left -= cut
                    self._expedite(row, week, line, earlier, cut)
                    continue
                if cut <= 0:
                    continue
                if cut == open_units:
                    taken, kept = self._whole_line_excess(row, week, line, cut)
                else:
                    taken, kept = self._part_excess(row, week, line, cut)
                left -= taken
                blocked += kept
        return blocked

    def _expedite(self, row: int, week: int, line: PurchaseOrderLine, earlier: int, cut: int) -> None:
        open_units = line.units - line.received_units
        target = week - earlier
        message = (
            f"Move {line.receipt_week} -> {self.weeks[target]}, {_weeks(earlier)} earlier: "
            f"stock runs out in {self.weeks[target]}."
        )
        if cut:
            message += (
                f" {_of_its_units(cut)} above order-up-to + {WEEKS_OF_COVER} weeks of "
                "demand: review its quantity once it is moved."
            )
        self.take(row, week, open_units, target)
        self.out.append(self.row_for(Kind.EXPEDITE, line, row, target, 0, message))

    def _whole_line_excess(self, row: int, week: int, line: PurchaseOrderLine, cut: int) -> tuple[int, int]:
        """The whole line is excess: push it back, cancel it, or cut it to what the horizon
        needs; (units taken off the week's excess, 1 if the terms keep it as it is)."""
        open_units = line.units - line.received_units
        moq, multiple = self.terms.get(line.sku.style_color_id, (1, 1))
        later = _later_week(self.excess, self.arrivals, row, week, cut)
        if later is not None:
            message = (
                f"Push back {line.receipt_week} -> {self.weeks[later]}, {_weeks(later - week)} "
                f"later: stock stays above order-up-to + {WEEKS_OF_COVER} weeks of demand "
                "until then."
            )
            self.take(row, week, open_units, later)
            self.out.append(self.row_for(Kind.PUSH_BACK, line, row, later, cut, message))
            return cut, 0
        if _lasts_without(self.on_hand[row], self.planned[row], self.forecast[row], week, open_units):
            message = (
                f"Cancel the whole line: above order-up-to + {WEEKS_OF_COVER} weeks of demand, "
                "and the stock lasts the horizon without it."
            )
            self.take(row, week, open_units)
            self.out.append(self.row_for(Kind.CANCEL, line, row, None, cut, message))
            return cut, 0
        # The stock runs out without it: keep what the horizon needs, within terms.
        needed = _units_needed(self.on_hand[row], self.planned[row], self.forecast[row], week, open_units)
        keep = int(cut_to_terms([line.units], [open_units - needed], [moq], [multiple])[0])
        if keep >= line.units:
            return 0, int(needed < open_units)
        taken = line.units - keep
        self.take(row, week, open_units)
        gone = self.after(row)  # the stock-out without the line
        self.take(row, week, -open_units)
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
        self.take(row, week, taken)
        self.out.append(self.row_for(Kind.CANCEL, line, row, None, taken, message))
        return taken, 0

    def _part_excess(self, row: int, week: int, line: PurchaseOrderLine, cut: int) -> tuple[int, int]:
        """Part of the line is excess: cut it within the vendor's terms, or cancel it whole when
        the terms leave no cut and the stock lasts; (units taken, 1 if the terms keep it)."""
        open_units = line.units - line.received_units
        moq, multiple = self.terms.get(line.sku.style_color_id, (1, 1))
        keep = int(cut_to_terms([line.units], [cut], [moq], [multiple])[0])
        if keep < line.units:
            taken = line.units - keep
            self.take(row, week, taken)
            stock_out = self.after(row)
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
            self.out.append(self.row_for(Kind.CANCEL, line, row, None, taken, message))
            return taken, 0
        if _lasts_without(self.on_hand[row], self.planned[row], self.forecast[row], week, open_units):
            message = (
                f"Cancel the whole line: {cut:,} of its {open_units:,} open units are above "
                f"order-up-to + {WEEKS_OF_COVER} weeks of demand, a cut to the rest would be "
                f"below the vendor's MOQ of {moq:,} (multiple {multiple:,}), and the stock "
                "lasts the horizon without it."
            )
            self.take(row, week, open_units)
            self.out.append(self.row_for(Kind.CANCEL, line, row, None, open_units, message))
            return open_units, 0
        return 0, 1


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
