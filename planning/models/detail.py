"""A plan version's leaf detail (issue 19): its flows by subclass x region x week, under the
class lines the grid shows. One row per leaf and measure holding the leaf's weeks as an array of
cents (int64, little-endian: exact money, one row to read or write per leaf), chosen over a row
per leaf-week by measuring (README "Plan detail": a department-season edit rewrites 20,000 rows
instead of 520,000)."""

from __future__ import annotations

from django.db import models

from planning.models.hierarchy import Subclass
from planning.models.locations import Region
from planning.models.plans import PlanVersion


class PlanLeaf(models.Model):
    """One leaf of a version's detail (a subclass in a region) and one measure's weeks."""

    class Measure(models.TextChoices):
        SALES = "sales", "Sales $"
        MARKDOWNS = "markdowns", "Markdowns $"
        SALES_UNITS = "sales_units", "Sales units"
        LAST_YEAR_SALES = "ly_sales", "LY sales $"  # the shape a spread "by last year" follows

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="leaves")
    subclass = models.ForeignKey(Subclass, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    # The version's weeks in period order, in cents (units for sales_units), int64 little-endian.
    cents = models.BinaryField()
    # A locked leaf keeps its values when a total above it is spread (its siblings absorb it).
    is_locked = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "measure", "subclass", "region"], name="planleaf_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subclass_id}/{self.region_id} {self.measure} ({self.version_id})"
