from django.urls import path

from planning import apis

urlpatterns = [
    path("fiscal-weeks/", apis.FiscalWeekList.as_view(), name="api-fiscal-weeks"),
    path("departments/", apis.DepartmentList.as_view(), name="api-departments"),
    path("locations/", apis.LocationList.as_view(), name="api-locations"),
]
