"""The override trail and the sales import's changed rows move into the one audit trail
(core.AuditEvent), every row with its who, when and values, then the old tables go.

    ForecastOverrideChange -> "forecast.override.change" on the style-color, old/new
        {"week", "units"} (new also the reason), the note as the comment
    SalesImportChange      -> "sales.import.row.change" on the import (by its uploader), old/new
        {"sku", "location", "week", "units", "retail", "cost", "markdown"} (money as strings)
"""

from typing import Any

from django.db import migrations

from core.audit_migration import content_type_id, events_insert

OVERRIDE_CHANGE = "forecast.override.change"
SALES_ROW_CHANGE = "sales.import.row.change"


def override_event(change: Any, item_type: int) -> dict[str, Any]:
    """The AuditEvent fields of one ForecastOverrideChange row."""
    week = change.fiscal_week_id
    return {
        "user_id": change.changed_by_id,
        "at": change.changed_at,
        "action": OVERRIDE_CHANGE,
        "target_type_id": item_type,
        "target_id": change.style_color_id,
        "target_label": change.style_color.code,
        "old": {"week": week, "units": change.old_units},
        "new": {"week": week, "units": change.new_units, "reason": change.reason},
        "comment": change.note,
        "department_id": change.style_color.style.subclass.merch_class.department_id,
    }


def sales_row_event(change: Any, import_type: int) -> dict[str, Any]:
    """The AuditEvent fields of one SalesImportChange row."""
    record = change.sales_import
    key = {"sku": change.sku_id, "location": change.location_id, "week": change.fiscal_week_id}
    return {
        "user_id": record.uploaded_by_id,
        "at": record.uploaded_at,
        "action": SALES_ROW_CHANGE,
        "target_type_id": import_type,
        "target_id": record.pk,
        "target_label": f"{record.file_name} ({record.status})",
        "old": {
            **key, "units": change.old_units, "retail": change.old_retail, "cost": change.old_cost,
            "markdown": change.old_markdown,
        },
        "new": {
            **key, "units": change.new_units, "retail": change.new_retail, "cost": change.new_cost,
            "markdown": change.new_markdown,
        },
    }  # fmt: skip


def audit_rows_copy(apps: Any, schema_editor: Any) -> None:
    overrides = apps.get_model("forecasting", "ForecastOverrideChange").objects
    sales_rows = apps.get_model("forecasting", "SalesImportChange").objects
    item_type = content_type_id(apps, "planning", "stylecolor")
    import_type = content_type_id(apps, "forecasting", "salesimport")
    events_insert(
        apps,
        (
            override_event(change, item_type)
            for change in overrides.select_related("style_color__style__subclass__merch_class")
            .order_by("id")
            .iterator()
        ),
    )
    events_insert(
        apps,
        (
            sales_row_event(change, import_type)
            for change in sales_rows.select_related("sales_import").order_by("id").iterator()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("forecasting", "0003_forecastrun_background_run"),
    ]

    operations = [
        migrations.RunPython(audit_rows_copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="ForecastOverrideChange"),
        migrations.DeleteModel(name="SalesImportChange"),
    ]
