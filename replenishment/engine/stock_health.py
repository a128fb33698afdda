"""Stock health of one SKU at one location, pure: excess above order-up-to, weeks of supply,
ageing (no-move, obsolete), weeks on sale and slow-moving; which DC's stock a selling location's
sales judge, and a rationalisation candidate's revenue share and margin. The health pages
(`replenishment.health`) read the stock and sales and call these; the limits come from settings
there."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from planning.engine import kpis

SLOW_WINDOW_WEEKS = 13  # average weekly sales for slow-moving
DC_KIND = "dc"  # planning's Location.Kind.DC: a distribution centre sells nothing itself


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


class Week(Protocol):
    """A fiscal week as the ageing reads it (planning's FiscalWeek)."""

    @property
    def id(self) -> int: ...

    @property
    def end_date(self) -> date: ...


def weeks_on_sale(window: Sequence[Week], launch: date | None, first_stocked: int | None) -> int | None:
    """Weeks of `window` (oldest first, ending with the as-of week) a SKU has been on sale at a
    location: since the later of the week holding its launch date and the week it first had stock
    there. None: since the window's first week or before (an old item), or nothing is known.
    Window W-25..W, launched on a day of W-2, first stocked at W-5: 3."""
    counts = []
    if launch is not None:
        counts.append(sum(1 for week in window if week.end_date >= launch))
    if first_stocked is not None:
        counts.append(sum(1 for week in window if week.id >= first_stocked))
    if not counts or min(counts) >= len(window):
        return None
    return min(counts)


def supplying_dc(locations: Iterable[tuple[int, str, int | None]]) -> dict[int, int]:
    """Selling location -> the distribution centre that supplies it, from (id, kind, supplied_by)
    rows. A lone DC also supplies the selling locations that name none: the replenishment run
    gives it all their demand (`inputs._dc_shares`). With several, such a location is nobody's."""
    rows = list(locations)
    dcs = [location for location, kind, _ in rows if kind == DC_KIND]
    lone = dcs[0] if len(dcs) == 1 else None
    supplier: dict[int, int] = {}
    for location, kind, supplied_by in rows:
        dc = supplied_by if supplied_by is not None else lone
        if kind != DC_KIND and dc is not None:
            supplier[location] = dc
    return supplier


def served_sales(
    sales: dict[tuple[int, int], tuple[int, int]], supplier: dict[int, int], dc_ids: Iterable[int]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (SKU, DC): the sales a DC's stock is judged by, those of the selling locations it
    supplies and its own (if it records any), shaped as the sales read gives them per location:
    the most recent sale of any of them (fewest weeks since) and their last 13 weeks' units added.
    S1 sold 4 units 3 weeks back and S2 6 units 9 weeks back, both supplied by D: (3, 10)."""
    judged_at = {**supplier, **{dc: dc for dc in dc_ids}}
    served: dict[tuple[int, int], tuple[int, int]] = {}
    for (sku, location), (since, units) in sales.items():
        dc = judged_at.get(location)
        if dc is None:
            continue
        before = served.get((sku, dc))
        served[sku, dc] = (since, units) if before is None else (min(since, before[0]), units + before[1])
    return served


def projected_cover(on_hand: int, on_order: float, weekly_demand: float) -> float:
    """(on hand + on order) / weekly demand, in weeks (demand must be positive).
    10 on hand and 5 on order selling 10 a week: 1.5."""
    return (on_hand + on_order) / weekly_demand


def revenue_share_percent(revenue: Decimal, total: Decimal) -> float:
    """A SKU's share of its department's revenue, in percent to 2 decimals (0 without revenue)."""
    return round(float(100 * revenue / total), 2) if total else 0.0


def margin_percent(revenue: Decimal, cost: Decimal) -> float | None:
    """(revenue - cost) / revenue in percent to 1 decimal; None without revenue."""
    return round(float(100 * (revenue - cost) / revenue), 1) if revenue else None
