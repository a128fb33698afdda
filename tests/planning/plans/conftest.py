"""Plans: a second class in Tops, hand-made sales history and sparse stock for FY2024 W01..W04,
and a plan over FY2025 W01..W04 seeded from it (growth 10%, FWOS, wrap).

The numbers (checked by hand; prices: tees 24.00, blouses 30.00):

Tees (W-TOP-TEE), last year (FY2024 W01..W04, store + web; the DC never counts):
  sales  456.00 (S store 240 + M web 216), 240.00, 720.00 (480 + 240), 180.00 (M store)
  units  20, 10, 30, 10           markdowns 36.00 (12 + 24), 0, 0, 60.00
  stock  S@store 50 in FY2023 W52, 40 from W02; M@web 30 from W01, 10 from W04
         -> opening 50 x 24 = 1,200.00; EOP 80 x 24 = 1,920.00, 1,680.00, 1,680.00, 1,200.00
Blouses (W-TOP-BLS):
  sales  300.00, 150.00, 300.00, 150.00    units 10 each week, markdowns 0
  stock  S@web 30 from W01, 15 from W03 -> opening 0; EOP 900.00, 900.00, 450.00, 450.00
Dresses has a class with sales too: never part of a Tops plan.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from planning.models import (
    MerchClass,
    Plan,
    PlanCellChange,
    PlanLine,
    PlanVersion,
    PlanWeek,
    SalesHistory,
    Sku,
    StockPosition,
    Style,
    StyleColor,
    Subclass,
)
from planning.plans.services import PlanSpec, plan_create
from planning.roles import PLANNER
from tests.conftest import PASSWORD

Retailer = dict[str, Any]
D = Decimal


def make_class(department: Any, code: str, name: str, price: str) -> tuple[MerchClass, Sku, Sku]:
    """A class with one style-color of two sizes (S, M)."""
    merch_class = MerchClass.objects.create(code=code, name=name, department=department)
    subclass = Subclass.objects.create(code=f"{code}-SUB", name=f"{name} sub", merch_class=merch_class)
    style = Style.objects.create(code=f"{code}-ST", name=f"{name} style", subclass=subclass)
    color = StyleColor.objects.create(
        style=style,
        code=f"{code}-ST-BLK",
        color_code="BLK",
        color_name="Black",
        retail_price=Decimal(price),
        unit_cost=Decimal(price) * Decimal("0.4"),
    )
    small = Sku.objects.create(style_color=color, code=f"{code}-S", size="S", size_order=1)
    medium = Sku.objects.create(style_color=color, code=f"{code}-M", size="M", size_order=2)
    return merch_class, small, medium


def sale(sku: Sku, location: Any, week: int, units: int, retail: str, markdown: str = "0") -> SalesHistory:
    return SalesHistory.objects.create(
        sku=sku,
        location=location,
        fiscal_week_id=week,
        units=units,
        retail_value=Decimal(retail),
        cost_value=Decimal(retail) * Decimal("0.4"),
        markdown_value=Decimal(markdown),
    )


def stock(sku: Sku, location: Any, week: int, on_hand: int) -> StockPosition:
    return StockPosition.objects.create(sku=sku, location=location, fiscal_week_id=week, on_hand=on_hand)


@pytest.fixture
def other_planner(retailer: Retailer) -> User:
    """A second planner of Tops (for conflicts: two people editing the same plan)."""
    user = User.objects.create_user(username="sam.second", password=PASSWORD)
    user.groups.add(Group.objects.get(name=PLANNER))
    retailer["tops"].planners.add(user)
    return user


@pytest.fixture
def history(retailer: Retailer) -> dict[str, Any]:
    """Last year's sales and sparse stock for Tees and Blouses (see the module docstring)."""
    store, web, dc = retailer["store"], retailer["web"], retailer["dc"]
    tee_s, tee_m = retailer["sku_s"], retailer["sku_m"]
    blouses, blouse_s, _ = make_class(retailer["tops"], "W-TOP-BLS", "Blouses", "30.00")
    dress_class, dress_s, _ = make_class(retailer["dresses"], "W-DRS-MAX", "Maxi", "80.00")
    # Tees.
    sale(tee_s, store, 202401, 10, "240.00", "12.00")
    sale(tee_m, web, 202401, 10, "216.00", "24.00")
    sale(tee_s, store, 202402, 10, "240.00")
    sale(tee_s, store, 202403, 20, "480.00")
    sale(tee_m, web, 202403, 10, "240.00")
    sale(tee_m, store, 202404, 10, "180.00", "60.00")
    sale(tee_s, store, 202405, 99, "9999.00")  # after the weeks compared: not counted
    sale(tee_s, store, 202352, 99, "9999.00")  # before them: not counted
    stock(tee_s, store, 202352, 50)
    stock(tee_s, store, 202402, 40)
    stock(tee_m, web, 202401, 30)
    stock(tee_m, web, 202404, 10)
    stock(tee_s, dc, 202401, 1000)  # a DC is not a selling location
    # Blouses.
    for week, retail in ((202401, "300.00"), (202402, "150.00"), (202403, "300.00"), (202404, "150.00")):
        sale(blouse_s, web, week, 10, retail)
    stock(blouse_s, web, 202401, 30)
    stock(blouse_s, web, 202403, 15)
    # Dresses: another department.
    sale(dress_s, store, 202401, 10, "800.00")
    stock(dress_s, store, 202401, 10)
    return {"tees": retailer["class"], "blouses": blouses, "dresses": dress_class}


