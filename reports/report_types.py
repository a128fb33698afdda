"""What the executive weekly report holds: plain dataclasses (no Django), built by
`reports.weekly.weekly_report`, rendered by the page, the PDF, the xlsx and the e-mail alike.

Money is Decimal, rounded to the cent once on the way out of the engine; ratios are floats
(None where they mean nothing: no sales, no stock, no plan). A figure the data cannot give is
None and the page says why; it is never made up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PERIODS = ("week", "mtd", "qtd", "std", "ytd")
PERIOD_LABELS = {
    "week": "Week",
    "mtd": "Month to date",
    "qtd": "Quarter to date",
    "std": "Season to date",
    "ytd": "Year to date",
}
LEVELS = ("company", "channel", "department", "class")


def change(now: Decimal | None, base: Decimal | None) -> Decimal | None:
    """now - base, None when either is missing."""
    return None if now is None or base is None else now - base


def change_percent(now: Decimal | None, base: Decimal | None) -> float | None:
    """(now - base) / base as a share (0.05 is +5%); None when base is missing or 0."""
    if now is None or base is None or base == 0:
        return None
    return float((now - base) / abs(base))


@dataclass(frozen=True)
class Versus:
    """One money measure over one period: this year against the original plan (OP), the working
    plan (WP) and last year (LY, restated calendar: week N of last year)."""

    ty: Decimal | None
    op: Decimal | None = None
    wp: Decimal | None = None
    ly: Decimal | None = None

    @property
    def vs_op(self) -> Decimal | None:
        return change(self.ty, self.op)

    @property
    def vs_op_percent(self) -> float | None:
        return change_percent(self.ty, self.op)

    @property
    def vs_wp(self) -> Decimal | None:
        return change(self.ty, self.wp)

    @property
    def vs_wp_percent(self) -> float | None:
        return change_percent(self.ty, self.wp)

    @property
    def vs_ly(self) -> Decimal | None:
        return change(self.ty, self.ly)

    @property
    def vs_ly_percent(self) -> float | None:
        return change_percent(self.ty, self.ly)


@dataclass(frozen=True)
class Ratio:
    """A ratio (GM%, markdown %, weeks of supply, turn, GMROI, sell-through) this year against
    the plan and last year, each recomputed from its own rolled-up parts (DESIGN section 6)."""

    ty: float | None
    plan: float | None = None  # the working plan's
    ly: float | None = None


@dataclass(frozen=True)
class PeriodFigures:
    """A scope's flows over one period."""

    sales: Versus
    gross_margin: Versus
    gm_percent: Ratio
    markdowns: Versus
    markdown_percent: Ratio  # markdowns / sales


@dataclass(frozen=True)
class ScopeRow:
    """One line of the report: the company, a channel, a department or a class of one."""

    level: str  # one of LEVELS
    code: str
    name: str
    parent: str  # the department's code for a class row, "" otherwise
    periods: dict[str, PeriodFigures]  # by PERIODS
    eop: Versus  # stock at the selling locations at the week's end, at retail (as plans count it)
    wos: Ratio  # weeks of supply: EOP / the last 4 weeks' average weekly sales
    turn: Ratio  # year to date, annualised (sales / average inventory at retail x 52 / weeks)
    gmroi: Ratio  # year to date, annualised (GM$ / average inventory at cost x 52 / weeks)
    sell_through: Ratio  # season to date, $: sales / (BOP + receipts) = sales / (EOP + sales + markdowns)
    notes: tuple[str, ...] = ()  # why a figure is missing (no plan for the channel, ...)
    # Total owned stock at the week's end, at retail: the selling locations' stock, the DCs' and
    # what is in transit (TY and LY; plans count selling locations only). Turn, GMROI, weeks of
    # supply and sell-through use `eop`, the selling locations' stock.
    owned: Versus = Versus(None)


@dataclass(frozen=True)
class OTBMonth:
    """Open-to-buy of a coming fiscal month, at retail: the approved budget's receipts less
    receipts already in and orders placed."""

    key: int  # year * 100 + month
    label: str
    budget: Decimal | None  # None: no approved budget for the month
    received: Decimal
    on_order: Decimal
    # The OTB left as `otb.open_to_buy` has it (0 for a closed month); None: budget - bought.
    left: Decimal | None = None

    @property
    def remaining(self) -> Decimal | None:
        if self.budget is None:
            return None
        return self.left if self.left is not None else self.budget - self.received - self.on_order


@dataclass(frozen=True)
class ItemRow:
    """A style-color in a list (best sellers, understocked, overstocked) with the numbers that put
    it there."""

    code: str
    name: str
    department: str
    sales: Decimal  # the week's, at retail
    units: int  # the week's
    stock_units: int  # at the week's end, every location
    wos: float | None  # stock units / the last 4 weeks' average weekly units
    sell_through: float | None  # season to date, units: sold / (sold + stock)
    reason: str  # e.g. "2.1 weeks of supply, selling 140 a week"


@dataclass(frozen=True)
class AccuracyWeek:
    """Forecast accuracy of one closed week (lag 1: the forecast made a week before)."""

    week_id: int
    label: str
    wmape: float | None
    bias: float | None


@dataclass(frozen=True)
class WeekPoint:
    """The company's week for the charts: sales TY / OP / WP / LY and stock TY / plan."""

    week_id: int
    label: str
    sales_ty: Decimal | None
    sales_op: Decimal | None
    sales_wp: Decimal | None
    sales_ly: Decimal | None
    eop_ty: Decimal | None
    eop_plan: Decimal | None


@dataclass(frozen=True)
class WeeklyReport:
    week_id: int  # the last closed fiscal week
    week_label: str  # "FY2026 W42"
    week_dates: str  # "2026-11-15 to 2026-11-21"
    rows: list[ScopeRow]  # company first, then channels, departments each followed by its classes
    otb: list[OTBMonth]  # the coming months, company total
    best_sellers: list[ItemRow]
    understocked: list[ItemRow]
    overstocked: list[ItemRow]
    accuracy: list[AccuracyWeek]  # oldest first
    open_approvals: dict[str, int]  # kind -> waiting (plans, OTB budgets, markdowns, orders over OTB)
    weeks: list[WeekPoint]  # the year to date, oldest first
    notes: list[str] = field(default_factory=list)  # sections that cannot be shown, and why
    period_dates: dict[str, str] = field(default_factory=dict)  # PERIODS -> "first day to last day"

    @property
    def company(self) -> ScopeRow:
        return self.rows[0]

    def rows_at(self, level: str) -> list[ScopeRow]:
        return [row for row in self.rows if row.level == level]
