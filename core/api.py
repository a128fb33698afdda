"""The API's one error answer and the few helpers every app's API shares.

`exception_handler` (REST_FRAMEWORK["EXCEPTION_HANDLER"]) answers every refusal with one body
shape, whoever raised it:

    {"detail": "<one readable message>", "code": "<invalid|forbidden|not_found|conflict|rule|...>",
     ...details}

- an `core.errors.AppError` answers with its own `body()` and `status`;
- DRF's ValidationError keeps its first message as `detail` ("cells[2].value: ...") and the
  serializer's nested errors under `errors`;
- DRF's PermissionDenied/NotAuthenticated/NotFound/Throttled and Django's PermissionDenied/Http404
  keep their status and message (Django's PermissionDenied keeps its own text, which DRF drops).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import AppError, InvalidInput

# DRF's own exceptions answer with the application's code for the same status.
_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "invalid",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The one place an API refusal becomes a response (see the module's docstring)."""
    if isinstance(exc, AppError):
        set_rollback()
        return Response(exc.body(), status=exc.status)
    if isinstance(exc, DjangoPermissionDenied) and str(exc):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, Http404) and str(exc):
        exc = exceptions.NotFound(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = _api_exception_body(exc)
    return response


def _api_exception_body(exc: exceptions.APIException) -> dict[str, Any]:
    code = next((code for kind, code in _CODES.items() if isinstance(exc, kind)), exc.default_code)
    if not isinstance(exc, exceptions.ValidationError):
        body: dict[str, Any] = {"detail": str(exc.detail), "code": code}
        wait = getattr(exc, "wait", None)  # Throttled: seconds until the next request may go
        if wait is not None:
            body["wait"] = wait
        return body
    detail = exc.detail
    # `ValidationError({"detail": "..."})`: an API's own one-message refusal.
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        return {"detail": first_error(detail["detail"]), "code": code}
    if isinstance(detail, dict):
        return {"detail": first_error(detail), "code": code, "errors": detail}
    return {"detail": first_error(detail), "code": code}


def first_error(errors: Any, path: str = "") -> str:
    """One readable message from a serializer's nested errors: "cells[2].value: ..."."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if not value:
                continue
            if key == "non_field_errors":
                where = path
            elif isinstance(key, int):  # a ListField's items
                where = f"{path}[{key}]"
            else:
                where = f"{path}.{key}" if path else str(key)
            return first_error(value, where)
    if isinstance(errors, list) and errors:
        if all(isinstance(item, str) for item in errors):
            return f"{path}: {errors[0]}" if path else str(errors[0])
        for index, item in enumerate(errors):
            if item:
                return first_error(item, f"{path}[{index}]")
    if isinstance(errors, str) and errors:
        return f"{path}: {errors}" if path else errors
    return f"{path}: invalid" if path else "Invalid input."


def validated(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """The serializer's data, or InvalidInput (400) whose `detail` is the first message and whose
    `errors` are the serializer's own."""
    if not serializer.is_valid():
        raise InvalidInput(first_error(serializer.errors), details={"errors": serializer.errors})
    return cast(dict[str, Any], serializer.validated_data)


def request_user(request: Request) -> User:
    """The signed-in user (IsAuthenticated, the default permission, lets only them in)."""
    return cast(User, request.user)


def refused(error: AppError) -> Response:
    """The answer for an AppError caught where the view must answer rather than raise (e.g.
    after writing what was accepted); elsewhere just let it propagate to the handler."""
    return Response(error.body(), status=error.status)


# --- the schema of the answers ---------------------------------------------------------------
class ErrorBody(serializers.Serializer[Any]):
    """Every refusal: a message for people and a code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="invalid, forbidden, not_found, conflict, rule, ...")


class InvalidBody(ErrorBody):
    # A schema only (never instantiated with data), so the field may shadow Serializer.errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="The serializer's errors, field by field."
    )


class StaleRowBody(ErrorBody):
    """A 409: someone changed the row since you read it. Read it again, then retry."""

    current_version = serializers.IntegerField(help_text="The row's version now.")
    seen_version = serializers.IntegerField(allow_null=True, help_text="The version you named.")


REFUSALS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(InvalidBody, description="Bad input, or a rule refused it."),
    403: OpenApiResponse(ErrorBody, description="Not signed in, or not allowed to do this."),
    404: OpenApiResponse(ErrorBody, description="Nothing of that id visible to you."),
}
STALE_ROW = OpenApiResponse(StaleRowBody, description="Changed by someone since you read it.")
BAD_INPUT = {400: REFUSALS[400], 403: REFUSALS[403]}
