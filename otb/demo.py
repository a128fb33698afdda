"""Demo open-to-buy: the demo plan's OTB budget, built from its current OP (the pre-season
plan the demo loader approved; a plan with no OP is approved here first) and approved,
vendors and open purchase orders that use part of the budget, and one order over OTB waiting
for a manager.

Each order buys only items its vendor supplies (`replenishment.demo.demo_suppliers`, the
assignment the replenishment demo gives vendor terms by; existing vendor terms win) and none
that exited or are discontinued."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from forecasting import selectors as forecast_selectors
from otb import services
from otb.models import OTBBudget, PurchaseOrder, Vendor
from otb.orders import LineRequest, purchase_order_create
from planning.models import FiscalWeek, Location, PlanVersion, PlanWeek, Sku
from planning.plans.selectors import current_original
from planning.plans.services import version_approve, version_submit
from replenishment import demo as replenishment_demo
from replenishment.models import VendorItem

VENDORS = [("V-ATL", "Atlas Apparel"), ("V-BRK", "Brookline Knits"), ("V-CDR", "Cedar Textiles")]


def otb_demo_create(*, seed: int = 42) -> str:
    if PurchaseOrder.objects.exists() or OTBBudget.objects.exists():
        return "OTB demo data exists already."
    planner = User.objects.filter(username="planner").first()
    manager = User.objects.filter(username="manager").first()
    admin = User.objects.filter(username="admin").first()
    # The demo plan: the first the loader made (the planner's first department); it plans
    # every department, and the budget and orders are the planner's.
    working = (
        PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING)
        .select_related("plan")
        .order_by("plan_id")
        .first()
    )
    if not (planner and manager and admin and working):
        return "No demo plan: load the demo retailer first."
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    original = _current_op(working, planner, manager)
    if original is None:
        return "The demo plan could not be approved."
    _budget_approve(original, manager, admin)
    department = working.plan.department
    supplied = _skus_by_vendor(department.pk)
    dc = Location.objects.filter(kind=Location.Kind.DC).order_by("code").first()
    if dc is None or not supplied:
        return "The demo retailer has no DC or no SKUs in the plan's department."
    weeks = _order_weeks(working)
    if not weeks:
        return "The demo plan has no open week left: no orders."
    created = _open_orders_place(rng, planner, department.pk, dc, supplied, weeks, original)
    _order_over_otb_place(planner, department.pk, dc, supplied, weeks)
    return (
        f"OTB demo: budget of {department} approved, {created} open orders, 1 over OTB waiting for approval."
    )


def _current_op(working: PlanVersion, planner: User, manager: User) -> PlanVersion | None:
    """The plan's current OP. The demo loader approves the plan before the season (OP r1) and
    rolls it afterwards: the budget is the OP's. A plan made some other way, with no OP yet, is
    approved here."""
    original = current_original(working.plan)
    if original is None:
        with transaction.atomic():
            version_submit(user=planner, version_id=working.pk)
            version_approve(user=manager, version_id=working.pk)
        original = current_original(working.plan)  # the revision just approved
    return original


def _budget_approve(original: PlanVersion, manager: User, admin: User) -> None:
    """The OTB budget from the OP, submitted by the manager and approved by the admin."""
    budget = services.otb_budget_from_plan(user=manager, version_id=original.pk)
    services.otb_budget_submit(user=manager, budget_id=budget.pk)
    services.otb_budget_decide(user=admin, budget_id=budget.pk, approve=True, comment="Demo budget")


def _skus_by_vendor(department_id: int) -> dict[str, list[Sku]]:
    """The demo vendors (created if missing) and the department's demo SKUs each supplies, in id
    order: by the vendor terms where they exist, else by the replenishment demo's assignment."""
    for code, name in VENDORS:
        Vendor.objects.get_or_create(code=code, defaults={"name": name})
    colors = replenishment_demo.demo_colors(department_id)
    terms = VendorItem.objects.filter(style_color__in=colors).values_list("style_color_id", "vendor__code")
    suppliers = {
        **replenishment_demo.demo_suppliers(colors, sorted(code for code, _ in VENDORS)),
        **dict(terms),
    }
    supplied: dict[str, list[Sku]] = defaultdict(list)
    for sku in Sku.objects.filter(style_color__in=colors).select_related("style_color").order_by("id"):
        supplied[suppliers[sku.style_color_id]].append(sku)
    return supplied


def _order_weeks(working: PlanVersion) -> list[FiscalWeek]:
    """The coming 12 weeks that the approved plan covers (near the end of its year, fewer)."""
    return [
        week
        for week in forecast_selectors.weeks_after(forecast_selectors.latest_closed_week(), 12)
        if working.plan.first_week_id <= week.id <= working.plan.last_week_id
    ]


def _open_orders_place(
    rng: random.Random,
    planner: User,
    department_id: int,
    dc: Location,
    supplied: dict[str, list[Sku]],
    weeks: list[FiscalWeek],
    original: PlanVersion,
) -> int:
    """Up to five open orders, every other week, each taking about 40-70% of its week's planned
    receipts (an order the OTB refuses is skipped). Returns how many were placed."""
    planned = dict(
        PlanWeek.objects.filter(line__version=original, line__merch_class__isnull=False)
        .values_list("fiscal_week_id")
        .annotate(total=Sum("receipts"))
    )
    created = 0
    for index, week in enumerate(weeks[1:10:2], start=1):
        target = Decimal(planned.get(week.id, 0)) * Decimal(rng.uniform(0.4, 0.7))
        vendor_code = VENDORS[index % 3][0]
        skus = supplied.get(vendor_code, [])
        if not skus:
            continue
        lines = _order_lines(rng.sample(skus, min(6, len(skus))), target, dc, week.id)
        if not lines:
            continue
        try:
            purchase_order_create(
                user=planner, number=f"PO-DEMO-{index:03d}", vendor_code=vendor_code,
                department_id=department_id, lines=lines,
            )  # fmt: skip
            created += 1
        except services.OTBError:
            continue
    return created


def _order_lines(chosen: list[Sku], target: Decimal, dc: Location, week_id: int) -> list[LineRequest]:
    """The target retail split evenly over the chosen SKUs, in whole units (none below one)."""
    lines = []
    for sku in chosen:
        retail = sku.style_color.retail_price
        units = int((target / len(chosen) / retail).to_integral_value(ROUND_DOWN)) if retail else 0
        if units >= 1:
            lines.append(LineRequest(sku.code, dc.code, units, sku.style_color.unit_cost, retail, week_id))
    return lines


def _order_over_otb_place(
    planner: User, department_id: int, dc: Location, supplied: dict[str, list[Sku]], weeks: list[FiscalWeek]
) -> None:
    """One order well over what is left, waiting for a manager in the approvals inbox."""
    vendor_code = next(code for code, _ in VENDORS if supplied.get(code))
    sku = supplied[vendor_code][0]
    big = LineRequest(
        sku.code,
        dc.code,
        5000,
        sku.style_color.unit_cost,
        sku.style_color.retail_price,
        weeks[min(3, len(weeks) - 1)].id,
    )
    purchase_order_create(
        user=planner, number="PO-DEMO-OVER", vendor_code=vendor_code, department_id=department_id,
        lines=[big], request_exception=True,
    )  # fmt: skip
