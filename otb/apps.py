from typing import Any

from django.apps import AppConfig


class OtbConfig(AppConfig):
    name = "otb"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from otb.open_to_buy import plan_purchases
        from planning.demo.signals import demo_data_deleting
        from planning.models import PlanTransition
        from planning.plans import purchases

        # Plans take their on order and received from the purchase orders kept here.
        purchases.set_provider(plan_purchases)

        post_save.connect(_plan_submitted, sender=PlanTransition, dispatch_uid="otb.plan_submitted_mail")
        demo_data_deleting.connect(_demo_otb_delete, dispatch_uid="otb.demo_delete")


def _demo_otb_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its orders, budgets, markdowns and decisions."""
    from otb import models

    for model in (
        models.PurchaseOrderReceipt, models.ApprovalDecision, models.PriceChange, models.MarkdownItem,
        models.MarkdownProposal, models.OTBException, models.PurchaseOrderLine, models.PurchaseOrder,
        models.OTBCommitment, models.OTBBudget, models.Vendor,
    ):  # fmt: skip
        model.objects.all().delete()


def _plan_submitted(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A plan sent for approval mails its approvers too (planning does not know about mail)."""
    if not created or instance.action != "submit":
        return
    from otb.notifications import approval_requested

    version = instance.version
    approval_requested(
        department_id=version.plan.department_id,
        subject=f"Plan {version.plan.name} ({version.name}) waits for you",
        body=f"{version.plan.name}, {version.name}, of {version.plan.department} was submitted for approval.",
        requested_by=instance.user,
    )
