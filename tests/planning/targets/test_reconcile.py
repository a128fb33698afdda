"""The reconciliation table in conftest.py's numbers, with published targets of last year
+ 10 % (Tops 44,000, Dresses 38,500, Knitwear 27,500: 110,000 for Womenswear in M01)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from core.approvals import approval_decide, approval_submit
from planning.models import Department, Division, Location, PlanWeek, SalesHistory, TargetVersion
from planning.plans.grid import plan_grid
from planning.plans.grid_cells import format_value
from planning.targets.reconcile import Figure, reconciliation
from planning.targets.services import TargetSpec, target_create, target_publish
from tests.factories.planning import (
    ChannelFactory,
    PlanFactory,
    PlanLineFactory,
    PlanVersionFactory,
    PlanWeekFactory,
    RegionFactory,
    StoreFactory,
)

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def published(division: dict[str, Any], target_manager: User, second_target_manager: User) -> TargetVersion:
    version = target_create(
        user=target_manager, spec=TargetSpec(division["division"].pk, 2027, growth_percent=D(10))
    )
    approval_submit("target", version.pk, target_manager)
    approval_decide("target", version.pk, second_target_manager, "approve")
    return target_publish(user=target_manager, version_id=version.pk)


def _m01(table: Any) -> dict[str, Figure]:
    return {row.label: row.figures[0] for row in table.rows}


def test_sales_by_level_beside_the_plans_and_last_year(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    table = reconciliation(division["division"], 2027, opened=division["tops"].pk)
    region = division["store"].region.name  # the store's region (a factory's name)
    assert [(row.level, row.label) for row in table.rows] == [
        ("company", "Company"), ("division", "W Womenswear"), ("department", "W-DRS Dresses"),
        ("department", "W-KNT Knitwear"), ("department", "W-TOP Tops"),
        ("class", "W-TOP-BLS Blouses"), ("class", "W-TOP-TEE Tees"), ("channel", "Stores channel"),
        ("region", region),
    ]  # fmt: skip
    m01 = _m01(table)
    division_row = m01["W Womenswear"]
    assert (division_row.target, division_row.plan, division_row.last_year) == (
        D("110000.00"), D("72000.00"), D("100000.00"),
    )  # fmt: skip
    assert (division_row.variance, division_row.variance_percent, division_row.flagged) == (
        D("-38000.00"), D("-34.5"), True,
    )  # fmt: skip
    tops = m01["W-TOP Tops"]
    assert (tops.target, tops.plan, tops.variance, tops.variance_percent, tops.flagged) == (
        D("44000.00"), D("42000.00"), D("-2000.00"), D("-4.5"), False,
    )  # fmt: skip
    # Tops' 44,000 by last year's classes 30,000 : 10,000 -> Tees 33,000, Blouses 11,000.
    tees, blouses = m01["W-TOP-TEE Tees"], m01["W-TOP-BLS Blouses"]
    assert (tees.target, tees.plan, tees.variance_percent, tees.flagged) == (
        D("33000.00"),
        D("31000.00"),
        D("-6.1"),
        True,
    )
    assert (blouses.target, blouses.plan, blouses.variance, blouses.flagged) == (
        D("11000.00"),
        D("11000.00"),
        D("0.00"),
        False,
    )
    knit = m01["W-KNT Knitwear"]
    assert (knit.target, knit.plan, knit.variance, knit.flagged) == (D("27500.00"), None, None, False)
    dresses = m01["W-DRS Dresses"]
    assert (dresses.variance_percent, dresses.flagged) == (D("-22.1"), True)
    # The year: every other month is empty, so FY2027 equals M01.
    assert table.columns[12:] == ["Q1", "Q2", "Q3", "Q4", "H1", "H2", "FY2027"]
    quarter, half, fiscal_year = (table.rows[1].figures[i].target for i in (12, 16, 18))
    assert quarter == half == fiscal_year == D("110000.00")
    assert table.columns[0].startswith("M01")


def test_the_company_sums_its_divisions_and_has_no_target_while_one_division_has_none(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    men = Division.objects.create(code="M", name="Menswear")
    Department.objects.create(code="M-SHT", name="Shirts", division=men)
    table = reconciliation(division["division"], 2027)
    by_label = {row.label: row.figures[0] for row in table.rows}
    company, women = by_label["Company"], by_label["W Womenswear"]
    assert (company.plan, company.last_year, company.target) == (D("72000.00"), D("100000.00"), None)
    assert women.target == D("110000.00")
    menswear = next(row for row in table.rows if row.label == "M Menswear")
    assert (menswear.figures[0].target, menswear.figures[0].plan) == (None, None)  # no plan: a dash
    assert not any(row.level == "department" and row.label.startswith("M-") for row in table.rows)
    alone = reconciliation(men, 2027)
    assert [row.label for row in alone.rows] == ["Company", "M Menswear", "M-SHT Shirts", "W Womenswear"]


def test_classes_show_only_under_the_opened_department(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    closed = reconciliation(division["division"], 2027)
    assert [row.level for row in closed.rows] == [
        "company",
        "division",
        "department",
        "department",
        "department",
    ]
    opened = reconciliation(division["division"], 2027, opened=division["tops"].pk)
    assert [row.label for row in opened.rows if row.level == "class"] == [
        "W-TOP-BLS Blouses",
        "W-TOP-TEE Tees",
    ]
    tops = next(
        row for row in opened.rows if row.level == "department" and row.node_id == division["tops"].pk
    )
    assert (tops.planners, tops.plan_status) == ("pat.planner", "Draft")


def test_gm_percent_is_recomputed_from_components_at_every_level(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    table = reconciliation(division["division"], 2027, measure="gm_percent")
    m01 = _m01(table)
    # Targets keep last year's 60 %; the plans carry 55 %: 5.0 points under, within 5 points.
    assert (m01["W-TOP Tops"].target, m01["W-TOP Tops"].plan, m01["W-TOP Tops"].variance) == (
        D("60.0"), D("55.0"), D("-5.0"),
    )  # fmt: skip
    assert m01["W-TOP Tops"].flagged is False
    tight = reconciliation(division["division"], 2027, measure="gm_percent", tolerance=D("2"))
    assert _m01(tight)["W-TOP Tops"].flagged is True


def test_without_published_targets_the_plans_still_show(division: dict[str, Any], plans: Any) -> None:
    table = reconciliation(division["division"], 2027)
    assert table.targets is None
    division_row = table.rows[1].figures[0]
    assert (division_row.target, division_row.plan, division_row.variance) == (None, D("72000.00"), None)


def test_published_targets_are_a_reference_row_in_the_plan_grid(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    grid = plan_grid(plans["W-TOP"], is_editable=False)
    total = next(block for block in grid.lines if block.is_total)
    rows = {row.label: [cell.text for cell in row.cells] for row in total.rows}
    # Tops' M01 target 44,000 (one week in this plan); the plan's 42,000 is 2,000 under it.
    assert rows["TG sales $"][0] == format_value("sales", 44_000.0)[0]
    assert rows["vs TG $"][0] == format_value("sales", -2_000.0)[0]
    class_block = next(block for block in grid.lines if not block.is_total)
    assert not any(row.label.startswith("TG") for row in class_block.rows)  # set by department


def test_a_class_sold_below_cost_last_year_does_not_break_the_page(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    # Knitwear's sweaters sold at a loss last year: 25,000 at retail, 30,000 at cost.
    SalesHistory.objects.filter(sku__style_color__style__subclass__merch_class=division["sweaters"]).update(
        cost_value=D("30000.00")
    )
    table = reconciliation(division["division"], 2027, measure="gm_percent", opened=division["knit"].pk)
    sweaters = next(row for row in table.rows if row.label == "W-KNT-SWT Sweaters")
    assert sweaters.figures[0].last_year == D("-20.0")  # -5,000 on 25,000


def test_a_zero_target_against_a_plan_is_flagged(
    division: dict[str, Any], plans: Any, target_manager: User, second_target_manager: User
) -> None:
    version = target_create(user=target_manager, spec=TargetSpec(division["division"].pk, 2027, seed="empty"))
    approval_submit("target", version.pk, target_manager)
    approval_decide("target", version.pk, second_target_manager, "approve")
    target_publish(user=target_manager, version_id=version.pk)
    table = reconciliation(division["division"], 2027)
    tops = _m01(table)["W-TOP Tops"]
    assert (tops.target, tops.plan, tops.variance_percent, tops.flagged) == (
        D("0.00"),
        D("42000.00"),
        None,
        True,
    )
    knit = _m01(table)["W-KNT Knitwear"]  # no plan, nothing to flag
    assert knit.flagged is False
    # Flagged months: Tops, Dresses, the division and the company in M01 (no plan elsewhere).
    assert table.flagged_count == 4


def test_last_year_has_no_receipts_or_stock_to_show(
    division: dict[str, Any], plans: Any, published: Any
) -> None:
    for measure in ("receipts", "eop"):
        assert (
            _m01(reconciliation(division["division"], 2027, measure=measure))["W-TOP Tops"].last_year is None
        )
    assert _m01(reconciliation(division["division"], 2027))["W-TOP Tops"].last_year == D("40000.00")


def test_an_opened_department_by_channel(
    division: dict[str, Any], plans: Any, published: Any, planner: Any
) -> None:
    """Tops sold only in stores last year (40,000); a web plan of 5,000 exists for M01."""
    web = ChannelFactory(code="ECOM", name="E-commerce", kind="ecommerce")
    week = PlanWeek.objects.filter(line__version=plans["W-TOP"]).first().fiscal_week  # type: ignore[union-attr]
    plan = PlanFactory(
        department=division["tops"], channel=web, first_week=week, last_week=week, created_by=planner
    )
    line = PlanLineFactory(version=PlanVersionFactory(plan=plan), merch_class=division["tees"])
    PlanWeekFactory(line=line, fiscal_week=week, period=0, sales=D("5000.00"))
    table = reconciliation(division["division"], 2027, opened=division["tops"].pk)
    channels = {row.label: row.figures[0] for row in table.rows if row.level == "channel"}
    stores, online = channels["Stores channel"], channels["E-commerce channel"]
    # Tops' 44,000 by last year's channel sales 40,000 : 0; the channels add up to Tops.
    assert (stores.target, stores.plan, stores.last_year) == (D("44000.00"), None, D("40000.00"))
    assert (online.target, online.plan, online.last_year, online.flagged) == (
        D("0.00"),
        D("5000.00"),
        D("0.00"),
        True,
    )


def test_a_channel_by_region_splits_its_target_by_last_years_regions(
    division: dict[str, Any], plans: Any, published: Any, planner: Any
) -> None:
    """Blouses (10,000 last year) sold in a second store of another region of the same channel."""
    store = division["store"]
    south = RegionFactory(channel=store.channel, name="South")
    StoreFactory(code="S-SOUTH", channel=store.channel, region=south)
    SalesHistory.objects.filter(sku__style_color__style__subclass__merch_class=division["blouses"]).update(
        location=Location.objects.get(code="S-SOUTH")
    )
    week = PlanWeek.objects.filter(line__version=plans["W-TOP"]).first().fiscal_week  # type: ignore[union-attr]
    plan = PlanFactory(
        department=division["tops"], channel=store.channel, region=south, first_week=week, last_week=week,
        created_by=planner,
    )  # fmt: skip
    line = PlanLineFactory(version=PlanVersionFactory(plan=plan), merch_class=division["blouses"])
    PlanWeekFactory(line=line, fiscal_week=week, period=0, sales=D("12000.00"))
    table = reconciliation(division["division"], 2027, opened=division["tops"].pk)
    rows = {row.label: row.figures[0] for row in table.rows if row.level in ("channel", "region")}
    # Stores' 44,000 by last year's regions 30,000 : 10,000 -> 33,000 and 11,000.
    assert rows["Stores channel"].target == D("44000.00")
    assert (rows[store.region.name].target, rows[store.region.name].plan) == (D("33000.00"), None)
    assert (rows["South"].target, rows["South"].plan, rows["South"].last_year) == (
        D("11000.00"), D("12000.00"), D("10000.00"),
    )  # fmt: skip
    assert rows["South"].variance_percent == D("9.1")
