"""Locations: company > channel > region > store, plus distribution centres and e-commerce."""

from django.db import models


class Channel(models.Model):
    class Kind(models.TextChoices):
        STORES = "stores", "Stores"
        ECOMMERCE = "ecommerce", "E-commerce"
        WHOLESALE = "wholesale", "Wholesale"

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="regions")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
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
