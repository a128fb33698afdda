from django.urls import path

from forecasting import import_views

app_name = "forecasting"

urlpatterns = [
    path("imports/", import_views.sales_import_page, name="imports"),
]
