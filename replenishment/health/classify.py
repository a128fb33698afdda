"""Inventory health's judgement of what was read: each policy's SKU x location with stock goes
to at most one list (obsolete > no-move > excess > slow-moving) with its value at risk and the
actions that fit; SKUs of the rationalisation cells (CZ) become candidates to drop. The
thresholds are the engine's (`replenishment.engine.stock_health`); no query here."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import reverse

from core.money import to_cents
from planning.models import FiscalWeek, Location, StyleColor
from replenishment.engine.stock_health import (
    Thresholds,
    age_bucket,
    excess_units,
    is_slow_moving,
    margin_percent,
    projected_cover,
    revenue_share_percent,
    sales_weeks,
    weeks_of_supply,
    weeks_on_sale,
)
from replenishment.health.rows import Action, HealthReport, HealthRow, RationalisationRow

TRANSFER_WOS = 2.0  # stores below this projected weeks of supply need stock
RATIONALISATION_CELLS = ("CZ",)  # low value and erratic: candidates to drop


def at_cost(units: int, unit_cost: Decimal) -> Decimal:
    return to_cents(units * unit_cost)


def new_label(weeks: int | None, is_launch: bool, limits: Thresholds) -> str:
    """What a young row says instead of an age: "" once on sale the no-move weeks (or longer)."""
    if weeks is None or weeks >= limits.no_move_weeks:
        return ""
    if weeks == 0:
        return "New: not launched yet"
    ago = f"{weeks} week{'s' if weeks != 1 else ''} ago"
    return f"New: launched {ago}" if is_launch else f"New here: first stocked {ago}"


@dataclass(frozen=True)
class Ages:
    """The history read (oldest first) and each (SKU, location)'s first week with stock."""

    window: list[FiscalWeek]
    first_stocked: dict[tuple[int, int], int]

    def of(self, sku: int, location: int, launch: date | None) -> tuple[int | None, bool]:
        """(weeks on sale, whether the launch date is what makes it that young)."""
        first = self.first_stocked.get((sku, location))
        weeks = weeks_on_sale(self.window, launch, first)
        by_launch = weeks_on_sale(self.window, launch, None)
        return weeks, weeks is not None and by_launch == weeks


@dataclass(frozen=True)
class Evidence:
    """What the policies are judged by. `sales` per (SKU, location); a DC's rows read `served`
    instead (see the package docstring), `served_count` being how many selling locations each DC
    supplies; `ages` gives the weeks on sale; `vendors` a style-color's vendor code and
    `receipts` the order a (SKU, vendor) was last received on."""

    stock: dict[tuple[int, int], int]
    sales: dict[tuple[int, int], tuple[int, int]]
    served: dict[tuple[int, int], tuple[int, int]]
    served_count: Counter[int]
    ages: Ages
    vendors: dict[int, str]
    receipts: dict[tuple[int, str], tuple[int, str]]


def classify(report: HealthReport, policies: list[dict[str, Any]], evidence: Evidence) -> None:
    """Fill the report's four lists from the run's policies, each sorted by value at risk."""
    limits = report.limits
    needs = _store_needs(policies, evidence.stock)
    markdown_url = reverse("otb:markdown-candidates", args=[report.department.pk])
    for policy in policies:
        on_hand = evidence.stock.get((policy["sku_id"], policy["location_id"]), 0)
        if on_hand <= 0:
            continue
        row, slow_units = _health_row(policy, on_hand, evidence, limits)
        bucket, extra = _bucket(row, policy, slow_units, limits)
        if bucket is None:
            continue
        is_obsolete = bucket == "obsolete"
        stores = [store for store in needs.get(policy["sku_id"], []) if store[0] != policy["location__code"]]
        vendor = evidence.vendors.get(policy["sku__style_color_id"])
        received = evidence.receipts.get((policy["sku_id"], vendor)) if vendor else None
        actions = _actions(markdown_url, [] if is_obsolete else stores, vendor, is_obsolete, received)
        if bucket == "excess":
            report.excess.append(_with(row, extra, row.unit_cost, actions, excess=True))
        else:
            getattr(report, bucket).append(_with(row, on_hand, row.unit_cost, actions))
    for bucket_rows in (report.excess, report.no_move, report.slow_moving, report.obsolete):
        bucket_rows.sort(key=lambda item: (-item.value_at_risk, item.sku, item.location))


def _health_row(
    policy: dict[str, Any], on_hand: int, evidence: Evidence, limits: Thresholds
) -> tuple[HealthRow, int]:
    """A policy's row (before its list, value and actions) and its units sold in the slow-moving
    window."""
    is_dc = policy["location__kind"] == Location.Kind.DC
    since: int | None
    since, slow_units = (evidence.served if is_dc else evidence.sales).get(
        (policy["sku_id"], policy["location_id"]), (None, 0)
    )
    on_sale, by_launch = evidence.ages.of(
        policy["sku_id"], policy["location_id"], policy["sku__style_color__launch_date"]
    )
    weekly_sales = slow_units / sales_weeks(on_sale)
    row = HealthRow(
        sku_id=policy["sku_id"],
        sku=policy["sku__code"],
        style_color=policy["sku__style_color__code"],
        location=policy["location__code"],
        segment=policy["segment"],
        on_hand=on_hand,
        unit_cost=policy["sku__style_color__unit_cost"],
        weekly_demand=policy["demand"],
        order_up_to=policy["order_up_to"],
        weeks_since_sale=since,
        weekly_sales=round(weekly_sales, 2),
        weeks_of_supply=_rounded(weeks_of_supply(on_hand, weekly_sales)),
        served_locations=evidence.served_count[policy["location_id"]] if is_dc else 0,
        weeks_on_sale=on_sale,
        new_label=new_label(on_sale, by_launch, limits),
    )
    return row, slow_units


