"""The weekly report's charts, drawn on the server with matplotlib: inline SVG for the page (no
JavaScript, print-ready) and PNG bytes for the PDF export. The style is `forecasting.charts`'.

A missing figure (None) is a gap in its line or a missing bar, never a zero.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal, overload

import matplotlib as mpl

mpl.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from forecasting.charts import _ACCENT, _INK, _MUTED, _OVERRIDE, _figure, _style, _svg, _title_and_legend
from planning.engine import rounding
from reports.report_types import WeeklyReport

Format = Literal["svg", "png"]

_OP, _LY, _RECEIVED, _ON_ORDER, _REMAINING = "#7a8794", "#b9c2cc", "#1d5fa7", "#8fb3dc", "#2e7d32"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _output(figure: Figure, fmt: Format) -> str | bytes:
    if fmt == "svg":
        return _svg(figure)
    if fmt == "png":
        return _png(figure)
    raise ValueError(f"Unknown chart format {fmt!r}: svg or png.")


def _values(values: Sequence[Decimal | None]) -> list[float]:
    """None becomes NaN, which matplotlib leaves as a gap in a line."""
    return [math.nan if value is None else float(value) for value in values]


def _money(value: float, _position: object = None) -> str:
    """An axis tick: 950, 12k, 1.5k, 2.4M; up to 3 decimals so that close ticks stay apart
    (5.12k, 5.14k rather than 5.1k twice)."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.3f}".rstrip("0").rstrip(".") + "M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:,.3f}".rstrip("0").rstrip(".") + "k"
    return f"{value:,.0f}"


def _week_axis(axes: Any, labels: Sequence[str]) -> None:
    """Week labels on the x axis, thinned to about 13 ticks."""
    step = max(1, math.ceil(len(labels) / 13))
    ticks = list(range(0, len(labels), step))
    axes.set_xticks(ticks, [labels[index] for index in ticks])
    axes.yaxis.set_major_formatter(FuncFormatter(_money))


def _empty(axes: Any, message: str) -> None:
    axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center", fontsize=9,
              color=_MUTED)  # fmt: skip
    axes.set_xticks([])
    axes.set_yticks([])


def _titled(axes: Any, title: str) -> None:
    """The title, and the legend over the plot when something is drawn."""
    if axes.get_legend_handles_labels()[0]:
        _title_and_legend(axes, title)
    else:
        axes.set_title(title, fontsize=10, color=_INK, loc="left", pad=8, parse_math=False)


def _lines(
    axes: Any, chart: str, labels: Sequence[str], series: list[tuple[str, list[float], dict[str, Any]]]
) -> None:
    positions = list(range(len(labels)))
    for label, values, style in series:
        if all(math.isnan(value) for value in values):
            continue  # nothing to draw: no legend entry for a line that is not there
        axes.plot(positions, values, label=label, gid=f"{chart}-{label.lower()}", **style)
    _week_axis(axes, labels)


def _compared(series: list[tuple[str, list[Any]]]) -> str:
    """The names of the series with at least one value: the title promises only what is drawn."""
    names = [name for name, values in series if any(value is not None for value in values)]
    if not names:
        return "nothing to compare (no plan or last year)"
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]


@overload
def sales_chart(report: WeeklyReport, fmt: Literal["svg"] = ...) -> str: ...
@overload
def sales_chart(report: WeeklyReport, fmt: Literal["png"]) -> bytes: ...
def sales_chart(report: WeeklyReport, fmt: Format = "svg") -> str | bytes:
    """The company's weekly sales this year against the original plan, the working plan and last
    year, year to date."""
    figure = _figure(height=3.0)
    axes = figure.add_subplot()
    _style(axes)
    weeks = report.weeks
    if weeks:
        labels = [week.label for week in weeks]
        _lines(axes, "sales", labels, [
            ("LY", _values([week.sales_ly for week in weeks]), {"color": _LY, "linewidth": 1.4}),
            ("OP", _values([week.sales_op for week in weeks]),
             {"color": _OP, "linewidth": 1.2, "linestyle": "--"}),
            ("WP", _values([week.sales_wp for week in weeks]),
             {"color": _OVERRIDE, "linewidth": 1.2, "linestyle": ":"}),
            ("TY", _values([week.sales_ty for week in weeks]),
             {"color": _ACCENT, "linewidth": 1.9, "marker": "o", "markersize": 2.5}),
        ])  # fmt: skip
        axes.set_ylabel("Sales at retail", fontsize=8, color=_MUTED)
    else:
        _empty(axes, "No closed weeks this year yet")
    _titled(axes, "Sales by week: this year vs " + _compared(
        [("original plan", [w.sales_op for w in weeks]), ("working plan", [w.sales_wp for w in weeks]),
         ("last year", [w.sales_ly for w in weeks])]
    ))  # fmt: skip
    return _output(figure, fmt)


