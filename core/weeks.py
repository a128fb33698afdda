"""Fiscal week and month keys, and how they are written: one place for `year * 100 + week`.

A fiscal week is keyed `year * 100 + week` (202503: week 3 of FY2025; the FiscalWeek table's id),
a fiscal month `year * 100 + month` (202603: month 3 of FY2026). Pure: the calendar
(`planning.calendar`) and the engines use it too. Which weeks exist is the calendar's business;
these helpers only split, join and write keys.

Written forms:
- `week_label` "FY2025 W03", as FiscalWeek prints it and pages show it;
- `short_week_label` "W03", a grid column inside one year;
- `iso_week_label` "2025-W03", the API's and the grid's period key; `parse_iso_week` reads it.
- `month_label` "FY2026 M03", `short_month_label` "M03".
"""

from __future__ import annotations

import re

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week_key(year: int, week: int) -> int:
    """The key of week `week` of fiscal year `year`: (2025, 3) -> 202503."""
    return year * 100 + week


def split_week_key(key: int) -> tuple[int, int]:
    """(fiscal year, week) of a week key: 202503 -> (2025, 3)."""
    year, week = divmod(key, 100)
    return year, week


def month_key(year: int, month: int) -> int:
    """The key of fiscal month `month` of year `year`: (2026, 3) -> 202603."""
    return year * 100 + month


def split_month_key(key: int) -> tuple[int, int]:
    """(fiscal year, month) of a month key: 202603 -> (2026, 3)."""
    year, month = divmod(key, 100)
    return year, month


def year_of(key: int) -> int:
    """The fiscal year of a week or month key: 202503 -> 2025."""
    return key // 100


def week_label(key: int) -> str:
    """ "FY2025 W03" for 202503."""
    year, week = split_week_key(key)
    return f"FY{year} W{week:02d}"


def short_week_label(key: int) -> str:
    """ "W03" for 202503 (a column inside one year)."""
    return f"W{key % 100:02d}"


def iso_week_label(key: int) -> str:
    """ "2025-W03" for 202503: the API's week and the grid's period key."""
    year, week = split_week_key(key)
    return f"{year}-W{week:02d}"


def parse_iso_week(text: str) -> int | None:
    """The key of "2025-W03" (202503); None for text of another shape. Whether the calendar has
    that week is the caller's check."""
    match = _ISO_WEEK.match(text)
    if match is None:
        return None
    return week_key(int(match[1]), int(match[2]))


def month_label(key: int) -> str:
    """ "FY2026 M03" for 202603."""
    year, month = split_month_key(key)
    return f"FY{year} M{month:02d}"


def short_month_label(key: int) -> str:
    """ "M03" for 202603 (a column inside one year)."""
    return f"M{key % 100:02d}"
