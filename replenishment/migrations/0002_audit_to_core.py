"""The policy matrix's change log moves into the one audit trail (core.AuditEvent): every row is
copied with its who, when and values (one event per changed field, {field: old} -> {field: new},
action "replenishment.policy.change"), then the old table goes."""

from typing import Any

from django.db import migrations

from core.audit_migration import content_type_id, events_insert

ACTION = "replenishment.policy.change"


def policy_changes_copy(apps: Any, schema_editor: Any) -> None:
    change_model = apps.get_model("replenishment", "SegmentPolicyChange")
    policy_type = content_type_id(apps, "replenishment", "segmentpolicy")
    events_insert(
        apps,
        (
            {
                "user_id": change.user_id,
                "at": change.changed_at,
                "action": ACTION,
                "target_type_id": policy_type,
                "target_id": change.policy_id,
                "target_label": change.policy.cell,
                "old": {change.field: change.old_value},
                "new": {change.field: change.new_value},
            }
            for change in change_model.objects.select_related("policy").order_by("id").iterator()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("replenishment", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(policy_changes_copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="SegmentPolicyChange"),
    ]
