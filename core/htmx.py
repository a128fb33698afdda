"""The one HTMX answer for a refused request: the fragment again, with the message, and a status
htmx swaps (templates/base.html's htmx-config swaps 400, 403, 409 and 422; other errors leave the
page as it is and static/js/htmx-errors.js shows a banner).

    except AppError as error:
        return htmx_error(request, error, "allocation/run.html#action-error")

The fragment gets `error` (the message), `error_code` and `error_field` besides the caller's
context. A page answers bad input as 422 (the form was read, its values refused), a conflict
409, not allowed 403: the status the pages used before, whatever the API answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import AppError

DEFAULT_TEMPLATE = "core/_error.html"
# InvalidInput and RuleViolation: the page's form answer; the others keep their own status.
_PAGE_STATUS = {400: 422}


def htmx_error_status(error: AppError) -> int:
    return _PAGE_STATUS.get(error.status, error.status)


def htmx_error(
    request: HttpRequest,
    error: AppError,
    template: str = DEFAULT_TEMPLATE,
    context: Mapping[str, Any] | None = None,
    *,
    status: int | None = None,
) -> HttpResponse:
    """Render `template` (the re-rendered fragment) with the refusal, at its page status."""
    values = {
        **(context or {}),
        "error": error.message,
        "error_code": error.code,
        "error_field": error.field,
    }
    return render(request, template, values, status=status or htmx_error_status(error))
