"""core.money: one rounding rule (half up) and one way to show money, units and percents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import money
from planning.engine import rounding

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False)


@given(amounts)
def test_to_cents_is_idempotent(value: Decimal) -> None:
    once = money.to_cents(value)
    assert money.to_cents(once) == once
    assert money.is_cents(once)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_a_half_cent_goes_away_from_zero(cents: int) -> None:
    tie = Decimal(cents).scaleb(-2) + (Decimal("0.005") if cents >= 0 else Decimal("-0.005"))
    expected = Decimal(cents + (1 if cents >= 0 else -1)).scaleb(-2)
    assert money.to_cents(tie) == expected


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (Decimal("1.005"), Decimal("1.01")),
        (Decimal("2.675"), Decimal("2.68")),
        (2.675, Decimal("2.68")),  # the float's shortest repr, not its binary 2.67499999...
        (1.005, Decimal("1.01")),
        (Decimal("-0.125"), Decimal("-0.13")),
        (Decimal("0.125"), Decimal("0.13")),  # half to even would give 0.12
        (7, Decimal("7.00")),
        ("12.345", Decimal("12.35")),
    ],
)
def test_to_cents_half_up(value: money.Number | str, cents: Decimal) -> None:
    assert money.to_cents(value) == cents
    assert str(money.to_cents(value)) == str(cents)


def test_units_and_places() -> None:
    assert money.to_units(Decimal("2.5")) == 3
    assert money.to_units(Decimal("-2.5")) == -3
    assert money.whole_units(Decimal("2.4999")) == 2
    assert money.to_units(Decimal("1.125"), 2) == Decimal("1.13")
    assert money.to_places(Decimal("0.12345"), 4) == Decimal("0.1235")
    assert money.to_places(Decimal("97.55"), Decimal("0.1")) == Decimal("97.6")
    assert money.has_at_most_places(Decimal("0.975"), 3)
    assert not money.has_at_most_places(Decimal("0.9755"), 3)
    assert not money.is_cents(Decimal("12.505"))


def test_percent_of_rounds_once_from_the_components() -> None:
    assert money.percent_of(41, 80) == Decimal("51.3")  # 51.25 is a tie: up
    assert money.percent_of(Decimal("1"), Decimal("3")) == Decimal("33.3")
    assert money.percent_of(5, 0) is None


def test_format_money() -> None:
    assert money.format_money(Decimal("1234.50")) == "1,235"
    assert money.format_money(Decimal("1234.5"), 2) == "1,234.50"
    assert money.format_money(Decimal("-1234.5")) == "\u22121,235"
    assert money.format_money(Decimal("1234.5"), symbol="$") == "$1,235"
    assert money.format_money(Decimal("5"), signed=True) == "+5"
    assert money.format_money(1234.4999999999998) == "1,235"  # a float sum of cents, read as cents
    assert money.format_money(None) == "\u2014"
    assert money.format_money(float("nan")) == "\u2014"


def test_format_percent_and_ratio() -> None:
    assert money.format_percent(0.5125) == "51.3%"
    assert money.format_percent(0.053, signed=True) == "+5.3%"
    assert money.format_percent(-0.053) == "\u22125.3%"
    assert money.format_percent(-0.0004) == "0.0%"  # no sign on a change that rounds to nothing
    assert money.format_percent(None) == "\u2014"
    assert money.format_ratio(12345.65) == "12,345.7"
    assert money.format_ratio(-0.04) == "0.0"


def test_the_engine_rounds_with_the_same_rule() -> None:
    assert rounding.money is money.money
    assert rounding.shown_percent is money.shown_percent
    assert rounding.money(2.675) == money.to_cents(2.675)


def test_template_filters_format_with_the_same_rule() -> None:
    from django.template import Context, Template

    html = Template(
        "{% load money %}{{ a|money }} {{ a|money:2 }} {{ a|dollars }} {{ s|percent }} "
        "{{ c|signed_percent }} {{ w|ratio }} {{ missing|money }}"
    ).render(Context({"a": Decimal("1234.5"), "s": 0.5125, "c": 0.053, "w": 4.45, "missing": None}))
    assert html == "1,235 1,234.50 $1,235 51.3% +5.3% 4.5 \u2014"
