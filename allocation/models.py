"""Allocation runs (a preview of DC stock or an incoming order shared out to stores by need),
their lines (one per SKU x store), released transfers, and who changed what.

A run is computed whole in one transaction (a failed run writes no lines), previewed, edited by
hand line by line (each edit keeps the SKU's totals within its allocatable stock), then
released: its lines with units become transfers from the DC to the stores.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.run_models import BackgroundRun, RunStatus, run_status_field
from core.versioning import VersionedRow
from otb.models import PurchaseOrder
from planning.models import Department, FiscalWeek, Location, Sku, StyleColor

_SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.950"))]
MAX_PACK_SIZE = 1000  # units a pack: runs and rebalancing move whole packs of 1 to this many


class AllocationRun(BackgroundRun, VersionedRow):
    """An allocation: a background run (progress in percent) whose computed result is a
    preview the planner edits, then releases as transfers or cancels."""

    class Source(models.TextChoices):
        DC_STOCK = "dc", "DC stock"
        PURCHASE_ORDER = "po", "Incoming purchase order"

    class Demand(models.TextChoices):
        FORECAST = "forecast", "Forecast (recent sales where there is none)"
        LIKE_ITEM = "like_item", "Launch: like item's sales"
        PLAN = "plan", "Launch: planned units a week"

    class Mode(models.TextChoices):
        FILL_RATIO = "fill_ratio", "Same fill ratio"
        WOS = "wos", "Same weeks of supply"

    class Status(models.TextChoices):
        QUEUED = RunStatus.QUEUED.value, "Queued"
        RUNNING = RunStatus.RUNNING.value, "Running"
        PREVIEW = "preview", "Preview"
        RELEASED = "released", "Released"
        FAILED = RunStatus.FAILED.value, "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = RunStatus.EXPIRED.value, "Expired"

    # A computed allocation is a preview (run_execute marks it so), not "done".
    DONE_STATUS = Status.PREVIEW

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="allocation_runs")
    name = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.DC_STOCK)
    dc = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="allocation_runs"
    )
    style_colors = models.ManyToManyField(StyleColor, related_name="+")
    cluster = models.CharField(max_length=40, blank=True, help_text="Only the stores of this cluster.")
    grade = models.CharField(max_length=1, blank=True, help_text="Only the stores of this grade.")
    demand = models.CharField(max_length=12, choices=Demand.choices, default=Demand.FORECAST)
    like_style_color = models.ForeignKey(
        StyleColor, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Launch: the established item whose store sales shape the demand.",
    )  # fmt: skip
    planned_weekly_units = models.DecimalField(
        max_digits=10, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))],
        help_text="Launch from the plan: units a week of each style-color, all stores together.",
    )  # fmt: skip
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.FILL_RATIO)
    holdback = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0"), validators=_SHARE)
    pack_size = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    coverage_weeks = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("26"))],
    )  # fmt: skip
    what_if = models.BooleanField(default=False, help_text="Unlimited supply: shows the full need.")
    as_of = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    status = run_status_field(Status)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pack_size__gte=1), name="allocation_pack_positive"),
            models.CheckConstraint(
                condition=models.Q(holdback__gte=0, holdback__lt=1), name="allocation_holdback_share"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Allocation {self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.PREVIEW and not self.what_if


class AllocationItem(models.Model):
    """One SKU of a run: its supply and where it went. available = held_back + allocated +
    left at the DC."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    available = models.PositiveIntegerField(help_text="At the DC (or arriving on the order); 0 in what-if.")
    held_back = models.PositiveIntegerField(default=0)
    allocatable = models.PositiveIntegerField(default=0, help_text="Whole packs after the holdback.")
    allocated = models.PositiveIntegerField(default=0)
    need = models.PositiveIntegerField(default=0)
    stores_short = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sku__style_color_id", "sku__size_order", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "sku"], name="allocation_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.allocated} of {self.available}"

    @property
    def left_at_dc(self) -> int:
        return max(0, self.available - self.held_back - self.allocated)

    @property
    def room(self) -> int:
        """Units still free to give by hand: allocatable - allocated."""
        return max(0, self.allocatable - self.allocated)


class AllocationLine(VersionedRow):
    """One SKU at one store: what it has, needs, was proposed and (after edits) gets."""

    # A run writes up to a million lines in one COPY: no per-row foreign-key triggers (the run's
    # writer is the only one to insert them, with ids it just read) and one index besides the key.
    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, related_name="lines", db_constraint=False, db_index=False
    )
    item = models.ForeignKey(
        AllocationItem, on_delete=models.CASCADE, related_name="lines", db_constraint=False, db_index=False
    )
    store = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    segment = models.CharField(max_length=2, blank=True, help_text="The SKU's ABC x XYZ cell at this store.")
    priority = models.PositiveSmallIntegerField(default=2)
    presentation_min = models.PositiveIntegerField(default=0)
    on_hand = models.PositiveIntegerField(default=0)
    in_transit = models.PositiveIntegerField(default=0)
    weekly_demand = models.FloatField(default=0.0)
    need = models.PositiveIntegerField(default=0)
    cap = models.PositiveIntegerField(null=True, blank=True, help_text="Most units the store has room for.")
    proposed = models.PositiveIntegerField(default=0, help_text="What the engine gave.")
    allocated = models.PositiveIntegerField(default=0, help_text="What the store gets (edited by hand).")
    shortfall = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # One index serves the run's lines, a SKU's lines within the run, and uniqueness.
        constraints = [
            models.UniqueConstraint(fields=["run", "item", "store"], name="allocation_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} at {self.store_id}: {self.allocated}"

    @property
    def fill_rate(self) -> float:
        return self.allocated / self.need if self.need else 1.0

    @property
    def projected_wos(self) -> float | None:
        """(on hand + in transit + allocated) / weekly demand; None without demand."""
        if self.weekly_demand <= 0:
            return None
        return (self.on_hand + self.in_transit + self.allocated) / self.weekly_demand

    @property
    def is_edited(self) -> bool:
        return self.allocated != self.proposed


class Transfer(models.Model):
    """Units to move from one location to another: released allocations (DC to store) and
    accepted rebalancing suggestions (store to store)."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", "Allocation"
        REBALANCE = "rebalance", "Rebalancing"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SHIPPED = "shipped", "Shipped"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.PLANNED, Status.SHIPPED)

    kind = models.CharField(max_length=12, choices=Kind.choices)
    run = models.ForeignKey(
        AllocationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(units__gte=1), name="transfer_units_positive"),
            models.CheckConstraint(
                condition=~models.Q(from_location=models.F("to_location")), name="transfer_not_to_itself"
            ),
        ]
        indexes = [models.Index(fields=["sku", "from_location", "status"], name="transfer_sku_from_status")]

    def __str__(self) -> str:
        return f"{self.units} of {self.sku_id}: {self.from_location_id} -> {self.to_location_id}"
