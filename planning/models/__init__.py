"""Planning tables: calendar, merchandise hierarchy, locations, stock and sales history."""

from planning.models.calendar import FiscalWeek
from planning.models.hierarchy import Department, Division, MerchClass, Sku, Style, StyleColor, Subclass
from planning.models.inventory import SalesHistory, StockPosition
from planning.models.locations import Channel, Location, Region

__all__ = [
    "Channel",
    "Department",
    "Division",
    "FiscalWeek",
    "Location",
    "MerchClass",
    "Region",
    "SalesHistory",
    "Sku",
    "StockPosition",
    "Style",
    "StyleColor",
    "Subclass",
]
