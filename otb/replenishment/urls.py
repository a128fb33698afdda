from django.urls import path

from otb.replenishment import po_review_views, views

urlpatterns = [
    path("", views.worksheet_page, name="replenishment"),
    path("totals/", views.worksheet_totals, name="replenishment-totals"),
    path("runs/", views.run_list, name="replenishment-runs"),
    path("runs/start/", views.run_start, name="replenishment-run-start"),
    path(
        "suggestions/<int:suggestion_id>/change/",
        views.suggestion_change,
        name="replenishment-suggestion-change",
    ),
    path(
        "suggestions/<int:suggestion_id>/dismiss/",
        views.suggestion_dismiss,
        name="replenishment-suggestion-dismiss",
    ),
    path(
        "suggestions/<int:suggestion_id>/restore/",
        views.suggestion_restore,
        name="replenishment-suggestion-restore",
    ),
    path("orders/", views.suggestions_order, name="replenishment-order"),
    path("open-orders/", po_review_views.open_orders_page, name="replenishment-open-orders"),
    path(
        "open-orders/lines/<int:line_id>/move/",
        po_review_views.open_order_line_move,
        name="replenishment-line-move",
    ),
    path(
        "open-orders/lines/<int:line_id>/cut/",
        po_review_views.open_order_line_cut,
        name="replenishment-line-cut",
    ),
    path(
        "open-orders/lines/<int:line_id>/cancel/",
        po_review_views.open_order_line_cancel,
        name="replenishment-line-cancel",
    ),
]
