"""Purchase orders (on order), OTB budgets by department x fiscal month, and OTB exceptions.

A fiscal month is keyed `year * 100 + month` (202603: month 3 of FY2026), like weeks.
Money is at retail unless a field says cost; units are whole.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from core.fields import money_field
from core.versioning import VersionedRow
from planning.models import Department, FiscalWeek, Location, PlanVersion, Sku

_NON_NEGATIVE: list[MinValueValidator] = [MinValueValidator(Decimal("0"))]


class Vendor(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OTBBudget(models.Model):
    """The receipts a department may buy, by fiscal month: one version per approval. The
    approved version in force is the newest approved one; a revision is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="otb_budgets")
    fiscal_year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    source_version = models.ForeignKey(
        PlanVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["department", "fiscal_year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "fiscal_year", "number"],
                name="otb_budget_dept_year_number_unique",
            )
        ]

    def __str__(self) -> str:
        return f"OTB {self.department} FY{self.fiscal_year} v{self.number} ({self.status})"


class OTBBudgetMonth(models.Model):
    """Approved receipts of one fiscal month, signed as the plan has them: a month whose stock
    target is below what its sales leave plans negative receipts (stock the plan wants out that
    selling cannot take out). Its OTB starts below zero, so any order into it is over OTB."""

    budget = models.ForeignKey(OTBBudget, on_delete=models.CASCADE, related_name="months")
    month_key = models.PositiveIntegerField()
    receipts_retail = money_field()
    receipts_cost = money_field()
    receipts_units = models.IntegerField(default=0)

    class Meta:
        ordering = ["budget", "month_key"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "month_key"], name="otb_budget_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.month_key}: {self.receipts_retail}"

    @property
    def is_negative(self) -> bool:
        return bool(self.receipts_retail < 0)


class OTBCommitment(models.Model):
    """What released purchase orders commit against a department's fiscal month: their lines'
    units x unit retail, received or still open (a cancelled part leaves), in cents so that
    adding up is exact on every database.

    The purchase order services keep it in the transaction that writes the lines; its row is
    the lock that serialises the OTB checks of the month (see `otb.ledger`)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    month_key = models.PositiveIntegerField()
    committed_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "month_key"], name="otb_commitment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.month_key}: {self.committed_cents / 100:.2f}"


class PurchaseOrder(VersionedRow):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting", "Over OTB: awaiting approval"
        RELEASED = "released", "Released"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=30, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="orders")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"PO {self.number} ({self.status})"


class PurchaseOrderLine(VersionedRow):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PARTLY_RECEIVED = "partly", "Partly received"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.PARTLY_RECEIVED)

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=_NON_NEGATIVE)
    unit_retail = models.DecimalField(max_digits=12, decimal_places=2, validators=_NON_NEGATIVE)
    receipt_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    month_key = models.PositiveIntegerField(help_text="Fiscal month of the receipt week: year * 100 + month.")
    received_units = models.PositiveIntegerField(default=0)
    ordered_units = models.PositiveIntegerField(
        default=0, help_text="Units as last ordered (before a cancellation): the vendor's fill rate."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(units__gte=1), name="po_line_units_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_cost__gte=0, unit_retail__gte=0), name="po_line_prices_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(received_units__lte=models.F("units")),
                name="po_line_received_within_units",
            ),
        ]
        indexes = [models.Index(fields=["month_key", "status"], name="po_line_month_status")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.pk}: {self.units} x {self.sku_id}"

    @property
    def open_units(self) -> int:
        return 0 if self.status == self.Status.CANCELLED else self.units - self.received_units


class OTBException(models.Model):
    """A purchase order that does not fit the OTB left: a manager decides, with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Reason(models.TextChoices):
        OPPORTUNITY = "opportunity", "Buying opportunity"
        DEMAND = "demand", "Demand above plan"
        REPLENISHMENT = "replenishment", "Stock-out risk"
        TIMING = "timing", "Receipt timing shift"
        OTHER = "other", "Other"

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="exceptions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    month_key = models.PositiveIntegerField()
    requested_retail = money_field()
    available_retail = money_field()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True, default="")
    comment = models.CharField(max_length=500, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"OTB exception {self.pk}: {self.order_id} {self.month_key} ({self.status})"

    @property
    def over_retail(self) -> Decimal:
        return Decimal(self.requested_retail) - Decimal(self.available_retail)


class PurchaseOrderReceipt(models.Model):
    """One receipt against a line: when and how much (vendor lead time, on-time and fill)."""

    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="receipts")
    units = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    received_on = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.units} on {self.received_on}"


# The markdown models live with the rest of markdowns (otb.markdowns); importing them here is how
# Django finds them for this app.
from otb.markdowns.models import MarkdownItem, MarkdownProposal, PriceChange  # noqa: E402

__all__ = ["MarkdownItem", "MarkdownProposal", "PriceChange"]
