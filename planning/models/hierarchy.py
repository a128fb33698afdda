"""Merchandise hierarchy: division > department > class > subclass > style > style-color > SKU.

One table per level keeps foreign keys honest and joins cheap. Codes are unique per level
across the company, as ERPs issue them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from planning.models.querysets import DepartmentQuerySet

_NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def code_unique_ignoring_case(model: str) -> models.UniqueConstraint:
    """ERP codes are matched case-insensitively on import: "w01" and "W01" are one code."""
    return models.UniqueConstraint(
        Lower("code"),
        name=f"{model}_code_unique_ignoring_case",
        violation_error_message="This code already exists (codes are unique regardless of case).",
    )


class CodeUniqueIgnoringCase(models.Model):
    """Reports a code clash, exact or by case, as one error on the code field.

    The database enforces both (unique column, unique LOWER(code)); this check only gives
    forms a field error instead of a generic one.
    """

    code: models.CharField[str, str]

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if not self.code:
            return
        same_code = {"code__iexact": self.code}  # a dict: the abstract model has no manager to check
        clash = type(self)._default_manager.filter(**same_code).exclude(pk=self.pk).first()
        if clash is not None:
            label = str(self._meta.verbose_name).capitalize()
            detail = "" if clash.code == self.code else f" as {clash.code} (codes ignore case)"
            raise ValidationError({"code": f"{label} with this Code already exists{detail}."})


class _Node(CodeUniqueIgnoringCase):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [code_unique_ignoring_case("%(class)s")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Division(_Node):
    class Meta(_Node.Meta):
        pass


class Department(_Node):
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="departments")
    # Planners may change plans only of the departments they are assigned to.
    planners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="planned_departments",
        limit_choices_to={"groups__name__in": ["Planner", "Manager"]},
        help_text="Planners and managers who may change this department's plans.",
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta(_Node.Meta):
        pass


class MerchClass(_Node):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="classes")

    class Meta(_Node.Meta):
        verbose_name = "class"
        verbose_name_plural = "classes"


class Subclass(_Node):
    merch_class = models.ForeignKey(MerchClass, on_delete=models.PROTECT, related_name="subclasses")

    class Meta(_Node.Meta):
        verbose_name_plural = "subclasses"


class Style(_Node):
    subclass = models.ForeignKey(Subclass, on_delete=models.PROTECT, related_name="styles")

    class Meta(_Node.Meta):
        pass


class StyleColor(CodeUniqueIgnoringCase):
    """The item planners, forecasters and buyers talk about; sizes share its prices."""

    class Lifecycle(models.TextChoices):
        BASIC = "basic", "Basic (carry-over)"
        SEASONAL = "seasonal", "Seasonal"
        CLEARANCE = "clearance", "Clearance"
        DISCONTINUED = "discontinued", "Discontinued"

    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="colors")
    code = models.CharField(max_length=40, unique=True)
    color_code = models.CharField(max_length=16)
    color_name = models.CharField(max_length=60)
    retail_price = models.DecimalField(max_digits=12, decimal_places=2, validators=_NON_NEGATIVE)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=_NON_NEGATIVE)
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.SEASONAL)
    launch_date = models.DateField(null=True, blank=True)
    exit_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            code_unique_ignoring_case("stylecolor"),
            models.UniqueConstraint(fields=["style", "color_code"], name="stylecolor_style_color_unique"),
            models.CheckConstraint(
                condition=models.Q(retail_price__gte=0), name="stylecolor_retail_non_negative"
            ),
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="stylecolor_cost_non_negative"),
            models.CheckConstraint(
                condition=models.Q(exit_date__isnull=True)
                | models.Q(launch_date__isnull=True)
                | models.Q(exit_date__gte=models.F("launch_date")),
                name="stylecolor_exit_after_launch",
                violation_error_message="The exit date cannot be before the launch date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.color_name}"


class Sku(CodeUniqueIgnoringCase):
    style_color = models.ForeignKey(StyleColor, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(max_length=48, unique=True)
    size = models.CharField(max_length=16)
    # Sort key for size runs (XS < S < M ...), which do not sort alphabetically.
    size_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        constraints = [
            code_unique_ignoring_case("sku"),
            models.UniqueConstraint(fields=["style_color", "size"], name="sku_style_color_size_unique"),
        ]

    def __str__(self) -> str:
        return self.code
