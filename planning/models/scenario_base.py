"""What a what-if scenario was branched from: the working plan's entered values at that moment.

Promoting a scenario is a three-way merge (planning.plans.promotion) and needs this base. It
is a snapshot taken in the branch's transaction, not a reconstruction from the audit trail:
line settings (method, turn, opening stock) have no cell audit, the audit keeps four decimal
places of a ten-place target, and a write path that bypasses it would silently corrupt the
base. One row per class and week, a column per merged measure (no on order or received: they
come from purchase orders), plus one row per class for its line settings.
"""

from __future__ import annotations

from django.db import models

from planning.models.calendar import FiscalWeek
from planning.models.hierarchy import MerchClass
from planning.models.plans import PlanLine, PlanVersion


class ScenarioBaseLine(models.Model):
    """A class line's settings in the working plan when the scenario was branched."""

    scenario = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    merch_class = models.ForeignKey(MerchClass, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=PlanLine.Method.choices)
    turn = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    opening_stock = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "merch_class"], name="scenariobaseline_class_once"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id} {self.merch_class_id}"


class ScenarioBaseWeek(models.Model):
    """A class's entered values of one week in the working plan when the scenario was branched."""

    scenario = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    merch_class = models.ForeignKey(MerchClass, on_delete=models.PROTECT, related_name="+")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    sales = models.DecimalField(max_digits=14, decimal_places=2)
    sales_units = models.PositiveIntegerField()
    markdowns = models.DecimalField(max_digits=14, decimal_places=2)
    shrink = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=10, null=True, blank=True)
    receipts_entered = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "merch_class", "fiscal_week"], name="scenariobaseweek_cell_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id} {self.merch_class_id} {self.fiscal_week_id}"
