"""Seed a plan's sales from a forecast run: style-color forecasts rolled up to the plan's
classes, in units and at current retail, for the plan's weeks that have not closed.

Plans are by department (optionally one channel or region); forecasts are for all
locations, so a scoped plan takes the share its locations had of each class's sales over
the last 13 closed weeks. Overrides count where the planner set them, and locked cells
keep their values. The write goes through the plan's own cell service, so it is audited
("Seeded"), version-checked and recomputed like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, Sum

from core.money import to_cents, to_units
from forecasting import selectors
from forecasting.models import ForecastOverride, ForecastRun, ForecastRunPartition, StyleColorForecast
from forecasting.services import ForecastError
from planning import clock
from planning.engine import spread
from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek, SalesHistory, StyleColor
from planning.plans.services import CellEdit, plan_cells_update

SHARE_WEEKS = 13


@dataclass(frozen=True)
class SeedPreview:
    run: ForecastRun
    weeks: list[int]
    class_units: dict[int, list[int]]  # merch class id -> hundredths of a unit per week
    class_sales: dict[int, list[int]]  # merch class id -> hundredths of a cent per week
    scope_share: dict[int, float]  # merch class id -> share of the class's sales in the plan's scope
    overrides_used: int


@dataclass(frozen=True)
class SeedResult:
    run: ForecastRun
    cells: int
    skipped_locked: int
    weeks: int
    total_units: int
    total_sales: Decimal


def seed_run_for(version: PlanVersion) -> ForecastRun | None:
    """The newest finished run whose partition for the plan's department succeeded."""
    return (
        ForecastRun.objects.filter(
            status__in=ForecastRun.FINISHED,
            partitions__department_id=version.plan.department_id,
            partitions__status=ForecastRunPartition.Status.SUCCEEDED,
        )
        .select_related("as_of_week")
        .order_by("-as_of_week_id", "-created_at")
        .first()
    )


def plan_seed_preview(version: PlanVersion, run: ForecastRun, *, use_overrides: bool = True) -> SeedPreview:
    plan = version.plan
    today = clock.today()
    plan_week_ids = set(
        PlanWeek.objects.filter(line__version=version, fiscal_week__end_date__gte=today)
        .values_list("fiscal_week_id", flat=True)
        .distinct()
    )
    rows = list(
        StyleColorForecast.objects.filter(
            run=run,
            fiscal_week_id__in=plan_week_ids,
            style_color__style__subclass__merch_class__department_id=plan.department_id,
        ).values_list("style_color_id", "fiscal_week_id", "units")
    )
    if not rows:
        raise ForecastError(
            f"Run {run.pk} (as of {run.as_of_week}) has no forecast for the open weeks of {plan.name}."
        )
    frame = pd.DataFrame(rows, columns=["item", "week", "units"])
    overrides_used = 0
    if use_overrides:
        overrides = pd.DataFrame(
            list(
                ForecastOverride.objects.filter(
                    style_color_id__in=frame["item"].unique().tolist(), fiscal_week_id__in=plan_week_ids
                ).values_list("style_color_id", "fiscal_week_id", "units")
            ),
            columns=["item", "week", "override"],
        )
        if not overrides.empty:
            frame = frame.merge(overrides, on=["item", "week"], how="left")
            overrides_used = int(frame["override"].notna().sum())
            frame["units"] = frame["override"].where(frame["override"].notna(), frame["units"])
    items = pd.DataFrame(
        list(
            StyleColor.objects.filter(pk__in=frame["item"].unique().tolist()).values_list(
                "id", "style__subclass__merch_class_id", "retail_price"
            )
        ),
        columns=["item", "merch_class", "price"],
    )
    frame = frame.merge(items, on="item")
    # Exact arithmetic: units in cents of a unit, sales in hundredths of a cent (both stored
    # with two decimals), so totals do not depend on float rounding.
    frame["units"] = [int(value * 100) for value in frame["units"]]
    frame["sales"] = frame["units"] * np.asarray(
        [int(price * 100) for price in frame["price"]], dtype=np.int64
    )
    share = _scope_share(version, run)
    if is_scoped(version):
        scale = frame["merch_class"].map(share).fillna(0.0).to_numpy()
        frame["units"] = np.rint(frame["units"].to_numpy() * scale).astype(np.int64)
        frame["sales"] = np.rint(frame["sales"].to_numpy() * scale).astype(np.int64)
    weeks = sorted(frame["week"].unique().tolist())
    totals = frame.groupby(["merch_class", "week"])[["units", "sales"]].sum()
    class_units: dict[int, list[int]] = {}
    class_sales: dict[int, list[int]] = {}
    for merch_class in sorted(frame["merch_class"].unique().tolist()):
        block = totals.loc[merch_class].reindex(weeks, fill_value=0)
        class_units[int(merch_class)] = [int(value) for value in block["units"]]
        class_sales[int(merch_class)] = [int(value) for value in block["sales"]]
    return SeedPreview(run, weeks, class_units, class_sales, share, overrides_used)


