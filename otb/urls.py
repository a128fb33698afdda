from django.urls import include, path

app_name = "otb"

urlpatterns = [
    path("", include("otb.page_urls")),
    path("imports/", include("otb.import_urls")),
    path("markdowns/", include("otb.markdowns.urls")),
    path("approvals/", include("otb.approval_urls")),
]
