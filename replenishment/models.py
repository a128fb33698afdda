"""Replenishment: vendor terms, the ABC x XYZ policy matrix, nightly runs with their item
policies and purchase suggestions (purchase orders and their receipts are the otb app's). The
tables were created by the otb app and keep their names (`db_table`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.run_models import BackgroundRun, RunStatus
from core.versioning import VersionedRow
from otb.models import PurchaseOrder, Vendor
from planning.models import Department, FiscalWeek, Location, Sku, StyleColor

_NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
SEGMENT_CELLS = [abc + xyz for abc in "ABC" for xyz in "XYZ"]


class VendorItem(models.Model):
    """The vendor that supplies a style-color (all its sizes) and its terms. MOQ and order
    multiple apply to each SKU's order line."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="items")
    style_color = models.OneToOneField(StyleColor, on_delete=models.CASCADE, related_name="+")
    lead_time_weeks = models.DecimalField(
        max_digits=5, decimal_places=2, validators=_NON_NEGATIVE, help_text="Quoted lead time in weeks."
    )
    moq = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Minimum order units."
    )
    order_multiple = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Order in multiples of this many units."
    )
    order_cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=_NON_NEGATIVE,
        help_text="Cost of placing one order (for EOQ); empty: no EOQ.",
    )  # fmt: skip
    holding_rate = models.DecimalField(
        max_digits=5, decimal_places=3, null=True, blank=True, validators=_NON_NEGATIVE,
        help_text="Holding cost per year as a share of unit cost (0.25 = 25%); empty: no EOQ.",
    )  # fmt: skip
    direct_to_store = models.BooleanField(default=False, help_text="Shipped to stores, not to the DC.")

    class Meta:
        db_table = "otb_vendoritem"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(moq__gte=1, order_multiple__gte=1, lead_time_weeks__gte=0),
                name="vendor_item_terms_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id} supplies {self.style_color_id}"


class ReceivingCapacity(models.Model):
    """How many units a DC can receive in a week; suggestions beyond it are cut."""

    location = models.OneToOneField(Location, on_delete=models.CASCADE, related_name="+")
    units_per_week = models.PositiveIntegerField()

    class Meta:
        db_table = "otb_receivingcapacity"

    def __str__(self) -> str:
        return f"{self.location_id}: {self.units_per_week} units a week"


class SegmentPolicy(VersionedRow):
    """Defaults of one ABC x XYZ cell: fast, steady sellers get high service; erratic tails do
    not tie up cash."""

    cell = models.CharField(max_length=2, unique=True, choices=[(cell, cell) for cell in SEGMENT_CELLS])
    service_level = models.DecimalField(
        max_digits=4, decimal_places=3,
        validators=[MinValueValidator(Decimal("0.500")), MaxValueValidator(Decimal("0.999"))],
        help_text="Target fill rate: units served from stock / units demanded.",
    )  # fmt: skip
    fwos_target = models.DecimalField(max_digits=5, decimal_places=1, validators=_NON_NEGATIVE)
    presentation_min = models.PositiveIntegerField(default=0, help_text="Units a store shows at least.")
    allocation_priority = models.PositiveSmallIntegerField(default=2, help_text="1 is served first.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "otb_segmentpolicy"
        ordering = ["cell"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_level__gt=0, service_level__lt=1), name="segment_service_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cell}: {self.service_level}"


class ReplenishmentRun(BackgroundRun):
    """One recompute of policies and purchase suggestions (nightly or on demand); its progress
    counts the stages of replenishment.runs."""

    Status = RunStatus

    as_of = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    horizon = models.PositiveSmallIntegerField(default=26)
    departments = models.ManyToManyField(Department, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sku_locations = models.PositiveIntegerField(default=0)
    optimiser_status = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "otb_replenishmentrun"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Replenishment run {self.pk} ({self.status})"


class ItemPolicy(models.Model):
    """A run's policy for one SKU at one location, with the numbers behind it (weekly units)."""

    run = models.ForeignKey(ReplenishmentRun, on_delete=models.CASCADE, related_name="policies")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    segment = models.CharField(max_length=2)
    demand = models.FloatField(help_text="Forecast units per week over the lead time.")
    demand_sd = models.FloatField(help_text="Measured forecast error (sd) per week.")
    lead_time = models.FloatField()
    lead_time_sd = models.FloatField()
    service_level = models.FloatField()
    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    order_up_to = models.FloatField()
    eoq = models.FloatField(null=True, blank=True)
    fwos_target = models.FloatField(null=True, blank=True)
    on_hand = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    first_stockout_week = models.ForeignKey(
        FiscalWeek, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An order the run did not suggest because the vendor's minimum is far above the need
    # (`runs.MAX_MOQ_TO_ORDER_UP_TO`): what and when it would have ordered, and why not.
    skipped_units = models.PositiveIntegerField(default=0)
    skipped_week = models.ForeignKey(
        FiscalWeek, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    skip_reason = models.CharField(max_length=240, blank=True, default="")

    class Meta:
        db_table = "otb_itempolicy"
        constraints = [
            models.UniqueConstraint(fields=["run", "sku", "location"], name="item_policy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} at {self.location_id}: ROP {self.reorder_point:.0f}"


class Suggestion(VersionedRow):
    """A suggested order line: placed in one week, arriving after the lead time; the optimiser
    may have cut it to fit OTB and DC capacity, and the buyer may edit it before ordering."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ORDERED = "ordered", "Ordered"
        DISMISSED = "dismissed", "Dismissed"

    run = models.ForeignKey(ReplenishmentRun, on_delete=models.CASCADE, related_name="suggestions")
    policy = models.ForeignKey(ItemPolicy, on_delete=models.CASCADE, related_name="suggestions")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    order_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    arrival_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    month_key = models.PositiveIntegerField(help_text="Fiscal month of the arrival week.")
    suggested_units = models.PositiveIntegerField()
    units = models.PositiveIntegerField(help_text="What the optimiser kept, or what the buyer set.")
    cut_reason = models.CharField(max_length=120, blank=True, default="")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)
    unit_retail = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "otb_suggestion"
        ordering = ["vendor", "order_week", "id"]
        indexes = [models.Index(fields=["run", "vendor", "status"], name="suggestion_run_vendor")]

    def __str__(self) -> str:
        return f"{self.units} x {self.policy_id} in {self.order_week_id}"
