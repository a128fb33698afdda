"""The one audit trail: `audit_record` is its one writer, `audit_for` and `audit_trail` its reads.

Write inside the caller's transaction (no atomic of its own, no on_commit): the record commits
or rolls back with the change it describes. Values are stored decimal-safe: a Decimal becomes its
exact string ("12.30"), dates ISO strings, model instances their pk.

The plan cell history is high-volume (one row per edited cell, thousands per paste or roll) and
keeps its own table; its writer is registered by the planning app and called only through
`audit_record_cells`, so no code writes an audit row around this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from core.models import ACTION_LABELS, AuditEvent

LABEL_LENGTH = AuditEvent._meta.get_field("target_label").max_length or 200

# action -> writer(user, rows, source) of a table kept apart for volume (today only "plan.cell").
_CELL_WRITERS: dict[str, Callable[[Any, Sequence[Mapping[str, Any]], str], int]] = {}


class AuditEntry(NamedTuple):
    """One row of a bulk record (`audit_record_many`): the same action on many targets."""

    target: models.Model
    old: Any = None
    new: Any = None
    label: str | None = None


def jsonable(value: Any) -> Any:
    """`value` with every Decimal as its exact string, dates as ISO strings, instances as pks."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _department_id(target: models.Model, department: Any) -> int | None:
    """The department given (instance or id), else the target's own, else none (global rows)."""
    if department is None:
        department = getattr(target, "department_id", None)
    if isinstance(department, models.Model):
        return int(department.pk)
    return int(department) if department is not None else None


def _event(
    user: Any,
    action: str,
    target: models.Model,
    old: Any,
    new: Any,
    comment: str,
    department: Any,
    label: str | None = None,
) -> AuditEvent:
    if target.pk is None:
        raise ValueError(f"audit_record({action!r}): the target must be saved first")
    return AuditEvent(
        user=user if getattr(user, "pk", None) is not None else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        target_label=(label if label is not None else str(target))[:LABEL_LENGTH],
        old=jsonable(old),
        new=jsonable(new),
        comment=comment or "",
        department_id=_department_id(target, department),
    )


def audit_record(
    user: Any,
    action: str,
    target: models.Model,
    *,
    old: Any = None,
    new: Any = None,
    comment: str = "",
    department: Any = None,
    label: str | None = None,
) -> AuditEvent:
    """Record that `user` (None for the system) did `action` to `target`, from `old` to `new`.

    `department` (instance or id) scopes who may read the record; by default the target's own
    `department_id` if it has one. `label` names the target in trails (default `str(target)`).
    Runs inside the caller's transaction."""
    event = _event(user, action, target, old, new, comment, department, label)
    event.save()
    return event


def audit_record_many(
    user: Any, action: str, entries: Iterable[AuditEntry], *, comment: str = "", department: Any = None
) -> int:
    """The same action on many targets in one bulk insert (an import's changed rows)."""
    events = [
        _event(user, action, entry.target, entry.old, entry.new, comment, department, entry.label)
        for entry in entries
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def audit_cell_writer_register(
    action: str, writer: Callable[[Any, Sequence[Mapping[str, Any]], str], int]
) -> None:
    """An app keeps a high-volume history in its own table (planning: "plan.cell")."""
    _CELL_WRITERS[action] = writer


def audit_record_cells(
    user: Any, rows: Iterable[Mapping[str, Any]], *, source: str, action: str = "plan.cell"
) -> int:
    """Record changed plan cells (rows of line_id, fiscal_week_id, measure, old, new) in the cell
    history through the writer planning registered; `source` says how (edit, paste, import...)."""
    rows = list(rows)
    if not rows:
        return 0
    try:
        writer = _CELL_WRITERS[action]
    except KeyError:
        raise LookupError(f"no audit table registered for {action!r}") from None
    return writer(user, rows, source)


def audit_labels_register(labels: Mapping[str, str]) -> None:
    """How trails show the app's actions ({"plan.approve": "Approved", ...})."""
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _action_filter(actions: str | Iterable[str] | None) -> Q:
    """Exact actions; one ending in "." or "*" is a prefix ("allocation." matches all of them)."""
    if actions is None:
        return Q()
    if isinstance(actions, str):
        actions = [actions]
    query = Q(pk__in=[])
    for action in actions:
        if action.endswith((".", "*")):
            query |= Q(action__startswith=action.rstrip("*"))
        else:
            query |= Q(action=action)
    return query


def audit_for(
    target: models.Model | Iterable[models.Model], *, actions: str | Iterable[str] | None = None
) -> QuerySet[AuditEvent]:
    """The trail of one row (or of several rows of one model), newest first, with the users."""
    targets = [target] if isinstance(target, models.Model) else list(target)
    if not targets:
        return AuditEvent.objects.none()
    content_type = ContentType.objects.get_for_model(targets[0])
    return (
        AuditEvent.objects.filter(target_type=content_type, target_id__in=[t.pk for t in targets])
        .filter(_action_filter(actions))
        .select_related("user")
    )


def audit_for_ids(
    model: type[models.Model], ids: Iterable[int], *, actions: str | Iterable[str] | None = None
) -> QuerySet[AuditEvent]:
    """The trail of rows of `model` by id (when the instances are not at hand)."""
    content_type = ContentType.objects.get_for_model(model)
    return (
        AuditEvent.objects.filter(
            target_type=content_type, target_id__in=ids if isinstance(ids, QuerySet) else list(ids)
        )
        .filter(_action_filter(actions))
        .select_related("user")
    )


def audit_trail(
    *,
    actions: str | Iterable[str] | None = None,
    departments: Iterable[int] | None = None,
    user: Any = None,
    since: dt.datetime | None = None,
    model: type[models.Model] | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events across targets, newest first: by action (exact or "prefix."), by the
    departments a reader may see (records without a department are global and always shown),
    by who, since when, of which model."""
    events = AuditEvent.objects.filter(_action_filter(actions)).select_related("user")
    if departments is not None:
        events = events.filter(Q(department_id__in=list(departments)) | Q(department_id__isnull=True))
    if user is not None:
        events = events.filter(user=user)
    if since is not None:
        events = events.filter(at__gte=since)
    if model is not None:
        events = events.filter(target_type=ContentType.objects.get_for_model(model))
    return events
