from django.urls import path

from planning.plans import compare_views, excel_views, views

urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:plan_id>/compare/", compare_views.plan_compare, name="plan-compare"),
    path("plans/versions/<int:version_id>/", views.plan_version, name="plan-version"),
    path("plans/versions/<int:version_id>/cells/", views.cell_update, name="plan-cells"),
    path("plans/versions/<int:version_id>/totals/", views.totals, name="plan-totals"),
    path("plans/versions/<int:version_id>/lock/", views.cell_lock, name="plan-lock"),
    path("plans/versions/<int:version_id>/line-settings/", views.line_settings, name="plan-line-settings"),
    path("plans/versions/<int:version_id>/recompute/", views.recompute, name="plan-recompute"),
    path(
        "plans/versions/<int:version_id>/recompute/progress/", views.recompute_progress, name="plan-progress"
    ),
    path("plans/versions/<int:version_id>/explain/", views.cell_explain, name="plan-explain"),
    path("plans/versions/<int:version_id>/history/", views.cell_history, name="plan-history"),
    path("plans/versions/<int:version_id>/submit/", views.version_submit, name="plan-submit"),
    path("plans/versions/<int:version_id>/approve/", views.version_approve, name="plan-approve"),
    path("plans/versions/<int:version_id>/reject/", views.version_reject, name="plan-reject"),
    path("plans/versions/<int:version_id>/withdraw/", views.version_withdraw, name="plan-withdraw"),
    path("plans/versions/<int:version_id>/branch/", views.scenario_branch, name="plan-branch"),
    path("plans/versions/<int:version_id>/export.xlsx", excel_views.plan_export, name="plan-export"),
    path("plans/versions/<int:version_id>/import/", excel_views.plan_import, name="plan-import"),
]
