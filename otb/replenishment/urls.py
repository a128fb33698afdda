from django.urls import path

from otb.replenishment import views

urlpatterns = [
    path("", views.worksheet_page, name="replenishment"),
    path("runs/", views.run_list, name="replenishment-runs"),
    path("runs/start/", views.run_start, name="replenishment-run-start"),
    path(
        "suggestions/<int:suggestion_id>/change/",
        views.suggestion_change,
        name="replenishment-suggestion-change",
    ),
    path("orders/", views.suggestions_order, name="replenishment-order"),
]