def is_scoped(version: PlanVersion) -> bool:
    return version.plan.channel_id is not None or version.plan.region_id is not None


def _scope_share(version: PlanVersion, run: ForecastRun) -> dict[int, float]:
    """Share of each class's unit sales that the plan's channel/region had recently."""
    plan = version.plan
    if not is_scoped(version):
        return {}
    recent = selectors.weeks_up_to(run.as_of_week, SHARE_WEEKS)
    scope = Q(location__channel_id=plan.channel_id) if plan.channel_id else Q()
    if plan.region_id:
        scope &= Q(location__region_id=plan.region_id)
    base = SalesHistory.objects.filter(
        sku__style_color__style__subclass__merch_class__department_id=plan.department_id,
        fiscal_week_id__gte=recent[0].id,
        fiscal_week_id__lte=recent[-1].id,
    )
    key = "sku__style_color__style__subclass__merch_class_id"
    everywhere = dict(base.values_list(key).annotate(units=Sum("units")).order_by())
    scoped = dict(base.filter(scope).values_list(key).annotate(units=Sum("units")).order_by())
    return {
        int(merch_class): (scoped.get(merch_class, 0) / total if total else 0.0)
        for merch_class, total in everywhere.items()
    }


def plan_seed_from_forecast(
    *, user: User, version_id: int, run_id: int | None = None, use_overrides: bool = True
) -> SeedResult:
    """Write forecast sales (units and retail $) into the plan's open weeks, class by class."""
    version = PlanVersion.objects.select_related("plan").get(pk=version_id)
    run = (
        ForecastRun.objects.select_related("as_of_week").filter(pk=run_id).first()
        if run_id is not None
        else seed_run_for(version)
    )
    if run is None:
        raise ForecastError(f"No finished forecast covers {version.plan.department}: run a forecast first.")
    if not run.is_finished:
        raise ForecastError(f"Forecast run {run.pk} has not finished yet.")
    preview = plan_seed_preview(version, run, use_overrides=use_overrides)
    with transaction.atomic():
        # The version row first, as every plan write locks it: no lock can change between
        # reading the locked cells here and writing the others.
        PlanVersion.objects.select_for_update().filter(pk=version.pk).first()
        return _seed(user, version, run, preview)


def _seed(user: User, version: PlanVersion, run: ForecastRun, preview: SeedPreview) -> SeedResult:
    lines = dict(
        PlanLine.objects.filter(version=version, merch_class__isnull=False).values_list(
            "merch_class_id", "id"
        )
    )
    locked = {
        (line_id, week_id): set(filter(None, flags.split(",")))
        for line_id, week_id, flags in PlanWeek.objects.filter(
            line_id__in=lines.values(), fiscal_week_id__in=preview.weeks
        ).values_list("line_id", "fiscal_week_id", "locked")
    }
    edits: list[CellEdit] = []
    skipped = 0
    total_units = 0
    total_sales = Decimal("0")
    for merch_class, line_id in sorted(lines.items()):
        if merch_class not in preview.class_units:
            continue  # no forecast for this class (no item on sale): its plan stays as it is
        units_by_week = preview.class_units[merch_class]
        sales_by_week = preview.class_sales[merch_class]
        # Whole units and cents that add up to the exact line totals rounded half up, spread in
        # proportion to the weeks (largest remainder).
        units_total = to_units(Decimal(sum(units_by_week)) / 100)
        sales_total = to_cents(Decimal(sum(sales_by_week)) / 10000)
        units = spread(float(units_total), np.asarray(units_by_week, dtype=float), decimals=0)
        sales = spread(float(sales_total), np.asarray(sales_by_week, dtype=float), decimals=2)
        for week_id, unit_value, sales_value in zip(preview.weeks, units, sales, strict=True):
            flags = locked.get((line_id, week_id))
            if flags is None:
                continue
            for measure, value in (("sales_units", f"{unit_value:.0f}"), ("sales", f"{sales_value:.2f}")):
                if measure in flags:
                    skipped += 1
                    continue
                edits.append(CellEdit(line_id=line_id, week_id=week_id, measure=measure, value=value))
                if measure == "sales":
                    total_sales += Decimal(value)
                else:
                    total_units += int(value)
    if not edits:
        raise ForecastError("Every cell the forecast covers is locked: nothing to seed.")
    plan_cells_update(user=user, version_id=version.pk, edits=edits, source=PlanCellChange.Source.SEED)
    return SeedResult(run, len(edits), skipped, len(preview.weeks), total_units, total_sales)
