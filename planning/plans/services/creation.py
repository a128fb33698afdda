"""A new plan: its last-year and this-year actuals as frozen versions, and a working plan
seeded from last year x (1 + growth) with targets taken from last year's KPIs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.money import to_cents, to_places
from planning import calendar, clock
from planning.engine import fwos_from_eop
from planning.models import (
    Department,
    FiscalWeek,
    MerchClass,
    Plan,
    PlanLine,
    PlanTransition,
    PlanVersion,
    PlanWeek,
)
from planning.plans import history, purchases
from planning.plans.compute import ENTERED_FIELDS, LineBlock, derived_columns, run_engine, total_block
from planning.plans.measures import TARGET_PLACES
from planning.plans.services.checks import PlanError

Kind = PlanVersion.Kind
Status = PlanVersion.Status


@dataclass(frozen=True)
class PlanSpec:
    name: str
    department_id: int
    first_week_id: int
    last_week_id: int
    channel_id: int | None = None
    region_id: int | None = None
    method: str = PlanLine.Method.FWOS
    exhaustion: str = Plan.Exhaustion.WRAP
    growth_percent: Decimal = Decimal("0")
    cost_complement: Decimal = Decimal("0.45")


def plan_create(*, user: User, spec: PlanSpec) -> Plan:
    """A plan with its LY and TY actuals and a working plan seeded from LY x (1 + growth)."""
    department = Department.objects.editable_by(user).filter(pk=spec.department_id).first()
    if department is None:
        raise PermissionDenied("You can create plans only for your own departments.")
    if Plan.objects.filter(name=spec.name).exists():
        raise PlanError(f"A plan named {spec.name!r} already exists.")
    weeks = list(
        FiscalWeek.objects.filter(id__gte=spec.first_week_id, id__lte=spec.last_week_id).order_by("id")
    )
    if not weeks or spec.first_week_id > spec.last_week_id:
        raise PlanError("Choose a first week on or before the last week.")
    classes = list(MerchClass.objects.filter(department=department).order_by("code"))
    if not classes:
        raise PlanError(f"{department} has no classes to plan.")
    with transaction.atomic():
        plan = Plan.objects.create(
            name=spec.name,
            department=department,
            channel_id=spec.channel_id,
            region_id=spec.region_id,
            first_week=weeks[0],
            last_week=weeks[-1],
            exhaustion=spec.exhaustion,
            growth_percent=spec.growth_percent,
            cost_complement=spec.cost_complement,
            created_by=user,
        )
        class_ids = [c.pk for c in classes]
        week_ids = [w.id for w in weeks]
        last_year = history.actuals(plan, class_ids, _last_year_week_ids(weeks))
        this_year = history.actuals(plan, class_ids, _closed_week_ids(weeks))
        _create_actuals_version(plan, user, Kind.LAST_YEAR, "Last year", last_year, week_ids)
        _create_actuals_version(plan, user, Kind.ACTUAL, "This year actuals", this_year, week_ids)
        _create_working_version(plan, user, spec, last_year, this_year, week_ids)
        purchases.refresh_plans([plan.pk])  # on order and received from the open purchase orders
    return plan


def _last_year_week_ids(weeks: list[FiscalWeek]) -> list[int | None]:
    ids = []
    for week in weeks:
        comparable = calendar.last_year_week(calendar.fiscal_week(week.year, week.week))
        ids.append(comparable.key if comparable else None)
    return ids


def _closed_week_ids(weeks: list[FiscalWeek]) -> list[int | None]:
    today = clock.today()
    return [week.id if week.end_date < today else None for week in weeks]


def _create_actuals_version(
    plan: Plan, user: User, kind: str, name: str, actuals: history.Actuals, week_ids: list[int]
) -> PlanVersion:
    """Actuals as a frozen version: receipts implied by the stock identity, so the engine
    reproduces the actual EOP exactly and computes every KPI the same way as for plans."""
    version = PlanVersion.objects.create(
        plan=plan, kind=kind, name=name, status=Status.APPROVED, is_frozen=True, created_by=user
    )
    bop = np.concatenate([actuals.opening[:, None], actuals.eop[:, :-1]], axis=1)
    implied_receipts = actuals.eop - bop + actuals.sales + actuals.markdowns
    block = LineBlock(
        line_ids=[],
        methods=["receipts"] * len(actuals.class_ids),
        opening=actuals.opening,
        turn=np.full(len(actuals.class_ids), np.nan),
        entered={
            "sales": actuals.sales,
            "sales_units": actuals.units,
            "markdowns": actuals.markdowns,
            "shrink": np.zeros_like(actuals.sales),
            "on_order": np.zeros_like(actuals.sales),
            "received": np.zeros_like(actuals.sales),
            "target": np.full_like(actuals.sales, np.nan),
            "receipts_entered": implied_receipts,
        },
    )
    _insert_version_values(version, actuals.class_ids, block, week_ids, user)
    PlanTransition.objects.create(version=version, action="create", to_status=version.status, user=user)
    return version


def _create_working_version(
    plan: Plan,
    user: User,
    spec: PlanSpec,
    last_year: history.Actuals,
    this_year: history.Actuals,
    week_ids: list[int],
) -> PlanVersion:
    version = PlanVersion.objects.create(plan=plan, kind=Kind.WORKING, name="Working plan", created_by=user)
    growth = 1 + float(spec.growth_percent) / 100
    sales = np.round(last_year.sales * growth, 2)
    targets = _seed_targets(spec.method, last_year)
    opening = this_year.opening if this_year.opening.any() else last_year.opening
    block = LineBlock(
        line_ids=[],
        methods=[spec.method] * len(last_year.class_ids),
        opening=np.round(opening, 2),
        turn=np.full(len(last_year.class_ids), 2.0 if spec.method in ("turn", "basic_stock") else np.nan),
        entered={
            "sales": sales,
            "sales_units": np.round(last_year.units * growth),
            "markdowns": np.round(last_year.markdowns * growth, 2),
            "shrink": np.zeros_like(sales),
            "on_order": np.zeros_like(sales),
            "received": np.zeros_like(sales),
            "target": targets,
            "receipts_entered": np.round(
                np.maximum(last_year.eop - _bop(last_year) + last_year.sales, 0) * growth, 2
            ),
        },
    )
    _insert_version_values(version, last_year.class_ids, block, week_ids, user)
    PlanTransition.objects.create(version=version, action="create", to_status=Status.DRAFT, user=user)
    return version


def _bop(actuals: history.Actuals) -> np.ndarray:
    return np.concatenate([actuals.opening[:, None], actuals.eop[:, :-1]], axis=1)


def _seed_targets(method: str, last_year: history.Actuals) -> np.ndarray:
    """Last year's KPI, rounded as a planner would enter it; a sensible default where LY has none."""
    sales, eop = last_year.sales, last_year.eop
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "fwos":
            value = np.round(fwos_from_eop(sales, eop), 1) if sales.size else sales
            return np.where(np.isfinite(value), np.clip(value, 0, 104), 4.0)
        if method == "wos":
            return np.where(sales > 0, np.clip(np.round(eop / np.where(sales > 0, sales, 1), 1), 0, 104), 4.0)
        if method == "ssr":
            bop = _bop(last_year)
            return np.where(sales > 0, np.clip(np.round(bop / np.where(sales > 0, sales, 1), 2), 0, 52), 4.0)
        if method == "sell_through":
            bop = _bop(last_year)
            return np.where(bop > 0, np.clip(np.round(sales / np.where(bop > 0, bop, 1), 3), 0.001, 1), 0.25)
    return np.full_like(sales, np.nan)


