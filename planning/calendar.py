"""NRF 4-5-4 retail calendar: fiscal years, months and weeks.

Retail plans are built on weeks, not calendar months, so that every period
starts on a Sunday and this year's numbers line up with last year's. The rules
follow the National Retail Federation calendar:

* weeks run Sunday to Saturday;
* fiscal year ``N`` ends on the Saturday nearest January 31 of year ``N + 1``
  (always between Jan 28 and Feb 3) and starts the day after year ``N - 1``
  ends, so a year has 52 weeks, or 53 about every five to six years;
* each quarter splits into months of 4-5-4 weeks (or 4-4-5 / 5-4-4), and a
  53-week year adds its extra week to the last month.

Everything here is pure and cheap, and fiscal years are cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from core.weeks import week_key

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "MONTH_NAMES",
    "PATTERNS",
    "FiscalMonth",
    "FiscalWeek",
    "FiscalYear",
    "add_weeks",
    "fiscal_week",
    "fiscal_week_of",
    "fiscal_year",
    "fiscal_year_end",
    "fiscal_year_start",
    "iter_weeks",
    "last_year_week",
    "weeks_between",
]

PATTERNS: dict[str, tuple[int, int, int]] = {
    "454": (4, 5, 4),
    "445": (4, 4, 5),
    "544": (5, 4, 4),
}
"""Weeks per month within each quarter, by pattern name."""

MONTH_NAMES: tuple[str, ...] = (
    "Feb", "Mar", "Apr", "May", "Jun", "Jul",
    "Aug", "Sep", "Oct", "Nov", "Dec", "Jan",
)  # fmt: skip
"""Calendar month each fiscal month mostly covers; fiscal month 1 is "Feb"."""

MIN_YEAR = 1900
MAX_YEAR = 2200
_SATURDAY = 5  # date.weekday() numbering: Monday is 0
_NEAREST = 3  # the year-end Saturday is at most 3 days from Jan 31
_LONG_YEAR = 53
_WEEK = timedelta(weeks=1)
_SAME_WEEKDAY_LAST_YEAR = timedelta(days=364)


@dataclass(frozen=True, slots=True, order=True)
class FiscalWeek:
    """One Sunday-to-Saturday week of a fiscal year.

    Equality, hashing and ordering use ``(year, week)`` only: the month fields
    are labels that depend on the month pattern, the week itself does not.
    """

    year: int
    week: int
    month: int = field(compare=False)
    quarter: int = field(compare=False)
    start: date = field(compare=False)
    end: date = field(compare=False)
    week_of_month: int = field(compare=False)

    @property
    def key(self) -> int:
        """Stable integer id such as 202401, handy for storage and joins."""
        return week_key(self.year, self.week)

    @property
    def month_name(self) -> str:
        """Conventional name of the fiscal month, e.g. "Feb" for month 1."""
        return MONTH_NAMES[self.month - 1]

    def __str__(self) -> str:
        """Render as planners write it, e.g. "FY2024 W01"."""
        return f"FY{self.year} W{self.week:02d}"


@dataclass(frozen=True, slots=True)
class FiscalMonth:
    """A fiscal month: a run of 4 or 5 whole weeks (6 for a 53-week January)."""

    year: int
    month: int
    quarter: int
    name: str
    start: date
    end: date
    weeks: tuple[FiscalWeek, ...]

    @property
    def week_count(self) -> int:
        """Number of weeks, needed to compare months of different lengths."""
        return len(self.weeks)


@dataclass(frozen=True, slots=True)
class FiscalYear:
    """A fiscal year with its weeks and months laid out for one pattern."""

    year: int
    pattern: str
    start: date
    end: date
    weeks: tuple[FiscalWeek, ...]
    months: tuple[FiscalMonth, ...]

    @property
    def week_count(self) -> int:
        """52 or 53; 53-week years need special care in year-on-year views."""
        return len(self.weeks)

    @property
    def is_53_week(self) -> bool:
        """Whether this year carries the extra week in its last month."""
        return self.week_count == _LONG_YEAR


def _check_year(year: int) -> None:
    """Reject years outside the supported range, where typos usually land."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        msg = f"fiscal year {year} outside the supported range {MIN_YEAR}..{MAX_YEAR}"
        raise ValueError(msg)


def _check_pattern(pattern: str) -> None:
    """Reject unknown month patterns before they silently mislabel months."""
    if pattern not in PATTERNS:
        msg = f"unknown month pattern {pattern!r}; expected one of {sorted(PATTERNS)}"
        raise ValueError(msg)


def _year_end(year: int) -> date:
    """Saturday nearest Jan 31 of ``year + 1``, unchecked for internal use."""
    jan31 = date(year + 1, 1, 31)
    offset = (_SATURDAY - jan31.weekday()) % 7  # days to the next Saturday
    return jan31 + timedelta(days=offset - 7 if offset > _NEAREST else offset)


