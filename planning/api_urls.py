from django.urls import path

from planning import apis
from planning.detail import apis as detail_apis
from planning.plans import approval_apis, compare_apis
from planning.plans.apis import approvals, cells, cube, versions
from planning.targets import apis as target_apis

urlpatterns = [
    path("fiscal-weeks/", apis.FiscalWeekList.as_view(), name="api-fiscal-weeks"),
    path("departments/", apis.DepartmentList.as_view(), name="api-departments"),
    path("locations/", apis.LocationList.as_view(), name="api-locations"),
    path("target-versions/", target_apis.TargetVersionList.as_view(), name="api-target-versions"),
    path(
        "target-versions/<int:version_id>/",
        target_apis.TargetVersionDetail.as_view(),
        name="api-target-version",
    ),
    path(
        "target-versions/<int:version_id>/cells/",
        target_apis.TargetVersionCells.as_view(),
        name="api-target-cells",
    ),
    path("reconciliation/", target_apis.Reconciliation.as_view(), name="api-reconciliation"),
    path("plans/", versions.PlanList.as_view(), name="api-plans"),
    path("plans/<int:pk>/", versions.PlanDetail.as_view(), name="api-plan"),
    path("plans/<int:pk>/compare/", compare_apis.PlanCompare.as_view(), name="api-plan-compare"),
    path("plan-versions/<int:version_id>/", versions.PlanVersionDetail.as_view(), name="api-plan-version"),
    path("plan-versions/<int:version_id>/lines/", versions.PlanVersionLines.as_view(), name="api-plan-lines"),
    path("plan-versions/<int:version_id>/cells/", cells.PlanVersionCells.as_view(), name="api-plan-cells"),
    path("plan-versions/<int:version_id>/cube/", cube.PlanVersionCube.as_view(), name="api-plan-cube"),
    path(
        "plan-versions/<int:version_id>/detail/",
        detail_apis.PlanVersionDetail.as_view(),
        name="api-plan-detail",
    ),
    path(
        "plan-versions/<int:version_id>/detail/lock/",
        detail_apis.PlanVersionDetailLock.as_view(),
        name="api-plan-detail-lock",
    ),
    path(
        "plan-versions/<int:version_id>/submit/",
        approvals.PlanVersionSubmit.as_view(),
        name="api-plan-submit",
    ),
    path(
        "plan-versions/<int:version_id>/approve/",
        approvals.PlanVersionApprove.as_view(),
        name="api-plan-approve",
    ),
    path(
        "plan-versions/<int:version_id>/reject/",
        approvals.PlanVersionReject.as_view(),
        name="api-plan-reject",
    ),
    path(
        "plan-versions/<int:version_id>/withdraw/",
        approval_apis.PlanVersionWithdraw.as_view(),
        name="api-plan-withdraw",
    ),
    path(
        "plan-versions/<int:version_id>/trail/",
        approval_apis.PlanVersionTrail.as_view(),
        name="api-plan-trail",
    ),
    path(
        "plan-versions/<int:version_id>/promotion/",
        approval_apis.PlanVersionPromotion.as_view(),
        name="api-plan-promotion",
    ),
    path(
        "plan-versions/<int:version_id>/branch/",
        approvals.PlanVersionBranch.as_view(),
        name="api-plan-branch",
    ),
]
