"""factory-boy factories of the Merchplan tables, by app (tests/factories/<app>.py).

Each makes a valid row with any parents it needs; keywords set fields. Shared set-ups made of
them (the small retailer, an approved budget, sales and stock) are fixtures in tests/fixtures/.
"""

from tests.factories.forecasting import ForecastRunFactory
from tests.factories.otb import (
    OTBBudgetFactory,
    OTBBudgetMonthFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    VendorFactory,
)
from tests.factories.planning import (
    ChannelFactory,
    DcFactory,
    DepartmentFactory,
    DivisionFactory,
    MerchClassFactory,
    PlanFactory,
    PlanLineFactory,
    PlanVersionFactory,
    PlanWeekFactory,
    RegionFactory,
    SaleFactory,
    SkuFactory,
    StockFactory,
    StoreFactory,
    StyleColorFactory,
    StyleFactory,
    SubclassFactory,
    UserFactory,
    WebFactory,
    fiscal_week,
    fiscal_week_of,
    item,
)
from tests.factories.replenishment import ReplenishmentRunFactory, VendorItemFactory

__all__ = [
    "ChannelFactory",
    "DcFactory",
    "DepartmentFactory",
    "DivisionFactory",
    "ForecastRunFactory",
    "MerchClassFactory",
    "OTBBudgetFactory",
    "OTBBudgetMonthFactory",
    "PlanFactory",
    "PlanLineFactory",
    "PlanVersionFactory",
    "PlanWeekFactory",
    "PurchaseOrderFactory",
    "PurchaseOrderLineFactory",
    "RegionFactory",
    "ReplenishmentRunFactory",
    "SaleFactory",
    "SkuFactory",
    "StockFactory",
    "StoreFactory",
    "StyleColorFactory",
    "StyleFactory",
    "SubclassFactory",
    "UserFactory",
    "VendorFactory",
    "VendorItemFactory",
    "WebFactory",
    "fiscal_week",
    "fiscal_week_of",
    "item",
]
