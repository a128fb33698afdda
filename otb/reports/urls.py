from django.urls import path

from otb.reports import export_views, page_views

urlpatterns = [
    path("report/", page_views.report_page, name="report"),
    path("report/pdf/", export_views.report_pdf, name="report-pdf"),
    path("report/xlsx/", export_views.report_xlsx, name="report-xlsx"),
    path("report/csv/", export_views.report_csv, name="report-csv"),
    path("report/subscription/", export_views.report_subscription, name="report-subscription"),
]
