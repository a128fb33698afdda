"""The weekly report's arithmetic, pure pandas/numpy (no Django): period sums, ratios from rolled-up
parts (DESIGN section 6: never averaged), weeks of supply, turn, GMROI and sell-through.

Every KPI here is the one definition of `planning.engine.kpis` (README, "Formulas") that the plan
grid uses too, taking plain floats and answering None where the figure means nothing.

Frames are tidy: one row per (scope key, week) with money columns as floats in the engine; the
report rounds to the cent once on the way out (`money`), half up.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy.typing as npt
import pandas as pd

from planning.engine import kpis, rounding

CENT = rounding.CENT
WOS_WEEKS = 4  # weeks of supply divide by the average weekly sales of the last 4 weeks


def money(value: float | None) -> Decimal | None:
    """A float from the engine as cents (half up), None for a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return None
    return rounding.money(value)


def _defined(value: npt.ArrayLike) -> float | None:
    """A 0-d result of the engine as a float, None where it is undefined (NaN)."""
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    result = numerator / denominator
    return result if math.isfinite(result) else None


def gm_percent(margin: float | None, sales: float | None) -> float | None:
    """GM% = GM$ / sales: 100.80 on 168.00 is 0.60."""
    if margin is None or sales is None:
        return None
    return _defined(kpis.gm_percent_of(margin, sales))


def markdown_percent(markdowns: float | None, sales: float | None) -> float | None:
    """Markdown % = markdowns / sales."""
    if markdowns is None or sales is None:
        return None
    return _defined(kpis.markdown_percent(markdowns, sales))


def period_sums(frame: pd.DataFrame, weeks: list[int], columns: list[str]) -> pd.DataFrame:
    """Per scope key: the columns summed over the given weeks (a key with no row in them gets 0)."""
    chosen = frame[frame["week"].isin(weeks)]
    return chosen.groupby("key")[columns].sum()


def weeks_of_supply(eop: float | None, recent_sales: list[float]) -> float | None:
    """EOP / the average weekly sales of the recent weeks: 5,000 of stock selling 1,000 a week is
    5.0 weeks. None without sales."""
    if eop is None or not recent_sales:
        return None
    return weeks_of_supply_of(eop, sum(recent_sales), len(recent_sales))


def weeks_of_supply_of(stock: float, sold: float, weeks: int) -> float | None:
    """Stock / (sold / weeks), in $ or in units: 12 units after selling 8 in 4 weeks is 6.0
    weeks. None without sales or weeks."""
    if weeks <= 0:
        return None
    return _defined(kpis.weeks_of_supply(stock, sold, weeks))


def average_inventory(bop: float, eops: list[float]) -> float | None:
    """(BOP + EOP of every week) / (weeks + 1), DESIGN section 4. BOP 120 and EOPs 100, 140, 160:
    520 / 4 = 130."""
    if not eops:
        return None
    return _defined(kpis.average_inventory_of(bop, sum(eops), len(eops)))


def turn(sales: float | None, bop: float | None, eops: list[float], weeks: int) -> float | None:
    """Sales over the span / average inventory at retail, annualised (x 52 / weeks)."""
    average = None if bop is None else average_inventory(bop, eops)
    if sales is None or average is None or weeks <= 0:
        return None
    return _defined(kpis.turn_of(sales, average, weeks))


def gmroi(margin: float | None, bop_cost: float | None, eops_cost: list[float], weeks: int) -> float | None:
    """GM$ over the span / average inventory at cost, annualised (x 52 / weeks)."""
    average = None if bop_cost is None else average_inventory(bop_cost, eops_cost)
    if margin is None or average is None or weeks <= 0:
        return None
    return _defined(kpis.gmroi_of(margin, average, weeks))


def sell_through_of_available(
    sales: float | None, markdowns: float | None, eop: float | None
) -> float | None:
    """Actual stock: sales / (BOP + receipts) over a span, where receipts are not recorded, so
    the stock that was available is EOP + sales + markdowns (receipts = EOP - BOP + sales +
    markdowns; shrink is not recorded): sales 400, markdowns 50, EOP 550 -> 400 / 1,000 = 0.40.
    At retail $, not units."""
    if sales is None or eop is None:
        return None
    return _defined(kpis.sell_through_of_available(sales, eop + sales + (markdowns or 0.0)))


def planned_sell_through(sales: float | None, bop: float | None, receipts: float | None) -> float | None:
    """A plan's sell-through of available over a span: sales / (the first week's BOP + the
    span's receipts), at retail $, as the grid shows it."""
    if sales is None or bop is None:
        return None
    return _defined(kpis.sell_through_of_available(sales, bop + (receipts or 0.0)))


def stock_series(deltas: pd.DataFrame, weeks: list[int]) -> pd.DataFrame:
    """Stock at the end of each wanted week per key, from the changes of each week (a position's
    new value less its previous one, summed per key and week): the running total, carried forward
    through weeks without a change. Columns of `deltas`: key, week and the value columns."""
    values = [column for column in deltas.columns if column not in ("key", "week")]
    if deltas.empty:
        index = pd.MultiIndex.from_product([[], weeks], names=["key", "week"])
        return pd.DataFrame(0.0, index=index, columns=values)
    grouped = deltas.groupby(["key", "week"])[values].sum().sort_index()
    running = grouped.groupby(level="key").cumsum()
    keys = running.index.get_level_values("key").unique()
    all_weeks = sorted(set(running.index.get_level_values("week")) | set(weeks))
    full = running.reindex(pd.MultiIndex.from_product([keys, all_weeks], names=["key", "week"]))
    full = full.groupby(level="key").ffill().fillna(0.0)
    return full.loc[(slice(None), weeks), :] if weeks else full.iloc[0:0]


def series_of(stock: pd.DataFrame, key: str, weeks: list[int], column: str) -> list[float]:
    """One key's values of a column over the weeks (0 where the key has no stock row)."""
    if stock.empty or key not in stock.index.get_level_values("key"):
        return [0.0] * len(weeks)
    one = stock.xs(key, level="key")[column]
    return [float(one.get(week, 0.0)) for week in weeks]


def total_or_none(values: pd.Series) -> float | None:
    """The sum of the values present, None when none is (a plan measure nobody filled in)."""
    present = values.dropna()
    return float(present.sum()) if not present.empty else None
