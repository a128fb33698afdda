"""/replenishment/fwos/: FWOS targets from replenishment policies (namespace replenishment:fwos)."""

from django.urls import path

from replenishment import fwos_views as views

app_name = "fwos"

urlpatterns = [
    path("", views.fwos_page, name="page"),
    path("accept/", views.fwos_accept, name="accept"),
]
