"""A small, consistent WeeklyReport for tests of what renders it (page, PDF, xlsx, CSV, mail):
the numbers are test data, hand-made to add up (departments sum to the company), never shown in
the product. The report's own numbers are tested against the database in test_weekly.py."""

from __future__ import annotations

from decimal import Decimal

from reports.report_types import (
    PERIODS,
    AccuracyWeek,
    ItemRow,
    OTBMonth,
    PeriodFigures,
    Ratio,
    ScopeRow,
    Versus,
    WeeklyReport,
    WeekPoint,
)

D = Decimal


def _period(scale: int) -> PeriodFigures:
    sales = Versus(D(1000 * scale), D(950 * scale), D(980 * scale), D(900 * scale))
    margin = Versus(D(520 * scale), D(500 * scale), D(510 * scale), D(450 * scale))
    markdowns = Versus(D(80 * scale), D(60 * scale), D(70 * scale), D(90 * scale))
    return PeriodFigures(
        sales=sales,
        gross_margin=margin,
        gm_percent=Ratio(0.52, 0.5204, 0.5),
        markdowns=markdowns,
        markdown_percent=Ratio(0.08, 0.0714, 0.1),
    )


def _row(
    level: str, code: str, name: str, scale: int, parent: str = "", notes: tuple[str, ...] = ()
) -> ScopeRow:
    return ScopeRow(
        level=level,
        code=code,
        name=name,
        parent=parent,
        periods={period: _period(scale * (index + 1)) for index, period in enumerate(PERIODS)},
        eop=Versus(D(5000 * scale), D(5200 * scale), D(5100 * scale), D(4800 * scale)),
        owned=Versus(D(8000 * scale), ly=D(7500 * scale)),  # + the DCs and in transit
        wos=Ratio(5.0, 5.2, 5.3),
        turn=Ratio(3.1, 3.0, 2.8),
        gmroi=Ratio(2.4, 2.3, 2.1),
        sell_through=Ratio(0.41, 0.4, 0.38),
        notes=notes,
    )


def sample_report() -> WeeklyReport:
    """Company 3x = W01 2x + W02 1x; one class under W01; one channel without a plan of its own."""
    rows = [
        _row("company", "", "Company", 3),
        _row("channel", "STORES", "Stores", 2, notes=("No plan by channel: plan columns are blank.",)),
        _row("department", "W01", "Women's tops", 2),
        _row("class", "W01-01", "Tees", 1, parent="W01"),
        _row("department", "W02", "=cmd|' /C calc'!A0", 1),  # a name a spreadsheet must not run
    ]
    weeks = [
        WeekPoint(
            202601 + i, f"W{i + 1:02d}", D(900 + 10 * i), D(950), D(960), D(880), D(5000 + 20 * i), D(5100)
        )
        for i in range(6)
    ]
    item = ItemRow(
        code="ST-1-BLK", name="Classic tee", department="W01", sales=D("1234.50"), units=51, stock_units=102,
        wos=2.0, sell_through=0.62, reason="2.0 weeks of supply, selling 51 a week",
    )  # fmt: skip
    return WeeklyReport(
        week_id=202606,
        week_label="FY2026 W06",
        week_dates="2026-03-08 to 2026-03-14",
        rows=rows,
        otb=[
            OTBMonth(202603, "FY2026 M03", D("12000.00"), D("2000.00"), D("4000.00")),
            OTBMonth(202604, "FY2026 M04", None, D("0.00"), D("1500.00")),
        ],
        best_sellers=[item],
        understocked=[item],
        overstocked=[],
        accuracy=[AccuracyWeek(202605, "W05", 0.31, -0.05), AccuracyWeek(202606, "W06", 0.28, 0.02)],
        open_approvals={"Plans": 1, "OTB budgets": 0, "Markdowns": 2, "Orders over OTB": 1},
        weeks=weeks,
        notes=["No forecast run yet: forecast accuracy starts after the first run."],
        period_dates={"week": "2026-03-08 to 2026-03-14", "ytd": "2026-02-01 to 2026-03-14"},
    )
