"""The measuring half of benchmarks/cube_db.py, run in a child process on the database the
parent prepared (see its docstring for what is measured and the goals). In a folder of its
own, out of `make bench`'s glob."""

from __future__ import annotations

import random
import resource
import statistics
import time
from typing import Any

import django

django.setup()

from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from planning.detail.edits import DetailEdit, DetailResult, detail_set
from planning.detail.reads import detail_read
from planning.detail.seed import detail_create
from planning.models import (
    Channel,
    Department,
    Division,
    Location,
    MerchClass,
    PlanVersion,
    PlanWeek,
    Region,
    Subclass,
)  # fmt: skip
from planning.plans.services import PlanSpec, plan_create

CLASSES, SUBCLASSES, REGIONS = 50, 10, 40
VIEWS: list[tuple[str, dict[str, Any]]] = [
    ("department x total x month", {"merch": "department", "location": "total", "time": "month"}),
    ("class x channel x quarter", {"merch": "class", "location": "channel", "time": "quarter"}),
    ("class x region x month", {"merch": "class", "location": "region", "time": "month"}),
    ("one class: subclass x region x week",
     {"merch": "subclass", "location": "region", "time": "week", "within": {"class": "B01-07"}}),
    ("department x channel x week", {"merch": "department", "location": "channel", "time": "week"}),
]  # fmt: skip


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _setup() -> tuple[User, PlanVersion]:
    started = time.perf_counter()
    planner = User.objects.create_user("bench", password="bench-password-1")  # noqa: S106 - a scratch database
    planner.groups.add(Group.objects.get(name="Planner"))
    division = Division.objects.create(code="B", name="Bench")
    department = Department.objects.create(code="B01", name="Bench", division=division)
    department.planners.add(planner)
    kinds = (
        ("STORES", Channel.Kind.STORES, Location.Kind.STORE),
        ("ECOM", Channel.Kind.ECOMMERCE, Location.Kind.ECOMMERCE),
    )
    channels = [(Channel.objects.create(code=code, name=code, kind=kind), shop) for code, kind, shop in kinds]
    for index in range(REGIONS):
        channel, shop = channels[index % 2]
        region = Region.objects.create(code=f"R{index:02d}", name=f"Region {index}", channel=channel)
        grade = "A" if shop == Location.Kind.STORE else ""
        Location.objects.create(
            code=f"L{index:02d}", name=f"Shop {index}", kind=shop, channel=channel, region=region, grade=grade
        )
    classes = MerchClass.objects.bulk_create(
        [MerchClass(code=f"B01-{c:02d}", name=f"Class {c}", department=department) for c in range(CLASSES)]
    )
    Subclass.objects.bulk_create(
        [
            Subclass(code=f"B01-{c:02d}-{s}", name=f"Sub {s}", merch_class=k)
            for c, k in enumerate(classes)
            for s in range(SUBCLASSES)
        ]
    )
    spec = PlanSpec(name="Bench", department_id=department.pk, first_week_id=202601, last_week_id=202652)
    version = plan_create(user=planner, spec=spec).versions.get(kind="wp")
    # Sales to spread: 1,000 a class-week (last year is empty here, so the leaves split evenly).
    PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False).update(sales=1000)
    leaves = detail_create(user=planner, version_id=version.pk)
    print(
        f"  set-up: {leaves:,} leaves x 52 weeks ({leaves * 52:,} leaf cells per measure) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return planner, version


def _views(version: PlanVersion) -> None:
    every = []
    for label, view in VIEWS:
        runs = []
        for _ in range(20):
            started = time.perf_counter()
            detail_read(version, measures=["sales"], **view)
            runs.append(time.perf_counter() - started)
        runs.sort()
        every.extend(runs)
        print(
            f"  aggregate view {label}: median {statistics.median(runs) * 1000:.0f} ms, "
            f"p95 {runs[18] * 1000:.0f} ms"
        )
    every.sort()
    p95 = every[int(len(every) * 0.95)]
    print(f"  aggregate views, all: p95 {p95 * 1000:.0f} ms (goal < 300 ms: {_met(p95 < 0.3)})")


def _edit(planner: User, version: PlanVersion, **fields: str) -> DetailResult:
    version.refresh_from_db()
    edit = DetailEdit(version_id=version.pk, values_version=version.values_version, measure="sales", **fields)
    return detail_set(user=planner, edit=edit)


def _edits(planner: User, version: PlanVersion) -> None:
    season = []
    for _ in range(3):
        started = time.perf_counter()
        result = _edit(planner, version, node="plan", location="total", period="H1", value="+5%")
        season.append(time.perf_counter() - started)
    print(
        f"  department-season edit ({result.leaves_changed:,} leaves x 26 weeks, 50 class lines following, "
        f"committed): median {statistics.median(season):.2f} s, max {max(season):.2f} s "
        f"(goal < 2 s: {_met(max(season) < 2)})"
    )
    rng = random.Random(5)
    leaf = []
    for _ in range(40):
        node = f"B01-{rng.randrange(CLASSES):02d}-{rng.randrange(SUBCLASSES)}"
        where = {"location": f"R{rng.randrange(REGIONS):02d}", "period": f"2026-W{rng.randint(1, 52):02d}"}
        started = time.perf_counter()
        _edit(planner, version, node=node, value=str(rng.randint(10, 999)), **where)
        leaf.append(time.perf_counter() - started)
    leaf.sort()
    p95 = leaf[int(len(leaf) * 0.95)]
    print(
        f"  leaf edit: median {statistics.median(leaf) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
        f"(goal < 150 ms: {_met(p95 < 0.15)})"
    )


def _row_per_leaf_week() -> None:
    """The other layout in the same database, for the same work."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_leaf_week (leaf integer, week integer, cents bigint)")
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO bench_leaf_week SELECT l, w, 1923 "
                "FROM generate_series(0, 19999) l, generate_series(0, 51) w"
            )
        else:
            cursor.execute(
                "WITH RECURSIVE l(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM l WHERE x < 19999), "
                "w(y) AS (SELECT 0 UNION ALL SELECT y + 1 FROM w WHERE y < 51) "
                "INSERT INTO bench_leaf_week SELECT x, y, 1923 FROM l, w"
            )
        cursor.execute("CREATE INDEX bench_leaf_week_leaf ON bench_leaf_week (leaf, week)")
        cursor.execute("ANALYZE bench_leaf_week")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT leaf / 400, week, SUM(cents) FROM bench_leaf_week GROUP BY 1, 2")
        cursor.fetchall()
    aggregate = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE bench_leaf_week SET cents = cents * 105 / 100 WHERE week < 26")
    update = time.perf_counter() - started
    print(
        f"  row per leaf-week instead (1,040,000 rows): a class x week aggregate {aggregate * 1000:.0f} ms, "
        f"the department-season update of 520,000 rows {update:.2f} s (before any class line follows)"
    )


def measure() -> None:
    planner, version = _setup()
    _views(version)
    _edits(planner, version)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak:.0f} MiB (goal < 1 GB: {_met(peak < 1024)})")
    _row_per_leaf_week()
