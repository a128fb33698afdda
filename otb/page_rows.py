"""The OTB page's rows: its measures in display order, a department's (or the company's) block of
measure rows, the totals of a year or of a month across departments, the fiscal months of a year;
and the "scale to fit" suggestion for an order refused for insufficient OTB. The figures are
`otb.open_to_buy.otb_table`'s; the drill-down of a month is `otb.month_drill`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from core.money import to_places
from core.weeks import month_key
from otb.open_to_buy import OTBRow
from planning.models import Department, FiscalWeek

_ZERO = Decimal("0.00")


# The OTB table's measures, in display order: (label, attribute of an OTB row, kind).
MEASURES = [
    ("Budget (planned receipts)", "budget_retail", "money"),
    ("On order", "on_order_retail", "money"),
    ("OTB", "otb_retail", "otb"),
    ("Planned receipts (working plan)", "working_receipts_retail", "money"),
    ("OTB against the working plan", "working_otb_retail", "otb"),
    ("Budget at cost", "budget_cost", "money"),
    ("On order at cost", "on_order_cost", "money"),
    ("OTB at cost", "otb_cost", "otb"),
    ("Budget units", "budget_units", "units"),
    ("On order units", "on_order_units", "units"),
    ("OTB units", "otb_units", "otb"),
    ("% of budget used", "used_percent", "percent"),
    ("Received to date", "received_retail", "money"),
    ("Received + on order", "in_season_retail", "money"),
]


# Budget measures that keep the plan's sign (negative planned receipts).
_SIGNED_BUDGETS = {"budget_retail", "budget_cost", "budget_units", "working_receipts_retail"}


def fiscal_month_keys(year: int) -> list[int]:
    """The fiscal months of a year that has weeks in the calendar, as year * 100 + month."""
    months = FiscalWeek.objects.filter(year=year).values_list("month", flat=True).distinct().order_by("month")
    return [month_key(year, month) for month in months]


@dataclass(frozen=True)
class OTBTotal:
    """Sums of OTB rows (a department's year, a month across departments, the company). The OTB
    is the sum of the months' (a closed month has none), not the summed budget less what was
    bought: a year's OTB counts its open months only."""

    budget_retail: Decimal
    budget_cost: Decimal
    on_order_retail: Decimal
    on_order_cost: Decimal
    on_order_units: int
    received_retail: Decimal
    working_receipts_retail: Decimal = _ZERO
    budget_units: int = 0
    received_cost: Decimal = _ZERO
    received_units: int = 0
    otb_retail: Decimal = _ZERO
    otb_cost: Decimal = _ZERO
    otb_units: int = 0
    working_otb_retail: Decimal = _ZERO

    @property
    def used_percent(self) -> Decimal | None:
        """Share of the budget bought so far; none for a total without a positive budget."""
        if self.budget_retail <= 0:
            return None
        spent = self.on_order_retail + self.received_retail
        return to_places(100 * spent / self.budget_retail, 1)

    @property
    def in_season_retail(self) -> Decimal:
        """Received to date + on order: what the season has bought, against the budget."""
        return self.received_retail + self.on_order_retail


def otb_total(rows: Iterable[OTBRow | OTBTotal]) -> OTBTotal:
    rows = list(rows)

    def total(name: str) -> Any:
        return sum((getattr(row, name) for row in rows), 0 if name.endswith("units") else _ZERO)

    names = [f.name for f in fields(OTBTotal)]
    return OTBTotal(**{name: total(name) for name in names})


def scaled_to_fit(
    lines: list[tuple[int, int, Decimal]], short: dict[int, tuple[Decimal, Decimal]]
) -> list[int]:
    """Units per line that fit the OTB left: the lines of a short month scaled down by the same
    factor (left / requested), rounded down; lines of months that fit keep their units.

    `lines` are (units, month key, unit retail); `short` maps month -> (requested, left)."""
    fitted = []
    for units, key, _retail in lines:
        if key not in short:
            fitted.append(units)
            continue
        requested, left = short[key]
        if requested <= 0 or left <= 0:
            fitted.append(0)
            continue
        fitted.append(math.floor(units * left / requested))
    return fitted


def otb_block(department: Department | None, cells: list[Any], total: Any) -> dict[str, Any]:
    """A department's (or the company's) measure rows: each cell the number and its state."""
    rows = []
    for label, attribute, kind in MEASURES:
        values = [
            {"value": getattr(cell, attribute), "month_key": getattr(cell, "month_key", None)}
            for cell in cells
        ]
        # OTB below zero is over-bought; a budget below zero is a month the plan takes stock out of.
        flagged = kind == "otb" or attribute in _SIGNED_BUDGETS
        for value in values:
            value["is_negative"] = flagged and value["value"] is not None and value["value"] < 0
        total_value = getattr(total, attribute)
        rows.append(
            {
                "label": label,
                "kind": kind,
                "attribute": attribute,
                "cells": values,
                "total": {
                    "value": total_value,
                    "is_negative": flagged and total_value is not None and total_value < 0,
                },
            }
        )
    return {"department": department, "rows": rows}
