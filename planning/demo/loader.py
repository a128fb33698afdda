"""Write the generated demo retailer to the database, with bulk paths.

Master data goes through `bulk_create` (thousands of rows); history (millions) through
PostgreSQL `COPY` or SQLite `executemany` on the raw connection. Everything runs in one
transaction, so a failure leaves nothing half-loaded.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from planning import calendar
from planning.demo.generator import (
    PRESETS,
    HistoryChunk,
    HistoryWeeks,
    MasterData,
    dc_stock,
    generate_master,
    history_chunks,
)
from planning.demo.plans import demo_plans
from planning.demo.signals import demo_data_deleting
from planning.demo.targets import demo_targets
from planning.models import (
    Channel,
    Department,
    Division,
    Location,
    MerchClass,
    Plan,
    Region,
    SalesHistory,
    Sku,
    StockPosition,
    Style,
    StyleColor,
    Subclass,
    TargetVersion,
)
from planning.roles import ADMIN, EXECUTIVE, MANAGER, PLANNER
from planning.services import fiscal_weeks_sync

DEMO_PASSWORD = "demo"  # noqa: S105 - demo users exist only in demo data
DEMO_USERS = (
    ("planner", PLANNER, "Pat", "Planner"),
    ("manager", MANAGER, "Morgan", "Manager"),
    ("executive", EXECUTIVE, "Eve", "Executive"),
    ("admin", ADMIN, "Ada", "Admin"),
)
DC_HISTORY_WEEKS = 13

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    size: str
    seed: int
    first_week: str
    last_week: str
    style_colors: int
    skus: int
    locations: int
    sales_rows: int
    stock_rows: int


def history_weeks(through: calendar.FiscalWeek, pattern: str) -> list[calendar.FiscalWeek]:
    """From the first week of the fiscal year two years before `through`, up to `through`."""
    first = calendar.fiscal_week(through.year - 2, 1, pattern)
    return calendar.weeks_between(first, through, pattern)


def demo_exists() -> bool:
    return StyleColor.objects.exists() or Location.objects.exists()


def demo_load(
    *,
    size: str,
    seed: int,
    through: calendar.FiscalWeek,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Generate and load the demo retailer. Callers check `demo_exists()` first."""
    preset = PRESETS[size]
    pattern = settings.MERCHPLAN_CALENDAR_PATTERN
    weeks = history_weeks(through, pattern)
    generator_weeks = HistoryWeeks(week_of_year=np.array([w.week for w in weeks], dtype=np.int64))
    master = generate_master(preset, generator_weeks, seed)
    with transaction.atomic():
        fiscal_weeks_sync(weeks[0].year, through.year + 2)
        ids = _load_master(master, weeks)
        week_ids = np.array([w.key for w in weeks], dtype=np.int64)
        sales_rows = stock_rows = 0
        writer = _HistoryWriter()
        with _history_indexes_deferred():
            for chunk in history_chunks(master, generator_weeks, preset, seed):
                sales_rows += writer.sales(chunk, ids, week_ids)
                stock_rows += writer.stock(chunk, ids, week_ids)
                if progress:
                    progress(chunk.style_colors)
            dc_rows = dc_stock(master, generator_weeks, DC_HISTORY_WEEKS, seed)
            stock_rows += writer.dc_stock(dc_rows, ids, week_ids)
        _demo_users(master)
        year = demo_plans(through, pattern)
        demo_targets(year)
    return DemoSummary(
        size=size,
        seed=seed,
        first_week=str(weeks[0]),
        last_week=str(weeks[-1]),
        style_colors=len(master.style_colors),
        skus=len(master.skus),
        locations=len(master.locations),
        sales_rows=sales_rows,
        stock_rows=stock_rows,
    )


@transaction.atomic
def demo_delete() -> None:
    """Remove master data and history (for `load_demo --replace`). Children first."""
    demo_data_deleting.send(sender=demo_delete)
    Plan.objects.all().delete()  # plans of the demo hold its classes and weeks
    TargetVersion.objects.all().delete()  # and targets its departments (their cells go with them)
    SalesHistory.objects.all().delete()
    StockPosition.objects.all().delete()
    Sku.objects.all().delete()
    StyleColor.objects.all().delete()
    Style.objects.all().delete()
    Subclass.objects.all().delete()
    MerchClass.objects.all().delete()
    Department.objects.all().delete()
    Division.objects.all().delete()
    Location.objects.update(supplied_by=None)
    Location.objects.all().delete()
    Region.objects.all().delete()
    Channel.objects.all().delete()


@dataclass(slots=True)
class _Ids:
    skus: np.ndarray[Any, np.dtype[np.int64]]
    locations: np.ndarray[Any, np.dtype[np.int64]]


def _cents(values: pd.Series | np.ndarray[Any, Any]) -> list[Decimal]:
    return [Decimal(int(v)) / 100 for v in values]


def _week_date(weeks: Sequence[calendar.FiscalWeek], index: int, *, end: bool = False) -> date:
    """Date of a history week by index; negative indices count back before the history."""
    week = weeks[index] if 0 <= index < len(weeks) else calendar.add_weeks(weeks[0], index)
    return week.end if end else week.start


