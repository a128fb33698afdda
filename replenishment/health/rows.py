"""What inventory health shows: a department's report, its rows (a SKU at a location in one of
the lists, a rationalisation candidate, available to sell by channel) and their actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from planning.models import Department, FiscalWeek
from replenishment.engine.stock_health import Thresholds
from replenishment.models import ReplenishmentRun


@dataclass(frozen=True)
class Action:
    kind: str  # markdown, transfer, return, liquidate
    label: str
    url: str = ""


@dataclass
class HealthRow:
    sku_id: int
    sku: str
    style_color: str
    location: str
    segment: str
    on_hand: int
    unit_cost: Decimal
    weekly_demand: float
    order_up_to: float
    weeks_since_sale: int | None
    weekly_sales: float
    weeks_of_supply: float | None
    served_locations: int = 0  # a DC: the selling locations whose sales it is judged by
    excess_units: int = 0
    value_at_risk: Decimal = Decimal("0.00")
    actions: list[Action] = field(default_factory=list)
    weeks_on_sale: int | None = None  # on sale here for this many weeks; None: the whole history read
    new_label: str = ""  # "New: launched 2 weeks ago" when on sale fewer than the no-move weeks


@dataclass(frozen=True)
class RationalisationRow:
    sku: str
    style_color: str
    revenue: Decimal
    revenue_share_percent: float
    margin_percent: float | None


@dataclass(frozen=True)
class AvailableRow:
    sku: str
    channel: str
    on_hand: int
    arriving: int
    committed: int

    @property
    def available(self) -> int:
        return self.on_hand + self.arriving - self.committed

    @property
    def is_zero(self) -> bool:
        """Nothing on hand, arriving or committed (the page hides these by default)."""
        return self.on_hand == self.arriving == self.committed == 0


@dataclass
class HealthReport:
    department: Department
    run: ReplenishmentRun | None
    as_of: FiscalWeek
    limits: Thresholds
    excess: list[HealthRow] = field(default_factory=list)
    no_move: list[HealthRow] = field(default_factory=list)
    slow_moving: list[HealthRow] = field(default_factory=list)
    obsolete: list[HealthRow] = field(default_factory=list)
    rationalisation: list[RationalisationRow] = field(default_factory=list)
    available: list[AvailableRow] = field(default_factory=list)
    committed_source: str = (
        "Committed: units of planned transfers (released allocations, accepted rebalancing) leaving "
        "the channel's locations; those transfers count as arriving where they go."
    )

    def total(self, bucket: str) -> Decimal:
        return sum((row.value_at_risk for row in getattr(self, bucket)), Decimal("0.00"))
