"""A version's detail seeded from its class lines: each class-week's sales, markdowns and units
split over the class's subclasses x the plan's regions by last year's sales of each leaf in the
same week (where the class sold nothing that week, by the leaf's whole last year; then evenly),
to the cent and the unit, so the leaves add up to their class line exactly."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from core.audit import audit_record
from planning import calendar
from planning.detail.store import encode
from planning.engine import split
from planning.models import (
    Location,
    PlanLeaf,
    PlanLine,
    PlanVersion,
    PlanWeek,
    Region,
    SalesHistory,
    Subclass,
)
from planning.plans.services import PlanError
from planning.plans.services.checks import _check_editable

Measure = PlanLeaf.Measure
SELLING = (Location.Kind.STORE, Location.Kind.ECOMMERCE)
FLOWS = {
    Measure.SALES: ("sales", 2),
    Measure.MARKDOWNS: ("markdowns", 2),
    Measure.SALES_UNITS: ("sales_units", 0),
}


def plan_regions(version: PlanVersion) -> list[int]:
    """The regions a version's plan covers: its region, its channel's, or every region with a
    selling location."""
    plan = version.plan
    if plan.region_id:
        return [plan.region_id]
    regions = Region.objects.filter(locations__kind__in=SELLING)
    if plan.channel_id:
        regions = regions.filter(channel_id=plan.channel_id)
    return sorted(set(regions.values_list("id", flat=True)))


def _last_year(version: PlanVersion, weeks: int) -> dict[tuple[int, int], np.ndarray]:
    """(subclass, region) -> last year's sales in cents by period: the comparable week of each
    of the plan's weeks (restated, as the plan's own last year is seeded)."""
    periods: dict[int, int] = {}
    for week_id, period in PlanWeek.objects.filter(
        line__version=version, line__merch_class__isnull=True
    ).values_list("fiscal_week_id", "period"):
        comparable = calendar.last_year_week(calendar.fiscal_week(week_id // 100, week_id % 100))
        if comparable is not None:
            periods[comparable.key] = period
    rows = (
        SalesHistory.objects.filter(
            fiscal_week_id__in=list(periods),
            sku__style_color__style__subclass__merch_class__department=version.plan.department_id,
        )
        .values("sku__style_color__style__subclass_id", "location__region_id", "fiscal_week_id")
        .annotate(total=Sum("retail_value"))
    )
    out: dict[tuple[int, int], np.ndarray] = defaultdict(lambda: np.zeros(weeks, dtype=np.int64))
    for row in rows:
        key = (row["sku__style_color__style__subclass_id"], row["location__region_id"])
        out[key][periods[row["fiscal_week_id"]]] += round(row["total"] * 100)
    return out


@transaction.atomic
def detail_create(*, user: User, version_id: int) -> int:
    """Split a version's class lines into its leaves; how many leaves. Refused when it has them."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)
    _check_editable(user, version)
    if PlanLeaf.objects.filter(version=version).exists():
        raise PlanError("This version has its detail already.")
    regions = plan_regions(version)
    if not regions:
        raise PlanError("No region has a store or web shop in this plan's scope: nothing to plan by region.")
    lines = list(
        PlanLine.objects.filter(version=version, merch_class__isnull=False).values_list(
            "id", "merch_class_id"
        )
    )
    weeks = PlanWeek.objects.filter(line_id=lines[0][0]).count() if lines else 0
    subclasses: dict[int, list[int]] = defaultdict(list)
    for subclass_id, class_id in (
        Subclass.objects.filter(merch_class__in=[c for _, c in lines])
        .order_by("code")
        .values_list("id", "merch_class_id")
    ):
        subclasses[class_id].append(subclass_id)
    last_year = _last_year(version, weeks)
    made: list[PlanLeaf] = []
    for line_id, class_id in lines:
        leaves = [(s, r) for s in subclasses.get(class_id, []) for r in regions]
        if not leaves:
            continue
        flows = _line_flows(line_id, weeks)
        shape = np.array([last_year[leaf] for leaf in leaves], dtype=np.float64)
        annual = np.repeat(shape.sum(axis=1, keepdims=True), weeks, axis=1)
        for measure, (field, places) in FLOWS.items():
            values = split(flows[field], shape, reference=annual, decimals=places) * (100 if places else 1)
            made.extend(
                _leaf(version, leaf, measure, values) for leaf, values in zip(leaves, values, strict=True)
            )
        made.extend(
            _leaf(version, leaf, Measure.LAST_YEAR_SALES, row)
            for leaf, row in zip(leaves, shape, strict=True)
        )
    PlanLeaf.objects.bulk_create(made, batch_size=2000)
    count = len(made) // (len(FLOWS) + 1)
    audit_record(
        user,
        "plan.detail.create",
        version,
        new={"leaves": count, "regions": len(regions)},
        department=version.plan.department_id,
    )
    return count


def _line_flows(line_id: int, weeks: int) -> dict[str, np.ndarray]:
    rows = list(
        PlanWeek.objects.filter(line_id=line_id)
        .order_by("period")
        .values_list("sales", "markdowns", "sales_units")
    )
    flows = np.array(rows, dtype=np.float64).reshape(-1, 3) if rows else np.zeros((weeks, 3))
    return {"sales": flows[:, 0], "markdowns": flows[:, 1], "sales_units": flows[:, 2]}


def _leaf(version: PlanVersion, leaf: tuple[int, int], measure: str, values: np.ndarray) -> PlanLeaf:
    return PlanLeaf(
        version=version,
        subclass_id=leaf[0],
        region_id=leaf[1],
        measure=measure,
        cents=encode(np.rint(values)),
    )
