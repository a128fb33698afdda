from django.urls import path

from replenishment import apis, health_apis, simulation_apis, terms_apis

# Mounted at /api/v1/otb/ (the addresses clients already use); names are global (api-otb-...).
urlpatterns = [
    path("replenishment/runs/", apis.ReplenishmentRunList.as_view(), name="api-replenishment-runs"),
    path(
        "replenishment/runs/<int:run_id>/",
        apis.ReplenishmentRunDetail.as_view(),
        name="api-replenishment-run",
    ),
    path("replenishment/suggestions/", apis.SuggestionList.as_view(), name="api-replenishment-suggestions"),
    path(
        "replenishment/suggestions/<int:suggestion_id>/",
        apis.SuggestionDetail.as_view(),
        name="api-replenishment-suggestion",
    ),
    path(
        "replenishment/suggestions/<int:suggestion_id>/dismiss/",
        apis.SuggestionDismiss.as_view(),
        name="api-replenishment-suggestion-dismiss",
    ),
    path(
        "replenishment/suggestions/<int:suggestion_id>/restore/",
        apis.SuggestionRestore.as_view(),
        name="api-replenishment-suggestion-restore",
    ),
    path("replenishment/suggestions/order/", apis.SuggestionOrder.as_view(), name="api-replenishment-order"),
    path("replenishment/skipped/", apis.SkippedList.as_view(), name="api-replenishment-skipped"),
    path("replenishment/open-orders/", apis.OpenOrderReview.as_view(), name="api-replenishment-open-orders"),
    path("policies/", health_apis.PolicyList.as_view(), name="api-otb-policies"),
    path("policies/<str:cell>/", health_apis.PolicyDetail.as_view(), name="api-otb-policy"),
    path("health/", health_apis.HealthReport.as_view(), name="api-otb-health"),
    path("policy-simulation/", simulation_apis.PolicySimulation.as_view(), name="api-otb-policy-simulation"),
    path("vendor-items/", terms_apis.VendorItemList.as_view(), name="api-otb-vendor-items"),
    path("vendor-items/<int:item_id>/", terms_apis.VendorItemDetail.as_view(), name="api-otb-vendor-item"),
    path(
        "vendor-reliability/", health_apis.VendorReliabilityList.as_view(), name="api-otb-vendor-reliability"
    ),
]
