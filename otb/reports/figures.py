"""The weekly report's arithmetic, pure pandas/numpy (no Django): period sums, ratios from rolled-up
parts (DESIGN section 6: never averaged), weeks of supply, turn, GMROI and sell-through.

Frames are tidy: one row per (scope key, week) with money columns as floats in the engine; the
report rounds to the cent once on the way out (`money`).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from planning.engine.kpis import WEEKS_PER_YEAR

CENT = Decimal("0.01")
WOS_WEEKS = 4  # weeks of supply divide by the average weekly sales of the last 4 weeks


def money(value: float | None) -> Decimal | None:
    """A float from the engine as cents (half up), None for a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return None
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    result = numerator / denominator
    return result if math.isfinite(result) else None


def period_sums(frame: pd.DataFrame, weeks: list[int], columns: list[str]) -> pd.DataFrame:
    """Per scope key: the columns summed over the given weeks (a key with no row in them gets 0)."""
    chosen = frame[frame["week"].isin(weeks)]
    return chosen.groupby("key")[columns].sum()


def weeks_of_supply(eop: float | None, recent_sales: list[float]) -> float | None:
    """EOP / the average weekly sales of the recent weeks: 5,000 of stock selling 1,000 a week is
    5.0 weeks. None without sales."""
    if eop is None or not recent_sales:
        return None
    return ratio(eop, sum(recent_sales) / len(recent_sales))


def average_inventory(bop: float, eops: list[float]) -> float | None:
    """(BOP + EOP of every week) / (weeks + 1), DESIGN section 4. BOP 120 and EOPs 100, 140, 160:
    520 / 4 = 130."""
    if not eops:
        return None
    return (bop + sum(eops)) / (len(eops) + 1)


def annualised(span_figure: float | None, weeks: int) -> float | None:
    """A figure over `weeks` weeks scaled to a year (x 52 / weeks)."""
    if span_figure is None or weeks <= 0:
        return None
    return span_figure * WEEKS_PER_YEAR / weeks


def turn(sales: float | None, bop: float | None, eops: list[float], weeks: int) -> float | None:
    """Sales over the span / average inventory at retail, annualised."""
    if sales is None or bop is None:
        return None
    return annualised(ratio(sales, average_inventory(bop, eops)), weeks)


def gmroi(margin: float | None, bop_cost: float | None, eops_cost: list[float], weeks: int) -> float | None:
    """GM$ over the span / average inventory at cost, annualised."""
    if margin is None or bop_cost is None:
        return None
    return annualised(ratio(margin, average_inventory(bop_cost, eops_cost)), weeks)


def sell_through_of_available(
    sales: float | None, markdowns: float | None, eop: float | None
) -> float | None:
    """Sales / (BOP + receipts) over a span, with receipts = EOP - BOP + sales + markdowns (shrink
    is not recorded), so the available stock is EOP + sales + markdowns: sales 400, markdowns 50,
    EOP 550 -> 400 / 1,000 = 0.40."""
    if sales is None or eop is None:
        return None
    return ratio(sales, eop + sales + (markdowns or 0.0))


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
