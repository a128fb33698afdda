"""Migration planning 0010 rewrites sell-through stored as % of BOP into sell-through of available.

Tees' working plan (conftest.py), by week: sales 501.60, 264.00, 792.00, 198.00; BOP 1,200.00,
2,098.80, 1,834.80, 1,854.60; receipts 1,440.00, 0.00, 811.80, -270.60.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection

from planning.models import PlanVersion, PlanWeek
from tests.planning.plans.conftest import line_of

D = Decimal
migration = importlib.import_module("planning.migrations.0010_sell_through_of_available")


class _Editor:
    """What the migration uses of a schema editor, on the test's own connection (SQLite's real
    schema editor refuses to open inside the test's transaction)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def _sell_through(working: PlanVersion, history: dict[str, Any]) -> list[Decimal | None]:
    rows = PlanWeek.objects.filter(line=line_of(working, history["tees"])).order_by("period")
    return list(rows.values_list("sell_through", flat=True))


def test_stored_sell_through_becomes_of_available(working: PlanVersion, history: dict[str, Any]) -> None:
    line = line_of(working, history["tees"])
    # as stored before: sales / BOP, 501.60 / 1,200 = 0.418 ...
    for period, old in enumerate(("0.4180", "0.1258", "0.4317", "0.1068")):
        PlanWeek.objects.filter(line=line, period=period).update(sell_through=D(old))

    migration._of_available(apps, _Editor())

    # 501.60 / 2,640 = 0.19; 264 / 2,098.80; 792 / 2,646.60 = 0.29925; 198 / 1,584 = 0.125
    assert _sell_through(working, history) == [D("0.1900"), D("0.1258"), D("0.2993"), D("0.1250")]
    migration._of_bop(apps, _Editor())
    assert _sell_through(working, history) == [D("0.4180"), D("0.1258"), D("0.4317"), D("0.1068")]


def test_nothing_available_is_undefined(working: PlanVersion, history: dict[str, Any]) -> None:
    line = line_of(working, history["tees"])
    PlanWeek.objects.filter(line=line, period=1).update(bop=D("0.00"), receipts=D("0.00"))

    migration._of_available(apps, _Editor())

    assert _sell_through(working, history)[1] is None
