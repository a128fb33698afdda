from typing import Any

from django.apps import AppConfig


class ReplenishmentConfig(AppConfig):
    name = "replenishment"
    verbose_name = "Replenishment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planning.demo.signals import demo_data_deleting

        # Connected before otb's receiver (this app comes first in INSTALLED_APPS): suggestions
        # and vendor terms protect the orders and vendors that otb deletes.
        demo_data_deleting.connect(_demo_replenishment_delete, dispatch_uid="replenishment.demo_delete")


def _demo_replenishment_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its replenishment runs, policies and vendor terms."""
    from replenishment import models

    for model in (
        models.Suggestion, models.ItemPolicy, models.ReplenishmentRun, models.VendorItem,
        models.ReceivingCapacity, models.SegmentPolicyChange,
    ):  # fmt: skip
        model.objects.all().delete()