def _year_start(year: int) -> date:
    """Day after the previous fiscal year ends (always a Sunday)."""
    return _year_end(year - 1) + timedelta(days=1)


def fiscal_year_end(year: int) -> date:
    """Last day (a Saturday) of fiscal ``year``."""
    _check_year(year)
    return _year_end(year)


def fiscal_year_start(year: int) -> date:
    """First day (a Sunday) of fiscal ``year``."""
    _check_year(year)
    return _year_start(year)


def _month_lengths(pattern: str, week_count: int) -> list[int]:
    """Weeks per fiscal month; a 53rd week goes to the last month."""
    lengths = list(PATTERNS[pattern]) * 4
    lengths[-1] += week_count - sum(lengths)
    return lengths


@lru_cache(maxsize=1024)
def fiscal_year(year: int, pattern: str = "454") -> FiscalYear:
    """Build fiscal ``year`` under a month ``pattern`` ("454", "445", "544")."""
    _check_year(year)
    _check_pattern(pattern)
    start, end = _year_start(year), _year_end(year)
    week_count = ((end - start).days + 1) // 7
    weeks: list[FiscalWeek] = []
    months: list[FiscalMonth] = []
    for month, length in enumerate(_month_lengths(pattern, week_count), start=1):
        quarter = (month - 1) // 3 + 1
        first = len(weeks)
        for week_of_month in range(1, length + 1):
            week_start = start + _WEEK * len(weeks)
            weeks.append(
                FiscalWeek(
                    year=year,
                    week=len(weeks) + 1,
                    month=month,
                    quarter=quarter,
                    start=week_start,
                    end=week_start + timedelta(days=6),
                    week_of_month=week_of_month,
                ),
            )
        month_weeks = tuple(weeks[first:])
        months.append(
            FiscalMonth(
                year=year,
                month=month,
                quarter=quarter,
                name=MONTH_NAMES[month - 1],
                start=month_weeks[0].start,
                end=month_weeks[-1].end,
                weeks=month_weeks,
            ),
        )
    return FiscalYear(year, pattern, start, end, tuple(weeks), tuple(months))


def fiscal_week_of(d: date, pattern: str = "454") -> FiscalWeek:
    """Fiscal week containing ``d``; early-January dates belong to the prior year."""
    year = d.year if d >= _year_start(d.year) else d.year - 1
    fy = fiscal_year(year, pattern)
    return fy.weeks[(d - fy.start).days // 7]


def fiscal_week(year: int, week: int, pattern: str = "454") -> FiscalWeek:
    """Week ``week`` (1-based) of fiscal ``year``; ValueError if it does not exist."""
    fy = fiscal_year(year, pattern)
    if not 1 <= week <= fy.week_count:
        msg = f"fiscal year {year} has weeks 1..{fy.week_count}, not {week}"
        raise ValueError(msg)
    return fy.weeks[week - 1]


def last_year_week(
    week: FiscalWeek,
    *,
    shift_53: bool = False,
    pattern: str = "454",
) -> FiscalWeek | None:
    """Return the comparable week of the previous year, for year-on-year views.

    Restated (default): week N of last fiscal year, or None when last year has
    no week N (week 53 following a 52-week year): there is nothing comparable.

    Shifted (``shift_53=True``): the week that started 364 days earlier, i.e.
    the same weekdays one calendar year back. After a 53-week year this is last
    year's week N + 1, and week 53 of a 53-week year maps to week 1 of that
    same year. Never None.
    """
    if shift_53:
        return fiscal_week_of(week.start - _SAME_WEEKDAY_LAST_YEAR, pattern)
    previous = fiscal_year(week.year - 1, pattern)
    if week.week > previous.week_count:
        return None
    return previous.weeks[week.week - 1]


def add_weeks(week: FiscalWeek, n: int, pattern: str = "454") -> FiscalWeek:
    """Week ``n`` weeks after ``week`` (before, if negative), across years."""
    return fiscal_week_of(week.start + _WEEK * n, pattern)


def iter_weeks(first_year: int, last_year: int, pattern: str = "454") -> Iterator[FiscalWeek]:
    """Yield every week of fiscal years ``first_year..last_year`` in order."""
    for year in range(first_year, last_year + 1):
        yield from fiscal_year(year, pattern).weeks


def weeks_between(start: FiscalWeek, end: FiscalWeek, pattern: str = "454") -> list[FiscalWeek]:
    """Weeks from ``start`` to ``end`` inclusive; empty if ``end`` is earlier."""
    return [w for w in iter_weeks(start.year, end.year, pattern) if start <= w <= end]
