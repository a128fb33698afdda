from django.urls import path

from planning import views
from planning.plans.urls import urlpatterns as plan_urlpatterns
from planning.targets.urls import urlpatterns as target_urlpatterns

app_name = "planning"

urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("merchandise/", views.hierarchy_page, name="hierarchy"),
    path("locations/", views.locations_page, name="locations"),
    *plan_urlpatterns,
    *target_urlpatterns,
]
