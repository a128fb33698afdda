"""One hierarchy of application errors. Services raise these; the DRF exception handler and the
HTMX error answer turn them into one response shape: {"detail": message, "code": code, ...}.

    InvalidInput  400  the request is malformed or a value is out of range
    Forbidden     403  the user may not do this (role, department scope, separation of duties)
    NotFound      404  nothing of that id is visible to the user
    Conflict      409  someone else changed the row since the client read it (optimistic check)
    RuleViolation 422  valid input that a business rule refuses (e.g. insufficient OTB)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.http import Http404


class AppError(Exception):
    """Base of every refusal a user can meet. `details` travel into the response body beside
    `detail` (e.g. the current row for a conflict, the short months for insufficient OTB);
    `field` names the input the message belongs to (forms show it next to that field)."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, field: str | None = None, details: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, Any] = dict(details or {})

    def body(self) -> dict[str, Any]:
        """The JSON body every API answers with for this error."""
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return body


class InvalidInput(AppError):  # noqa: N818 - named for the answer
    status = 400
    code = "invalid"


class Forbidden(AppError, PermissionDenied):  # noqa: N818 - named for the answer
    """Also Django's PermissionDenied: a page that does not catch it answers Django's 403, and
    code that catches PermissionDenied catches it too."""

    status = 403
    code = "forbidden"


class NotFound(AppError, Http404):  # noqa: N818 - named for the answer
    """Also Django's Http404, for pages that let it through."""

    status = 404
    code = "not_found"


class Conflict(AppError):  # noqa: N818 - named for the answer
    """The row changed since the client read it: the one conflict of the application. `details`
    carry what the client needs to show the current state (e.g. `current_version`)."""

    status = 409
    code = "conflict"


class RuleViolation(AppError):  # noqa: N818 - named for the answer
    status = 422
    code = "rule"
