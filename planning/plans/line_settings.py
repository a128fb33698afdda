"""Write path for a line's settings: its stock-planning method, span turn and opening stock.

Switching method keeps the line's stock: the new method's targets are derived from the EOP the
line has now (`planning.engine.targets_for_eop`), so an FWOS of 47.7 is not read as an SSR of
47.7. The line is recomputed in the request (as a cell edit is) and the totals are queued.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from core.money import to_cents, to_places
from core.weeks import short_week_label
from planning.engine import MethodTargets, targets_for_eop
from planning.models import PlanCellChange, PlanLine, PlanTransition, PlanVersion, PlanWeek
from planning.plans.compute import ENTERED_FIELDS, LineBlock, plan_inputs, run_engine
from planning.plans.measures import ENTERED, TARGET_PLACES, TARGET_RANGES
from planning.plans.services import (
    PlanError,
    _check_editable,
    _parse,
    _queue_totals,
    _write_derived,
    load_block,
)

Method = PlanLine.Method
SPAN_METHODS = (Method.TURN, Method.BASIC_STOCK)
TURN_RANGE = (Decimal("0.001"), Decimal("52"))  # the span turn a line may plan (3 places stored)
MAX_OPENING_STOCK = ENTERED["sales"].maximum  # as a $ cell: the stock and its flows stay in the columns
_MOVED: dict[str, str] = {  # what a method cannot plan, for the planner's message
    Method.FWOS: "an FWOS target stops at 104 weeks and holds nothing where no sales follow",
    Method.WOS: "a WOS target holds nothing in a week that sells nothing and stops at 104 weeks",
    Method.SSR: "a stock-to-sales ratio holds nothing before a week that sells nothing and stops at 104",
    Method.SELL_THROUGH: "sell-through opens every week with at least that week's sales",
    Method.TURN: "a turn line holds the same stock every week",
    Method.BASIC_STOCK: "basic stock follows the weekly sales shape around that average",
    Method.RECEIPTS: "entered receipts are whole cents",
}


@dataclass
class LineSettingsResult:
    line: PlanLine
    previous_method: str
    weeks: int
    moved_weeks: list[str] = field(default_factory=list)  # grid labels of weeks whose EOP changed
    average_before: float = 0.0  # the line's average EOP before and after
    average_after: float = 0.0

    @property
    def message(self) -> str:
        line = self.line
        name = f"{line.merch_class} now plans by {line.get_method_display()}"
        if line.method in SPAN_METHODS and line.turn is not None:
            name += f", turn {line.turn.normalize():f} over the span"
        if self.previous_method == line.method:
            return f"{name}; the line is recalculated."
        if line.method in SPAN_METHODS:
            return (
                f"{name}: the average stock stays {self.average_after:,.0f} (was {self.average_before:,.0f});"
                f" {_MOVED[line.method]}."
            )
        if not self.moved_weeks:
            return f"{name}: its targets come from its stock, so EOP stays as it was in every week."
        shown = ", ".join(self.moved_weeks[:8]) + (" ..." if len(self.moved_weeks) > 8 else "")
        return (
            f"{name}: EOP stays in {self.weeks - len(self.moved_weeks)} of {self.weeks} weeks; it changes"
            f" in {shown} because {_MOVED[line.method]}."
        )


def _turn(raw: str | None) -> Decimal | None:
    if raw is None or not raw.strip():
        return None
    value = _parse(raw)
    if value <= 0:
        raise PlanError("Turn and basic stock lines need a turn greater than zero.")
    if value > TURN_RANGE[1]:
        raise PlanError("Turn must be between 0 and 52.")
    return to_places(value, 3)


@transaction.atomic
def plan_line_settings_update(
    *, user: User, version_id: int, line_id: int, method: str, turn: str | None, opening_stock: str | None
) -> LineSettingsResult:
    """Change a line's method (its new targets derived from its current stock), its span turn
    (blank: derived from the stock too) or its opening stock; recompute the line, queue the
    totals. Every target rewritten is in the audit trail as a method change."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    _check_editable(user, version)
    line = _locked_line(version, line_id)
    if method not in Method.values:
        raise PlanError(f"{method!r} is not a stock-planning method.")
    typed_turn = _turn(turn)
    opening = _opening(opening_stock, line)
    rows = sorted(
        PlanWeek.objects.select_for_update().filter(line=line).order_by("pk"), key=lambda r: r.period
    )
    plan = version.plan
    block, _ = load_block(version, [line.pk])
    before = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    previous = line.method
    line.opening_stock = to_cents(opening)
    block.opening[0] = float(line.opening_stock)
    changes: list[tuple[PlanWeek, str, Decimal | None]] = []
    found = _targets(method, block, before.eop[0], plan.exhaustion) if method != previous else None
    if found is not None:
        changes = _write_targets(method, rows, found, user)
    line.turn = _line_turn(line, method, typed_turn, found)
    line.method = method
    line.save(update_fields=["method", "turn", "opening_stock"])
    _audit(version, line, previous, changes, user)
    PlanVersion.objects.filter(pk=version.pk).update(values_version=F("values_version") + 1)
    version.refresh_from_db(fields=["values_version", "totals_version"])
    block, row_ids = load_block(version, [line.pk])
    after = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    _write_derived(block, after, row_ids)
    _queue_totals(version)
    moved = np.abs(np.round(after.eop[0], 2) - np.round(before.eop[0], 2)) > 0.005
    labels = [short_week_label(row.fiscal_week_id) for row in rows]
    return LineSettingsResult(
        line,
        previous,
        len(rows),
        [label for label, is_moved in zip(labels, moved, strict=True) if is_moved],
        float(before.eop[0].mean()) if rows else 0.0,
        float(after.eop[0].mean()) if rows else 0.0,
    )


