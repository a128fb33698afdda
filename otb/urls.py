from django.urls import include, path

app_name = "otb"

urlpatterns = [
    path("", include("otb.page_urls")),
    path("", include("otb.reports.urls")),
    path("imports/", include("otb.import_urls")),
    path("markdowns/", include("otb.markdown_urls")),
    path("approvals/", include("otb.approval_urls")),
    path("", include("otb.replenishment.health_urls")),
    path("replenishment/fwos/", include("otb.replenishment.fwos_urls")),
    path("replenishment/", include("otb.replenishment.urls")),
]
