"""Tests for the NRF retail calendar; expected dates are checked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning.calendar import (
    FiscalWeek,
    add_weeks,
    fiscal_week,
    fiscal_week_of,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_start,
    iter_weeks,
    last_year_week,
    weeks_between,
)

PATTERNS = ("454", "445", "544")
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))
years = st.integers(min_value=1950, max_value=2150)
patterns = st.sampled_from(PATTERNS)


# --- known NRF years ---------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "start", "end", "week_count"),
    [
        (2012, date(2012, 1, 29), date(2013, 2, 2), 53),
        (2017, date(2017, 1, 29), date(2018, 2, 3), 53),
        (2022, date(2022, 1, 30), date(2023, 1, 28), 52),
        (2023, date(2023, 1, 29), date(2024, 2, 3), 53),
        (2024, date(2024, 2, 4), date(2025, 2, 1), 52),
        (2025, date(2025, 2, 2), date(2026, 1, 31), 52),
        (2026, date(2026, 2, 1), date(2027, 1, 30), 52),
        (2028, date(2028, 1, 30), date(2029, 2, 3), 53),
    ],
)
def test_known_years(year: int, start: date, end: date, week_count: int) -> None:
    fy = fiscal_year(year)
    assert (fy.start, fy.end, fy.week_count) == (start, end, week_count)
    assert fy.is_53_week is (week_count == 53)
    assert fiscal_year_start(year) == start
    assert fiscal_year_end(year) == end


def test_fiscal_year_is_cached() -> None:
    assert fiscal_year(2024) is fiscal_year(2024)
    assert fiscal_year(2024, "445") is not fiscal_year(2024)


def test_2024_month_boundaries_454() -> None:
    expected = [
        ("Feb", date(2024, 2, 4), date(2024, 3, 2), 4),
        ("Mar", date(2024, 3, 3), date(2024, 4, 6), 5),
        ("Apr", date(2024, 4, 7), date(2024, 5, 4), 4),
        ("May", date(2024, 5, 5), date(2024, 6, 1), 4),
        ("Jun", date(2024, 6, 2), date(2024, 7, 6), 5),
        ("Jul", date(2024, 7, 7), date(2024, 8, 3), 4),
        ("Aug", date(2024, 8, 4), date(2024, 8, 31), 4),
        ("Sep", date(2024, 9, 1), date(2024, 10, 5), 5),
        ("Oct", date(2024, 10, 6), date(2024, 11, 2), 4),
        ("Nov", date(2024, 11, 3), date(2024, 11, 30), 4),
        ("Dec", date(2024, 12, 1), date(2025, 1, 4), 5),
        ("Jan", date(2025, 1, 5), date(2025, 2, 1), 4),
    ]
    months = fiscal_year(2024).months
    actual = [(m.name, m.start, m.end, m.week_count) for m in months]
    assert actual == expected
    assert [m.quarter for m in months] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert [m.month for m in months] == list(range(1, 13))


@pytest.mark.parametrize(
    ("pattern", "year", "counts"),
    [
        ("454", 2024, [4, 5, 4] * 4),
        ("445", 2024, [4, 4, 5] * 4),
        ("544", 2024, [5, 4, 4] * 4),
        ("454", 2023, [4, 5, 4] * 3 + [4, 5, 5]),
        ("445", 2023, [4, 4, 5] * 3 + [4, 4, 6]),
        ("544", 2023, [5, 4, 4] * 3 + [5, 4, 5]),
    ],
)
def test_month_week_counts(pattern: str, year: int, counts: list[int]) -> None:
    assert [m.week_count for m in fiscal_year(year, pattern).months] == counts


def test_week_53_sits_in_january_month() -> None:
    fy = fiscal_year(2023)
    jan = fy.months[-1]
    assert (jan.name, jan.start, jan.end, jan.week_count) == (
        "Jan",
        date(2023, 12, 31),
        date(2024, 2, 3),
        5,
    )
    w53 = fy.weeks[-1]
    assert (w53.week, w53.start, w53.end) == (53, date(2024, 1, 28), date(2024, 2, 3))
    assert (w53.month, w53.quarter, w53.week_of_month) == (12, 4, 5)
    assert w53.month_name == "Jan"
    assert jan.weeks[-1] == w53


def test_week_fields_and_str() -> None:
    w = fiscal_week(2024, 1)
    assert w == FiscalWeek(2024, 1, 1, 1, date(2024, 2, 4), date(2024, 2, 10), 1)
    assert w.key == 202401
    assert str(w) == "FY2024 W01"
    assert w.month_name == "Feb"
    w9, w10 = fiscal_week(2024, 9), fiscal_week(2024, 10)  # 454: Feb 4 + Mar 5 = 9
    assert (w9.month, w9.month_name, w9.week_of_month, w9.quarter) == (2, "Mar", 5, 1)
    assert (w10.month, w10.month_name, w10.week_of_month) == (3, "Apr", 1)
    assert w10.start == date(2024, 4, 7)
    assert str(fiscal_week(2023, 53)) == "FY2023 W53"
    assert fiscal_week(2023, 53).key == 202353


def test_ordering_by_year_then_week() -> None:
    a, b, c = fiscal_week(2023, 53), fiscal_week(2024, 1), fiscal_week(2024, 2)
    assert sorted([c, a, b]) == [a, b, c]
    assert a < b < c
    # The week is the same whatever the month pattern; only its labels differ.
    assert fiscal_week(2024, 5, "544") == fiscal_week(2024, 5, "454")
    assert fiscal_week(2024, 5, "544").month == 1
    assert fiscal_week(2024, 5, "454").month == 2


# --- lookups ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "year", "week", "start"),
    [
        (date(2025, 1, 15), 2024, 50, date(2025, 1, 12)),
        (date(2025, 2, 1), 2024, 52, date(2025, 1, 26)),
        (date(2025, 2, 2), 2025, 1, date(2025, 2, 2)),
        (date(2024, 2, 3), 2023, 53, date(2024, 1, 28)),
        (date(2024, 1, 1), 2023, 49, date(2023, 12, 31)),
        (date(2024, 2, 4), 2024, 1, date(2024, 2, 4)),
        (date(2024, 12, 25), 2024, 47, date(2024, 12, 22)),
    ],
)
def test_fiscal_week_of(d: date, year: int, week: int, start: date) -> None:
    w = fiscal_week_of(d)
    assert (w.year, w.week, w.start) == (year, week, start)


def test_fiscal_week_out_of_range_raises() -> None:
    assert fiscal_week(2023, 53).end == date(2024, 2, 3)
    with pytest.raises(ValueError, match=r"weeks 1\.\.52"):
        fiscal_week(2024, 53)
    with pytest.raises(ValueError, match=r"weeks 1\.\.53"):
        fiscal_week(2023, 0)


@pytest.mark.parametrize("bad", ["455", "", "4-5-4", "545"])
def test_bad_pattern_raises(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown month pattern"):
        fiscal_year(2024, bad)
    with pytest.raises(ValueError, match="unknown month pattern"):
        fiscal_week_of(date(2024, 6, 1), bad)


@pytest.mark.parametrize("bad", [1899, 2201, 0, -5])
def test_bad_year_raises(bad: int) -> None:
    with pytest.raises(ValueError, match=r"supported range 1900\.\.2200"):
        fiscal_year(bad)
    with pytest.raises(ValueError, match="supported range"):
        fiscal_year_end(bad)
    with pytest.raises(ValueError, match="supported range"):
        fiscal_year_start(bad)


def test_year_range_edges() -> None:
    assert fiscal_year(1900).start == fiscal_year_start(1900)
    assert fiscal_year(2200).end == fiscal_year_end(2200)
    with pytest.raises(ValueError, match="supported range"):
        fiscal_week_of(date(1900, 1, 1))  # belongs to fiscal 1899


# --- last year ---------------------------------------------------------------


def test_last_year_restated() -> None:
    assert last_year_week(fiscal_week(2024, 10)) == fiscal_week(2023, 10)
    assert last_year_week(fiscal_week(2024, 1)) == fiscal_week(2023, 1)
    assert last_year_week(fiscal_week(2024, 52)) == fiscal_week(2023, 52)
    assert last_year_week(fiscal_week(2023, 53)) is None  # 2022 has 52 weeks
    assert last_year_week(fiscal_week(2018, 1)) == fiscal_week(2017, 1)


def test_last_year_shifted() -> None:
    # After a 53-week year the same dates one year back are last year's N + 1.
    shifted = last_year_week(fiscal_week(2024, 1), shift_53=True)
    assert shifted == fiscal_week(2023, 2)
    assert shifted is not None
    assert shifted.start == date(2023, 2, 5)
    assert last_year_week(fiscal_week(2024, 52), shift_53=True) == fiscal_week(2023, 53)
    # Week 53 lands on week 1 of its own year: 2024-01-28 - 364 days.
    assert last_year_week(fiscal_week(2023, 53), shift_53=True) == fiscal_week(2023, 1)
    # Between two 52-week years the two views agree.
    w = fiscal_week(2025, 20)
    assert last_year_week(w, shift_53=True) == last_year_week(w) == fiscal_week(2024, 20)


def test_last_year_keeps_pattern_labels() -> None:
    ly = last_year_week(fiscal_week(2024, 5, "544"), pattern="544")
    assert ly is not None
    assert (ly.month, ly.week_of_month) == (1, 5)


# --- arithmetic and ranges -------------------------------------------------


def test_add_weeks_across_53_week_boundary() -> None:
    w52 = fiscal_week(2023, 52)
    assert add_weeks(w52, 1) == fiscal_week(2023, 53)
    assert add_weeks(w52, 2) == fiscal_week(2024, 1)
    assert add_weeks(fiscal_week(2024, 1), -2) == w52
    assert add_weeks(fiscal_week(2024, 52), 1) == fiscal_week(2025, 1)
    assert add_weeks(fiscal_week(2024, 10), 0) == fiscal_week(2024, 10)
    assert add_weeks(fiscal_week(2022, 1), 52 + 53 + 52) == fiscal_week(2025, 1)


def test_weeks_between() -> None:
    span = weeks_between(fiscal_week(2023, 51), fiscal_week(2024, 2))
    assert [str(w) for w in span] == [
        "FY2023 W51",
        "FY2023 W52",
        "FY2023 W53",
        "FY2024 W01",
        "FY2024 W02",
    ]
    single = fiscal_week(2024, 7)
    assert weeks_between(single, single) == [single]
    assert weeks_between(fiscal_week(2024, 2), fiscal_week(2024, 1)) == []
    assert len(weeks_between(fiscal_week(2022, 1), fiscal_week(2024, 52))) == 157


def test_iter_weeks() -> None:
    weeks = list(iter_weeks(2022, 2024))
    assert len(weeks) == 52 + 53 + 52
    assert weeks[0] == fiscal_week(2022, 1)
    assert weeks[-1] == fiscal_week(2024, 52)
    assert list(iter_weeks(2024, 2023)) == []
    assert [w.month for w in iter_weeks(2024, 2024, "544")][:6] == [1] * 5 + [2]


# --- properties --------------------------------------------------------------


@given(dates, patterns)
def test_week_of_contains_date(d: date, pattern: str) -> None:
    w = fiscal_week_of(d, pattern)
    assert w.start <= d <= w.end
    assert w.start.weekday() == 6  # Sunday
    assert w.end.weekday() == 5  # Saturday
    assert w.end - w.start == timedelta(days=6)
    assert fiscal_week(w.year, w.week, pattern) == w


@given(years)
def test_years_are_contiguous(year: int) -> None:
    assert fiscal_year_end(year) + timedelta(days=1) == fiscal_year_start(year + 1)
    end = fiscal_year_end(year)
    assert end.weekday() == 5
    assert abs((end - date(year + 1, 1, 31)).days) <= 3


@given(years, patterns)
def test_weeks_partition_year(year: int, pattern: str) -> None:
    fy = fiscal_year(year, pattern)
    assert fy.week_count in {52, 53}
    assert (fy.end - fy.start).days + 1 == 7 * fy.week_count
    assert [w.week for w in fy.weeks] == list(range(1, fy.week_count + 1))
    assert fy.weeks[0].start == fy.start
    assert fy.weeks[-1].end == fy.end
    for prev, nxt in zip(fy.weeks, fy.weeks[1:], strict=False):
        assert prev.end + timedelta(days=1) == nxt.start
    assert tuple(w for m in fy.months for w in m.weeks) == fy.weeks


@given(years, patterns)
def test_month_counts_follow_pattern(year: int, pattern: str) -> None:
    fy = fiscal_year(year, pattern)
    expected = [int(c) for c in pattern] * 4
    expected[-1] += fy.week_count - 52
    assert [m.week_count for m in fy.months] == expected
    for m in fy.months:
        assert [w.week_of_month for w in m.weeks] == list(range(1, m.week_count + 1))
        assert {(w.month, w.quarter) for w in m.weeks} == {(m.month, m.quarter)}
        assert (m.start, m.end) == (m.weeks[0].start, m.weeks[-1].end)


@given(dates, st.integers(min_value=-2000, max_value=2000), patterns)
def test_add_weeks_round_trips(d: date, n: int, pattern: str) -> None:
    w = fiscal_week_of(d, pattern)
    moved = add_weeks(w, n, pattern)
    assert moved.start - w.start == timedelta(weeks=n)
    assert add_weeks(moved, -n, pattern) == w


@given(dates)
def test_last_year_week_views(d: date) -> None:
    w = fiscal_week_of(d)
    restated = last_year_week(w)
    if restated is None:
        assert w.week == 53
    else:
        assert (restated.year, restated.week) == (w.year - 1, w.week)
    shifted = last_year_week(w, shift_53=True)
    assert shifted is not None
    assert w.start - shifted.start == timedelta(days=364)
