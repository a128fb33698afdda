from django.urls import path

from planning.plans import cell_views, compare_views, excel_views, version_views, views

urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:plan_id>/compare/", compare_views.plan_compare, name="plan-compare"),
    path("plans/versions/<int:version_id>/", views.plan_version, name="plan-version"),
    path("plans/versions/<int:version_id>/cells/", cell_views.cell_update, name="plan-cells"),
    path("plans/versions/<int:version_id>/totals/", cell_views.totals, name="plan-totals"),
    path("plans/versions/<int:version_id>/lock/", cell_views.cell_lock, name="plan-lock"),
    path("plans/versions/<int:version_id>/undo/", cell_views.undo, name="plan-undo"),
    path("plans/versions/<int:version_id>/detail/", cell_views.detail_cell, name="plan-detail-cell"),
    path("plans/versions/<int:version_id>/lines/<int:line_id>/", cell_views.line, name="plan-line"),
    path(
        "plans/versions/<int:version_id>/line-settings/",
        version_views.line_settings,
        name="plan-line-settings",
    ),
    path("plans/versions/<int:version_id>/recompute/", version_views.recompute, name="plan-recompute"),
    path(
        "plans/versions/<int:version_id>/recompute/progress/",
        version_views.recompute_progress,
        name="plan-progress",
    ),
    path("plans/versions/<int:version_id>/explain/", cell_views.cell_explain, name="plan-explain"),
    path("plans/versions/<int:version_id>/history/", cell_views.cell_history, name="plan-history"),
    path("plans/versions/<int:version_id>/submit/", version_views.version_submit, name="plan-submit"),
    path("plans/versions/<int:version_id>/approve/", version_views.version_approve, name="plan-approve"),
    path("plans/versions/<int:version_id>/reject/", version_views.version_reject, name="plan-reject"),
    path("plans/versions/<int:version_id>/withdraw/", version_views.version_withdraw, name="plan-withdraw"),
    path("plans/versions/<int:version_id>/branch/", version_views.scenario_branch, name="plan-branch"),
    path("plans/versions/<int:version_id>/export.xlsx", excel_views.plan_export, name="plan-export"),
    path("plans/versions/<int:version_id>/import/", excel_views.plan_import, name="plan-import"),
]
