from typing import Any

from django.apps import AppConfig


class ReplenishmentConfig(AppConfig):
    name = "replenishment"
    verbose_name = "Replenishment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from planning.demo.signals import demo_data_deleting
        from replenishment.policy_defaults import policy_matrix_ensure

        # Every cell of the policy matrix exists after a migrate or a flush.
        post_migrate.connect(policy_matrix_ensure, sender=self, dispatch_uid="replenishment.policy_matrix")

        # Connected before otb's receiver (this app comes first in INSTALLED_APPS): suggestions
        # and vendor terms protect the orders and vendors that otb deletes.
        demo_data_deleting.connect(_demo_replenishment_delete, dispatch_uid="replenishment.demo_delete")
        # The shared beat task (core.tasks.expire_lost_runs) expires this app's lost runs too.
        from core.runs import run_model_register
        from replenishment.models import ReplenishmentRun

        run_model_register(ReplenishmentRun)


def _demo_replenishment_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its replenishment runs, policies and vendor terms."""
    from replenishment import models

    for model in (
        models.Suggestion, models.ItemPolicy, models.ReplenishmentRun, models.VendorItem,
        models.ReceivingCapacity,
    ):  # fmt: skip
        model.objects.all().delete()
