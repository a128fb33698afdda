"""Markdowns: proposals of price reductions, their style-colors and the price history an
approved proposal writes. Tables of the otb app (imported by `otb.models`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.fields import money_field
from core.versioning import VersionedRow
from otb.models import _NON_NEGATIVE
from planning.models import Department, FiscalWeek


class MarkdownProposal(VersionedRow):
    """Price reductions a planner proposes and a manager (not the planner) approves."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="markdown_proposals")
    name = models.CharField(max_length=120)
    effective_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
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
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Markdown {self.name} ({self.status})"


class MarkdownItem(models.Model):
    """One style-color of a proposal: current and new price, the units the new price is
    expected to sell, and the markdown cost (price reduction x units affected)."""

    proposal = models.ForeignKey(MarkdownProposal, on_delete=models.CASCADE, related_name="items")
    style_color = models.ForeignKey("planning.StyleColor", on_delete=models.PROTECT, related_name="+")
    current_price = models.DecimalField(max_digits=12, decimal_places=2, validators=_NON_NEGATIVE)
    new_price = models.DecimalField(max_digits=12, decimal_places=2, validators=_NON_NEGATIVE)
    units_affected = models.PositiveIntegerField(
        help_text="Units on hand and on order the new price applies to."
    )
    projected_units = models.PositiveIntegerField(
        default=0, help_text="Units expected to sell at the new price."
    )
    markdown_cost = money_field(validators=_NON_NEGATIVE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "style_color"], name="markdown_item_unique"),
            models.CheckConstraint(
                condition=models.Q(new_price__lt=models.F("current_price"), new_price__gte=0),
                name="markdown_item_price_reduced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.style_color_id}: {self.current_price} -> {self.new_price}"


class PriceChange(models.Model):
    """Price history: every approved markdown writes the style-color's new price here."""

    style_color = models.ForeignKey("planning.StyleColor", on_delete=models.PROTECT, related_name="+")
    effective_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    old_price = models.DecimalField(max_digits=12, decimal_places=2)
    new_price = models.DecimalField(max_digits=12, decimal_places=2)
    proposal = models.ForeignKey(MarkdownProposal, on_delete=models.PROTECT, related_name="price_changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["style_color", "effective_week"], name="price_change_item_week")]

    def __str__(self) -> str:
        return f"{self.style_color_id} {self.effective_week_id}: {self.old_price} -> {self.new_price}"
