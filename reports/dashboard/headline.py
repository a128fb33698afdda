"""The executive's home: the weekly report's headline (the report is built by
`reports.weekly`; the home page's view reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.report_types import WeeklyReport


@dataclass(frozen=True)
class Comparison:
    label: str  # "working plan", "last year"
    base: Decimal | None
    change: Decimal | None
    percent: float | None

    @property
    def percent_text(self) -> str:
        return "" if self.percent is None else f"{self.percent * 100:+.1f}%"


@dataclass(frozen=True)
class ReportHeadline:
    week_label: str
    week_dates: str
    sales: Decimal | None  # the company's sales of the week, None if the report has none
    comparisons: list[Comparison]
    notes: list[str]


def report_headline(report: WeeklyReport) -> ReportHeadline:
    """The weekly report's headline: the company's week sales against the working plan, the
    original plan and last year, as the report computed them."""
    period = report.company.periods.get("week") if report.rows else None
    sales = period.sales if period else None
    comparisons = (
        [
            Comparison("working plan", sales.wp, sales.vs_wp, sales.vs_wp_percent),
            Comparison("original plan", sales.op, sales.vs_op, sales.vs_op_percent),
            Comparison("last year", sales.ly, sales.vs_ly, sales.vs_ly_percent),
        ]
        if sales
        else []
    )
    return ReportHeadline(
        report.week_label, report.week_dates, sales.ty if sales else None, comparisons, list(report.notes)
    )
