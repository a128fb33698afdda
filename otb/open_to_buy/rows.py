"""The OTB arithmetic of a month: budget (or planned receipts) - received - on order, at retail,
cost and units; a closed month has nothing left to buy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import to_places
from core.weeks import month_label
from otb.open_to_buy.queries import ZERO


@dataclass(frozen=True)
class OTBRow:
    """A department's fiscal month: the approved budget, what was received and is on order, and
    the working plan's planned receipts beside them."""

    department_id: int
    month_key: int
    budget_retail: Decimal
    budget_cost: Decimal
    on_order_retail: Decimal
    on_order_cost: Decimal
    on_order_units: int
    received_retail: Decimal
    budget_units: int = 0
    received_cost: Decimal = ZERO
    received_units: int = 0
    working_receipts_retail: Decimal = ZERO
    is_closed: bool = False  # every week of the month is closed: nothing is left to buy

    @property
    def label(self) -> str:
        return month_label(self.month_key)

    @property
    def otb_retail(self) -> Decimal:
        """Budget - received - on order (negative: over-bought); receiving does not give OTB back."""
        return ZERO if self.is_closed else self.budget_retail - self.received_retail - self.on_order_retail

    @property
    def otb_cost(self) -> Decimal:
        return ZERO if self.is_closed else self.budget_cost - self.received_cost - self.on_order_cost

    @property
    def otb_units(self) -> int:
        return 0 if self.is_closed else self.budget_units - self.received_units - self.on_order_units

    @property
    def working_otb_retail(self) -> Decimal:
        """The working plan's receipts - received - on order: what the plan as it stands leaves to
        buy (a closed month's planned receipts are its actual ones: 0)."""
        return self.working_receipts_retail - self.received_retail - self.on_order_retail

    @property
    def in_season_retail(self) -> Decimal:
        """Received + on order: what the season has bought, against the budget."""
        return self.received_retail + self.on_order_retail

    @property
    def used_percent(self) -> Decimal | None:
        """Share of the budget bought so far; none for a month without a positive budget."""
        if self.budget_retail <= 0:
            return None
        return to_places(100 * self.in_season_retail / self.budget_retail, 1)


@dataclass(frozen=True)
class VersionMonth:
    """A plan version's fiscal month: planned receipts, received, on order and OTB, summed over its
    weeks (a closed week has no OTB). At cost: planned receipts at the plan's cost complement,
    received and on order at the orders' unit costs (a closed week's actual receipts at the
    complement), so the OTB at cost is what the orders leave at cost."""

    month_key: int
    receipts_retail: Decimal
    received_retail: Decimal
    on_order_retail: Decimal
    otb_retail: Decimal
    receipts_cost: Decimal = ZERO
    received_cost: Decimal = ZERO
    on_order_cost: Decimal = ZERO
    otb_cost: Decimal = ZERO

    @property
    def label(self) -> str:
        return month_label(self.month_key)
