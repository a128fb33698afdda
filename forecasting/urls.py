from django.urls import path

from forecasting import accuracy_views, import_views, item_views, seed_views, views

app_name = "forecasting"

urlpatterns = [
    path("", views.run_list, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("items/<int:style_color_id>/", item_views.item_forecast, name="item"),
    path("items/<int:style_color_id>/overrides/<int:week_id>/", item_views.override_save, name="override"),
    path("accuracy/", accuracy_views.accuracy_dashboard, name="accuracy"),
    path("exceptions/", accuracy_views.exception_list, name="exceptions"),
    path("plans/<int:version_id>/seed/", seed_views.plan_seed, name="plan-seed"),
    path("imports/", import_views.sales_import_page, name="imports"),
]
