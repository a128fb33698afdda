"""Seeding a plan's sales from a forecast run: class roll-up, overrides, locks, audit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from forecasting import seeding, services
from forecasting.models import ForecastOverride, ForecastRun, StyleColorForecast
from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.services import plan_cell_lock

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_setup(demo: None, start_run: Callable[..., ForecastRun]) -> dict[str, Any]:
    planner = User.objects.get(username="planner")
    version = PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING).earliest("plan_id")  # the demo plan
    run = start_run(user=planner, department_ids=[version.plan.department_id], horizon=13)
    return {"planner": planner, "version": version, "run": run}


def _expected(
    run_id: int, week_ids: set[int], overrides: dict[tuple[int, int], Decimal]
) -> dict[int, list[Decimal]]:
    """Per class: exact units and retail $ over the open plan weeks, computed with Decimals."""
    units: dict[int, Decimal] = defaultdict(Decimal)
    sales: dict[int, Decimal] = defaultdict(Decimal)
    rows = StyleColorForecast.objects.filter(run_id=run_id, fiscal_week_id__in=week_ids).values_list(
        "style_color_id",
        "fiscal_week_id",
        "units",
        "style_color__retail_price",
        "style_color__style__subclass__merch_class_id",
    )
    for item, week, value, price, merch_class in rows:
        value = overrides.get((item, week), value)
        units[merch_class] += value
        sales[merch_class] += value * price
    return {key: [units[key], sales[key]] for key in units}


def _open_week_ids(version: PlanVersion) -> set[int]:
    today = timezone.localdate()
    return set(
        PlanWeek.objects.filter(line__version=version, fiscal_week__end_date__gte=today).values_list(
            "fiscal_week_id", flat=True
        )
    )


def test_seeding_writes_class_totals_of_the_forecast_into_the_open_weeks(
    seeded_setup: dict[str, Any],
) -> None:
    version, run, planner = seeded_setup["version"], seeded_setup["run"], seeded_setup["planner"]
    open_weeks = _open_week_ids(version)
    covered = open_weeks & set(
        StyleColorForecast.objects.filter(run=run).values_list("fiscal_week_id", flat=True)
    )
    assert covered
    expected = _expected(run.pk, covered, {})
    before = {
        (row.line_id, row.fiscal_week_id): (row.sales_units, row.sales)
        for row in PlanWeek.objects.filter(line__version=version)
    }
    closed_before = {
        (row.line_id, row.fiscal_week_id): (row.sales_units, row.sales)
        for row in PlanWeek.objects.filter(line__version=version).exclude(fiscal_week_id__in=covered)
    }

    result = seeding.plan_seed_from_forecast(user=planner, version_id=version.pk)

    assert result.run == run
    assert result.weeks == len(covered)
    for line in PlanLine.objects.filter(version=version, merch_class__isnull=False):
        weeks = PlanWeek.objects.filter(line=line, fiscal_week_id__in=covered)
        if line.merch_class_id not in expected:
            # A class the run did not forecast (nothing on sale) keeps its plan.
            assert [(row.sales_units, row.sales) for row in weeks] == [
                before[(row.line_id, row.fiscal_week_id)] for row in weeks
            ]
            continue
        units, sales = expected[line.merch_class_id]
        # Whole units and cents, adding up to the class totals rounded half up.
        assert sum(row.sales_units for row in weeks) == int(units.quantize(Decimal(1), ROUND_HALF_UP))
        assert sum(row.sales for row in weeks) == sales.quantize(Decimal("0.01"), ROUND_HALF_UP)
    # Closed weeks (actuals) and weeks beyond the forecast are untouched.
    after = {
        (row.line_id, row.fiscal_week_id): (row.sales_units, row.sales)
        for row in PlanWeek.objects.filter(line__version=version).exclude(fiscal_week_id__in=covered)
    }
    assert after == closed_before
    seeded = PlanCellChange.objects.filter(line__version=version, source=PlanCellChange.Source.SEED)
    assert seeded.count() == result.cells
    assert set(seeded.values_list("changed_by__username", flat=True)) == {"planner"}


def test_overrides_count_and_locked_cells_keep_their_values(seeded_setup: dict[str, Any]) -> None:
    version, run, planner = seeded_setup["version"], seeded_setup["run"], seeded_setup["planner"]
    covered = sorted(
        _open_week_ids(version)
        & set(StyleColorForecast.objects.filter(run=run).values_list("fiscal_week_id", flat=True))
    )
    row = (
        StyleColorForecast.objects.filter(run=run, fiscal_week_id=covered[0])
        .select_related("style_color")
        .first()
    )
    assert row is not None
    services.forecast_override_set(
        user=planner,
        style_color_id=row.style_color_id,
        fiscal_week_id=row.fiscal_week_id,
        units=str(row.units + 500),
        reason=ForecastOverride.Reason.PROMOTION,
    )
    merch_class = row.style_color.style.subclass.merch_class_id
    line = PlanLine.objects.get(version=version, merch_class_id=merch_class)
    # Lock sales $ of the second week: seeding must leave it.
    locked_week = covered[1]
    locked_before = PlanWeek.objects.get(line=line, fiscal_week_id=locked_week).sales
    plan_cell_lock(
        user=planner,
        version_id=version.pk,
        line_id=line.pk,
        week_id=locked_week,
        measure="sales",
        locked=True,
    )
    expected = _expected(run.pk, {covered[0]}, {(row.style_color_id, row.fiscal_week_id): row.units + 500})

    result = seeding.plan_seed_from_forecast(user=planner, version_id=version.pk)

    first_week = PlanWeek.objects.get(line=line, fiscal_week_id=covered[0])
    # Largest remainder may give this week the line's leftover unit: within one of exact.
    assert abs(first_week.sales_units - expected[merch_class][0]) < 1
    assert PlanWeek.objects.get(line=line, fiscal_week_id=locked_week).sales == locked_before
    assert result.skipped_locked == 1

    without = seeding.plan_seed_from_forecast(
        user=planner,
        version_id=version.pk,
        use_overrides=False,
    )
    # The override added exactly 500 units to one class's week.
    assert without.total_units == result.total_units - 500


def test_seeding_needs_a_finished_run_of_the_department(demo: None) -> None:
    planner = User.objects.get(username="planner")
    version = PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING).earliest("plan_id")  # the demo plan
    before = list(PlanWeek.objects.filter(line__version=version).values_list("sales_units", flat=True))

    with pytest.raises(services.ForecastError, match="run a forecast first"):
        seeding.plan_seed_from_forecast(user=planner, version_id=version.pk)

    assert (
        list(PlanWeek.objects.filter(line__version=version).values_list("sales_units", flat=True)) == before
    )
