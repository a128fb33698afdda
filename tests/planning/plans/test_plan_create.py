"""plan_create: LY and TY versions from history and stock, the working plan seeded from LY.

History and stock are in conftest.py (with the hand-checked figures); the plan covers FY2025
W01..W04, compared on the restated calendar with FY2024 W01..W04, growth 10%, FWOS, wrap.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from planning.models import Plan, PlanLine, PlanTransition, PlanVersion, PlanWeek
from planning.plans.services import PlanError, PlanSpec, plan_create
from tests.planning.plans.conftest import column, dollars, line_of, version_of

Retailer = dict[str, Any]
Kind = PlanVersion.Kind


# --- last year ------------------------------------------------------------------------------


def test_last_year_sales_are_the_history_of_the_restated_weeks(plan: Plan, history: dict[str, Any]) -> None:
    last_year = version_of(plan, Kind.LAST_YEAR)

    tees, blouses = line_of(last_year, history["tees"]), line_of(last_year, history["blouses"])
    assert column(tees, "sales") == dollars("456.00", "240.00", "720.00", "180.00")
    assert column(tees, "sales_units") == [20, 10, 30, 10]
    assert column(tees, "markdowns") == dollars("36.00", "0.00", "0.00", "60.00")
    assert column(blouses, "sales") == dollars("300.00", "150.00", "300.00", "150.00")
    # FY2025 week N sits beside FY2024 week N: the plan's own weeks, last year's numbers.
    assert column(tees, "fiscal_week_id") == [202501, 202502, 202503, 202504]


def test_last_year_stock_is_on_hand_at_retail_carried_forward(plan: Plan, history: dict[str, Any]) -> None:
    last_year = version_of(plan, Kind.LAST_YEAR)

    tees, blouses = line_of(last_year, history["tees"]), line_of(last_year, history["blouses"])
    # S@store 50 (FY2023 W52) -> 40 (W02); M@web 30 (W01) -> 10 (W04); x 24.00; the DC's 1,000 ignored.
    assert tees.opening_stock == Decimal("1200.00")
    assert column(tees, "eop") == dollars("1920.00", "1680.00", "1680.00", "1200.00")
    assert column(tees, "bop") == dollars("1200.00", "1920.00", "1680.00", "1680.00")
    # Receipts implied by the stock identity: EOP - BOP + sales + markdowns.
    assert column(tees, "receipts") == dollars("1212.00", "0.00", "720.00", "-240.00")
    # Blouses: no stock before W01; 30 x 30.00 from W01, 15 x 30.00 from W03.
    assert blouses.opening_stock == Decimal("0.00")
    assert column(blouses, "eop") == dollars("900.00", "900.00", "450.00", "450.00")
    assert column(blouses, "receipts") == dollars("1200.00", "150.00", "-150.00", "150.00")


def test_this_year_actuals_of_closed_weeks(plan: Plan, history: dict[str, Any]) -> None:
    actuals = version_of(plan, Kind.ACTUAL)

    tees, blouses = line_of(actuals, history["tees"]), line_of(actuals, history["blouses"])
    # No sales in FY2025; the stock of FY2024 W04 carries on.
    assert column(tees, "sales") == dollars("0", "0", "0", "0")
    assert tees.opening_stock == Decimal("1200.00")
    assert column(tees, "eop") == dollars("1200.00", "1200.00", "1200.00", "1200.00")
    assert blouses.opening_stock == Decimal("450.00")
    assert column(blouses, "eop") == dollars("450.00", "450.00", "450.00", "450.00")


def test_only_the_departments_classes_are_planned(plan: Plan, history: dict[str, Any]) -> None:
    for version in plan.versions.all():
        classes = set(PlanLine.objects.filter(version=version).values_list("merch_class_id", flat=True))
        assert classes == {history["blouses"].pk, history["tees"].pk, None}
    # Ordered by class code, the total line first.
    lines = PlanLine.objects.filter(version=version_of(plan, Kind.WORKING)).order_by("position")
    assert [line.merch_class_id for line in lines] == [None, history["blouses"].pk, history["tees"].pk]


# --- the working plan -----------------------------------------------------------------------


def test_working_plan_sales_are_last_year_plus_growth(working: PlanVersion, history: dict[str, Any]) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])

    assert column(tees, "sales") == dollars("501.60", "264.00", "792.00", "198.00")
    assert column(tees, "sales_units") == [22, 11, 33, 11]
    assert column(tees, "markdowns") == dollars("39.60", "0.00", "0.00", "66.00")
    assert column(blouses, "sales") == dollars("330.00", "165.00", "330.00", "165.00")


def test_fwos_targets_are_seeded_from_last_year(working: PlanVersion, history: dict[str, Any]) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])

    # Tees LY sales 456, 240, 720, 180 (wrap). W01's 1,920 covers 240+720+180+456+240 = 1,836
    # and 84/720 of W03: 5.1; W02's 1,680: 720+180+456+240 and 84/720: 4.1; W03's 1,680:
    # 180+456+240+720 and 84/180: 4.5; W04's 1,200: 456+240 and 504/720: 2.7.
    assert column(tees, "target") == dollars("5.100", "4.100", "4.500", "2.700")
    # Blouses LY sales 300, 150, 300, 150, EOP 900, 900, 450, 450: 4, 4, 2, 2.
    assert column(blouses, "target") == dollars("4.000", "4.000", "2.000", "2.000")
    assert {line.method for line in PlanLine.objects.filter(version=working, merch_class__isnull=False)} == {
        "fwos"
    }


def test_working_plan_stock_from_the_seeded_targets(working: PlanVersion, history: dict[str, Any]) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])

    # Opening: this year's actual stock before FY2025 W01 (FY2024 W04's position).
    assert tees.opening_stock == Decimal("1200.00")
    # Sales 501.6, 264, 792, 198: W01 FWOS 5.1 = 264+792+198+501.6+264 + 0.1x792 = 2,098.80;
    # W02 4.1 = 792+198+501.6+264 + 79.2 = 1,834.80; W03 4.5 = 198+501.6+264+792 + 99 = 1,854.60;
    # W04 2.7 = 501.6+264 + 0.7x792 = 1,320.00.
    assert column(tees, "eop") == dollars("2098.80", "1834.80", "1854.60", "1320.00")
    assert column(tees, "bop") == dollars("1200.00", "2098.80", "1834.80", "1854.60")
    assert column(tees, "receipts") == dollars("1440.00", "0.00", "811.80", "-270.60")
    assert column(tees, "otb") == dollars("1440.00", "0.00", "811.80", "-270.60")  # nothing on order
    assert blouses.opening_stock == Decimal("450.00")
    assert column(blouses, "eop") == dollars("990.00", "990.00", "495.00", "495.00")
    assert column(blouses, "receipts") == dollars("870.00", "165.00", "-165.00", "165.00")


def test_total_line_is_the_sum_of_the_class_lines(plan: Plan) -> None:
    for version in plan.versions.all():
        total = line_of(version, None)
        classes = PlanLine.objects.filter(version=version, merch_class__isnull=False)
        assert total.opening_stock == sum(line.opening_stock for line in classes)
        for name in ("sales", "sales_units", "markdowns", "shrink", "receipts", "bop", "eop", "otb"):
            by_line = [column(line, name) for line in classes]
            assert column(total, name) == [sum(values) for values in zip(*by_line, strict=True)], (
                version.kind,
                name,
            )


def test_working_plan_total_by_hand(working: PlanVersion) -> None:
    total = line_of(working, None)

    assert total.opening_stock == Decimal("1650.00")
    assert column(total, "sales") == dollars("831.60", "429.00", "1122.00", "363.00")
    assert column(total, "eop") == dollars("3088.80", "2824.80", "2349.60", "1815.00")
    assert column(total, "receipts") == dollars("2310.00", "165.00", "646.80", "-105.60")


def test_versions_and_their_states(plan: Plan, planner: User) -> None:
    states = {
        version.kind: (version.status, version.is_frozen, version.is_editable)
        for version in plan.versions.all()
    }

    assert states == {
        Kind.LAST_YEAR: ("approved", True, False),
        Kind.ACTUAL: ("approved", True, False),
        Kind.WORKING: ("draft", False, True),
    }
    transitions = PlanTransition.objects.filter(version__plan=plan)
    assert sorted((t.version.kind, t.action, t.to_status, t.user_id) for t in transitions) == sorted(
        [
            (Kind.LAST_YEAR, "create", "approved", planner.pk),
            (Kind.ACTUAL, "create", "approved", planner.pk),
            (Kind.WORKING, "create", "draft", planner.pk),
        ]
    )


def test_every_row_satisfies_the_stock_identity(plan: Plan) -> None:
    rows = PlanWeek.objects.filter(line__version__plan=plan).select_related("line")
    assert rows.count() == 3 * 3 * 4  # versions x (2 classes + total) x weeks

    openings: dict[int, Decimal] = {}
    for row in rows.order_by("line_id", "period"):
        assert row.eop == row.bop + row.receipts - row.sales - row.markdowns - row.shrink, row
        assert row.otb == row.receipts - row.on_order
        expected_bop = row.line.opening_stock if row.period == 0 else openings[row.line_id]
        assert row.bop == expected_bop
        openings[row.line_id] = row.eop


# --- refusals -------------------------------------------------------------------------------


def test_a_planner_of_another_department_cannot_create(
    planner: User, retailer: Retailer, history: dict[str, Any], spec: Callable[..., PlanSpec]
) -> None:
    retailer["dresses"].planners.add(planner)  # Dresses only, not Tops

    with pytest.raises(PermissionDenied):
        plan_create(user=planner, spec=spec())

    assert not Plan.objects.exists()


def test_an_executive_cannot_create(
    executive: User, retailer: Retailer, history: dict[str, Any], spec: Callable[..., PlanSpec]
) -> None:
    with pytest.raises(PermissionDenied):
        plan_create(user=executive, spec=spec())

    assert not Plan.objects.exists()


def test_a_duplicate_name_is_refused(plan: Plan, planner: User, spec: Callable[..., PlanSpec]) -> None:
    with pytest.raises(PlanError, match="already exists"):
        plan_create(user=planner, spec=spec(growth_percent=Decimal("0")))

    assert Plan.objects.count() == 1
    assert PlanVersion.objects.count() == 3


def test_weeks_backwards_are_refused(
    planner: User, retailer: Retailer, history: dict[str, Any], spec: Callable[..., PlanSpec]
) -> None:
    retailer["tops"].planners.add(planner)

    with pytest.raises(PlanError):
        plan_create(user=planner, spec=spec(first_week_id=202504, last_week_id=202501))

    assert not Plan.objects.exists()


def test_a_channel_plan_counts_only_that_channels_locations(
    planner: User, retailer: Retailer, history: dict[str, Any], spec: Callable[..., PlanSpec]
) -> None:
    retailer["tops"].planners.add(planner)

    plan = plan_create(user=planner, spec=spec("Tops web", channel_id=retailer["web"].channel_id))

    tees = line_of(version_of(plan, Kind.LAST_YEAR), history["tees"])
    # Web only: M 216.00 in W01 and 240.00 in W03; M@web stock 30 from W01, 10 from W04.
    assert column(tees, "sales") == dollars("216.00", "0.00", "240.00", "0.00")
    assert tees.opening_stock == Decimal("0.00")
    assert column(tees, "eop") == dollars("720.00", "720.00", "720.00", "240.00")
