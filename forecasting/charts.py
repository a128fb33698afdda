"""Charts drawn on the server with matplotlib as inline SVG: no JavaScript, print-ready."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib as mpl
import numpy as np

mpl.use("Agg")
from matplotlib.figure import Figure

_INK, _MUTED, _ACCENT, _OVERRIDE, _BAND = "#1f2933", "#6b7785", "#1d5fa7", "#c2410c", "#cfe0f3"


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    # Drop the XML prolog and doctype: the SVG goes inline in the page.
    return text[text.index("<svg") :]


def _days(dates: Sequence[date]) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[D]")


def _figure(width: float = 9.5, height: float = 3.2) -> Figure:
    figure = Figure(figsize=(width, height), dpi=96)
    figure.patch.set_alpha(0)
    return figure


def _style(axes: object) -> None:
    axes.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]
    axes.tick_params(labelsize=8, colors=_MUTED)  # type: ignore[attr-defined]
    axes.grid(axis="y", color="#e5e9ef", linewidth=0.6)  # type: ignore[attr-defined]
    axes.set_axisbelow(True)  # type: ignore[attr-defined]


def forecast_chart(
    *,
    history_dates: Sequence[date],
    history_units: Sequence[float],
    stockout_dates: Sequence[date],
    forecast_dates: Sequence[date],
    forecast_units: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    interval_level: int,
    override_dates: Sequence[date],
    override_units: Sequence[float],
    title: str,
) -> str:
    """History, the statistical forecast with its interval, and planner overrides."""
    history_days, stockout_days, forecast_days, override_days = (
        _days(history_dates),
        _days(stockout_dates),
        _days(forecast_dates),
        _days(override_dates),
    )
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    axes.plot(history_days, history_units, color=_INK, linewidth=1.2, label="Actual units")
    if stockout_dates:
        axes.scatter(stockout_days, [0] * len(stockout_dates), marker="x", color=_MUTED, s=14,
                     label="Stock-out week (not zero demand)", zorder=3)  # fmt: skip
    if forecast_dates:
        axes.fill_between(
            forecast_days, lower, upper, color=_BAND, linewidth=0, label=f"{interval_level}% interval"
        )
        axes.plot(forecast_days, forecast_units, color=_ACCENT, linewidth=1.8, label="Statistical forecast")
    if override_dates:
        axes.scatter(override_days, override_units, color=_OVERRIDE, marker="D", s=22, zorder=4,
                     label="Planner override")  # fmt: skip
    axes.set_ylabel("Units per week", fontsize=8, color=_MUTED)
    axes.set_ylim(bottom=0)
    _title_and_legend(axes, title)
    figure.autofmt_xdate()
    return _svg(figure)


def _title_and_legend(axes: Any, title: str) -> None:
    # The legend sits between the title and the plot, so it never hides a line.
    axes.set_title(title, fontsize=10, color=_INK, loc="left", pad=20, parse_math=False)
    axes.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=4, borderaxespad=0)


def trend_chart(
    *, dates: Sequence[date], series: dict[str, Sequence[float | None]], ylabel: str, title: str
) -> str:
    """A few lines over weeks (e.g. WMAPE of the statistical and the final forecast)."""
    figure = _figure(height=2.6)
    axes = figure.add_subplot()
    _style(axes)
    colors = [_ACCENT, _OVERRIDE, _INK, _MUTED]
    for (label, values), color in zip(series.items(), colors, strict=False):
        points = [(day, value * 100) for day, value in zip(dates, values, strict=True) if value is not None]
        if points:
            axes.plot(
                *zip(*points, strict=True), marker="o", markersize=3, linewidth=1.4, color=color, label=label
            )
    axes.set_ylabel(ylabel, fontsize=8, color=_MUTED)
    _title_and_legend(axes, title)
    figure.autofmt_xdate()
    return _svg(figure)
