from typing import Any

from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "allocation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planning.demo.signals import demo_data_deleting

        # Registered before otb's (INSTALLED_APPS order): runs go before the orders they name.
        demo_data_deleting.connect(_demo_allocation_delete, dispatch_uid="allocation.demo_delete")


def _demo_allocation_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its allocations and transfers."""
    from allocation import models

    for model in (models.AllocationChange, models.Transfer, models.AllocationLine, models.AllocationItem):
        model.objects.all().delete()
    models.AllocationRun.objects.all().delete()
