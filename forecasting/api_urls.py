from django.urls import path

from forecasting import apis

urlpatterns = [
    path("runs/", apis.ForecastRunList.as_view(), name="api-forecast-runs"),
    path("runs/<int:run_id>/", apis.ForecastRunDetail.as_view(), name="api-forecast-run"),
    path(
        "runs/<int:run_id>/forecasts/",
        apis.ForecastRunForecasts.as_view(),
        name="api-forecast-run-forecasts",
    ),
    path("runs/<int:run_id>/fits/", apis.SeriesFitList.as_view(), name="api-forecast-run-fits"),
    path("overrides/", apis.ForecastOverrideList.as_view(), name="api-forecast-overrides"),
    path(
        "overrides/changes/",
        apis.ForecastOverrideChangeList.as_view(),
        name="api-forecast-override-changes",
    ),
    path(
        "overrides/<int:style_color_id>/<str:week>/",
        apis.ForecastOverrideDetail.as_view(),
        name="api-forecast-override",
    ),
    path("accuracy/", apis.ForecastAccuracy.as_view(), name="api-forecast-accuracy"),
    path(
        "accuracy/exceptions/",
        apis.ForecastExceptionList.as_view(),
        name="api-forecast-exceptions",
    ),
]
