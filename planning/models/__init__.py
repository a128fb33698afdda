"""Planning tables: calendar, merchandise hierarchy, locations, stock and sales history."""

from planning.models.calendar import FiscalWeek
from planning.models.detail import PlanLeaf
from planning.models.hierarchy import Department, Division, MerchClass, Sku, Style, StyleColor, Subclass
from planning.models.inventory import SalesHistory, StockPosition
from planning.models.locations import Channel, Location, Region
from planning.models.plans import Plan, PlanCellChange, PlanLine, PlanTransition, PlanVersion, PlanWeek
from planning.models.scenario_base import ScenarioBaseLine, ScenarioBaseWeek
from planning.models.targets import TARGET_AMOUNTS, TargetCell, TargetVersion

__all__ = [
    "TARGET_AMOUNTS",
    "Channel",
    "Department",
    "Division",
    "FiscalWeek",
    "Location",
    "MerchClass",
    "Plan",
    "PlanCellChange",
    "PlanLeaf",
    "PlanLine",
    "PlanTransition",
    "PlanVersion",
    "PlanWeek",
    "Region",
    "SalesHistory",
    "ScenarioBaseLine",
    "ScenarioBaseWeek",
    "Sku",
    "StockPosition",
    "Style",
    "StyleColor",
    "Subclass",
    "TargetCell",
    "TargetVersion",
]
