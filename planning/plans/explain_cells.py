"""Reads for the grid's side panel: how a cell was calculated and what changed under it.

A week cell of a class line is explained by the engine (`explain`, on the line's entered
values); a month, quarter or season total by its roll-up (`explain_total`); a plan-total cell
by the sum of the class lines (flows and stocks) or its recomputed ratio. Weeks are named as
the grid names them (W05), the opening stock by the week before the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import QuerySet

from core.weeks import short_week_label, split_week_key, year_of
from planning import clock
from planning.engine import Explanation, explain
from planning.engine.explain import _n
from planning.engine.explain_total import TotalExplanation, explain_line_sum, explain_total
from planning.models import FiscalWeek, PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.compute import plan_inputs
from planning.plans.grid import _values_by_line
from planning.plans.grid_columns import Column, columns_for
from planning.plans.measures import ENTERED, TARGET_LABELS, grid_measures
from planning.plans.services import load_block


class CellAddressError(ValueError):
    """The panel cannot show this cell: the message says why (an HTTP 400)."""


@dataclass(frozen=True)
class Cell:
    """A grid cell resolved: its line, its column and the measure as the grid shows it."""

    version: PlanVersion
    line: PlanLine
    column: Column
    columns: list[Column]
    labels: list[str]  # every week's name, by period
    week_ids: list[int]  # every week's FiscalWeek id, by period
    measure: str
    label: str

    @property
    def is_week(self) -> bool:
        return self.column.kind == "week"

    @property
    def name(self) -> str:
        """The cell's column as a sentence names it: W05, February, Q1, the season."""
        return "the season" if self.column.kind == "season" else self.column.label

    @property
    def week_ids_covered(self) -> list[int]:
        return [self.week_ids[period] for period in self.column.periods]


def resolve(version: PlanVersion, line_id: str | None, key: str | None, measure: str | None) -> Cell:
    """The cell of the grid at (line, column key, measure): a key is "2026-W05", "M3", "Q1" or
    "season", as in the cells' data-period."""
    if not line_id or not key or not measure:
        raise CellAddressError("Give line, week and measure.")
    try:
        line = PlanLine.objects.select_related("merch_class").get(version=version, pk=int(line_id))
    except (ValueError, PlanLine.DoesNotExist):
        raise CellAddressError("That line is not in this plan version.") from None
    weeks = list(
        PlanWeek.objects.filter(line=line)
        .order_by("period")
        .values_list(
            "fiscal_week_id", "period", "fiscal_week__month", "fiscal_week__quarter", "fiscal_week__end_date"
        )
    )
    columns = columns_for(weeks, clock.today())
    column = next((c for c in columns if c.key == key), None)
    if column is None:
        raise CellAddressError("That week is not in this plan.")
    shown = grid_measures(line.method if not line.is_total else "receipts")
    names = {m.name: m.label for m in shown}
    if line.is_total and "receipts_entered" in names:
        names["receipts"] = names.pop("receipts_entered")
    if measure not in names:
        raise CellAddressError(f"{measure!r} is not a row of this line.")
    label = TARGET_LABELS.get(line.method, "Target") if measure == "target" else names[measure]
    return Cell(
        version,
        line,
        column,
        columns,
        [c.label for c in columns if c.kind == "week"],
        [week[0] for week in weeks],
        measure,
        label,
    )


def _opening_label(cell: Cell) -> str:
    """The week whose EOP opens the plan: the fiscal week before its first (a year named when
    it is another fiscal year's)."""
    first = cell.week_ids[0]
    before = FiscalWeek.objects.filter(id__lt=first).order_by("-id").values_list("id", flat=True).first()
    if before is None:
        return "the week before the plan"
    year, week = split_week_key(before)
    return f"W{week:02d}" if year == year_of(first) else f"W{week:02d} of FY{year}"


def explanation(cell: Cell) -> Explanation | TotalExplanation:
    """The explanation of a derived cell, or of any total (entered totals included)."""
    if cell.line.is_total:
        return _total_line_explanation(cell)
    if cell.is_week:
        if cell.measure in ENTERED:
            raise CellAddressError(f"{cell.label} is entered: select it for its history.")
        block, _ = load_block(cell.version, [cell.line.pk])
        plan = cell.version.plan
        inputs = plan_inputs(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
        try:
            return explain(
                inputs,
                0,
                cell.column.periods[0],
                cell.measure,
                labels=cell.labels,
                opening_label=_opening_label(cell),
            )
        except ValueError as error:
            raise CellAddressError(str(error)) from None
    values = _values_by_line(cell.version, [cell.line.pk], len(cell.labels))[cell.line.pk]
    return explain_total(
        cell.measure, values, cell.column.periods, cell.labels, label=cell.label, name=cell.name
    )


def _total_line_explanation(cell: Cell) -> Explanation | TotalExplanation:
    """Flows and stocks of a plan-total week: the sum of the class lines; its ratios and its
    totals: the roll-up of the plan total's own weeks (which are those sums)."""
    summed = cell.measure not in ("wos", "fwos", "turn", "sell_through", "gm_percent")
    period = cell.column.periods[0]
    if cell.is_week and summed:
        parts = list(
            PlanWeek.objects.filter(
                line__version=cell.version, line__merch_class__isnull=False, period=period
            )
            .order_by("line__position", "line_id")
            .values_list("line__merch_class__name", cell.measure)
        )
        return explain_line_sum(
            cell.measure,
            [(name, float(value or 0)) for name, value in parts],
            label=cell.label,
            name=cell.name,
        )
    values = _values_by_line(cell.version, [cell.line.pk], len(cell.labels))[cell.line.pk]
    if cell.is_week and cell.measure == "fwos":
        fwos, eop = float(values["fwos"][period]), float(values["eop"][period])
        return TotalExplanation(
            "fwos",
            fwos,
            "FWOS of the plan total = the weeks of the plan total's forward planned sales its EOP covers",
            f"EOP {_n(eop)} covers {_n(fwos)} weeks of the sales planned after {cell.name}",
        )
    why = explain_total(
        cell.measure, values, cell.column.periods, cell.labels, label=cell.label, name=cell.name
    )
    if summed:
        lines = PlanLine.objects.filter(version=cell.version, merch_class__isnull=False).count()
        return replace(why, formula=f"{why.formula}; each week of the plan total sums its {lines} lines")
    return replace(why, formula=f"{why.formula}, from the plan total's summed parts")


def changes(cell: Cell, limit: int = 50) -> tuple[list[PlanCellChange], int]:
    """The audit rows of the entered cells under this one (the weeks of a total, the lines of
    the plan total), newest first, at most `limit`; and how many there are in all."""
    measure = "receipts_entered" if cell.measure == "receipts" and cell.line.is_total else cell.measure
    lines: QuerySet[PlanLine] | list[PlanLine] = (
        PlanLine.objects.filter(version=cell.version, merch_class__isnull=False)
        if cell.line.is_total
        else [cell.line]
    )
    rows = PlanCellChange.objects.filter(
        line__in=lines, fiscal_week_id__in=cell.week_ids_covered, measure=measure
    ).select_related("changed_by", "line__merch_class")
    shown = list(rows[:limit])
    for change in shown:
        change.week_label = short_week_label(change.fiscal_week_id)  # type: ignore[attr-defined]
    return shown, rows.count()
