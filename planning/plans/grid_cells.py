"""The plan grid's cells and rows as the template shows them: a value's text (thousands
separators, negatives marked, undefined as an en dash), what a cell's editor starts from, and
each cell's column key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planning.engine import rounding
from planning.plans.grid_columns import Column

PERCENT = {"sell_through", "gm_percent"}
RATIOS = ("wos", "turn", "sell_through", "gm_percent")  # from components, in every column


@dataclass
class Cell:
    text: str
    css: str = ""
    is_editable: bool = False
    row_version: int | None = None
    raw: str = ""
    key: str = ""  # the column's key: "2026-W05" for a week, "M3", "Q1", "season"
    is_week: bool = False
    note: str = ""  # a warning shown as the cell's tooltip (negative receipts)


@dataclass
class Row:
    label: str
    measure: str
    cells: list[Cell]
    css: str = ""
    is_entered: bool = False
    formula: str = ""  # the header's tooltip: how the row is calculated


def format_value(measure: str, value: float | None) -> tuple[str, str]:
    """(text, css) with thousands separators, negatives marked, undefined as an en dash.
    Rounded once, half up (`planning.engine.rounding`): 1,234.50 shows as 1,235, 0.5125 as 51.3%."""
    if value is None or np.isnan(value):
        return "\u2013", "undef"
    css = "neg" if value < 0 else ""
    if measure in PERCENT:
        return f"{rounding.shown_percent(value):,}%", css
    if measure == "target":
        return f"{rounding.shown_ratio(value, 2):,}".rstrip("0").rstrip(".") or "0", css
    if measure in RATIOS:
        return f"{rounding.shown_ratio(value, 1):,}", css
    return f"{rounding.shown_money(value):,}", css


def _raw_text(measure: str, value: float, *, share: bool) -> str:
    """What the cell's editor starts from: the stored value as typed back (25% for a share)."""
    if share:
        return f"{value * 100:.3f}".rstrip("0").rstrip(".") + "%"
    if measure == "sales_units":
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _label_cells(cells: list[Cell], columns: list[Column]) -> None:
    for cell, column in zip(cells, columns, strict=True):
        cell.key, cell.is_week = column.key, column.kind == "week"
