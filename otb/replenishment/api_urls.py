from django.urls import path

from otb.replenishment import apis

urlpatterns = [
    path("runs/", apis.ReplenishmentRunList.as_view(), name="api-replenishment-runs"),
    path("runs/<int:run_id>/", apis.ReplenishmentRunDetail.as_view(), name="api-replenishment-run"),
    path("suggestions/", apis.SuggestionList.as_view(), name="api-replenishment-suggestions"),
    path(
        "suggestions/<int:suggestion_id>/",
        apis.SuggestionDetail.as_view(),
        name="api-replenishment-suggestion",
    ),
    path(
        "suggestions/<int:suggestion_id>/dismiss/",
        apis.SuggestionDismiss.as_view(),
        name="api-replenishment-suggestion-dismiss",
    ),
    path(
        "suggestions/<int:suggestion_id>/restore/",
        apis.SuggestionRestore.as_view(),
        name="api-replenishment-suggestion-restore",
    ),
    path("suggestions/order/", apis.SuggestionOrder.as_view(), name="api-replenishment-order"),
    path("skipped/", apis.SkippedList.as_view(), name="api-replenishment-skipped"),
    path("open-orders/", apis.OpenOrderReview.as_view(), name="api-replenishment-open-orders"),
]
