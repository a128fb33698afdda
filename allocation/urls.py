from django.urls import path

from allocation import transfer_views, views

app_name = "allocation"

urlpatterns = [
    path("", views.runs_page, name="runs"),
    path("runs/<int:run_id>/", views.run_page, name="run"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:run_id>/release/", views.run_release, name="run-release"),
    path("runs/<int:run_id>/cancel/", views.run_cancel, name="run-cancel"),
    path("lines/<int:line_id>/", views.line_edit, name="line-edit"),
    path("transfers/", transfer_views.transfers_page, name="transfers"),
    path("rebalance/", transfer_views.rebalance_page, name="rebalance"),
]
