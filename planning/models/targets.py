"""Top-down targets (DESIGN.md section 12): a manager's division targets by department and
fiscal month, a version kind of their own with its own approval, published as the reference
the plans are reconciled against."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from core.fields import money_field
from core.versioning import VersionedRow
from planning.models.hierarchy import Department, Division

# The measures a target holds, as amounts: ratios (GM %, markdown %) are kept as their
# components (gross margin $, markdowns $) so that they roll up from parts, never averaged.
TARGET_AMOUNTS = ("sales", "gross_margin", "markdowns", "receipts", "eop")


class TargetVersion(VersionedRow):
    """One division's targets for one fiscal year: draft, submitted, approved (or rejected
    back to change); an approved version is frozen, and published it is the reference."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    name = models.CharField(max_length=80)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="target_versions")
    fiscal_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fiscal_year", "division__code", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "fiscal_year"],
                condition=models.Q(is_published=True),
                name="targetversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.division} FY{self.fiscal_year})"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)


class TargetCell(models.Model):
    """A leaf of a target version: one department's month (division and year roll up)."""

    version = models.ForeignKey(TargetVersion, on_delete=models.CASCADE, related_name="cells")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField()  # fiscal month 1..12
    sales = money_field(default=Decimal("0"))
    gross_margin = money_field(default=Decimal("0"))
    markdowns = money_field(default=Decimal("0"))
    receipts = money_field(default=Decimal("0"))
    eop = money_field(default=Decimal("0"))

    class Meta:
        ordering = ["department__code", "month"]
        constraints = [
            models.UniqueConstraint(fields=["version", "department", "month"], name="targetcell_once"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="targetcell_month"),
            models.CheckConstraint(
                condition=models.Q(sales__gte=0, markdowns__gte=0, receipts__gte=0, eop__gte=0),
                name="targetcell_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} M{self.month:02d} ({self.version_id})"
