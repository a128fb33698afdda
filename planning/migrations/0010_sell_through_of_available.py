"""Stored sell-through becomes sell-through of available (README, "Formulas"): sales / (BOP +
receipts), rounded to 4 places; undefined (NULL) where nothing was available. The engine
stores it so from now on; this rewrites the rows stored before, from their own amounts."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _of_available(apps: Any, schema_editor: Any) -> None:
    table = schema_editor.connection.ops.quote_name(apps.get_model("planning", "PlanWeek")._meta.db_table)
    schema_editor.execute(
        f"UPDATE {table} SET sell_through = CASE WHEN bop + receipts > 0.000001 "  # noqa: S608 - our table
        "THEN ROUND(sales * 1.0 / (bop + receipts), 4) ELSE NULL END"
    )


def _of_bop(apps: Any, schema_editor: Any) -> None:
    table = schema_editor.connection.ops.quote_name(apps.get_model("planning", "PlanWeek")._meta.db_table)
    schema_editor.execute(
        f"UPDATE {table} SET sell_through = CASE WHEN bop > 0.000001 "  # noqa: S608 - our table
        "THEN ROUND(sales * 1.0 / bop, 4) ELSE NULL END"
    )


class Migration(migrations.Migration):
    dependencies = [("planning", "0009_target_precision_method_source")]

    operations = [migrations.RunPython(_of_available, _of_bop, elidable=True)]
