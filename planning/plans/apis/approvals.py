"""The approval flow: submit, approve and reject a version; branch a what-if scenario. (Withdraw,
the trail and the promotion preview are in planning.plans.approval_apis.)"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from planning.plans.apis.serializers import (
    ApproveSerializer,
    BranchSerializer,
    OpenCellsBody,
    PlanVersionSerializer,
    PlanVersionWarningsSerializer,
    RejectSerializer,
)
from planning.plans.apis.shared import (
    _DECIDED,
    _REFUSALS,
    _answers_refusals,
    _user,
    _version,
    _version_response,
)
from planning.plans.services import scenario_branch, version_approve, version_reject, version_submit


class PlanVersionSubmit(APIView):
    @extend_schema(request=None, responses={200: PlanVersionWarningsSerializer, **_REFUSALS})
    def post(self, request: Request, version_id: int) -> Response:
        """Send a working plan or a scenario for approval; it cannot change meanwhile. The
        answer lists its weeks of negative planned receipts: a warning, not a refusal."""
        version = _version(request, version_id)
        with _answers_refusals():
            version = version_submit(user=_user(request), version_id=version.pk)
        return _version_response(request, version, serializer=PlanVersionWarningsSerializer)


class PlanVersionApprove(APIView):
    @extend_schema(
        request=ApproveSerializer,
        responses={
            **_DECIDED,
            409: OpenApiResponse(OpenCellsBody, description="A scenario's open conflicts."),
        },
    )
    def post(self, request: Request, version_id: int) -> Response:
        """Approve a submitted version (a manager of its department other than the submitter):
        it becomes the original plan; an approved scenario is promoted into the working plan.
        The optional comment is kept with the approval in the trail. A scenario's own changes
        since the branch go into the working plan; cells the working plan changed too, to another
        value, answer 409 with the cells until `resolutions` or `resolve_all` pick the winner."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(ApproveSerializer(data=request.data))
            version = version_approve(
                user=_user(request),
                version_id=version.pk,
                comment=data["comment"],
                resolutions=data["resolutions"],
                resolve_all=data["resolve_all"],
            )
        return _version_response(request, version)


class PlanVersionReject(APIView):
    @extend_schema(request=RejectSerializer, responses=_DECIDED)
    def post(self, request: Request, version_id: int) -> Response:
        """Send a submitted version back to draft, saying why (a manager of its department other
        than the submitter)."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(RejectSerializer(data=request.data))
            version = version_reject(user=_user(request), version_id=version.pk, reason=data["reason"])
        return _version_response(request, version)


class PlanVersionBranch(APIView):
    @extend_schema(request=BranchSerializer, responses={201: PlanVersionSerializer, **_REFUSALS})
    def post(self, request: Request, version_id: int) -> Response:
        """A named what-if copy of this version's lines and values (a draft scenario)."""
        version = _version(request, version_id)
        with _answers_refusals():
            data = validated(BranchSerializer(data=request.data))
            scenario = scenario_branch(user=_user(request), version_id=version.pk, name=data["name"])
        return _version_response(request, scenario, status.HTTP_201_CREATED)
