"""Stock health of one SKU at one location, pure: excess above order-up-to, weeks of supply,
ageing (no-move, obsolete) and slow-moving. The health pages (`replenishment.health`) read the
stock and sales and call these; the limits come from settings there."""

from __future__ import annotations

import math
from dataclasses import dataclass

from planning.engine import kpis

SLOW_WINDOW_WEEKS = 13  # average weekly sales for slow-moving


@dataclass(frozen=True)
class Thresholds:
    excess_weeks: int = 8  # excess: on hand above order-up-to + this many weeks of demand
    no_move_weeks: int = 8  # no-move: stock and no sales in this many weeks
    slow_moving_wos: float = 26.0  # slow-moving: weeks of supply above this
    obsolete_weeks: int = 26  # obsolete: stock and no sales in this many weeks


def excess_units(on_hand: int, order_up_to: float, weekly_demand: float, weeks: int) -> int:
    """Whole units above order-up-to + `weeks` weeks of demand (0 if none).
    300 on hand, order-up-to 100, 10 a week, 8 weeks: 300 - (100 + 80) = 120."""
    ceiling = order_up_to + weeks * max(weekly_demand, 0.0)
    return max(0, on_hand - math.ceil(ceiling - 1e-9))


def weeks_of_supply(units: float, weekly_units: float) -> float | None:
    """units / weekly units (`planning.engine.kpis.weeks_of_supply` over one week); None when
    nothing moves (infinite cover). 130 units selling 3 a week: 43.3 weeks."""
    if weekly_units <= 0:
        return None
    return float(kpis.weeks_of_supply(units, weekly_units, 1))


def age_bucket(
    on_hand: int,
    weeks_since_sale: int | None,
    limits: Thresholds,
    *,
    is_discontinued: bool = False,
    weeks_on_sale: int | None = None,
) -> str | None:
    """ "obsolete", "no_move" or None for a SKU x location. `weeks_since_sale`: 0 = sold in the
    last closed week, 8 = the last sale was 8 weeks before it (none in the last 8 weeks);
    None = no sale in the history read. `weeks_on_sale`: the weeks it has been on sale there,
    the last closed week included (1 = launched in it, 0 = not yet); None = longer than the
    history read. Unsold since it came on sale, it has gone `weeks_on_sale` weeks without a
    sale: launched 3 weeks ago is not no-move, 12 weeks ago is no-move, not obsolete."""
    if on_hand <= 0:
        return None
    if is_discontinued:
        return "obsolete"
    without_sale = weeks_since_sale if weeks_since_sale is not None else weeks_on_sale
    if without_sale is None or without_sale >= limits.obsolete_weeks:
        return "obsolete"
    if without_sale >= limits.no_move_weeks:
        return "no_move"
    return None


def sales_weeks(weeks_on_sale: int | None) -> int:
    """The weeks slow-moving averages over: the last 13, or the weeks on sale when fewer."""
    if weeks_on_sale is None:
        return SLOW_WINDOW_WEEKS
    return max(1, min(SLOW_WINDOW_WEEKS, weeks_on_sale))


def is_slow_moving(
    on_hand: int, units_in_window: int, limits: Thresholds, weeks_on_sale: int | None = None
) -> bool:
    """Weeks of supply (on hand / average weekly sales over 13 weeks, or over the weeks on sale
    when fewer) above the limit. 130 on hand, 39 sold in 13 weeks (3 a week): 43.3 weeks > 26;
    60 on hand, 15 sold in its 5 weeks on sale (3 a week): 20 weeks, not slow (not 60 / (15/13))."""
    cover = weeks_of_supply(on_hand, units_in_window / sales_weeks(weeks_on_sale))
    return on_hand > 0 and cover is not None and cover > limits.slow_moving_wos