def _insert_version_values(
    version: PlanVersion, class_ids: list[int], block: LineBlock, week_ids: list[int], user: User
) -> None:
    """Lines (and the total line) with their weeks, derived values computed before the insert."""
    plan = version.plan
    lines = PlanLine.objects.bulk_create(
        [
            PlanLine(
                version=version,
                merch_class_id=class_id,
                position=i + 1,
                method=block.methods[i],
                opening_stock=to_cents(float(block.opening[i])),
                turn=None if np.isnan(block.turn[i]) else Decimal(repr(float(block.turn[i]))),
            )
            for i, class_id in enumerate(class_ids)
        ]
        + [PlanLine(version=version, merch_class=None, position=0, method=PlanLine.Method.RECEIPTS)]
    )
    outputs = run_engine(block, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    total = total_block(block, outputs)
    total_outputs = run_engine(total, exhaustion=plan.exhaustion, cost_complement=float(plan.cost_complement))
    lines[-1].opening_stock = to_cents(float(total.opening[0]))
    lines[-1].save(update_fields=["opening_stock"])
    rows = []
    for row, line in enumerate(lines):
        source, out = (total, total_outputs) if line.merch_class_id is None else (block, outputs)
        index = 0 if line.merch_class_id is None else row
        for period, week_id in enumerate(week_ids):
            rows.append(
                PlanWeek(
                    line=line,
                    fiscal_week_id=week_id,
                    period=period,
                    updated_by_id=user.pk,
                    **_entered_columns(source, index, period),
                    **derived_columns(out, index, period),
                )
            )
    PlanWeek.objects.bulk_create(rows, batch_size=2000)


def _entered_columns(block: LineBlock, row: int, period: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ENTERED_FIELDS:
        value = float(block.entered[name][row, period])
        if name == "target":
            values[name] = None if np.isnan(value) else to_places(float(value), TARGET_PLACES)
        elif name == "sales_units":
            values[name] = max(round(value), 0)
        elif name in ("receipts_entered", "received"):  # signed: returns to vendor
            values[name] = to_cents(float(value))
        else:
            values[name] = to_cents(max(float(value), 0.0))
    return values
