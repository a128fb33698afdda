"""The drill-down of a department's month on the OTB page: by receipt week and by merch class,
received and on order (retail, units) of released orders' lines, beside the planned receipts of
the department's newest approved plan (OP), if any. A fixed number of grouped queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from core.money import to_cents
from core.weeks import split_month_key, year_of
from otb.open_to_buy.queries import CLASS_PATH, OPEN_RETAIL, OPEN_UNITS, RECEIVED_RETAIL, released_lines
from planning.models import FiscalWeek, MerchClass, PlanVersion, PlanWeek
from planning.plans.selectors import current_originals

_ZERO = Decimal("0.00")


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
    lines = released_lines().filter(order__department_id=department_id, month_key=month_key).order_by()
    by_week = _bought_by(lines, "receipt_week_id")
    by_class = _bought_by(lines, CLASS_PATH)
    version_id = _approved_version_id(department_id)
    has_plan = version_id is not None
    planned_week: dict[int, Decimal] = {}
    planned_class: dict[int, Decimal] = {}
    if version_id is not None:
        plan_weeks = PlanWeek.objects.filter(
            line__version_id=version_id, line__merch_class__isnull=False, fiscal_week__in=weeks
        ).order_by()
        planned_week = _planned_receipts_by(plan_weeks, "fiscal_week_id")
        planned_class = _planned_receipts_by(plan_weeks, "line__merch_class_id")
    return {
        "weeks": [
            _drill_row(
                f"FY{week.year} W{week.week:02d}",
                by_week.get(week.pk, {}),
                planned_week.get(week.pk, _ZERO) if has_plan else None,
            )
            for week in weeks
        ],
        "classes": [
            _drill_row(
                str(merch_class),
                by_class.get(merch_class.pk, {}),
                planned_class.get(merch_class.pk, _ZERO) if has_plan else None,
            )
            for merch_class in classes
        ],
    }


def _bought_by(lines: Any, group: str) -> dict[int, dict[str, Any]]:
    """The lines' on order (retail, units) and received (retail) grouped by `group`."""
    return {
        row[group]: row
        for row in lines.values(group).annotate(
            retail=OPEN_RETAIL, units_open=OPEN_UNITS, received=RECEIVED_RETAIL
        )
    }


def _approved_version_id(department_id: int) -> int | None:
    """The department's newest approved plan (its OP), if any."""
    version_id: int | None = (
        current_originals()
        .filter(
            plan__department_id=department_id,
            status=PlanVersion.Status.APPROVED,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return version_id


def _planned_receipts_by(plan_weeks: Any, group: str) -> dict[int, Decimal]:
    """The plan weeks' receipts summed by `group` (a week or a merch class)."""
    return {
        key: to_cents(receipts or 0)
        for key, receipts in plan_weeks.values(group)
        .annotate(total=Sum("receipts"))
        .values_list(group, "total")
    }


def _drill_row(label: str, order: dict[str, Any], planned: Decimal | None) -> dict[str, Any]:
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
