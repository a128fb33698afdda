from typing import Any

from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "forecasting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planning.demo.signals import demo_data_deleting

        demo_data_deleting.connect(_demo_forecasts_delete, dispatch_uid="forecasting.demo_delete")
        # The shared beat task (core.tasks.expire_lost_runs) expires this app's lost runs too.
        from core.runs import run_model_register
        from forecasting.models import ForecastRun

        run_model_register(ForecastRun)


def _demo_forecasts_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its forecasts, overrides, like items and imports."""
    from forecasting.models import (
        ForecastOverride,
        ForecastRun,
        LikeItem,
        SalesImport,
    )

    ForecastRun.objects.all().delete()
    ForecastOverride.objects.all().delete()
    LikeItem.objects.all().delete()
    SalesImport.objects.all().delete()
