"""Benchmark: the sales history import of a 100,000-row file (500 SKUs x 20 locations x 10 weeks).

Times four runs of `sales_import_apply`: the CSV into an empty table (all inserts), the same
CSV again (all unchanged), the same rows as .xlsx (all unchanged, so the extra time is reading
the workbook) and the CSV with every amount changed (all updates). Runs against a scratch
SQLite file under a temporary directory, or, with DATABASE_URL set, a scratch PostgreSQL
database `merchplan_bench_import` created and dropped here.
Usage: python benchmarks/sales_import.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SKUS, LOCATIONS, WEEKS = 500, 20, 10


def _setup_database(scratch: str) -> str | None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["MERCHPLAN_VAR_DIR"] = scratch
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        return None
    parts = urlsplit(database_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    for statement in (
        "DROP DATABASE IF EXISTS merchplan_bench_import",
        "CREATE DATABASE merchplan_bench_import",
    ):
        subprocess.run(["psql", admin, "-qc", statement], check=True)  # noqa: S603, S607
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/merchplan_bench_import"))
    return admin


def _master_data() -> tuple[list[str], list[str]]:
    from planning import models

    division = models.Division.objects.create(code="B", name="Bench")
    department = models.Department.objects.create(code="B-D", name="Bench", division=division)
    merch_class = models.MerchClass.objects.create(code="B-D-C", name="Bench", department=department)
    subclass = models.Subclass.objects.create(code="B-D-C-S", name="Bench", merch_class=merch_class)
    style = models.Style.objects.create(code="BS", name="Bench style", subclass=subclass)
    colors = models.StyleColor.objects.bulk_create(
        models.StyleColor(
            style=style, code=f"BS-{n:03d}", color_code=f"{n:03d}", color_name=f"Color {n}",
            retail_price=Decimal("30.00"), unit_cost=Decimal("12.40"),
        )
        for n in range(SKUS // 5)
    )  # fmt: skip
    skus = models.Sku.objects.bulk_create(
        models.Sku(style_color=color, code=f"{color.code}-{size}", size=size, size_order=order)
        for color in colors
        for order, size in enumerate(("XS", "S", "M", "L", "XL"))
    )
    channel = models.Channel.objects.create(code="STORES", name="Stores", kind=models.Channel.Kind.STORES)
    region = models.Region.objects.create(code="R", name="Region", channel=channel)
    locations = models.Location.objects.bulk_create(
        models.Location(
            code=f"S{n:03d}",
            name=f"Store {n}",
            kind=models.Location.Kind.STORE,
            channel=channel,
            region=region,
            grade="A",
        )
        for n in range(LOCATIONS)
    )
    return [sku.code for sku in skus], [location.code for location in locations]


def _files(skus: list[str], locations: list[str], bump: int) -> tuple[bytes, list[list[object]]]:
    rows: list[list[object]] = []
    for w in range(1, WEEKS + 1):
        for n, sku in enumerate(skus):
            for m, location in enumerate(locations):
                units = (n + m + w) % 7
                rows.append([sku, location, f"2024-W{w:02d}", units, f"{units * 30 + bump}.50"])
    text = "sku,location,week,units,retail\n" + "\n".join(",".join(map(str, row)) for row in rows)
    return text.encode(), rows


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["sku", "location", "week", "units", "retail"])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        admin = _setup_database(scratch)
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connection

        from forecasting.imports import sales_import_apply

        call_command("migrate", "--noinput", verbosity=0)
        user = User.objects.create_user("bench")
        skus, locations = _master_data()
        csv_file, rows = _files(skus, locations, bump=0)
        changed, _ = _files(skus, locations, bump=1)
        workbook = _xlsx(rows)
        print(
            f"{len(rows):,} rows on {connection.vendor}; CSV {len(csv_file) / 1e6:.1f} MB, "
            f"xlsx {len(workbook) / 1e6:.1f} MB"
        )
        for label, name, content in (
            ("CSV, all new", "sales.csv", csv_file),
            ("CSV again, all unchanged", "sales.csv", csv_file),
            ("xlsx, all unchanged", "sales.xlsx", workbook),
            ("CSV, every amount changed", "sales.csv", changed),
        ):
            started = time.perf_counter()
            record = sales_import_apply(user=user, file_name=name, content=content)
            elapsed = time.perf_counter() - started
            print(
                f"{label:28} {elapsed:6.2f} s  {record.status}: {record.rows_inserted:,} new, "
                f"{record.rows_updated:,} updated, {record.rows_unchanged:,} unchanged"
            )
        connection.close()
    if admin:
        subprocess.run(["psql", admin, "-qc", "DROP DATABASE merchplan_bench_import"], check=True)  # noqa: S603, S607


if __name__ == "__main__":
    main()
