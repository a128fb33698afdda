"""The run change log moves into the one audit trail (core.AuditEvent): every AllocationChange row is
copied with its who, when, units and note (old/new {"line", "units"}, the note as the comment),
then the old table goes. A rebalancing has no run: its event is on the department its note names."""

from typing import Any

from django.db import migrations

from core.audit_migration import content_type_id, events_insert

ACTIONS = {
    "created": "allocation.create",
    "edited": "allocation.line.change",
    "released": "allocation.release",
    "cancelled": "allocation.cancel",
    "rebalanced": "allocation.rebalance",
}


def _units(line_id: Any, units: Any) -> dict[str, Any] | None:
    if units is None:
        return None
    return {"line": line_id, "units": units} if line_id is not None else {"units": units}


def allocation_changes_copy(apps: Any, schema_editor: Any) -> None:
    change_model = apps.get_model("allocation", "AllocationChange")
    department_model = apps.get_model("planning", "Department")
    run_type = content_type_id(apps, "allocation", "allocationrun")
    departments = {department.code: department for department in department_model.objects.all()}
    user_type = content_type_id(apps, "auth", "user")
    department_type = content_type_id(apps, "planning", "department")

    def event(change: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "user_id": change.changed_by_id,
            "at": change.changed_at,
            "action": ACTIONS.get(change.action, f"allocation.{change.action}"),
            "old": _units(change.line_id, change.old_units),
            "new": _units(change.line_id, change.new_units),
            "comment": change.note,
        }
        if change.run_id is not None:
            label = change.run.name or f"Allocation {change.run_id}"
            return {
                **fields, "target_type_id": run_type, "target_id": change.run_id, "target_label": label,
                "department_id": change.run.department_id,
            }  # fmt: skip
        department = departments.get(change.note.split(":", 1)[0])
        if department is not None:
            return {
                **fields, "target_type_id": department_type, "target_id": department.pk,
                "target_label": department.name, "department_id": department.pk,
            }  # fmt: skip
        return {**fields, "target_type_id": user_type, "target_id": change.changed_by_id}

    events_insert(
        apps, (event(c) for c in change_model.objects.select_related("run").order_by("id").iterator())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("allocation", "0002_allocationrun_background_run"),
    ]

    operations = [
        migrations.RunPython(allocation_changes_copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="AllocationChange"),
    ]
