from typing import Any

from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "allocation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planning.demo.signals import demo_data_deleting

        # Registered before otb's (INSTALLED_APPS order): runs go before the orders they name.
        demo_data_deleting.connect(_demo_allocation_delete, dispatch_uid="allocation.demo_delete")
        # The shared beat task (core.tasks.expire_lost_runs) expires this app's lost runs too.
        from allocation.models import AllocationRun
        from core.runs import run_model_register

        run_model_register(AllocationRun)
        from core.audit import audit_labels_register

        audit_labels_register(AUDIT_LABELS)


# How the run page's change list names the audit events of a run.
AUDIT_LABELS = {
    "allocation.create": "Created",
    "allocation.line.change": "Line edited",
    "allocation.release": "Released",
    "allocation.cancel": "Cancelled",
    "allocation.rebalance": "Rebalancing accepted",
}


def _demo_allocation_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its allocations and transfers."""
    from allocation import models

    for model in (models.Transfer, models.AllocationLine, models.AllocationItem):
        model.objects.all().delete()
    models.AllocationRun.objects.all().delete()