def _bucket(
    row: HealthRow, policy: dict[str, Any], slow_units: int, limits: Thresholds
) -> tuple[str | None, int]:
    """The one list the row goes to (a HealthReport attribute), in order of precedence:
    obsolete > no-move > excess > slow-moving; None for healthy stock. And its excess units."""
    bucket = age_bucket(
        row.on_hand,
        row.weeks_since_sale,
        limits,
        is_discontinued=policy["sku__style_color__lifecycle"] == StyleColor.Lifecycle.DISCONTINUED,
        weeks_on_sale=row.weeks_on_sale,
    )
    extra = excess_units(row.on_hand, policy["order_up_to"], policy["demand"], limits.excess_weeks)
    if bucket is not None:
        return bucket, extra
    if extra:
        return "excess", extra
    if is_slow_moving(row.on_hand, slow_units, limits, row.weeks_on_sale):
        return "slow_moving", extra
    return None, extra


def _store_needs(
    policies: list[dict[str, Any]], stock: dict[tuple[int, int], int]
) -> dict[int, list[tuple[str, float]]]:
    """Per SKU: the stores whose projected weeks of supply ((on hand + on order) / weekly
    demand) is below 2, lowest first."""
    needs: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for row in policies:
        if row["location__kind"] != "store" or row["demand"] <= 0:
            continue
        on_hand = stock.get((row["sku_id"], row["location_id"]), 0)
        cover = projected_cover(on_hand, row["on_order"], row["demand"])
        if cover < TRANSFER_WOS:
            needs[row["sku_id"]].append((row["location__code"], round(cover, 1)))
    for stores in needs.values():
        stores.sort(key=lambda item: item[1])
    return needs


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _with(
    row: HealthRow, units: int, unit_cost: Decimal, actions: list[Action], *, excess: bool = False
) -> HealthRow:
    copy = HealthRow(**{**row.__dict__, "actions": actions})
    if excess:
        copy.excess_units = units
    copy.value_at_risk = at_cost(units, unit_cost)
    return copy


def _actions(
    markdown_url: str,
    stores: list[tuple[str, float]],
    vendor: str | None,
    is_obsolete: bool,
    received_on: tuple[int, str] | None = None,
) -> list[Action]:
    """`received_on`: the purchase order the stock came from the vendor on, if any: the return
    links to it; without one the return is only a suggestion and says so."""
    actions = [Action("markdown", "Mark down", markdown_url)]
    if stores:
        names = ", ".join(f"{code} ({cover:g} wk)" for code, cover in stores[:3])
        more = f" and {len(stores) - 3} more" if len(stores) > 3 else ""
        actions.append(Action("transfer", f"Transfer to {names}{more}"))
    if vendor and received_on is not None:
        order, number = received_on
        url = reverse("otb:order", args=[order])
        actions.append(Action("return", f"Return to vendor {vendor} (received on {number})", url))
    elif vendor:
        actions.append(Action("return", f"Suggestion: return to vendor {vendor} (no receipt on file)"))
    if is_obsolete:
        actions.append(Action("liquidate", "Liquidate"))
    return actions


def rationalisation_candidates(
    policies: list[dict[str, Any]], ages: Ages, limits: Thresholds
) -> dict[int, tuple[str, str]]:
    """SKU -> (code, style-color code) of the SKUs whose every policy sits in a rationalisation
    cell (CZ), in policy order. A new item (on sale fewer than the no-move weeks wherever it is)
    has too little history to sit in CZ on its merits: it is not a candidate to drop."""
    young: dict[int, bool] = {}
    for policy in policies:
        weeks, _ = ages.of(policy["sku_id"], policy["location_id"], policy["sku__style_color__launch_date"])
        is_young = weeks is not None and weeks < limits.no_move_weeks
        young[policy["sku_id"]] = young.get(policy["sku_id"], True) and is_young
    segments: dict[int, set[str]] = defaultdict(set)
    names: dict[int, tuple[str, str]] = {}
    for row in policies:
        if young[row["sku_id"]]:
            continue
        segments[row["sku_id"]].add(row["segment"])
        names[row["sku_id"]] = (row["sku__code"], row["sku__style_color__code"])
    return {sku: names[sku] for sku, cells in segments.items() if cells <= set(RATIONALISATION_CELLS)}


def rationalisation_rows(
    candidates: dict[int, tuple[str, str]], totals: dict[int, tuple[Decimal, Decimal]]
) -> list[RationalisationRow]:
    """The candidates with their share of the department's revenue (`totals`: per SKU of the
    department, revenue and cost) and their margin, smallest revenue first."""
    department_revenue = sum((revenue for revenue, _ in totals.values()), Decimal(0))
    rows = []
    for sku, (code, style_color) in candidates.items():
        revenue, cost = totals.get(sku, (Decimal(0), Decimal(0)))
        rows.append(
            RationalisationRow(
                sku=code,
                style_color=style_color,
                revenue=to_cents(revenue),
                revenue_share_percent=revenue_share_percent(revenue, department_revenue),
                margin_percent=margin_percent(revenue, cost),
            )
        )
    rows.sort(key=lambda item: (item.revenue, item.sku))
    return rows