def _spec(name: str = "Tops spring 2025", **extra: Any) -> PlanSpec:
    options: dict[str, Any] = {
        "department_id": 0,
        "first_week_id": 202501,
        "last_week_id": 202504,
        "growth_percent": Decimal("10"),
    }
    options.update(extra)
    return PlanSpec(name=name, **options)


@pytest.fixture
def spec(retailer: Retailer) -> Callable[..., PlanSpec]:
    """PlanSpec for Tops over FY2025 W01..W04, growth 10%; keywords override."""

    def make(name: str = "Tops spring 2025", **extra: Any) -> PlanSpec:
        return _spec(name, **{"department_id": retailer["tops"].pk, **extra})

    return make


@pytest.fixture
def plan(planner: User, retailer: Retailer, history: dict[str, Any], spec: Callable[..., PlanSpec]) -> Plan:
    retailer["tops"].planners.add(planner)
    return plan_create(user=planner, spec=spec())


@pytest.fixture
def working(plan: Plan) -> PlanVersion:
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def version_of(plan: Plan, kind: str) -> PlanVersion:
    return plan.versions.get(kind=kind)


def line_of(version: PlanVersion, merch_class: MerchClass | None) -> PlanLine:
    if merch_class is None:
        return PlanLine.objects.get(version=version, merch_class__isnull=True)
    return PlanLine.objects.get(version=version, merch_class=merch_class)


def weeks_of(line: PlanLine) -> list[PlanWeek]:
    return list(PlanWeek.objects.filter(line=line).order_by("period"))


def column(line: PlanLine, name: str) -> list[Any]:
    return list(PlanWeek.objects.filter(line=line).order_by("period").values_list(name, flat=True))


def snapshot(version: PlanVersion) -> dict[str, Any]:
    """Everything a failed write must leave as it was: every value of every row, the audit and
    the version's counters."""
    version.refresh_from_db()
    return {
        "rows": list(
            PlanWeek.objects.filter(line__version=version)
            .order_by("pk")
            .values_list(*[f.name for f in PlanWeek._meta.concrete_fields if f.name != "updated_at"])
        ),
        "audit": PlanCellChange.objects.filter(line__version=version).count(),
        "values_version": version.values_version,
        "totals_version": version.totals_version,
        "status": version.status,
    }


def dollars(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]
