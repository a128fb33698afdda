"""Sales history and stock positions at SKU x location x fiscal week.

Both are sparse. Sales rows exist only for weeks with sales. A stock row records the
end-of-week position for weeks where it changed; readers carry the last one forward
(`planning.selectors.stock_as_of`). That keeps a medium retailer in a few million rows.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from planning.models.calendar import FiscalWeek
from planning.models.hierarchy import Sku
from planning.models.locations import Location

_NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class SalesHistory(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField()
    retail_value = models.DecimalField(max_digits=14, decimal_places=2, validators=_NON_NEGATIVE)
    cost_value = models.DecimalField(max_digits=14, decimal_places=2, validators=_NON_NEGATIVE)
    # Price reductions given on these sales (permanent markdowns and promotions), at retail.
    markdown_value = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=_NON_NEGATIVE
    )
    is_promotion = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "sales history"
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "location", "fiscal_week"], name="sales_sku_location_week_unique"
            ),
            models.CheckConstraint(condition=models.Q(retail_value__gte=0), name="sales_retail_non_negative"),
            models.CheckConstraint(condition=models.Q(cost_value__gte=0), name="sales_cost_non_negative"),
            models.CheckConstraint(
                condition=models.Q(markdown_value__gte=0), name="sales_markdown_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_week", "location"], name="sales_week_location")]

    def __str__(self) -> str:
        return f"{self.sku.code} at {self.location.code}, {self.fiscal_week}: {self.units} units"


class StockPosition(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    on_hand = models.PositiveIntegerField(help_text="Units on hand at the end of the week.")
    in_transit = models.PositiveIntegerField(
        default=0, help_text="Units shipped to the location, not yet received."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "location", "fiscal_week"], name="stock_sku_location_week_unique"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_week", "location"], name="stock_week_location")]

    def __str__(self) -> str:
        return f"{self.sku.code} at {self.location.code}, {self.fiscal_week}: {self.on_hand} on hand"
