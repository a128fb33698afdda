from django.urls import path

from allocation import apis

urlpatterns = [
    path("runs/", apis.AllocationRunList.as_view(), name="api-allocation-runs"),
    path("runs/<int:run_id>/", apis.AllocationRunDetail.as_view(), name="api-allocation-run"),
    path("runs/<int:run_id>/lines/", apis.AllocationLineList.as_view(), name="api-allocation-run-lines"),
    path(
        "runs/<int:run_id>/release/", apis.AllocationRunRelease.as_view(), name="api-allocation-run-release"
    ),
    path("runs/<int:run_id>/cancel/", apis.AllocationRunCancel.as_view(), name="api-allocation-run-cancel"),
    path("lines/<int:line_id>/", apis.AllocationLineDetail.as_view(), name="api-allocation-line"),
    path("transfers/", apis.TransferList.as_view(), name="api-allocation-transfers"),
    path("rebalance/", apis.Rebalance.as_view(), name="api-allocation-rebalance"),
]
