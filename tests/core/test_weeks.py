"""core.weeks: fiscal week and month keys (year * 100 + week) and their written forms."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core import weeks
from planning import calendar

years = st.integers(min_value=1900, max_value=2200)


@given(years, st.integers(min_value=1, max_value=53))
def test_week_key_round_trip(year: int, week: int) -> None:
    key = weeks.week_key(year, week)
    assert weeks.split_week_key(key) == (year, week)
    assert weeks.year_of(key) == year
    assert weeks.parse_iso_week(weeks.iso_week_label(key)) == key


@given(years, st.integers(min_value=1, max_value=12))
def test_month_key_round_trip(year: int, month: int) -> None:
    key = weeks.month_key(year, month)
    assert weeks.split_month_key(key) == (year, month)
    assert weeks.year_of(key) == year


def test_labels() -> None:
    assert weeks.week_key(2025, 3) == 202503
    assert weeks.week_label(202503) == "FY2025 W03"
    assert weeks.short_week_label(202503) == "W03"
    assert weeks.iso_week_label(202503) == "2025-W03"
    assert weeks.month_label(202603) == "FY2026 M03"
    assert weeks.short_month_label(202612) == "M12"


def test_parse_iso_week_refuses_other_shapes() -> None:
    assert weeks.parse_iso_week("2025-W3") is None
    assert weeks.parse_iso_week("202503") is None
    assert weeks.parse_iso_week("FY2025 W03") is None


def test_the_calendar_keys_its_weeks_the_same_way() -> None:
    week = calendar.fiscal_week(2025, 3, "454")
    assert week.key == weeks.week_key(2025, 3)
    assert str(week) == weeks.week_label(week.key)
