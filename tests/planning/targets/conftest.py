"""A division of three departments with last year's sales in FY2026 M01 and working plans for
FY2027 M01, in DESIGN.md section 12's numbers:

Womenswear (W) last year, M01 (sales at retail; cost 40 %, so gross margin 60 %):
  Tops (W-TOP)       40,000.00: Tees 30,000.00 (1,250 units x 24.00), Blouses 10,000.00 (250 x 40.00)
  Dresses (W-DRS)    35,000.00: Day dresses (875 x 40.00)
  Knitwear (W-KNT)   25,000.00: Sweaters (500 x 50.00)
Working plans, FY2027 M01 (week 1 of the month): Tops 42,000.00 (Tees 31,000.00, Blouses
11,000.00), Dresses 30,000.00; Knitwear has no plan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from planning.models import Department, Division, FiscalWeek, PlanVersion
from tests.factories.planning import (
    PlanFactory,
    PlanLineFactory,
    PlanVersionFactory,
    PlanWeekFactory,
    SaleFactory,
    StoreFactory,
    item,
)
from tests.fixtures.people import role_user

D = Decimal


def _first_week(year: int, month: int) -> FiscalWeek:
    return FiscalWeek.objects.filter(year=year, month=month).order_by("week").first()  # type: ignore[return-value]


@pytest.fixture
def division(db: None) -> dict[str, Any]:
    women = Division.objects.create(code="W", name="Womenswear")
    tops = Department.objects.create(code="W-TOP", name="Tops", division=women)
    dresses = Department.objects.create(code="W-DRS", name="Dresses", division=women)
    knit = Department.objects.create(code="W-KNT", name="Knitwear", division=women)
    tees, tee = item(tops, "W-TOP-TEE", "Tees", "24.00", sizes=("M",))
    blouses, blouse = item(tops, "W-TOP-BLS", "Blouses", "40.00", sizes=("M",))
    day, day_dress = item(dresses, "W-DRS-DAY", "Day dresses", "40.00", sizes=("M",))
    sweaters, sweater = item(knit, "W-KNT-SWT", "Sweaters", "50.00", sizes=("M",))
    store = StoreFactory()
    ly_week = _first_week(2026, 1)
    for sku, units in ((tee, 1250), (blouse, 250), (day_dress, 875), (sweater, 500)):
        SaleFactory(sku=sku, location=store, fiscal_week=ly_week, units=units)
    return {
        "division": women, "tops": tops, "dresses": dresses, "knit": knit,
        "tees": tees, "blouses": blouses, "day": day, "sweaters": sweaters, "store": store,
    }  # fmt: skip


@pytest.fixture
def plans(division: dict[str, Any], planner: User) -> dict[str, PlanVersion]:
    week = _first_week(2027, 1)
    versions = {}
    for department, lines in (
        (division["tops"], ((division["tees"], "31000.00"), (division["blouses"], "11000.00"))),
        (division["dresses"], ((division["day"], "30000.00"),)),
    ):
        plan = PlanFactory(department=department, first_week=week, last_week=week, created_by=planner)
        version: PlanVersion = PlanVersionFactory.create(plan=plan)
        total = PlanLineFactory(version=version, merch_class=None)  # the classes rolled up
        PlanWeekFactory(line=total, fiscal_week=week, period=0, sales=sum(D(sales) for _, sales in lines))
        for merch_class, sales in lines:
            line = PlanLineFactory(version=version, merch_class=merch_class)
            PlanWeekFactory(
                line=line, fiscal_week=week, period=0, sales=D(sales), gross_margin=D(sales) * D("0.55")
            )
        versions[department.code] = version
    division["tops"].planners.add(planner)
    return versions


@pytest.fixture
def target_manager(division: dict[str, Any], manager: User) -> User:
    for key in ("tops", "dresses", "knit"):
        division[key].planners.add(manager)
    return manager


@pytest.fixture
def second_target_manager(division: dict[str, Any]) -> User:
    other = role_user("mia.manager", "Manager")
    for key in ("tops", "dresses", "knit"):
        division[key].planners.add(other)
    return other
