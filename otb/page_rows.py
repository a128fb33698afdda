"""Reads for the OTB pages: the OTB table of many departments at once (two grouped queries,
whatever the number of departments and months), and the "scale to fit" suggestion for an
order refused for insufficient OTB."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum

from core.money import to_cents, to_places
from core.weeks import month_key, split_month_key, year_of
from otb.models import PurchaseOrder, PurchaseOrderLine
from otb.open_to_buy import OTBRow, otb_table, working_plan_receipts
from planning.models import Department, FiscalWeek, MerchClass, PlanVersion, PlanWeek
from planning.plans.selectors import current_originals

__all__ = ["OTBCell", "OTBRow", "otb_table", "working_plan_receipts"]

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


# The OTB page's rows are the one read path's (`otb.open_to_buy`).
OTBCell = OTBRow


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


def drill_breakdown(department_id: int, month_key: int) -> dict[str, list[dict[str, Any]]]:
    """A month of a department by receipt week and by merch class: received and on order (retail,
    units) of released orders' lines, and the planned receipts of its newest approved plan (OP), if any.
    A fixed number of grouped queries."""
    weeks = list(
        FiscalWeek.objects.filter(year=year_of(month_key), month=split_month_key(month_key)[1])
        .order_by("id")
        .only("pk", "year", "week")
    )
    classes = list(
        MerchClass.objects.filter(department_id=department_id).order_by("code").only("pk", "code", "name")
    )
    lines = (
        PurchaseOrderLine.objects.filter(
            order__department_id=department_id,
            order__status=PurchaseOrder.Status.RELEASED,
            month_key=month_key,
        )
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .order_by()
    )
    open_retail = Sum((F("units") - F("received_units")) * F("unit_retail"))
    open_units = Sum(F("units") - F("received_units"))
    received = Sum(F("received_units") * F("unit_retail"))
    by_week = {
        row["receipt_week_id"]: row
        for row in lines.values("receipt_week_id").annotate(
            retail=open_retail, units_open=open_units, received=received
        )
    }
    class_path = "sku__style_color__style__subclass__merch_class_id"
    by_class = {
        row[class_path]: row
        for row in lines.values(class_path).annotate(
            retail=open_retail, units_open=open_units, received=received
        )
    }
    version_id = (
        current_originals()
        .filter(
            plan__department_id=department_id,
            status=PlanVersion.Status.APPROVED,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    planned_week: dict[int, Decimal] = {}
    planned_class: dict[int, Decimal] = {}
    if version_id is not None:
        plan_weeks = PlanWeek.objects.filter(
            line__version_id=version_id, line__merch_class__isnull=False, fiscal_week__in=weeks
        ).order_by()
        for week_id, receipts in (
            plan_weeks.values("fiscal_week_id")
            .annotate(total=Sum("receipts"))
            .values_list("fiscal_week_id", "total")
        ):
            planned_week[week_id] = to_cents(receipts or 0)
        for class_id, receipts in (
            plan_weeks.values("line__merch_class_id")
            .annotate(total=Sum("receipts"))
            .values_list("line__merch_class_id", "total")
        ):
            planned_class[class_id] = to_cents(receipts or 0)

    def _row(label: str, order: dict[str, Any], planned: Decimal | None) -> dict[str, Any]:
        on_order = to_cents(order.get("retail") or 0)
        received = to_cents(order.get("received") or 0)
        return {
            "label": label,
            "received_retail": received,
            "on_order_retail": on_order,
            "on_order_units": int(order.get("units_open") or 0),
            "planned_retail": planned,
            "otb_retail": None if planned is None else planned - received - on_order,
        }

    has_plan = version_id is not None
    return {
        "weeks": [
            _row(
                f"FY{week.year} W{week.week:02d}",
                by_week.get(week.pk, {}),
                planned_week.get(week.pk, _ZERO) if has_plan else None,
            )
            for week in weeks
        ],
        "classes": [
            _row(
                str(merch_class),
                by_class.get(merch_class.pk, {}),
                planned_class.get(merch_class.pk, _ZERO) if has_plan else None,
            )
            for merch_class in classes
        ],
    }
