"""Shared fixtures: a pinned clock, users in each role, a tiny retailer, the fiscal calendar."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from celery.result import allow_join_result
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

# Shared fixtures beyond this module's (people of a department, budgets): tests/fixtures.
pytest_plugins = ["tests.fixtures.people", "tests.fixtures.budgets"]

# No test reads the real date: every test runs with the clock pinned (ticking on from there) to
# PINNED_NOW, a Monday of FY2026 W45 (last closed week W44). Tests whose result depends on the
# day (demo loads, OTB, forecast runs, the weekly report, replenishment and allocation demos)
# run on each of DAYS as well: `@on_days`.
PINNED_NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DAYS = {
    "fy-first-week": date(2027, 2, 3),  # FY2027 W01: no week of the year has closed yet
    "fy-second-week": date(2027, 2, 10),  # FY2027 W02: one week closed
    "mid-season": date(2027, 7, 21),  # FY2027 W25, mid spring-summer
    "holiday": date(2026, 12, 7),  # FY2026 W45, after Black Friday (the day main went red)
    "53-week-year-end": date(2029, 2, 1),  # FY2028 W53, the extra week of a 53-week year
}
on_days = pytest.mark.parametrize("pinned_clock", list(DAYS.values()), ids=list(DAYS), indirect=True)


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[date]:
    """Today for this test: PINNED_NOW, or the day `on_days` (or an indirect parametrize) gives.
    time-machine moves every clock of this process (threads such as the live server too); a
    Celery worker process follows `MERCHPLAN_TODAY` (tests/integration)."""
    day: date | None = getattr(request, "param", None)
    moment = PINNED_NOW if day is None else datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=True):
        yield moment.date()


@pytest.fixture(autouse=True)
def celery_joins_allowed() -> Iterator[None]:
    """Each test starts outside any task. Celery marks an eager task's run with a process-wide
    flag (`denied_join_result`) that is not thread-safe: two eager tasks at once in a live
    server's threads can leave it set, and `.get()` in a later test of the process then fails
    ("Never call result.get() within a task!")."""
    with allow_join_result():
        yield


@pytest.fixture(autouse=True)
def own_cache_keys(settings: Any) -> None:
    """Each test reads and writes cache keys of its own: the weekly report and the forecast
    exceptions are cached under keys made of row ids and weeks, which tests (and the same test
    on other days) repeat, and in CI the cache is the shared Redis. A new prefix instead of a
    flush: that Redis is also the broker of the integration tests' worker."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {name: {**options, "KEY_PREFIX": prefix} for name, options in settings.CACHES.items()}


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (CI=true) every service is there: PostgreSQL, Redis, the Celery worker, Chromium.
    A test skipped for want of one of them would hide a broken set-up behind a green run, so a
    skip there fails the test, with the reason it gave."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI", "").lower() == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every service must be available: {reason}"
