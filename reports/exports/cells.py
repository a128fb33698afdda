"""How the exports write one value: spreadsheet cells escaped against formula injection, the
kinds of columns and their number formats, figures as text for the PDF and the mail, file names.

Spreadsheet cells are escaped against formula injection (OWASP "CSV injection"): text that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text and never runs it. Numbers stay numbers, negative ones too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planning.engine import rounding
from reports.report_types import WeeklyReport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
RATIO_FORMAT = "0.0"
UNITS_FORMAT = "#,##0"
DASH = "\u2013"  # what the PDF shows for a figure the data cannot give


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet may hold it: formula-like text gets a leading apostrophe;
    numbers, None and everything else are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def filename(report: WeeklyReport, extension: str, period: str = "week") -> str:
    """merchplan-weekly-FY2026-W06.pdf (a CSV of another period: ...-W06-ytd.csv)."""
    week = "-".join(report.week_label.split())
    suffix = "" if period == "week" else f"-{period}"
    return f"merchplan-weekly-{week}{suffix}.{extension}"


TEXT, MONEY, PERCENT, RATIO, UNITS = "text", "money", "percent", "ratio", "units"


MINUS = "\u2212"


def money(value: Decimal | None, places: int = 0) -> str:
    """1,234,567 (or 1,234.50 with places=2), half up, negatives with a minus sign; None is a dash."""
    if value is None:
        return DASH
    text = f"{abs(rounding.shown_money(value, places)):,}"
    return MINUS + text if value < 0 else text


def percent(value: float | None, *, signed: bool = False) -> str:
    """A share as a percent (0.053: 5.3%, or +5.3% for a change); None is a dash."""
    if value is None:
        return DASH
    text = f"{abs(rounding.shown_percent(value)):,}%"  # half up, from the unrounded share
    if value < 0 and text != "0.0%":
        return MINUS + text
    return "+" + text if signed else text


def number(value: float | None) -> str:
    """A ratio to one decimal (12,345.6), negatives with a minus sign as money has; None is a dash."""
    if value is None:
        return DASH
    text = f"{abs(rounding.shown_ratio(value, 1)):,}"
    return MINUS + text if value < 0 and text != "0.0" else text
