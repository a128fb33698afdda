"""/replenishment/: the worksheet, runs, open-order review, policies, inventory health, vendor
reliability and FWOS targets (namespace replenishment). The old /otb/... addresses redirect here."""

from django.urls import include, path

from replenishment import health_views, matrix_views, po_review_views, views

app_name = "replenishment"

urlpatterns = [
    path("", views.worksheet_page, name="worksheet"),
    path("totals/", views.worksheet_totals, name="totals"),
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run-start"),
    path(
        "suggestions/<int:suggestion_id>/change/",
        views.suggestion_change,
        name="suggestion-change",
    ),
    path(
        "suggestions/<int:suggestion_id>/dismiss/",
        views.suggestion_dismiss,
        name="suggestion-dismiss",
    ),
    path(
        "suggestions/<int:suggestion_id>/restore/",
        views.suggestion_restore,
        name="suggestion-restore",
    ),
    path("orders/", views.suggestions_order, name="order"),
    path("open-orders/", po_review_views.open_orders_page, name="open-orders"),
    path(
        "open-orders/lines/<int:line_id>/move/",
        po_review_views.open_order_line_move,
        name="line-move",
    ),
    path(
        "open-orders/lines/<int:line_id>/cut/",
        po_review_views.open_order_line_cut,
        name="line-cut",
    ),
    path(
        "open-orders/lines/<int:line_id>/cancel/",
        po_review_views.open_order_line_cancel,
        name="line-cancel",
    ),
    path("policies/", matrix_views.policy_matrix_page, name="policy-matrix"),
    path("policies/<str:cell>/", matrix_views.policy_cell_save, name="policy-cell-save"),
    path("health/", health_views.inventory_health_page, name="inventory-health"),
    path("vendors/", health_views.vendor_reliability_page, name="vendor-reliability"),
    path("fwos/", include("replenishment.fwos_urls")),
]
