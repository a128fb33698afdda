"""REST endpoints of the approval flow beside submit/approve/reject (planning.plans.apis): a
submitter withdraws a submission; anyone who sees a version reads its trail."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from planning.models import PlanTransition
from planning.plans import selectors
from planning.plans.apis import (
    _DECIDED,
    _REFUSALS,
    _SERVICE_ERRORS,
    _refusal,
    _user,
    _validated,
    _version,
    _version_response,
)
from planning.plans.services import COMMENT_MAX, version_withdraw


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        allow_blank=True, default="", max_length=COMMENT_MAX, help_text="Optional; kept in the trail."
    )


class PlanVersionWithdraw(APIView):
    @extend_schema(request=WithdrawSerializer, responses=_DECIDED)
    def post(self, request: Request, version_id: int) -> Response:
        """Take a submitted version back to draft before a manager decided on it (its submitter
        or a planner of its department); it leaves the approvals inbox. A version already
        approved or rejected answers 400 saying by whom."""
        version = _version(request, version_id)
        try:
            data = _validated(WithdrawSerializer(data=request.data))
            version = version_withdraw(user=_user(request), version_id=version.pk, reason=data["reason"])
        except _SERVICE_ERRORS as error:
            return _refusal(error)
        return _version_response(request, version)


class PlanTransitionSerializer(serializers.ModelSerializer[PlanTransition]):
    user = serializers.CharField(source="user.username")
    what = serializers.CharField(
        source="label", help_text='The step as the plan page shows it, e.g. "Withdrawn".'
    )
    comment = serializers.CharField(
        source="reason", help_text="The approval comment, the rejection or withdrawal reason."
    )

    class Meta:
        model = PlanTransition
        fields = ["id", "action", "what", "from_status", "to_status", "user", "at", "comment"]


class PlanVersionTrail(APIView):
    @extend_schema(
        responses={200: PlanTransitionSerializer(many=True), 403: _REFUSALS[403], 404: _REFUSALS[404]}
    )
    def get(self, request: Request, version_id: int) -> Response:
        """Every step of the version, oldest first: created, submitted, approved (with the
        comment), rejected (with the reason), withdrawn; who and when."""
        version = _version(request, version_id)
        return Response(PlanTransitionSerializer(selectors.version_trail(version), many=True).data)