def _locked_line(version: PlanVersion, line_id: int) -> PlanLine:
    """The class line of the version, locked in the caller's transaction (a total line, or one
    of another version, is not editable here)."""
    line = (
        PlanLine.objects.select_for_update()
        .select_related("merch_class")
        .filter(version=version, pk=line_id, merch_class__isnull=False)
        .first()
    )
    if line is None:
        raise PlanError("That line is not an editable line of this plan version.")
    return line


def _opening(raw: str | None, line: PlanLine) -> Decimal:
    """The opening stock typed (blank: the line's own), within what a $ cell holds."""
    opening = _parse(raw) if raw and raw.strip() else line.opening_stock
    if opening < 0:
        raise PlanError("Opening stock cannot be negative: type the stock at retail, e.g. 250,000.")
    if opening > MAX_OPENING_STOCK:
        raise PlanError(
            f"Opening stock is at most {MAX_OPENING_STOCK:,}: type the stock at retail, e.g. 250,000."
        )
    return opening


def _line_turn(
    line: PlanLine, method: str, typed_turn: Decimal | None, found: MethodTargets | None
) -> Decimal | None:
    """The span turn the line holds after the change; only span lines plan by a turn."""
    if method not in SPAN_METHODS:
        return None
    # A turn typed wins; else one derived from the stock (a new span line) or the line's own.
    derived = _clip_turn(float(found.turn[0])) if found is not None else line.turn
    turn = typed_turn or derived
    if turn is None:
        raise PlanError("Turn and basic stock lines need a turn greater than zero.")
    return turn


def _audit(
    version: PlanVersion,
    line: PlanLine,
    previous: str,
    changes: list[tuple[PlanWeek, str, Decimal | None]],
    user: User,
) -> None:
    """A method-change record per target rewritten and one transition for the line's settings."""
    PlanCellChange.objects.bulk_create(
        [
            PlanCellChange(
                line_id=line.pk,
                fiscal_week_id=row.fiscal_week_id,
                measure=measure,
                old_value=old,
                new_value=getattr(row, measure),
                source=PlanCellChange.Source.METHOD,
                changed_by_id=user.pk,
            )
            for row, measure, old in changes
        ]
    )
    PlanTransition.objects.create(
        version=version, action="method", from_status=version.status, to_status=version.status,
        reason=f"{line.merch_class} now plans by {line.get_method_display()}"
        + (f" (was {Method(previous).label})" if previous != line.method else "")
        + (f", turn {line.turn.normalize():f}" if line.turn is not None else ""),
        user=user,
    )  # fmt: skip


def _targets(method: str, block: LineBlock, eop: np.ndarray, exhaustion: str) -> MethodTargets:
    """The new method's inputs for the line's current EOP (rounded to the cents it is stored in,
    so that entered receipts reproduce it to the cent)."""
    inputs = plan_inputs(block, exhaustion=exhaustion, cost_complement=0.0)
    return targets_for_eop(
        method,
        inputs.sales,
        np.round(eop, 2),
        opening=inputs.opening,
        markdowns=inputs.markdowns,
        shrink=inputs.shrink,
        exhaustion=exhaustion,
        next_sales=inputs.next_sales,
        weeks_per_period=inputs.weeks_per_period,
    )


def _clip_turn(turn: float) -> Decimal:
    """A derived span turn within what a line may hold; a line with no stock (or no sales)
    gets the highest turn, the least stock a turn line can plan."""
    low, high = TURN_RANGE
    if not np.isfinite(turn):
        return high
    return min(max(to_places(float(turn), 3), low), high)


def _write_targets(
    method: str, rows: list[PlanWeek], found: MethodTargets, user: User
) -> list[tuple[PlanWeek, str, Decimal | None]]:
    """Store the per-period targets (within the method's range) or the entered receipts; bump
    the row version of every row that changed. Returns (row, measure, old value) per change."""
    targets, receipts = found.targets[0], found.receipts[0]
    if method in TARGET_RANGES:
        low, high = TARGET_RANGES[method]
        measure = "target"
        values = [min(max(to_places(float(v), TARGET_PLACES), low), high) for v in targets]
    elif method == Method.RECEIPTS:
        measure = "receipts_entered"
        values = [to_cents(float(v)) for v in receipts]
    else:
        return []
    changes: list[tuple[PlanWeek, str, Decimal | None]] = []
    for row, value in zip(rows, values, strict=True):
        old = getattr(row, measure)
        if old != value and row.actual_eop is None:  # a closed week keeps what it holds
            setattr(row, measure, value)
            row.row_version += 1
            row.updated_by_id = user.pk
            changes.append((row, measure, old))
    PlanWeek.objects.bulk_update(
        [row for row, _, _ in changes], fields=[*ENTERED_FIELDS, "row_version", "updated_by"]
    )
    return changes
