"""What the data migrations that gathered the old audit tables into AuditEvent share: the content
type of a target by app label and model name, and one bulk insert of historical AuditEvents.

Migrations call these with their historical `apps`, so the functions take no model class of
today's code; they are frozen with the migrations that use them (change them only additively)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.audit import jsonable

BATCH = 2000


def content_type_id(apps: Any, app_label: str, model: str) -> int:
    """The id of the content type of `app_label.model`, created when the table has none yet (a
    fresh database migrates before post_migrate creates content types)."""
    content_type_model = apps.get_model("contenttypes", "ContentType")
    content_type, _ = content_type_model.objects.get_or_create(app_label=app_label, model=model)
    return int(content_type.pk)


def events_insert(apps: Any, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert AuditEvents from mappings of its fields (user_id, at, action, target_type_id,
    target_id, target_label, old, new, comment, department_id); returns how many."""
    event_model = apps.get_model("core", "AuditEvent")
    batch: list[Any] = []
    count = 0
    for row in rows:
        fields = dict(row)
        fields["old"] = jsonable(fields.get("old"))
        fields["new"] = jsonable(fields.get("new"))
        fields.setdefault("comment", "")
        fields["target_label"] = str(fields.get("target_label") or "")[:200]
        batch.append(event_model(**fields))
        if len(batch) >= BATCH:
            event_model.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    event_model.objects.bulk_create(batch)
    return count + len(batch)
