"""Reads for the home page of each role: pure reads returning dataclasses, a fixed number of
grouped queries whatever the number of rows (never one query per row).

- Planner (their departments, `reports.dashboard.planner`): forecast exceptions (the
  forecasting look-back and its rules, as the exceptions page lists them), stock-out risk (the
  latest finished replenishment run of each department: policies whose first projected
  stock-out falls within the coming weeks), overstock (inventory health's excess, read from its
  cheaper parts: see `overstock`) and OTB over-spend (months whose OTB remaining at retail is
  negative, as the OTB page computes it).
- Manager (`reports.dashboard.manager`): what waits for approval
  (`core.approvals.approval_inbox`), sales this year against the working plan by department,
  for the last closed week and the month to date, and the months whose working-plan receipts
  drift from the approved budget (`otb.budget_drift`).
- Executive (`reports.dashboard.headline`): the weekly report's headline (the report is built
  by `reports.weekly`, which the home page's view calls).

A part without data says so (its `note`); no number is ever made up. The names are re-exported
here: `from reports.dashboard import otb_overspend`, `dashboard.planner_home(...)`.
"""

from __future__ import annotations

from reports.dashboard.headline import Comparison, ReportHeadline, report_headline
from reports.dashboard.manager import (
    DepartmentVersus,
    ManagerHome,
    PlanVsActual,
    Versus,
    manager_home,
    plan_vs_actual,
)
from reports.dashboard.planner import (
    FORECAST_CACHE_SECONDS,
    LOOKBACK_WEEKS,
    OTB_MONTHS,
    STOCKOUT_WEEKS,
    TOP_ITEMS,
    DepartmentCount,
    ForecastExceptions,
    ForecastItem,
    OTBOverspend,
    OverspentMonth,
    Overstock,
    PlannerHome,
    StockoutItem,
    StockoutRisk,
    forecast_exceptions,
    latest_runs,
    otb_overspend,
    overstock,
    planner_home,
    stockout_risk,
)

__all__ = [
    "FORECAST_CACHE_SECONDS",
    "LOOKBACK_WEEKS",
    "OTB_MONTHS",
    "STOCKOUT_WEEKS",
    "TOP_ITEMS",
    "Comparison",
    "DepartmentCount",
    "DepartmentVersus",
    "ForecastExceptions",
    "ForecastItem",
    "ManagerHome",
    "OTBOverspend",
    "OverspentMonth",
    "Overstock",
    "PlanVsActual",
    "PlannerHome",
    "ReportHeadline",
    "StockoutItem",
    "StockoutRisk",
    "Versus",
    "forecast_exceptions",
    "latest_runs",
    "manager_home",
    "otb_overspend",
    "overstock",
    "plan_vs_actual",
    "planner_home",
    "report_headline",
    "stockout_risk",
]
