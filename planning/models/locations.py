"""Locations: company > channel > region > store, plus distribution centres and e-commerce."""

from django.core.exceptions import ValidationError
from django.db import models

from planning.models.hierarchy import CodeUniqueIgnoringCase, code_unique_ignoring_case


class Channel(CodeUniqueIgnoringCase):
    class Kind(models.TextChoices):
        STORES = "stores", "Stores"
        ECOMMERCE = "ecommerce", "E-commerce"
        WHOLESALE = "wholesale", "Wholesale"

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["code"]
        constraints = [code_unique_ignoring_case("channel")]

    def __str__(self) -> str:
        return self.name


class Region(CodeUniqueIgnoringCase):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="regions")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]
        constraints = [code_unique_ignoring_case("region")]

    def __str__(self) -> str:
        return self.name


class Location(CodeUniqueIgnoringCase):
    class Kind(models.TextChoices):
        STORE = "store", "Store"
        ECOMMERCE = "ecommerce", "E-commerce fulfilment"
        DC = "dc", "Distribution centre"

    class Grade(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="locations"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="locations"
    )
    grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    cluster = models.CharField(max_length=40, blank=True)
    capacity_units = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most units the location can hold; empty means no limit."
    )
    supplied_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplies",
        limit_choices_to={"kind": "dc"},
    )
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            code_unique_ignoring_case("location"),
            models.CheckConstraint(
                condition=~models.Q(kind="dc")
                | models.Q(channel__isnull=True, region__isnull=True, grade=""),
                name="location_dc_outside_channels",
                violation_error_message="A distribution centre has no channel, region or grade.",
            ),
            # Selling locations belong to a channel; a DC serves several and belongs to none.
            models.CheckConstraint(
                condition=models.Q(kind="dc") | models.Q(channel__isnull=False),
                name="location_selling_has_channel",
                violation_error_message="Stores and e-commerce locations need a channel.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="store") | models.Q(region__isnull=False, grade__in=["A", "B", "C"]),
                name="location_store_has_region_grade",
                violation_error_message="A store needs a region and a grade (A, B or C).",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(opened_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="location_closed_after_opened",
                violation_error_message="A location cannot close before it opens.",
            ),
        ]
        indexes = [models.Index(fields=["kind"], name="location_kind")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    # Which channel kinds a location of each kind may sell in (rules across tables, so not
    # expressible as CHECK constraints; forms and imports call full_clean()).
    CHANNEL_KINDS = {"store": {"stores", "wholesale"}, "ecommerce": {"ecommerce"}}

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        channel = self.channel if self.channel_id else None
        region = self.region if self.region_id else None
        supplier = self.supplied_by if self.supplied_by_id else None
        allowed = self.CHANNEL_KINDS.get(self.kind)
        if channel is not None and allowed is not None and channel.kind not in allowed:
            errors["channel"] = (
                f"A {self.get_kind_display().lower()} cannot sell in the {channel.name} channel."
            )
        if region is not None and channel is not None and region.channel_id != channel.pk:
            errors["region"] = f"Region {region.name} belongs to another channel."
        if supplier is not None and supplier.kind != self.Kind.DC:
            errors["supplied_by"] = "Locations are supplied by a distribution centre."
        if errors:
            raise ValidationError(errors)