@overload
def inventory_chart(report: WeeklyReport, fmt: Literal["svg"] = ...) -> str: ...
@overload
def inventory_chart(report: WeeklyReport, fmt: Literal["png"]) -> bytes: ...
def inventory_chart(report: WeeklyReport, fmt: Format = "svg") -> str | bytes:
    """The company's end-of-week stock this year against the working plan, year to date."""
    figure = _figure(height=3.0)
    axes = figure.add_subplot()
    _style(axes)
    weeks = report.weeks
    if weeks:
        labels = [week.label for week in weeks]
        _lines(axes, "inventory", labels, [
            ("Plan", _values([week.eop_plan for week in weeks]),
             {"color": _OP, "linewidth": 1.2, "linestyle": "--"}),
            ("TY", _values([week.eop_ty for week in weeks]),
             {"color": _ACCENT, "linewidth": 1.9, "marker": "o", "markersize": 2.5}),
        ])  # fmt: skip
        axes.set_ylabel("Stock at selling locations (retail)", fontsize=8, color=_MUTED)
    else:
        _empty(axes, "No closed weeks this year yet")
    plan_shown = any(week.eop_plan is not None for week in weeks)
    _titled(
        axes,
        "Stock at selling locations at the end of each week"
        + (": this year vs plan" if plan_shown else ", this year"),
    )
    return _output(figure, fmt)


@overload
def otb_chart(report: WeeklyReport, fmt: Literal["svg"] = ...) -> str: ...
@overload
def otb_chart(report: WeeklyReport, fmt: Literal["png"]) -> bytes: ...
def otb_chart(report: WeeklyReport, fmt: Format = "svg") -> str | bytes:
    """Open to buy of the coming months: the approved budget beside what is received and on order,
    and what remains. A month without an approved budget has no budget bar and says so."""
    figure = _figure(height=3.0)
    axes = figure.add_subplot()
    _style(axes)
    months = report.otb
    if months:
        positions = list(range(len(months)))
        width = 0.38
        left = [position - width / 2 for position in positions]
        right = [position + width / 2 for position in positions]
        budgets = _values([month.budget for month in months])
        received = _values([month.received for month in months])
        on_order = _values([month.on_order for month in months])
        budgeted = [
            (position, budget, month) for position, budget, month in zip(left, budgets, months, strict=True)
            if not math.isnan(budget)
        ]  # fmt: skip
        if budgeted:
            bars = axes.bar([p for p, _, _ in budgeted], [b for _, b, _ in budgeted], width, color="#dfe7f0",
                            edgecolor=_OP, linewidth=0.8, label="Budget")  # fmt: skip
            for (_, _, month), bar in zip(budgeted, bars, strict=True):
                bar.set_gid(f"otb-budget-{month.key}")
        for name, bars in (
            ("received", axes.bar(right, received, width, color=_RECEIVED, label="Received")),
            (
                "on-order",
                axes.bar(right, on_order, width, bottom=received, color=_ON_ORDER, label="On order"),
            ),
        ):
            for month, bar in zip(months, bars, strict=True):
                bar.set_gid(f"otb-{name}-{month.key}")
        remaining = _values([month.remaining for month in months])
        has_remaining = [
            (position, budget, value)
            for position, budget, value in zip(left, budgets, remaining, strict=True)
            if not math.isnan(value)
        ]
        top = max([value for value in budgets + [r + o for r, o in zip(received, on_order, strict=True)]
                   if not math.isnan(value)], default=0.0)  # fmt: skip
        for position, budget, value in has_remaining:
            color = _REMAINING if value >= 0 else "#b3261e"
            shown = f"{rounding.shown_money(value):,}"  # half up, as the tables
            axes.annotate(shown, (position, budget), textcoords="offset points", xytext=(0, 3),
                          ha="center", fontsize=7, color=color)  # fmt: skip
        for position, budget in zip(left, budgets, strict=True):
            if math.isnan(budget):
                axes.annotate("no approved\nbudget", (position, 0), textcoords="offset points", xytext=(0, 3),
                              ha="center", fontsize=6.5, color=_MUTED)  # fmt: skip
        axes.set_ylim(bottom=0, top=(top or 1.0) * 1.15)
        axes.set_xticks(positions, [month.label for month in months])
        axes.yaxis.set_major_formatter(FuncFormatter(_money))
        axes.set_ylabel("At retail", fontsize=8, color=_MUTED)
    else:
        _empty(axes, "No coming months to show")
    _titled(axes, "Open to buy by month: budget (remaining above it) vs received and on order")
    return _output(figure, fmt)


def report_charts(report: WeeklyReport) -> dict[str, str]:
    """The three charts as inline SVG, by name, for the page."""
    return {
        "sales": sales_chart(report),
        "inventory": inventory_chart(report),
        "otb": otb_chart(report),
    }
