"""Optimistic version check, written once.

A row that people edit concurrently carries `row_version` (the `VersionedRow` mixin). A client
reads it with the row and names it back when it changes the row; `check_version()` refuses the
change with the one `core.errors.Conflict` (409) when the row moved on meanwhile, and `bump()`
increments the version in the same UPDATE as the change, so no write path can forget it.

Request parameters: new code names the version `row_version`; `seen_row_version()` also accepts
the older names (`seen_version`, `expected_version`, `version`) so existing clients keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models
from django.db.models import F

from core.errors import Conflict, InvalidInput

STALE_MESSAGE = "Someone changed this since you read it: reload to see their change, then try again."
# The request parameter, then the names older clients send.
VERSION_PARAMETERS = ("row_version", "seen_version", "expected_version", "version")

_Model = TypeVar("_Model", bound=models.Model)


class VersionedRow(models.Model):
    """A row changed under an optimistic version check (`check_version`, `bump`)."""

    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


def check_version(
    row: Any, seen: int | None, *, message: str = STALE_MESSAGE, details: Mapping[str, Any] | None = None
) -> None:
    """Refuse with Conflict when the client saw another version than the row has now.

    `row` is the locked row, or its version as a number where the row may not exist yet (0).
    `seen` None means the client named none (an older form or API call): nothing to check;
    callers that require a version say so in their input validation. `details` go into the
    409 body beside `current_version` and `seen_version` (e.g. the current value)."""
    current = row if isinstance(row, int) else row.row_version
    if seen is None or int(seen) == current:
        return
    found = {"current_version": current, "seen_version": int(seen), **(details or {})}
    raise Conflict(message, details=found)


def bump(row: _Model, **changes: Any) -> _Model:
    """Write `changes` and row_version + 1 in one UPDATE of this row; the instance follows."""
    type(row)._default_manager.filter(pk=row.pk).update(row_version=F("row_version") + 1, **changes)
    for name, value in changes.items():
        setattr(row, name, value)
    row.row_version = type(row)._default_manager.values_list("row_version", flat=True).get(pk=row.pk)  # type: ignore[attr-defined]
    return row


def bump_all(rows: models.QuerySet[Any], **changes: Any) -> int:
    """`rows.update(**changes)` with each row's version incremented in the same UPDATE."""
    return rows.update(row_version=F("row_version") + 1, **changes)


def seen_row_version(data: Mapping[str, Any], *, required: bool = False) -> int | None:
    """The version a request names: `row_version`, or one of the older names for it."""
    for name in VERSION_PARAMETERS:
        value = data.get(name)
        if value is None or value == "":
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{name}: a whole number is required.", field=name) from None
        if number < 1:
            raise InvalidInput(f"{name}: ensure this value is greater than or equal to 1.", field=name)
        return number
    if required:
        raise InvalidInput("row_version: this field is required.", field="row_version")
    return None
