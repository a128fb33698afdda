"""Template filters for money, percents and ratios: `{% load money %}`, then
`{{ value|money }}` (1,235), `{{ value|money:2 }}` (1,234.50), `{{ share|percent }}` (51.3%),
`{{ value|ratio }}` (4.5). Formatting only, with `core.money`'s one rule (half up); templates
never compute numbers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from core import money as rules

register = template.Library()


def _number(value: object) -> Decimal | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal | float | int):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value: object, places: int = 0) -> str:
    """1,235 from 1234.50; a minus sign (U+2212) when negative; a dash when missing."""
    return rules.format_money(_number(value), int(places))


@register.filter
def dollars(value: object, places: int = 0) -> str:
    """$1,235 from 1234.50."""
    return rules.format_money(_number(value), int(places), symbol="$")


@register.filter
def percent(share: object, places: int = 1) -> str:
    """51.3% from the share 0.5125."""
    return rules.format_percent(_number(share), int(places))


@register.filter
def signed_percent(share: object, places: int = 1) -> str:
    """+5.3% from the change 0.053."""
    return rules.format_percent(_number(share), int(places), signed=True)


@register.filter
def ratio(value: object, places: int = 1) -> str:
    """4.5 from weeks of supply 4.45 (half up)."""
    return rules.format_ratio(_number(value), int(places))
