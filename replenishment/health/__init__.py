"""Reads for inventory health and the policy matrix.

Inventory health of a department: the latest done replenishment run's item policies (order-up-to,
weekly demand, on order) joined with stock and sales as of the last closed week. Each SKU x
location with stock falls in at most one list, the first that applies in this order of
precedence: obsolete (no sale in 26 weeks, or discontinued), no-move (no sale in 8 weeks),
excess (stock above order-up-to + N weeks of demand), slow-moving (over 26 weeks of supply at
the last 13 weeks' sales). Stock that has not sold for half a year is obsolete even when the
run still gives it demand, so the same units are never counted twice and the summary totals
add up to the stock at risk. Value at risk is at cost (the style-color's unit cost): the excess
units for excess, all on hand otherwise.

A distribution centre sells nothing itself: its stock is judged by the demand it serves. Its
policy's weekly demand already is that demand (the run gives a DC the forecast of the locations
it supplies, `inputs.gather`), so excess reads it as it is; ageing and slow-moving read the sales
of the selling locations it supplies (`Location.supplied_by`; a lone DC also serves those that
name none, as the run counts them) added to any of its own. A DC's SKU is no-move or obsolete
only when none of those locations sold it either. A fixed number of grouped queries,
whatever the number of rows; the thresholds are plain functions tested with hand numbers.

Young stock is judged by its weeks on sale, never by weeks before it existed. A SKU has been on
sale at a location since the later of the week of its style-color's launch date and the first
week it had stock there (without a launch date: that first week). Stock that has not sold since
it came on sale is no-move or obsolete only once it has been on sale for the no-move or obsolete
weeks: launched last week and unsold is "new: launched 1 week ago", not obsolete; on sale 12
weeks and unsold is no-move. Slow-moving reads the average of the last 13 weeks, or of the
weeks on sale when fewer (3 a week over its 5 weeks, not 15 / 13).

Modules: `reads` (the queries), `classify` (the lists, actions and rationalisation candidates
from what was read), `rows` (the report and its rows), `report` (`inventory_health`, putting
them together); the arithmetic is `replenishment.engine.stock_health`'s."""

from __future__ import annotations

from replenishment.engine.stock_health import (
    SLOW_WINDOW_WEEKS,
    Thresholds,
    age_bucket,
    excess_units,
    is_slow_moving,
    sales_weeks,
    served_sales,
    supplying_dc,
    weeks_of_supply,
    weeks_on_sale,
)
from replenishment.health.classify import RATIONALISATION_CELLS, TRANSFER_WOS, at_cost, new_label
from replenishment.health.reads import sales_by_location, stock_on_hand
from replenishment.health.report import ARRIVING_WEEKS, RATIONALISATION_WEEKS, inventory_health, thresholds
from replenishment.health.rows import Action, AvailableRow, HealthReport, HealthRow, RationalisationRow

__all__ = [
    "ARRIVING_WEEKS",
    "RATIONALISATION_CELLS",
    "RATIONALISATION_WEEKS",
    "SLOW_WINDOW_WEEKS",
    "TRANSFER_WOS",
    "Action",
    "AvailableRow",
    "HealthReport",
    "HealthRow",
    "RationalisationRow",
    "Thresholds",
    "age_bucket",
    "at_cost",
    "excess_units",
    "inventory_health",
    "is_slow_moving",
    "new_label",
    "sales_by_location",
    "sales_weeks",
    "served_sales",
    "stock_on_hand",
    "supplying_dc",
    "thresholds",
    "weeks_of_supply",
    "weeks_on_sale",
]
