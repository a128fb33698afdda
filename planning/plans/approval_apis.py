"""REST endpoints of the approval flow beside submit/approve/reject (planning.plans.apis.approvals): a
submitter withdraws a submission; anyone who sees a version reads its trail, and for a scenario
what promoting it would change in the working plan."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from core.errors import InvalidInput
from planning.models import PlanTransition, PlanVersion
from planning.plans import selectors
from planning.plans.apis.serializers import PromotionCellSerializer
from planning.plans.apis.shared import (
    _DECIDED,
    _REFUSALS,
    _answers_refusals,
    _user,
    _version,
    _version_response,
)
from planning.plans.promotion import promotion_preview
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
        data = validated(WithdrawSerializer(data=request.data))
        with _answers_refusals():
            version = version_withdraw(user=_user(request), version_id=version.pk, reason=data["reason"])
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


class PromotionPreviewSerializer(serializers.Serializer[Any]):
    changes_count = serializers.IntegerField(help_text="Scenario changes applied without a choice.")
    changes = PromotionCellSerializer(many=True, help_text="Each with the working plan's value now.")
    conflicts = PromotionCellSerializer(many=True, help_text="Changed on both sides: pick the winner.")
    base = serializers.ChoiceField(
        choices=["snapshot", "audit"],
        help_text="Where the base came from: the branch's snapshot, or (scenarios branched before "
        "snapshots) the working plan's audit trail.",
    )


class PlanVersionPromotion(APIView):
    @extend_schema(responses={200: PromotionPreviewSerializer, **_REFUSALS})
    def get(self, request: Request, version_id: int) -> Response:
        """What approving this scenario now would change in the working plan (its own changes
        since the branch, against the working plan's values now) and the cells both changed,
        with the base, scenario and working plan values: what the approve call must resolve."""
        version = _version(request, version_id)
        if version.kind != PlanVersion.Kind.SCENARIO:
            raise InvalidInput("Only a what-if scenario is promoted into the working plan.")
        preview = promotion_preview(version)
        body = {
            "changes_count": len(preview.changes),
            "changes": [cell.as_dict() for cell in preview.changes],
            "conflicts": [cell.as_dict() for cell in preview.conflicts],
            "base": "snapshot" if preview.base_is_snapshot else "audit",
        }
        return Response(body)
