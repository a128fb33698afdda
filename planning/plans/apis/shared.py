"""What every plan endpoint shares: reads scoped to the user's visible departments, the plan
services' refusals as core's errors, and a version as the answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import REFUSALS
from core.errors import Conflict, InvalidInput
from planning.models import Department, PlanVersion
from planning.plans.apis.serializers import PlanVersionSerializer
from planning.plans.measures import stored_text
from planning.plans.services import CellConflictError, PlanError

_REFUSALS = REFUSALS


@contextmanager
def _answers_refusals() -> Iterator[None]:
    """The plan services' own refusals as core's errors, which the API's handler answers: a
    PlanError 400, a stale cell 409 with their value (PermissionDenied is answered as it is)."""
    try:
        yield
    except CellConflictError as error:
        details = {
            "current_version": error.row_version,
            "measure": error.measure,
            "current": stored_text(error.measure, error.current),
            "changed_by": error.changed_by,
            "changed_at": serializers.DateTimeField().to_representation(error.changed_at)
            if error.changed_at
            else None,
            "row_version": error.row_version,
        }
        raise Conflict(str(error), details=details) from error
    except PlanError as error:
        raise InvalidInput(str(error)) from error


def _user(request: Request) -> User:
    """The signed-in user (IsAuthenticated, the default permission, let only them in)."""
    return cast(User, request.user)


def _visible_versions(request: Request) -> QuerySet[PlanVersion]:
    departments = Department.objects.visible_to(request.user)
    return PlanVersion.objects.filter(plan__department__in=departments).select_related("plan")


def _version(request: Request, version_id: int) -> PlanVersion:
    return get_object_or_404(_visible_versions(request), pk=version_id)


def _editable_departments(request: Request) -> set[int]:
    return set(Department.objects.editable_by(request.user).values_list("id", flat=True))


def _version_response(
    request: Request,
    version: PlanVersion,
    code: int = status.HTTP_200_OK,
    serializer: type[PlanVersionSerializer] = PlanVersionSerializer,
) -> Response:
    context = {"request": request, "editable_departments": _editable_departments(request)}
    return Response(serializer(version, context=context).data, status=code)


_DECIDED = {200: PlanVersionSerializer, **_REFUSALS}
