"""/report/: the executive weekly report, its exports and the mail subscription (namespace reports).
/otb/report/... redirects here."""

from django.urls import path

from reports import export_views, page_views

app_name = "reports"

urlpatterns = [
    path("", page_views.report_page, name="report"),
    path("pdf/", export_views.report_pdf, name="pdf"),
    path("xlsx/", export_views.report_xlsx, name="xlsx"),
    path("csv/", export_views.report_csv, name="csv"),
    path("subscription/", export_views.report_subscription, name="subscription"),
]
