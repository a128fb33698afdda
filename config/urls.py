from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.health import healthz
from config.moved import moved
from reports import dashboard_views

admin.site.site_header = "Merchplan administration"
admin.site.site_title = "Merchplan admin"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("planning/", include("planning.urls")),
    path("forecasting/", include("forecasting.urls")),
    path("report/", include("reports.urls")),
    path("replenishment/", include("replenishment.urls")),
    moved("otb/report", "report"),
    moved("otb/replenishment", "replenishment"),
    moved("otb/policies", "replenishment/policies"),
    moved("otb/health", "replenishment/health"),
    moved("otb/vendors", "replenishment/vendors"),
    path("otb/", include("otb.urls")),
    path("allocation/", include("allocation.urls")),
    path("api/v1/forecasting/", include("forecasting.api_urls")),
    path("api/v1/otb/", include("otb.api_urls")),
    path("api/v1/otb/", include("replenishment.api_urls")),
    path("api/v1/allocation/", include("allocation.api_urls")),
    path("api/v1/", include("planning.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
