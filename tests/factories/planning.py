"""Factories of the planning tables: the merchandise hierarchy, locations, fiscal weeks, sales
and stock history, plans.

Each factory makes a valid row on its own (the parents it needs, codes unique ignoring case,
a store with its channel, region and grade, a DC outside any channel) and takes any field as a
keyword. Codes follow the parent's: a department of division "W" is "W-D01", its class
"W-D01-C01", so a row's code says where it sits, as ERP codes do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory

from planning import calendar
from planning.models import (
    Channel,
    Department,
    Division,
    FiscalWeek,
    Location,
    MerchClass,
    Plan,
    PlanLine,
    PlanVersion,
    PlanWeek,
    Region,
    SalesHistory,
    Sku,
    StockPosition,
    Style,
    StyleColor,
    Subclass,
)

D = Decimal


def fiscal_week(year: int, week: int) -> FiscalWeek:
    """The calendar's row for FY`year` W`week` (migrations fill FY2015..FY2035)."""
    return FiscalWeek.objects.get(pk=calendar.fiscal_week(year, week).key)


def fiscal_week_of(day: Any) -> FiscalWeek:
    """The row of the fiscal week holding `day`."""
    return FiscalWeek.objects.get(pk=calendar.fiscal_week_of(day).key)


class UserFactory(DjangoModelFactory[User]):
    """A user in no group (role fixtures add the group: tests/conftest.py)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n:03d}")
    password = factory.django.Password("correct horse battery staple")


# --- merchandise hierarchy ---------------------------------------------------------------------


class DivisionFactory(DjangoModelFactory[Division]):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DV{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Division {o.code}")


class DepartmentFactory(DjangoModelFactory[Department]):
    """A department; `planners=[user, ...]` assigns its planners."""

    class Meta:
        model = Department
        skip_postgeneration_save = True
        django_get_or_create = ("code",)

    division = factory.SubFactory(DivisionFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.division.code}-D{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Department {o.code}")

    @factory.post_generation
    def planners(self, create: bool, users: Any, **_: Any) -> None:
        if create and users:
            self.planners.add(*users)


class MerchClassFactory(DjangoModelFactory[MerchClass]):
    class Meta:
        model = MerchClass
        django_get_or_create = ("code",)

    department = factory.SubFactory(DepartmentFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.department.code}-C{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Class {o.code}")


class SubclassFactory(DjangoModelFactory[Subclass]):
    class Meta:
        model = Subclass
        django_get_or_create = ("code",)

    merch_class = factory.SubFactory(MerchClassFactory)
    code = factory.LazyAttribute(lambda o: f"{o.merch_class.code}-SUB")
    name = factory.LazyAttribute(lambda o: f"{o.merch_class.name} sub")


class StyleFactory(DjangoModelFactory[Style]):
    class Meta:
        model = Style
        django_get_or_create = ("code",)

    subclass = factory.SubFactory(SubclassFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"ST{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Style {o.code}")


class StyleColorFactory(DjangoModelFactory[StyleColor]):
    """A style-color at 24.00 retail; the cost is 40% of the retail unless given."""

    class Meta:
        model = StyleColor
        django_get_or_create = ("code",)

    style = factory.SubFactory(StyleFactory)
    color_code = "BLK"
    code = factory.LazyAttribute(lambda o: f"{o.style.code}-{o.color_code}")
    color_name = factory.LazyAttribute(lambda o: o.color_code.capitalize())
    retail_price = D("24.00")
    unit_cost = factory.LazyAttribute(lambda o: (D(o.retail_price) * D("0.4")).quantize(D("0.01")))


class SkuFactory(DjangoModelFactory[Sku]):
    class Meta:
        model = Sku
        django_get_or_create = ("code",)

    style_color = factory.SubFactory(StyleColorFactory)
    size = "M"
    size_order = 2
    code = factory.LazyAttribute(lambda o: f"{o.style_color.code}-{o.size}")


def item(
    department: Department, code: str, name: str, price: str, sizes: tuple[str, ...] = ("S", "M")
) -> Any:
    """A class `code` in `department` with one black style-color at `price` (cost 40%) and a SKU
    per size (S, M): returns (class, *skus). Codes: class `code`, subclass `code`-SUB, style
    `code`-ST, style-color `code`-ST-BLK, SKUs `code`-S, `code`-M."""
    merch_class = MerchClassFactory(department=department, code=code, name=name)
    subclass = SubclassFactory(merch_class=merch_class, name=f"{name} sub")
    style = StyleFactory(subclass=subclass, code=f"{code}-ST", name=f"{name} style")
    color = StyleColorFactory(style=style, color_name="Black", retail_price=D(price))
    skus = [
        SkuFactory(style_color=color, code=f"{code}-{size}", size=size, size_order=order)
        for order, size in enumerate(sizes, start=1)
    ]
    return (merch_class, *skus)


# --- locations -------------------------------------------------------------------------------


class ChannelFactory(DjangoModelFactory[Channel]):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = "STORES"
    name = "Stores"
    kind = Channel.Kind.STORES


class RegionFactory(DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    channel = factory.SubFactory(ChannelFactory)
    code = factory.Sequence(lambda n: f"REG{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Region {o.code}")


class DcFactory(DjangoModelFactory[Location]):
    """A distribution centre: no channel, region or grade."""

    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DC{n + 1}")
    name = factory.LazyAttribute(lambda o: f"DC {o.code}")
    kind = Location.Kind.DC


class StoreFactory(DjangoModelFactory[Location]):
    """A store of grade A in a region of the Stores channel."""

    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n + 1:03d}")
    name = factory.LazyAttribute(lambda o: f"Store {o.code}")
    kind = Location.Kind.STORE
    region = factory.SubFactory(RegionFactory)
    channel = factory.LazyAttribute(lambda o: o.region.channel)
    grade = "A"


class WebFactory(DjangoModelFactory[Location]):
    """An e-commerce fulfilment location in the E-commerce channel."""

    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = "WEB"
    name = "Web shop"
    kind = Location.Kind.ECOMMERCE
    channel = factory.SubFactory(ChannelFactory, code="ECOM", name="E-commerce", kind=Channel.Kind.ECOMMERCE)


# --- history -------------------------------------------------------------------------------


class SaleFactory(DjangoModelFactory[SalesHistory]):
    """A week's sales of a SKU at a location; retail is units x the style-color's price and cost
    40% of retail unless given. `fiscal_week_id=202401` names the week by its key."""

    class Meta:
        model = SalesHistory

    sku = factory.SubFactory(SkuFactory)
    location = factory.SubFactory(StoreFactory)
    fiscal_week = factory.LazyFunction(lambda: fiscal_week(2024, 1))
    units = 10
    retail_value = factory.LazyAttribute(lambda o: o.units * o.sku.style_color.retail_price)
    cost_value = factory.LazyAttribute(lambda o: (D(o.retail_value) * D("0.4")).quantize(D("0.01")))
    markdown_value = D("0")


class StockFactory(DjangoModelFactory[StockPosition]):
    """A SKU's end-of-week position at a location (sparse: carried forward until the next)."""

    class Meta:
        model = StockPosition

    sku = factory.SubFactory(SkuFactory)
    location = factory.SubFactory(StoreFactory)
    fiscal_week = factory.LazyFunction(lambda: fiscal_week(2024, 1))
    on_hand = 10
    in_transit = 0


