"""The approval decisions log (otb.ApprovalDecision) moves into the one audit trail
(core.AuditEvent): every row is copied with its who, when and comment, as action
"<kind>.<action>" ("otb_budget.approve", "markdown.submit", "po_line.cancel",
"suggestion.order") on its row (the kind names the model), then the old table goes."""

from typing import Any

from django.db import migrations

from core.audit_migration import content_type_id, events_insert

# ApprovalDecision.kind -> the model its object_id points at
TARGETS = {
    "otb_budget": ("otb", "otbbudget"),
    "otb_exception": ("otb", "otbexception"),
    "markdown": ("otb", "markdownproposal"),
    "plan": ("planning", "planversion"),
    "po_line": ("otb", "purchaseorderline"),
    "vendor_item": ("replenishment", "vendoritem"),
    "suggestion": ("replenishment", "suggestion"),
}


def decisions_copy(apps: Any, schema_editor: Any) -> None:
    decision_model = apps.get_model("otb", "ApprovalDecision")
    kinds = set(decision_model.objects.values_list("kind", flat=True).distinct())
    unknown = kinds - set(TARGETS)
    if unknown:  # never drop a record: stop and say which kinds have no model here
        raise RuntimeError(f"approval decisions of unknown kinds {sorted(unknown)}: add them to TARGETS")
    types = {kind: content_type_id(apps, *TARGETS[kind]) for kind in kinds}
    events_insert(
        apps,
        (
            {
                "user_id": decision.user_id,
                "at": decision.at,
                "action": f"{decision.kind}.{decision.action}",
                "target_type_id": types[decision.kind],
                "target_id": decision.object_id,
                "comment": decision.comment,
            }
            for decision in decision_model.objects.order_by("id").iterator()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("otb", "0007_move_replenishment_and_reports"),
    ]

    operations = [
        migrations.RunPython(decisions_copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="ApprovalDecision"),
    ]
