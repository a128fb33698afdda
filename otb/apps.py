from typing import Any

from django.apps import AppConfig


class OtbConfig(AppConfig):
    name = "otb"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.approvals import approval_mailer_register
        from otb import approval_kinds
        from otb.markdowns import approval_kind as markdown_approval
        from otb.notifications import approval_mail_send
        from otb.open_to_buy import plan_purchases
        from planning.demo.signals import demo_data_deleting
        from planning.plans import purchases

        # Plans take their on order and received from the purchase orders kept here.
        purchases.set_provider(plan_purchases)

        # The approval flow's kinds of OTB (after planning's plans), and who mails the approvers.
        approval_kinds.register()
        markdown_approval.register()
        approval_mailer_register(approval_mail_send)
        demo_data_deleting.connect(_demo_otb_delete, dispatch_uid="otb.demo_delete")


def _demo_otb_delete(sender: Any, **kwargs: Any) -> None:
    """Replacing the demo retailer removes its orders, budgets, markdowns and decisions."""
    from otb import models

    for model in (
        models.PurchaseOrderReceipt, models.PriceChange, models.MarkdownItem,
        models.MarkdownProposal, models.OTBException, models.PurchaseOrderLine, models.PurchaseOrder,
        models.OTBCommitment, models.OTBBudget, models.Vendor,
    ):  # fmt: skip
        model.objects.all().delete()
