"""The weekly report's charts: inline SVG for the page, PNG bytes for the PDF; a missing figure is
a gap, never a zero."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from reports import charts
from reports.report_types import OTBMonth
from tests.reports.sample import sample_report

CHARTS: list[Callable[..., Any]] = [charts.sales_chart, charts.inventory_chart, charts.otb_chart]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _line(svg: str, gid: str) -> tuple[list[str], int]:
    """A line's path commands (a gap starts a new move, M, inside the same path) and its markers."""
    group = re.search(rf'<g id="{gid}">(.*?)</g>\s*</g>', svg, flags=re.DOTALL)
    assert group is not None, gid
    path = re.search(r'<path d="([^"]*)"', group.group(1))
    assert path is not None
    return re.findall(r"[ML]", path.group(1)), group.group(1).count("<use ")


@pytest.mark.parametrize("chart", CHARTS)
def test_svg_is_inline_ready(chart: Callable[..., Any]) -> None:
    svg = chart(sample_report())

    assert isinstance(svg, str)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert svg.rstrip().endswith("</svg>")
    assert "<script" not in svg


@pytest.mark.parametrize("chart", CHARTS)
def test_png_bytes_for_the_pdf(chart: Callable[..., Any]) -> None:
    png = chart(sample_report(), fmt="png")

    assert isinstance(png, bytes)
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 5_000


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="svg or png"):
        charts.sales_chart(sample_report(), fmt="gif")  # type: ignore[call-overload]


def test_report_charts_gives_the_three_svgs() -> None:
    drawn = charts.report_charts(sample_report())

    assert sorted(drawn) == ["inventory", "otb", "sales"]
    assert all(svg.startswith("<svg") for svg in drawn.values())


def test_a_missing_week_is_a_gap_not_a_zero() -> None:
    report = sample_report()
    weeks = list(report.weeks)
    weeks[2] = replace(weeks[2], sales_ty=None, eop_ty=None)
    gapped = replace(report, weeks=weeks)

    full_svg = charts.sales_chart(report)
    gap_svg = charts.sales_chart(gapped)

    # Whole, the TY line is one move and five draws through six markers; with week 3 missing it
    # starts again after the gap (a second move) through five markers: no point drawn at 0.
    assert _line(full_svg, "sales-ty") == (["M", "L", "L", "L", "L", "L"], 6)
    assert _line(gap_svg, "sales-ty") == (["M", "L", "M", "L", "L"], 5)
    assert _line(charts.inventory_chart(gapped), "inventory-ty")[0] == ["M", "L", "M", "L", "L"]
    assert charts.inventory_chart(gapped, fmt="png").startswith(PNG_MAGIC)


def test_a_series_missing_altogether_has_no_line_and_no_legend() -> None:
    report = sample_report()
    without_ly = replace(report, weeks=[replace(week, sales_ly=None) for week in report.weeks])

    assert "LY" in _legend_texts(charts.sales_chart(report))
    assert "LY" not in _legend_texts(charts.sales_chart(without_ly))


def _legend_texts(svg: str) -> list[str]:
    # Texts are drawn as paths; matplotlib keeps each as a comment: <!-- LY -->.
    legend = re.search(r'<g id="legend_1">(.*)', svg, flags=re.DOTALL)
    assert legend is not None
    return re.findall(r"<!-- (.*?) -->", legend.group(1))


def test_a_month_without_a_budget_has_no_budget_bar() -> None:
    report = sample_report()

    svg = charts.otb_chart(report)

    texts = re.findall(r"<!-- (.*?) -->", svg)
    assert "6,000" in texts  # the remaining of the budgeted month
    assert any("no approved" in text for text in texts)
    assert '<g id="otb-budget-202603">' in svg
    assert '<g id="otb-budget-202604">' not in svg  # no bar, not a bar of 0
    assert '<g id="otb-on-order-202604">' in svg


def test_empty_reports_still_draw() -> None:
    empty = replace(sample_report(), weeks=[], otb=[])

    for chart in CHARTS:
        assert chart(empty).startswith("<svg")
        assert chart(empty, fmt="png").startswith(PNG_MAGIC)


def test_a_negative_remaining_is_drawn() -> None:
    report = replace(
        sample_report(), otb=[OTBMonth(202603, "FY2026 M03", Decimal(1000), Decimal(800), Decimal(700))]
    )

    texts = re.findall(r"<!-- (.*?) -->", charts.otb_chart(report))

    assert "-500" in texts