def _load_master(master: MasterData, weeks: Sequence[calendar.FiscalWeek]) -> _Ids:
    """Master data in dependency order: the hierarchy, the products, then the locations.
    Returns the database ids of the SKUs and locations by their positions in the frames."""
    subclasses = _load_hierarchy(master)
    skus = _load_products(master, weeks, subclasses)
    location_ids = _load_locations(master, weeks)
    return _Ids(
        skus=np.array([sku.pk for sku in skus], dtype=np.int64),
        locations=np.array([location_ids[code] for code in master.locations["code"]], dtype=np.int64),
    )


def _load_hierarchy(master: MasterData) -> dict[str, Subclass]:
    """Divisions down to subclasses; returns the subclasses by code (the styles' parents)."""
    divisions = {
        row.code: row
        for row in Division.objects.bulk_create(
            [Division(code=c, name=n) for c, n in master.divisions[["code", "name"]].itertuples(index=False)]
        )
    }
    departments = {
        row.code: row
        for row in Department.objects.bulk_create(
            [
                Department(code=r.code, name=r.name, division=divisions[r.division])
                for r in master.departments.itertuples(index=False)
            ]
        )
    }
    classes = {
        row.code: row
        for row in MerchClass.objects.bulk_create(
            [
                MerchClass(code=r.code, name=r.name, department=departments[r.department])
                for r in master.classes.itertuples(index=False)
            ]
        )
    }
    return {
        row.code: row
        for row in Subclass.objects.bulk_create(
            [
                Subclass(code=r.code, name=r.name, merch_class=classes[r.merch_class])
                for r in master.subclasses.itertuples(index=False)
            ]
        )
    }


def _load_products(
    master: MasterData, weeks: Sequence[calendar.FiscalWeek], subclasses: dict[str, Subclass]
) -> list[Sku]:
    """Styles, their colours and their SKUs; returns the SKUs in the order of `master.skus`."""
    styles = Style.objects.bulk_create(
        [
            Style(code=r.code, name=r.name, subclass=subclasses[r.subclass])
            for r in master.styles.itertuples(index=False)
        ],
        batch_size=2000,
    )
    colors_frame = master.style_colors
    retail = _cents(colors_frame["retail_cents"])
    cost = _cents(colors_frame["cost_cents"])
    lifecycle_map = {
        "basic": StyleColor.Lifecycle.BASIC,
        "seasonal": StyleColor.Lifecycle.SEASONAL,
        "new": StyleColor.Lifecycle.SEASONAL,
    }
    colors = StyleColor.objects.bulk_create(
        [
            StyleColor(
                code=r.code,
                style=styles[r.style_index],
                color_code=r.color_code,
                color_name=r.color_name,
                retail_price=retail[i],
                unit_cost=cost[i],
                lifecycle=lifecycle_map[r.lifecycle],
                launch_date=_week_date(weeks, r.launch_week),
                exit_date=_week_date(weeks, r.exit_week, end=True) if r.exit_week >= 0 else None,
            )
            for i, r in enumerate(colors_frame.itertuples(index=False))
        ],
        batch_size=2000,
    )
    return Sku.objects.bulk_create(
        [
            Sku(code=r.code, style_color=colors[r.style_color_index], size=r.size, size_order=r.size_order)
            for r in master.skus.itertuples(index=False)
        ],
        batch_size=5000,
    )


def _load_locations(master: MasterData, weeks: Sequence[calendar.FiscalWeek]) -> dict[str, int]:
    """Channels, regions, DCs, then the selling locations (each supplied by a DC created
    first); returns every location's id by code."""
    channels = {
        row.code: row
        for row in Channel.objects.bulk_create(
            [Channel(code=r.code, name=r.name, kind=r.kind) for r in master.channels.itertuples(index=False)]
        )
    }
    regions = {
        row.code: row
        for row in Region.objects.bulk_create(
            [
                Region(code=r.code, name=r.name, channel=channels[r.channel])
                for r in master.regions.itertuples(index=False)
            ]
        )
    }
    locations_frame = master.locations
    dcs = {
        row.code: row
        for row in Location.objects.bulk_create(
            [
                Location(code=r.code, name=r.name, kind=Location.Kind.DC, capacity_units=r.capacity_units)
                for r in locations_frame[locations_frame["kind"] == "dc"].itertuples(index=False)
            ]
        )
    }
    selling = Location.objects.bulk_create(
        [
            Location(
                code=r.code,
                name=r.name,
                kind=r.kind,
                channel=channels[r.channel],
                region=regions.get(r.region),
                grade=r.grade,
                cluster=r.cluster,
                capacity_units=None if pd.isna(r.capacity_units) else int(r.capacity_units),
                supplied_by=dcs[r.supplied_by],
                opened_on=_week_date(weeks, r.open_week) if r.open_week >= 0 else date(2010, 2, 7),
            )
            for r in locations_frame[locations_frame["kind"] != "dc"].itertuples(index=False)
        ],
        batch_size=2000,
    )
    return {**{code: dc.pk for code, dc in dcs.items()}, **{loc.code: loc.pk for loc in selling}}


