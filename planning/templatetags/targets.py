"""`{{ value|ratio_or_money:measure }}`: a reconciliation figure as the measure reads, money
with cents (1,234.50) or a percentage in points (55.0 %), a dash when missing."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core import money as rules
from planning.targets.services import RATIO_COMPONENT

register = template.Library()


@register.filter
def ratio_or_money(value: Decimal | None, measure: str) -> str:
    if value is None:
        return rules.DASH
    if measure in RATIO_COMPONENT:
        return f"{rules.format_ratio(value, 1)} %"
    return rules.format_money(value, 2)
