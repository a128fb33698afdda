from django.urls import path

from otb import import_views

urlpatterns = [
    path("", import_views.po_import_page, name="po-import"),
]