@contextmanager
def _history_indexes_deferred() -> Iterator[None]:
    """On PostgreSQL, load the empty history tables without their indexes and foreign keys,
    then build the indexes and validate the keys once, in bulk: many times faster than
    checking tens of millions of rows one at a time. All inside the load's transaction, so a
    failure rolls the DDL back too. SQLite keeps them (no gain there).
    """
    models = (SalesHistory, StockPosition)
    if connection.vendor != "postgresql" or any(model.objects.exists() for model in models):
        yield
        return
    with connection.cursor() as cursor:
        # Run the master data's deferred key checks now: ALTER TABLE refuses to touch a table
        # (the history tables, or the ones they reference) while such checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    foreign_keys = [_drop_foreign_keys(model._meta.db_table) for model in models]
    with connection.schema_editor() as editor:
        for model in models:
            for constraint in model._meta.constraints:
                editor.remove_constraint(model, constraint)
            for index in model._meta.indexes:
                editor.remove_index(model, index)
    yield
    with connection.schema_editor() as editor:
        for model in models:
            for constraint in model._meta.constraints:
                editor.add_constraint(model, constraint)
            for index in model._meta.indexes:
                editor.add_index(model, index)
    with connection.cursor() as cursor:
        for statements in foreign_keys:
            for statement in statements:
                cursor.execute(statement)
        cursor.execute(f"ANALYZE {SalesHistory._meta.db_table}, {StockPosition._meta.db_table}")


def _drop_foreign_keys(table: str) -> list[str]:
    """Drop a table's foreign keys; return the statements that put them back as they were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        keys = cursor.fetchall()
        for name, _ in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in keys]


class _HistoryWriter:
    """Streams history rows with the fastest path the database offers."""

    sales_columns = (
        "sku_id", "location_id", "fiscal_week_id", "units", "retail_value", "cost_value",
        "markdown_value", "is_promotion",
    )  # fmt: skip
    stock_columns = ("sku_id", "location_id", "fiscal_week_id", "on_hand", "in_transit")

    def sales(self, chunk: HistoryChunk, ids: _Ids, week_ids: np.ndarray[Any, Any]) -> int:
        frame = pd.DataFrame(
            {
                "sku_id": ids.skus[chunk.sales_sku],
                "location_id": ids.locations[chunk.sales_location],
                "fiscal_week_id": week_ids[chunk.sales_week],
                "units": chunk.sales_units,
                "retail_value": chunk.sales_retail_cents / 100,
                "cost_value": chunk.sales_cost_cents / 100,
                "markdown_value": chunk.sales_markdown_cents / 100,
                "is_promotion": chunk.sales_is_promotion,
            }
        )
        return self._write(SalesHistory._meta.db_table, self.sales_columns, frame)

    def stock(self, chunk: HistoryChunk, ids: _Ids, week_ids: np.ndarray[Any, Any]) -> int:
        frame = pd.DataFrame(
            {
                "sku_id": ids.skus[chunk.stock_sku],
                "location_id": ids.locations[chunk.stock_location],
                "fiscal_week_id": week_ids[chunk.stock_week],
                "on_hand": chunk.stock_on_hand,
                "in_transit": chunk.stock_in_transit,
            }
        )
        return self._write(StockPosition._meta.db_table, self.stock_columns, frame)

    def dc_stock(self, rows: pd.DataFrame, ids: _Ids, week_ids: np.ndarray[Any, Any]) -> int:
        frame = pd.DataFrame(
            {
                "sku_id": ids.skus[rows["sku"].to_numpy(np.int64)],
                "location_id": ids.locations[rows["location"].to_numpy(np.int64)],
                "fiscal_week_id": week_ids[rows["week"].to_numpy(np.int64)],
                "on_hand": rows["on_hand"].to_numpy(np.int64),
                "in_transit": 0,
            }
        )
        return self._write(StockPosition._meta.db_table, self.stock_columns, frame)

    def _write(self, table: str, columns: Sequence[str], frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        if connection.vendor == "postgresql":
            _copy_postgres(table, columns, frame)
        else:
            _insert_many(table, columns, frame)
        return len(frame)


def _copy_postgres(table: str, columns: Sequence[str], frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", header=False, index=False, float_format="%.2f")
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def _insert_many(table: str, columns: Sequence[str], frame: pd.DataFrame) -> None:
    # The raw sqlite3 cursor: Django's wrapper would cost more than the insert itself.
    rows = zip(*(frame[column].to_numpy().tolist() for column in columns), strict=True)
    connection.ensure_connection()
    raw = connection.connection.cursor()
    try:
        raw.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
            rows,
        )
    finally:
        raw.close()


def _demo_users(master: MasterData) -> None:
    """The four demo logins; the planner plans Womenswear, the manager manages every department."""
    womenswear = list(Department.objects.filter(division__code="W"))
    for username, role, first, last in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = role == ADMIN
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        if role == PLANNER:
            user.planned_departments.set(womenswear)
        elif role == MANAGER:
            user.planned_departments.set(Department.objects.all())
