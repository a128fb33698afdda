"""Parsing an import's cells: text, numbers, amounts and weeks as a spreadsheet or a CSV file
writes them. Each parser raises ValueError with the message for the user, which quotes the
cell's value at most 40 characters long (`shown`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from core.weeks import iso_week_label
from core.weeks import week_key as key_of_week

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # DecimalField(max_digits=14, decimal_places=2)
FLOAT_NOISE = Decimal("0.000001")
WEEK_KEY = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
YEAR_WEEK = re.compile(r"(\d{4})(\d{2})")
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def cell_at(values: list[Any] | tuple[Any, ...], index: int) -> Any:
    """A row's cell; None past its last (rows are read without their trailing empty cells)."""
    return values[index] if index < len(values) else None


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def shown(value: Any) -> str:
    written = text(value)
    return "“" + (written if len(written) <= 40 else written[:40] + "…") + "”"


def number(value: Any, decimal_comma: bool) -> Decimal:
    """A number from a cell: Excel numbers as they are; text such as 1200, 1,200.50, $12 or, in a
    semicolon file, 12,50."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{shown(value)} is not a number.")
    if isinstance(value, float):
        if not np.isfinite(value):
            raise ValueError(f"{shown(value)} is not a number.")
        return Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    written = value.strip().replace(" ", "").replace("\u00a0", "").replace("$", "")
    if "," in written and "." in written:
        thousands = "." if written.rfind(",") > written.rfind(".") else ","
        written = written.replace(thousands, "").replace(",", ".")
    elif "," in written:
        if decimal_comma and written.count(",") == 1:
            written = written.replace(",", ".")
        elif _GROUPED.fullmatch(written):
            written = written.replace(",", "")
    if not _NUMBER.fullmatch(written):
        raise ValueError(f"{shown(value)} is not a number.")
    return Decimal(written)


def money(value: Any, decimal_comma: bool, *, required: bool) -> Decimal | None:
    """An amount of at most 2 decimals, not negative; None for an empty optional cell."""
    if value is None or value == "":
        if required:
            raise ValueError("Empty: enter the amount (0 for none).")
        return None
    amount = number(value, decimal_comma)
    if amount < 0:
        raise ValueError(f"{shown(value)} is negative: amounts cannot be below 0.")
    if amount >= MAX_AMOUNT:
        raise ValueError(f"{shown(value)} is too large.")
    rounded = amount.quantize(CENT)
    if isinstance(value, float) and abs(rounded - amount) < FLOAT_NOISE:
        return rounded  # 12.300000000000001: binary floating point noise from a spreadsheet
    if rounded != amount:
        raise ValueError(f"{shown(value)} has more than 2 decimals.")
    return rounded


def week_key(value: Any, week_of_day: Callable[[date], int], known: Container[int], *, year: int) -> int:
    """The fiscal week key (202514) a cell names: a week key (2025-W14, 202514) or a date, meaning
    the week that holds it (`week_of_day`, which raises ValueError outside the calendar; the
    week must be one of `known`). A key is not checked against `known`: the caller says why a
    week it does not know is refused. `year` is the one the examples in the messages use."""
    examples = f"{year}-W14, {year}14 or a date such as {year}-05-04"
    day: date | None = None
    key: int | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        written = text(value)
        if not written:
            raise ValueError(f"Empty: enter a week such as {examples}.")
        if match := WEEK_KEY.fullmatch(written) or YEAR_WEEK.fullmatch(written):
            key = key_of_week(int(match.group(1)), int(match.group(2)))
        elif match := ISO_DATE.fullmatch(written):
            try:
                day = date.fromisoformat(match.group(1))
            except ValueError:
                raise ValueError(f"{shown(value)} is not a date.") from None
    if day is not None:
        try:
            key = week_of_day(day)
        except ValueError:
            key = None
        if key is None or key not in known:
            raise ValueError(f"{day:%Y-%m-%d} is outside the fiscal calendar.")
    if key is None:
        raise ValueError(f"{shown(value)} is not a week: write {examples}.")
    return key


def week_label(key: int) -> str:
    """ "2025-W14": as the file may write it."""
    return iso_week_label(key)