# --- plans (rows only: tests of the services build plans through plan_create) -----------------


class PlanFactory(DjangoModelFactory[Plan]):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n:03d}")
    department = factory.SubFactory(DepartmentFactory)
    first_week = factory.LazyFunction(lambda: fiscal_week(2025, 1))
    last_week = factory.LazyFunction(lambda: fiscal_week(2025, 4))
    created_by = factory.SubFactory(UserFactory)


class PlanVersionFactory(DjangoModelFactory[PlanVersion]):
    class Meta:
        model = PlanVersion

    plan = factory.SubFactory(PlanFactory)
    kind = PlanVersion.Kind.WORKING
    name = "Working"
    created_by = factory.LazyAttribute(lambda o: o.plan.created_by)


class PlanLineFactory(DjangoModelFactory[PlanLine]):
    """A class line of a version (merch_class=None: the plan-total line)."""

    class Meta:
        model = PlanLine

    version = factory.SubFactory(PlanVersionFactory)
    merch_class = factory.SubFactory(
        MerchClassFactory, department=factory.SelfAttribute("..version.plan.department")
    )


class PlanWeekFactory(DjangoModelFactory[PlanWeek]):
    """A week of a line; `period` counts from 1 at the plan's first week unless given."""

    class Meta:
        model = PlanWeek

    line = factory.SubFactory(PlanLineFactory)
    fiscal_week = factory.LazyAttribute(lambda o: o.line.version.plan.first_week)
    period = 1
