"""Shared fixtures: users in each role, a tiny retailer, the fiscal calendar."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from planning.models import (
    Channel,
    Department,
    Division,
    Location,
    MerchClass,
    Region,
    Sku,
    Style,
    StyleColor,
    Subclass,
)
from planning.roles import ADMIN, EXECUTIVE, MANAGER, PLANNER

PASSWORD = "correct horse battery staple"


def _user(username: str, role: str, **extra: object) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)  # type: ignore[arg-type]
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def planner(db: None) -> User:
    return _user("pat.planner", PLANNER, first_name="Pat")


@pytest.fixture
def manager(db: None) -> User:
    return _user("max.manager", MANAGER, first_name="Max")


@pytest.fixture
def executive(db: None) -> User:
    return _user("eve.exec", EXECUTIVE, first_name="Eve")


@pytest.fixture
def admin_user(db: None) -> User:
    return _user("ada.admin", ADMIN, first_name="Ada", is_staff=True)


@pytest.fixture
def retailer(db: None) -> dict[str, object]:
    """Two departments, one style-color with two sizes, a store, e-commerce and a DC."""
    division = Division.objects.create(code="W", name="Womenswear")
    tops = Department.objects.create(code="W-TOP", name="Tops", division=division)
    dresses = Department.objects.create(code="W-DRS", name="Dresses", division=division)
    tees = MerchClass.objects.create(code="W-TOP-TEE", name="Tees", department=tops)
    crew = Subclass.objects.create(code="W-TOP-TEE-CRW", name="Crew neck", merch_class=tees)
    style = Style.objects.create(code="ST-1", name="Classic tee", subclass=crew)
    color = StyleColor.objects.create(
        style=style,
        code="ST-1-BLK",
        color_code="BLK",
        color_name="Black",
        retail_price=Decimal("24.00"),
        unit_cost=Decimal("9.60"),
    )
    small = Sku.objects.create(style_color=color, code="ST-1-BLK-S", size="S", size_order=1)
    medium = Sku.objects.create(style_color=color, code="ST-1-BLK-M", size="M", size_order=2)
    stores = Channel.objects.create(code="STORES", name="Stores", kind=Channel.Kind.STORES)
    online = Channel.objects.create(code="ECOM", name="E-commerce", kind=Channel.Kind.ECOMMERCE)
    north = Region.objects.create(code="NORTH", name="North", channel=stores)
    dc = Location.objects.create(code="DC1", name="Central DC", kind=Location.Kind.DC)
    store = Location.objects.create(
        code="S001",
        name="Main Street",
        kind=Location.Kind.STORE,
        channel=stores,
        region=north,
        grade="A",
        capacity_units=20000,
        supplied_by=dc,
    )
    web = Location.objects.create(
        code="WEB", name="Web shop", kind=Location.Kind.ECOMMERCE, channel=online, supplied_by=dc
    )
    return {
        "division": division,
        "tops": tops,
        "dresses": dresses,
        "class": tees,
        "style_color": color,
        "sku_s": small,
        "sku_m": medium,
        "store": store,
        "web": web,
        "dc": dc,
    }


@pytest.fixture
def nobody(db: None) -> User:
    """A signed-in user in no role group: sees nothing."""
    return User.objects.create_user(username="no.body", password=PASSWORD)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Before the test database is dropped, end sessions that other threads or processes
    (the live server, a Celery worker) may still hold, so the drop never fails."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
