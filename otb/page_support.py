"""Reads for the OTB pages: the OTB table of many departments at once (two grouped queries,
whatever the number of departments and months), and the "scale to fit" suggestion for an
order refused for insufficient OTB."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum

from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, PurchaseOrderLine
from otb.selectors import OTBRow
from planning.models import Department, FiscalWeek, MerchClass, PlanVersion, PlanWeek
from planning.plans.selectors import current_originals

_CENT = Decimal("0.01")
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
    return [year * 100 + month for month in months]


@dataclass(frozen=True)
class OTBCell(OTBRow):
    """An OTB row with the in-season view and the working plan's receipts beside the budget."""

    working_receipts_retail: Decimal = _ZERO

    @property
    def working_otb_retail(self) -> Decimal:
        """The working plan's receipts - received - on order: what the plan as it stands now
        leaves to buy."""
        return self.working_receipts_retail - self.received_retail - self.on_order_retail

    @property
    def in_season_retail(self) -> Decimal:
        """Received to date + on order: what the season has bought, against the budget."""
        return self.received_retail + self.on_order_retail


def otb_table(department_ids: list[int], month_keys: list[int]) -> dict[tuple[int, int], OTBCell]:
    """One OTBRow per (department, month): the newest approved budget month, and what released
    orders have open (on order) and received. Same figures as `selectors.otb_rows`."""
    budget: dict[tuple[int, int], tuple[Decimal, Decimal, int]] = {}
    months = (
        OTBBudgetMonth.objects.filter(
            budget__department_id__in=department_ids,
            budget__status=OTBBudget.Status.APPROVED,
            month_key__in=month_keys,
        )
        .order_by("budget__department_id", "month_key", "-budget__number")
        .values_list(
            "budget__department_id", "month_key", "receipts_retail", "receipts_cost", "receipts_units"
        )
    )
    for department_id, key, retail, cost, units in months:
        budget.setdefault((department_id, key), (retail, cost, units))
    lines = (
        PurchaseOrderLine.objects.filter(
            order__department_id__in=department_ids,
            order__status=PurchaseOrder.Status.RELEASED,
            month_key__in=month_keys,
        )
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .values("order__department_id", "month_key")
        .annotate(
            open_retail=Sum((F("units") - F("received_units")) * F("unit_retail")),
            open_cost=Sum((F("units") - F("received_units")) * F("unit_cost")),
            units_open=Sum(F("units") - F("received_units")),
            received_retail=Sum(F("received_units") * F("unit_retail")),
            received_cost=Sum(F("received_units") * F("unit_cost")),
            units_received=Sum("received_units"),
        )
        .order_by()
    )
    orders = {(row["order__department_id"], row["month_key"]): row for row in lines}
    working = working_plan_receipts(department_ids, month_keys)
    table = {}
    for department_id in department_ids:
        for key in month_keys:
            retail, cost, units = budget.get((department_id, key), (_ZERO, _ZERO, 0))
            order = orders.get((department_id, key), {})
            table[department_id, key] = OTBCell(
                department_id=department_id,
                month_key=key,
                budget_retail=retail,
                budget_cost=cost,
                on_order_retail=Decimal(order.get("open_retail") or 0).quantize(_CENT),
                on_order_cost=Decimal(order.get("open_cost") or 0).quantize(_CENT),
                on_order_units=int(order.get("units_open") or 0),
                received_retail=Decimal(order.get("received_retail") or 0).quantize(_CENT),
                received_cost=Decimal(order.get("received_cost") or 0).quantize(_CENT),
                received_units=int(order.get("units_received") or 0),
                budget_units=units,
                working_receipts_retail=working.get((department_id, key), _ZERO),
            )
    return table


def working_plan_receipts(department_ids: list[int], month_keys: list[int]) -> dict[tuple[int, int], Decimal]:
    """Planned receipts of the departments' working plans (their class lines) by fiscal month, in
    one grouped query: (department, month key) -> retail."""
    keys = set(month_keys)
    weeks = (
        PlanWeek.objects.filter(
            line__version__kind=PlanVersion.Kind.WORKING,
            line__version__plan__department_id__in=department_ids,
            line__merch_class__isnull=False,
            fiscal_week__year__in={key // 100 for key in keys},
        )
        .values("line__version__plan__department_id", "fiscal_week__year", "fiscal_week__month")
        .annotate(receipts=Sum("receipts"))
        .order_by()
    )
    receipts = {}
    for row in weeks:
        key = row["fiscal_week__year"] * 100 + row["fiscal_week__month"]
        if key in keys:
            receipts[row["line__version__plan__department_id"], key] = Decimal(row["receipts"] or 0).quantize(
                _CENT
            )
    return receipts


@dataclass(frozen=True)
class OTBTotal:
    """Sums of OTB rows (a department's year, a month across departments, the company)."""

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

    @property
    def otb_units(self) -> int:
        return self.budget_units - self.received_units - self.on_order_units

    @property
    def otb_retail(self) -> Decimal:
        return self.budget_retail - self.received_retail - self.on_order_retail

    @property
    def working_otb_retail(self) -> Decimal:
        return self.working_receipts_retail - self.received_retail - self.on_order_retail

    @property
    def otb_cost(self) -> Decimal:
        return self.budget_cost - self.received_cost - self.on_order_cost

    @property
    def used_percent(self) -> Decimal | None:
        """Share of the budget bought so far; none for a total without a positive budget."""
        if self.budget_retail <= 0:
            return None
        spent = self.on_order_retail + self.received_retail
        return (100 * spent / self.budget_retail).quantize(Decimal("0.1"))

    @property
    def in_season_retail(self) -> Decimal:
        """Received to date + on order: what the season has bought, against the budget."""
        return self.received_retail + self.on_order_retail


def otb_total(rows: Iterable[OTBRow | OTBTotal]) -> OTBTotal:
    rows = list(rows)
    return OTBTotal(
        budget_retail=sum((row.budget_retail for row in rows), _ZERO),
        budget_cost=sum((row.budget_cost for row in rows), _ZERO),
        on_order_retail=sum((row.on_order_retail for row in rows), _ZERO),
        on_order_cost=sum((row.on_order_cost for row in rows), _ZERO),
        on_order_units=sum(row.on_order_units for row in rows),
        received_retail=sum((row.received_retail for row in rows), _ZERO),
        received_cost=sum((row.received_cost for row in rows), _ZERO),
        received_units=sum(row.received_units for row in rows),
        working_receipts_retail=sum((getattr(row, "working_receipts_retail", _ZERO) for row in rows), _ZERO),
        budget_units=sum(row.budget_units for row in rows),
    )


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
        FiscalWeek.objects.filter(year=month_key // 100, month=month_key % 100)
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
            planned_week[week_id] = Decimal(receipts or 0).quantize(_CENT)
        for class_id, receipts in (
            plan_weeks.values("line__merch_class_id")
            .annotate(total=Sum("receipts"))
            .values_list("line__merch_class_id", "total")
        ):
            planned_class[class_id] = Decimal(receipts or 0).quantize(_CENT)

    def _row(label: str, order: dict[str, Any], planned: Decimal | None) -> dict[str, Any]:
        on_order = Decimal(order.get("retail") or 0).quantize(_CENT)
        received = Decimal(order.get("received") or 0).quantize(_CENT)
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
