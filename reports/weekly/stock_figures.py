"""A scope's stock figures in the weekly report: EOP and total owned stock against plan and last
year, and the ratios on the selling locations' stock (weeks of supply, turn, GMROI and
sell-through), each side (this year, the working plan, last year) from its own parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from reports import figures
from reports.report_types import Ratio
from reports.weekly.cube import Cube, actual_sum, plan_at, plan_sum, versus
from reports.weekly.reads import Calendar


@dataclass(frozen=True)
class _Side:
    """One side's stock at the week's end and its ratios; None where the side has none."""

    eop: float | None
    owned: float | None
    wos: float | None
    turn: float | None
    gmroi: float | None
    sell_through: float | None


def stock_figures(
    cal: Calendar,
    key: str,
    sales: Cube,
    plan_rows: dict[str, Cube],
    stock: pd.DataFrame,
    recent: list[int],
) -> dict[str, Any]:
    """Stock figures of one scope: at the selling locations (EOP; weeks of supply, turn, GMROI and
    sell-through use it, as plans count stock) and total owned stock (with DCs and in transit)."""
    actual = _this_year(cal, key, sales, stock, recent)
    planned = _working_plan(cal, key, plan_rows, recent)
    last_year = _last_year(cal, key, sales, stock, recent)
    return {
        "eop": versus(
            actual.eop, plan_at(plan_rows, key, "op", cal.week.pk, "eop"), planned.eop, last_year.eop
        ),
        "owned": versus(actual.owned, None, None, last_year.owned),
        "wos": Ratio(actual.wos, planned.wos, last_year.wos),
        "turn": Ratio(actual.turn, planned.turn, last_year.turn),
        "gmroi": Ratio(actual.gmroi, planned.gmroi, last_year.gmroi),
        "sell_through": Ratio(actual.sell_through, planned.sell_through, last_year.sell_through),
    }


def _this_year(cal: Calendar, key: str, sales: Cube, stock: pd.DataFrame, recent: list[int]) -> _Side:
    eop_series = figures.series_of(stock, key, cal.ty, "eop")
    cost_series = figures.series_of(stock, key, cal.ty, "eop_cost")
    opening = figures.series_of(stock, key, [cal.opening_ty], "eop")[0] if cal.opening_ty else 0.0
    opening_cost = figures.series_of(stock, key, [cal.opening_ty], "eop_cost")[0] if cal.opening_ty else 0.0
    eop_ty = eop_series[-1] if eop_series else None
    weekly_sales = [actual_sum(sales, key, [w], "sales") for w in recent]
    ytd_sales = actual_sum(sales, key, cal.ty, "sales")
    ytd_margin = ytd_sales - actual_sum(sales, key, cal.ty, "cost")
    std = cal.periods["std"]
    std_sales = actual_sum(sales, key, std, "sales")
    std_markdowns = actual_sum(sales, key, std, "markdowns")
    weeks = len(cal.ty)
    return _Side(
        eop=eop_ty,
        owned=figures.series_of(stock, key, [cal.week.pk], "owned")[0],
        wos=figures.weeks_of_supply(eop_ty, weekly_sales),
        turn=figures.turn(ytd_sales, opening, eop_series, weeks),
        gmroi=figures.gmroi(ytd_margin, opening_cost, cost_series, weeks),
        sell_through=figures.sell_through_of_available(std_sales, std_markdowns, eop_ty),
    )


def _working_plan(cal: Calendar, key: str, plan_rows: dict[str, Cube], recent: list[int]) -> _Side:
    """The working plan's side; its ratios only where it plans the week's stock."""
    week = cal.week.pk
    std = cal.periods["std"]
    wp_eop_at = plan_at(plan_rows, key, "wp", week, "eop")
    wp_weekly = (
        [(plan_sum(plan_rows, key, "wp", [w], "sales") or 0.0) for w in recent]
        if wp_eop_at is not None
        else []
    )
    wp_eops = (
        [plan_at(plan_rows, key, "wp", w, "eop") or 0.0 for w in cal.ty] if wp_eop_at is not None else []
    )
    wp_eops_cost = (
        [plan_at(plan_rows, key, "wp", w, "eop_cost") or 0.0 for w in cal.ty] if wp_eop_at is not None else []
    )
    wp_opening = plan_at(plan_rows, key, "wp", cal.ty[0], "bop") if wp_eop_at is not None else None
    wp_opening_cost = plan_at(plan_rows, key, "wp", cal.ty[0], "bop_cost") if wp_eop_at is not None else None
    wp_ytd_sales = plan_sum(plan_rows, key, "wp", cal.ty, "sales")
    wp_ytd_margin = plan_sum(plan_rows, key, "wp", cal.ty, "gross_margin")
    weeks = len(cal.ty)
    return _Side(
        eop=wp_eop_at,
        owned=None,
        wos=figures.weeks_of_supply(wp_eop_at, wp_weekly) if wp_weekly else None,
        turn=figures.turn(wp_ytd_sales, wp_opening, wp_eops, weeks) if wp_eops else None,
        gmroi=figures.gmroi(wp_ytd_margin, wp_opening_cost, wp_eops_cost, weeks) if wp_eops_cost else None,
        sell_through=figures.planned_sell_through(
            plan_sum(plan_rows, key, "wp", std, "sales"),
            plan_at(plan_rows, key, "wp", std[0], "bop"),
            plan_sum(plan_rows, key, "wp", std, "receipts"),
        )
        if wp_eop_at is not None
        else None,
    )


def _last_year(cal: Calendar, key: str, sales: Cube, stock: pd.DataFrame, recent: list[int]) -> _Side:
    """Last year's side (restated calendar: the same week numbers); None where it has no weeks."""
    ly_week = cal.ly.get(cal.week.pk)
    ly_list = [cal.ly[w] for w in cal.ty if w in cal.ly]
    eop_ly = figures.series_of(stock, key, [ly_week], "eop")[0] if ly_week else None
    ly_eops = figures.series_of(stock, key, ly_list, "eop")
    ly_eops_cost = figures.series_of(stock, key, ly_list, "eop_cost")
    ly_opening = figures.series_of(stock, key, [cal.opening_ly], "eop")[0] if cal.opening_ly else 0.0
    ly_opening_cost = (
        figures.series_of(stock, key, [cal.opening_ly], "eop_cost")[0] if cal.opening_ly else 0.0
    )
    ly_sales = actual_sum(sales, key, ly_list, "sales") if ly_list else None
    ly_margin = None if ly_sales is None else ly_sales - actual_sum(sales, key, ly_list, "cost")
    ly_recent = [actual_sum(sales, key, [cal.ly[w]], "sales") for w in recent if w in cal.ly]
    ly_std = [cal.ly[w] for w in cal.periods["std"] if w in cal.ly]
    return _Side(
        eop=eop_ly,
        owned=figures.series_of(stock, key, [ly_week], "owned")[0] if ly_week else None,
        wos=figures.weeks_of_supply(eop_ly, ly_recent) if ly_recent else None,
        turn=figures.turn(ly_sales, ly_opening, ly_eops, len(ly_list)) if ly_list else None,
        gmroi=figures.gmroi(ly_margin, ly_opening_cost, ly_eops_cost, len(ly_list)) if ly_list else None,
        sell_through=figures.sell_through_of_available(
            actual_sum(sales, key, ly_std, "sales"), actual_sum(sales, key, ly_std, "markdowns"), eop_ly
        )
        if ly_std
        else None,
    )
