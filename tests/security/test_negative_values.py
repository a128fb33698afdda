"""No negative, zero or absurd number reaches the database, or a user as a 500 (issue 16, section 2).

Every write path that takes a number (the pages' POST forms and the REST API under /api/v1/) is
fed -0.01, -1, -1e12, 'NaN' and 'Infinity' (and 0, or a value above the field's bound, where
those are wrong too). Each must refuse: a 4xx with a message that says what to type, or the
page again with the message beside the field (200/4xx), or, for the pages that post and
redirect, the redirect with an error message - and nothing written (every table a write path
touches is compared before and after).

The world is the small demo (load_demo seed 7, otb_demo, allocation_demo, a replenishment run
and a draft markdown proposal) built once for the module on the pinned day (FY2026 W45, open
weeks W45-W52); each test runs in a savepoint of it that is rolled back.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, TestCase
from rest_framework.test import APIClient

from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from core.models import AuditEvent
from forecasting.models import ForecastOverride, ForecastRun
from otb.markdowns import services as markdown_services
from otb.models import (
    MarkdownItem,
    MarkdownProposal,
    OTBCommitment,
    OTBException,
    PriceChange,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
)
from planning.models import (
    Department,
    Plan,
    PlanCellChange,
    PlanLine,
    PlanTransition,
    PlanVersion,
    PlanWeek,
    StyleColor,
)
from replenishment import runs as replenishment_runs
from replenishment.models import (
    ReplenishmentRun,
    SegmentPolicy,
    Suggestion,
    VendorItem,
)
from tests.conftest import PINNED_NOW

pytestmark = pytest.mark.django_db

BAD = ("-0.01", "-1", "-1e12", "NaN", "Infinity")
OPEN_WEEK = 202647  # FY2026 W47: open on the pinned day


@dataclass(frozen=True)
class World:
    planner: User
    manager: User
    department: Department
    version: PlanVersion  # the working plan, a draft
    line: PlanLine  # its first class line (FWOS)
    order: PurchaseOrder  # released, open lines
    order_line: PurchaseOrderLine
    sku_code: str
    vendor_code: str
    dc_id: int
    dc_code: str
    proposal: MarkdownProposal  # a draft
    style_color: StyleColor  # of the department, with a retail price
    allocation_line: AllocationLine  # of the previewed demo run
    suggestion: Suggestion  # open, of the replenishment run
    policy: SegmentPolicy
    vendor_item: VendorItem


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The demo, built once in a transaction that the module's end rolls back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(PINNED_NOW, tick=False):
                built = _build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _build() -> World:
    out = StringIO()
    call_command("load_demo", "--size", "small", "--seed", "7", stdout=out)
    call_command("otb_demo", "--seed", "7", stdout=out)
    call_command("allocation_demo", stdout=out)
    planner, manager = User.objects.get(username="planner"), User.objects.get(username="manager")
    version = (
        PlanVersion.objects.select_related("plan").filter(kind=PlanVersion.Kind.WORKING).earliest("plan_id")
    )  # the demo plan
    department = version.plan.department
    line = PlanLine.objects.filter(version=version, merch_class__isnull=False).earliest("position", "id")
    released = PurchaseOrder.objects.filter(
        status=PurchaseOrder.Status.RELEASED, number__startswith="PO-DEMO"
    )
    order_line = (
        PurchaseOrderLine.objects.filter(order__in=released)
        .select_related("order__vendor", "sku", "location")
        .earliest("id")
    )
    style_color = order_line.sku.style_color
    with TestCase.captureOnCommitCallbacks(execute=True):
        replenishment_runs.start_run(user=manager, department_ids=[department.pk])
    proposal = markdown_services.markdown_proposal_create(
        user=planner,
        department_id=department.pk,
        name="Probe",
        effective_week_id=OPEN_WEEK,
        items=[markdown_services.ItemRequest(style_color.pk, style_color.retail_price - Decimal("1.00"))],
    )
    return World(
        planner=planner,
        manager=manager,
        department=department,
        version=version,
        line=line,
        order=order_line.order,
        order_line=order_line,
        sku_code=order_line.sku.code,
        vendor_code=order_line.order.vendor.code,
        dc_id=order_line.location_id,
        dc_code=order_line.location.code,
        proposal=proposal,
        style_color=style_color,
        allocation_line=AllocationLine.objects.filter(run__status=AllocationRun.Status.PREVIEW).earliest(
            "id"
        ),
        suggestion=Suggestion.objects.filter(status=Suggestion.Status.OPEN).earliest("id"),
        policy=SegmentPolicy.objects.get(cell="AX"),
        vendor_item=VendorItem.objects.earliest("id"),
    )


# --- how a probe is sent and judged ---------------------------------------------------------------
Answer = Any  # what Client and APIClient answer (the stubs give them different types)
Send = Callable[[World, str], Answer]
Tables = tuple[type[models.Model], ...]


@dataclass(frozen=True)
class Probe:
    name: str
    send: Send
    message: str  # a regular expression the refusal's text must contain
    tables: Tables  # what the endpoint writes: every row must stay as it was
    answer: str = "4xx"  # "4xx"; "form": the page again (200 or 4xx); "flash": a redirect + error
    values: tuple[str, ...] = BAD


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


HTMX = {"HX-Request": "true"}


def _row_version(world: World, week_id: int = OPEN_WEEK) -> int:
    return PlanWeek.objects.get(line=world.line, fiscal_week_id=week_id).row_version


# --- planning -----------------------------------------------------------------------------------------
def _grid_cell(measure: str) -> Send:
    def send(world: World, value: str) -> Answer:
        return _page(world.planner).post(
            f"/planning/plans/versions/{world.version.pk}/cells/",
            {"line": world.line.pk, "week": "2026-W47", "measure": measure, "value": value,
             "row_version": _row_version(world)},
            headers=HTMX,
        )  # fmt: skip

    return send


def _grid_paste(world: World, value: str) -> Answer:
    edits = [
        {"line": world.line.pk, "week": f"2026-W{week}", "measure": "sales", "value": text,
         "row_version": _row_version(world, 202600 + week)}
        for week, text in ((47, "1000"), (48, value))
    ]  # fmt: skip
    return _page(world.planner).post(
        f"/planning/plans/versions/{world.version.pk}/cells/", {"edits": json.dumps(edits)}, headers=HTMX
    )


def _grid_total(world: World, value: str) -> Answer:
    return _page(world.planner).post(
        f"/planning/plans/versions/{world.version.pk}/cells/",
        {"line": world.line.pk, "week": "M12", "measure": "sales", "value": value},
        headers=HTMX,
    )


def _api_cells(measure: str) -> Send:
    def send(world: World, value: str) -> Answer:
        body = {"cells": [{"line": world.line.pk, "week": "2026-W47", "measure": measure, "value": value,
                           "row_version": _row_version(world)}]}  # fmt: skip
        return _api(world.planner).patch(
            f"/api/v1/plan-versions/{world.version.pk}/cells/", body, format="json"
        )

    return send


def _line_settings(field: str, method: str) -> Send:
    def send(world: World, value: str) -> Answer:
        return _page(world.planner).post(
            f"/planning/plans/versions/{world.version.pk}/line-settings/",
            {"line": world.line.pk, "method": method, field: value},
        )

    return send


def _plan_create(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        data = {"name": "Probe plan", "department": world.department.pk, "first_week": 202701,
                "last_week": 202713, "method": "fwos", "exhaustion": "wrap", "growth_percent": "0",
                "imu_percent": "55", field: value}  # fmt: skip
        return _page(world.planner).post("/planning/plans/new/", data)

    return send


# --- purchase orders --------------------------------------------------------------------------------
def _order_page(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        line = {
            "sku_code": world.sku_code,
            "location_code": world.dc_code,
            "units": "1",
            "unit_cost": "1.00",
            "unit_retail": "2.00",
            "receipt_week": str(OPEN_WEEK),
            field: value,
        }
        data = {
            "number": "PO-PROBE",
            "vendor": world.vendor_code,
            "department": world.department.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "200",
            **{f"lines-0-{name}": text for name, text in line.items()},
        }
        return _page(world.planner).post("/otb/orders/new/", data)  # fmt: skip

    return send


def _order_api(field: str, *, request_exception: bool = False) -> Send:
    def send(world: World, value: str) -> Answer:
        line = {
            "sku": world.sku_code,
            "location": world.dc_code,
            "units": "1",
            "unit_cost": "1.00",
            "unit_retail": "2.00",
            "receipt_week": "2026-W47",
            field: value,
        }
        body = {"number": "PO-PROBE", "vendor": world.vendor_code, "department": world.department.pk,
                "lines": [line], "request_exception": request_exception}  # fmt: skip
        return _api(world.planner).post("/api/v1/otb/orders/", body, format="json")

    return send


def _order_exception_api(field: str) -> Send:
    """Over OTB, kept for a manager: the exception records the order's retail per month."""
    return _order_api(field, request_exception=True)


def _line_change(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        line = world.order_line
        data = {
            "units": str(line.units),
            "unit_cost": str(line.unit_cost),
            "unit_retail": str(line.unit_retail),
            "receipt_week": str(line.receipt_week_id),
            "version": str(line.row_version),
            field: value,
        }
        return _page(world.planner).post(
            f"/otb/orders/{world.order.pk}/lines/{line.pk}/change/", data, headers=HTMX
        )

    return send


def _line_receive_page(world: World, value: str) -> Answer:
    return _page(world.planner).post(
        f"/otb/orders/{world.order.pk}/lines/{world.order_line.pk}/receive/", {"units": value}
    )


def _line_receive_api(world: World, value: str) -> Answer:
    return _api(world.planner).post(
        f"/api/v1/otb/orders/{world.order.pk}/lines/{world.order_line.pk}/receive/",
        {"units": value},
        format="json",
    )


def _po_import(column: str) -> Send:
    def send(world: World, value: str) -> Answer:
        row = {"po_number": "PO-PROBE", "vendor": world.vendor_code, "department": world.department.code,
               "sku": world.sku_code, "location": world.dc_code, "units": "1", "unit_cost": "1.00",
               "unit_retail": "2.00", "receipt_week": "2026-W47", column: value}  # fmt: skip
        text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
        upload = SimpleUploadedFile("probe.csv", text.encode(), content_type="text/csv")
        return _page(world.planner).post("/otb/imports/", {"file": upload})

    return send


def _open_order_cut(world: World, value: str) -> Answer:
    line = world.order_line
    return _page(world.planner).post(
        f"/replenishment/open-orders/lines/{line.pk}/cut/", {"units": value, "version": line.row_version}
    )


def _open_order_move(world: World, value: str) -> Answer:
    line = world.order_line
    return _page(world.planner).post(
        f"/replenishment/open-orders/lines/{line.pk}/move/", {"week": value, "version": line.row_version}
    )


# --- markdowns ------------------------------------------------------------------------------------
def _markdown_api(world: World, value: str) -> Answer:
    body = {"department": world.department.pk, "name": "Probe", "effective_week": "2026-W47",
            "items": [{"style_color": world.style_color.pk, "new_price": value}]}  # fmt: skip
    return _api(world.planner).post("/api/v1/otb/markdowns/", body, format="json")


def _markdown_detail(world: World, value: str) -> Answer:
    proposal = world.proposal
    data = {"name": proposal.name, "effective_week": str(OPEN_WEEK), "row_version": proposal.row_version,
            f"price-{world.style_color.pk}": value}  # fmt: skip
    return _page(world.planner).post(f"/otb/markdowns/{proposal.pk}/", data)


def _markdown_candidates(world: World, value: str) -> Answer:
    data = {"name": "Probe", "effective_week": str(OPEN_WEEK), "items": [world.style_color.pk],
            "percent_off": value}  # fmt: skip
    return _page(world.planner).post(f"/otb/markdowns/candidates/{world.department.pk}/", data)


# --- allocation -------------------------------------------------------------------------------------
def _allocation_run_page(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        data = {"name": "Probe", "department": world.department.pk, "dc": world.dc_id,
                "style_colors": world.style_color.code, "source": "dc", "demand": "forecast",
                "mode": "fill_ratio", "holdback": "0", "pack_size": "1", "coverage_weeks": "2",
                field: value}  # fmt: skip
        if field == "planned_weekly_units":
            data["demand"] = "plan"
        return _page(world.planner).post("/allocation/", data)

    return send


def _allocation_run_api(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        body = {"department": world.department.code, "dc": world.dc_code,
                "style_colors": [world.style_color.code], field: value}  # fmt: skip
        if field == "planned_weekly_units":
            body["demand"] = "plan"
        return _api(world.planner).post("/api/v1/allocation/runs/", body, format="json")

    return send


def _allocation_line_page(world: World, value: str) -> Answer:
    line = world.allocation_line
    return _page(world.planner).post(
        f"/allocation/lines/{line.pk}/", {"units": value, "version": line.row_version}, headers=HTMX
    )


def _allocation_line_api(world: World, value: str) -> Answer:
    line = world.allocation_line
    return _api(world.planner).patch(
        f"/api/v1/allocation/lines/{line.pk}/",
        {"units": value, "row_version": line.row_version},
        format="json",
    )


def _rebalance_page(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        data = {"department": world.department.pk, "min_wos": "2", "max_wos": "8", "pack_size": "1",
                "move": "x", field: value}  # fmt: skip
        return _page(world.planner).post("/allocation/rebalance/", data)

    return send


def _rebalance_api(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        body = {"department": world.department.code, "moves": ["x"], field: value}
        return _api(world.planner).post("/api/v1/allocation/rebalance/", body, format="json")

    return send


# --- replenishment ----------------------------------------------------------------------------------
def _policy_page(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        policy = world.policy
        data = {"service_level": str(policy.service_level * 100), "fwos_target": str(policy.fwos_target),
                "presentation_min": str(policy.presentation_min),
                "allocation_priority": str(policy.allocation_priority), "row_version": policy.row_version,
                field: value}  # fmt: skip
        return _page(world.manager).post(f"/replenishment/policies/{policy.cell}/", data, headers=HTMX)

    return send


def _policy_api(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        body = {"row_version": world.policy.row_version, field: value}
        return _api(world.manager).patch(f"/api/v1/otb/policies/{world.policy.cell}/", body, format="json")

    return send


def _vendor_terms(field: str) -> Send:
    def send(world: World, value: str) -> Answer:
        return _api(world.manager).patch(
            f"/api/v1/otb/vendor-items/{world.vendor_item.pk}/", {field: value}, format="json"
        )

    return send


def _suggestion_page(world: World, value: str) -> Answer:
    suggestion = world.suggestion
    return _page(world.planner).post(
        f"/replenishment/suggestions/{suggestion.pk}/change/",
        {"units": value, "version": suggestion.row_version},
        headers=HTMX,
    )


def _suggestion_api(world: World, value: str) -> Answer:
    suggestion = world.suggestion
    return _api(world.planner).patch(
        f"/api/v1/otb/replenishment/suggestions/{suggestion.pk}/",
        {"units": value, "row_version": suggestion.row_version},
        format="json",
    )


def _replenishment_run_page(world: World, value: str) -> Answer:
    return _page(world.planner).post(
        "/replenishment/runs/start/", {"departments": [world.department.pk], "horizon": value}
    )


def _replenishment_run_api(world: World, value: str) -> Answer:
    return _api(world.planner).post(
        "/api/v1/otb/replenishment/runs/",
        {"departments": [world.department.pk], "horizon": value},
        format="json",
    )


def _fwos_accept(world: World, value: str) -> Answer:
    return _page(world.planner).post(
        "/replenishment/fwos/accept/",
        {"version": world.version.pk, "line": [world.line.pk], f"proposed-{world.line.pk}": value},
    )


# --- forecasting --------------------------------------------------------------------------------
def _override_page(world: World, value: str) -> Answer:
    return _page(world.planner).post(
        f"/forecasting/items/{world.style_color.pk}/overrides/{OPEN_WEEK}/",
        {"units": value, "reason": "promotion", "row_version": "0"},
    )


def _override_api(world: World, value: str) -> Answer:
    return _api(world.planner).put(
        f"/api/v1/forecasting/overrides/{world.style_color.pk}/2026-W47/",
        {"units": value, "reason": "promotion", "row_version": 0},
        format="json",
    )


def _forecast_run_page(world: World, value: str) -> Answer:
    return _page(world.planner).post(
        "/forecasting/", {"departments": [world.department.pk], "horizon": value}
    )


def _forecast_run_api(world: World, value: str) -> Answer:
    return _api(world.planner).post(
        "/api/v1/forecasting/runs/", {"departments": [world.department.pk], "horizon": value}, format="json"
    )


# --- the probes: endpoint x field, the message the refusal must carry, the values sent ----------
PLANS = (Plan, PlanVersion, PlanLine, PlanWeek, PlanCellChange, PlanTransition)
ORDERS = (PurchaseOrder, PurchaseOrderLine, PurchaseOrderReceipt, OTBException, OTBCommitment)
MARKDOWNS = (MarkdownProposal, MarkdownItem, PriceChange, StyleColor)
ALLOCATION = (AllocationRun, AllocationItem, AllocationLine, AuditEvent, Transfer)
REPLENISHMENT = (SegmentPolicy, AuditEvent, VendorItem, ReplenishmentRun, Suggestion)
FORECASTS = (ForecastRun, ForecastOverride, AuditEvent)
EVERY_TABLE = (*PLANS, *ORDERS, *MARKDOWNS, *ALLOCATION, *REPLENISHMENT, *FORECASTS, AuditEvent)

NUMBER = r"is not a number|Enter a number|valid number|no more than \d+ digits|no more than \d+ decimal"
WHOLE = r"Enter a whole number|valid integer"
AT_LEAST, AT_MOST = "greater than or equal to", "less than or equal to"  # Django's and DRF's words
ZERO, BIG, HUGE, ENORMOUS = "0", "1e12", "1000000000000", "1e99"  # HUGE: 1e12 as a whole number
Fields = dict[str, tuple[str, tuple[str, ...]]]  # field: (message, extra values beyond BAD)


def _each(name: str, send: Callable[[str], Send], tables: Tables, answer: str, fields: Fields) -> list[Probe]:
    """One probe per field of an endpoint."""
    return [
        Probe(f"{name} {field}", send(field), message, tables, answer, (*BAD, *extra))
        for field, (message, extra) in fields.items()
    ]


def _probe(
    name: str, send: Send, message: str, tables: Tables, answer: str = "4xx", extra: tuple[str, ...] = ()
) -> Probe:
    return Probe(name, send, message, tables, answer, (*BAD, *extra))


SALES_RANGE = rf"Sales \$ must be between 0|{NUMBER}"
ORDER_UNITS = rf"{AT_LEAST} 1|{AT_MOST} 1000000|{WHOLE}"
PRICE = rf"{AT_LEAST} 0|{NUMBER}"
PACK = rf"Pack size must be a whole number of units, at least 1|Pack size is at most 1,000|{WHOLE}"
PROBES = [
    # plans: cells typed, pasted, totals typed over, the API; line settings; a new plan
    _probe("grid cell sales", _grid_cell("sales"), SALES_RANGE, PLANS, extra=(ENORMOUS,)),
    _probe("grid cell sales_units", _grid_cell("sales_units"), rf"Sales units must be between 0|{NUMBER}",
           PLANS),
    _probe("grid cell target", _grid_cell("target"), rf"FWOS target must be between 0|{NUMBER}", PLANS),
    _probe("grid paste", _grid_paste, rf"Nothing was pasted: W48 Sales \$: .*({SALES_RANGE})", PLANS),
    _probe("grid month total", _grid_total, SALES_RANGE, PLANS),
    *_each("api cells", _api_cells, PLANS, "4xx", {
        "sales": (SALES_RANGE, (ENORMOUS,)),
        "markdowns": (rf"Markdowns \$ must be between 0|{NUMBER}", ()),
        "target": (rf"FWOS target must be between 0|{NUMBER}", ()),
    }),
    _probe("line opening stock", _line_settings("opening_stock", "fwos"),
           rf"Opening stock cannot be negative|Opening stock is at most 100,000,000,000|{NUMBER}", PLANS,
           "flash", (BIG, ENORMOUS)),
    _probe("line turn", _line_settings("turn", "turn"), rf"turn greater than zero|between 0 and 52|{NUMBER}",
           PLANS, "flash", (ZERO, ENORMOUS)),
    *_each("plan create", _plan_create, PLANS, "form", {
        "imu_percent": (rf"{AT_LEAST} 0|{AT_MOST} 99.99|{NUMBER}", ("100",)),
    }),
    Probe("plan create growth_percent", _plan_create("growth_percent"), rf"{AT_LEAST} -99|{NUMBER}", PLANS,
          "form", ("-99.01", "-100", "-1e12", "NaN", "Infinity")),  # -1 %: sales a little down, fine
    # purchase orders: the new order page and API (with and without an OTB exception), a line
    # changed, received, cut or moved, and the import (a CSV)
    *_each("order page", _order_page, ORDERS, "form", {
        "units": (ORDER_UNITS, (ZERO, HUGE)), "unit_cost": (PRICE, (BIG,)), "unit_retail": (PRICE, (BIG,)),
    }),
    *_each("order api", _order_api, ORDERS, "4xx", {
        "units": (ORDER_UNITS, (ZERO, HUGE)), "unit_cost": (PRICE, (BIG,)), "unit_retail": (PRICE, (BIG,)),
    }),
    *_each("order api with exception", _order_exception_api, ORDERS, "4xx", {
        "units": (ORDER_UNITS, (ZERO, HUGE)), "unit_cost": (PRICE, (BIG,)), "unit_retail": (PRICE, (BIG,)),
    }),
    *_each("order line change", _line_change, ORDERS, "form", {
        "units": (rf"Units: .*({ORDER_UNITS})", (ZERO, HUGE)),
        "unit_cost": (rf"Unit cost: .*({PRICE})", ()),
        "unit_retail": (rf"Unit retail: .*({PRICE})", ()),
    }),
    _probe("order line receive page", _line_receive_page,
           r"Enter the units received|Receive between 1 and 1 units", ORDERS, "flash", (ZERO, HUGE)),
    _probe("order line receive api", _line_receive_api, rf"Receive between 1 and 1 units|{WHOLE}", ORDERS,
           extra=(ZERO, HUGE)),
    *_each("po import", _po_import, ORDERS, "flash", {
        "units": (r"probe.csv was rejected: nothing was imported", (ZERO, HUGE)),
        "unit_cost": (r"probe.csv was rejected: nothing was imported", ()),
        "unit_retail": (r"probe.csv was rejected: nothing was imported", ()),
    }),
    _probe("open order cut", _open_order_cut, r"Give the units to keep", ORDERS, "flash", (HUGE,)),
    _probe("open order move", _open_order_move, r"Choose the week", ORDERS, "flash", (ZERO,)),
    # markdowns: a price below 0, not below the current price, not a price; a percentage off
    _probe("markdown api new_price", _markdown_api,
           rf"new price cannot be negative|must be below the current|{NUMBER}", MARKDOWNS, extra=(BIG,)),
    _probe("markdown page new price", _markdown_detail,
           r"new price cannot be negative|must be below the current|is not a price", MARKDOWNS, "form",
           (BIG, ENORMOUS)),
    _probe("markdown candidates percent_off", _markdown_candidates, rf"{AT_LEAST} 1|{AT_MOST} 90|{NUMBER}",
           MARKDOWNS, "form", (ZERO, BIG)),
    # allocation: a run's pack, holdback, coverage and planned units; a line's units; rebalancing
    *_each("allocation run page", _allocation_run_page, ALLOCATION, "form", {
        "pack_size": (rf"{AT_LEAST} 1|{AT_MOST} 1000|{WHOLE}", (ZERO, HUGE)),
        "holdback": (rf"{AT_LEAST} 0|{AT_MOST} 95|{NUMBER}", (BIG,)),
        "coverage_weeks": (rf"{AT_LEAST} 0.5|{AT_MOST} 26|{NUMBER}", (ZERO, BIG)),
        "planned_weekly_units": (rf"{AT_LEAST} 0|Planned units a week must be above 0|{NUMBER}", (ZERO,)),
    }),
    *_each("allocation run api", _allocation_run_api, ALLOCATION, "4xx", {
        "pack_size": (PACK, (ZERO, HUGE)),
        "holdback": (rf"Holdback is a share of the stock, 0 to 0.95|{NUMBER}", (BIG,)),
        "coverage_weeks": (rf"Coverage is 0.5 to 26 weeks|{NUMBER}", (ZERO, BIG)),
        "planned_weekly_units": (rf"Planned units a week must be above 0|{NUMBER}", (ZERO,)),
    }),
    _probe("allocation line page", _allocation_line_page,
           r"Units cannot be negative|Units must be a whole number|can go to this store|has room for",
           ALLOCATION, "form", (HUGE,)),
    _probe("allocation line api", _allocation_line_api,
           rf"Units cannot be negative|can go to this store|has room for|{WHOLE}", ALLOCATION, extra=(HUGE,)),
    *_each("rebalance page", _rebalance_page, ALLOCATION, "form", {
        "min_wos": (rf"{AT_LEAST} 0|{NUMBER}", ()),
        "max_wos": (rf"{AT_LEAST} 0|{NUMBER}", ()),
        "pack_size": (rf"{AT_LEAST} 1|{AT_MOST} 1000|{WHOLE}", (ZERO, HUGE)),
    }),
    *_each("rebalance api", _rebalance_api, ALLOCATION, "4xx", {
        "min_wos": (rf"Weeks of supply must be above 0|{NUMBER}", ()),
        "max_wos": (rf"Weeks of supply must be above 0|{NUMBER}", (ZERO,)),
        "pack_size": (PACK, (ZERO, HUGE)),
    }),
    # replenishment: the policy matrix (page, API), vendor terms, suggestions, runs, FWOS targets
    *_each("policy page", _policy_page, REPLENISHMENT, "form", {
        "service_level": (r"Service level must be above 50% and below 99.9%|Enter a number",
                          (ZERO, BIG, ENORMOUS)),
        "fwos_target": (r"FWOS target cannot be negative|Enter a number of weeks|below 10000",
                        (BIG, ENORMOUS, "9999.95")),
        "presentation_min": (
            r"Presentation minimum (cannot be negative|is at most 100,000)|Enter a whole number", (BIG, HUGE)
        ),
        "allocation_priority": (r"Allocation priority is 1, 2 or 3|Enter 1, 2 or 3", (ZERO, HUGE)),
    }),
    *_each("policy api", _policy_api, REPLENISHMENT, "4xx", {
        "service_level_percent": (rf"Service level must be above 50%|{NUMBER}", (ZERO, BIG)),
        "fwos_target": (rf"FWOS target cannot be negative|{NUMBER}", (BIG,)),
        "presentation_min": (rf"Presentation minimum (cannot be negative|is at most 100,000)|{WHOLE}",
                             (BIG, HUGE)),
        "allocation_priority": (rf"Allocation priority is 1, 2 or 3|{WHOLE}", (ZERO, HUGE)),
    }),
    *_each("vendor terms", _vendor_terms, REPLENISHMENT, "4xx", {
        "lead_time_weeks": (rf"Lead time cannot be negative|Lead time is at most 52|{NUMBER}", (BIG,)),
        "moq": (rf"MOQ must be a whole number of units, at least 1|MOQ is at most 1,000,000|{WHOLE}",
                (ZERO, BIG, HUGE)),
        "order_multiple": (rf"Order multiple (must be a whole number|is at most 1,000,000)|{WHOLE}",
                           (ZERO, BIG, HUGE)),
        "order_cost": (rf"Order cost cannot be negative|{NUMBER}", (BIG,)),
        "holding_rate": (rf"Holding rate cannot be negative|share of unit cost|{NUMBER}", (BIG,)),
    }),
    _probe("suggestion page units", _suggestion_page, r"Enter whole units: 0 drops the line", REPLENISHMENT,
           "form", (BIG, HUGE)),
    _probe("suggestion api units", _suggestion_api, rf"{AT_LEAST} 0|{AT_MOST} 1000000|{WHOLE}", REPLENISHMENT,
           extra=(BIG, HUGE)),
    _probe("replenishment run page horizon", _replenishment_run_page, rf"{AT_LEAST} 4|{AT_MOST} 52|{WHOLE}",
           REPLENISHMENT, "form", (ZERO, HUGE)),
    _probe("replenishment run api horizon", _replenishment_run_api, rf"{AT_LEAST} 4|{AT_MOST} 52|{WHOLE}",
           REPLENISHMENT, extra=(ZERO, HUGE)),
    _probe("fwos accept proposal", _fwos_accept,
           r"The proposal for .* is now|no SKU-location|change its method", PLANS),
    # forecasting: an override (page, API), a run's horizon
    _probe("override page units", _override_page, rf"{AT_LEAST} 0|{NUMBER}", FORECASTS, "flash",
           (BIG, ENORMOUS)),
    _probe("override api units", _override_api,
           rf"An override cannot be negative|is not a number of units|larger than any week|{NUMBER}",
           FORECASTS, extra=(BIG, ENORMOUS)),
    _probe("forecast run page horizon", _forecast_run_page, rf"{AT_LEAST} 1|{AT_MOST} 52|{WHOLE}", FORECASTS,
           "form", (ZERO, HUGE)),
    _probe("forecast run api horizon", _forecast_run_api, rf"{AT_LEAST} 1|{AT_MOST} 52|{WHOLE}", FORECASTS,
           extra=(ZERO, HUGE)),
]  # fmt: skip
CASES = [
    pytest.param(probe, value, id=f"{probe.name}: {value}") for probe in PROBES for value in probe.values
]


def _tables(tables: Tables) -> dict[str, Any]:
    """Every row of these tables, and how many rows every table of a write path holds."""
    return {
        "rows": {
            model.__name__: list(model._default_manager.order_by("pk").values_list()) for model in tables
        },
        "counts": {model.__name__: model._default_manager.count() for model in EVERY_TABLE},
    }


def _text(response: Answer) -> str:
    body = html.unescape(response.content.decode(errors="replace"))
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    return " ".join(body.split())


def _excerpt(text: str) -> str:
    """The message parts of a page (what a failure shows)."""
    found = re.findall(r'class="[^"]*(?:error|message|errorlist)[^"]*"[^>]*>(.{0,300})', text)
    return " | ".join(found) or text[:1500]


@pytest.mark.parametrize(("probe", "value"), CASES)
def test_a_bad_number_is_refused_with_a_message_and_nothing_is_written(
    world: World, probe: Probe, value: str
) -> None:
    before = _tables(probe.tables)

    response = probe.send(world, value)

    if probe.answer == "flash":
        assert response.status_code == 302, (response.status_code, _text(response)[:500])
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]
        assert errors, "no error message"
        assert re.search(probe.message, " ".join(errors)), errors
    else:
        text = _text(response)
        if probe.answer == "form":
            assert response.status_code == 200 or 400 <= response.status_code < 500, response.status_code
        else:
            assert 400 <= response.status_code < 500, (response.status_code, text[:500])
        assert re.search(probe.message, text), _excerpt(text)
    assert _tables(probe.tables) == before


def _paste_open_weeks(client: Client, world: World, measure: str, value: str) -> Answer:
    rows = PlanWeek.objects.filter(line=world.line, fiscal_week_id__gte=202645).order_by("fiscal_week_id")
    edits = [
        {"line": world.line.pk, "week": f"2026-W{row.fiscal_week_id % 100}", "measure": measure,
         "value": value, "row_version": row.row_version}
        for row in rows
    ]  # fmt: skip
    return client.post(
        f"/planning/plans/versions/{world.version.pk}/cells/", {"edits": json.dumps(edits)}, headers=HTMX
    )


def test_inputs_whose_stock_outgrows_what_a_plan_holds_are_refused(world: World) -> None:
    """Each cell within its range, together too much: the largest sales a cell takes in every open
    week (W45-W52), then the largest FWOS target, would plan an EOP of about 8 x 100 billion in
    W45 and a WOS beyond its column; the target paste is refused with a message, not a 500."""
    client = _page(world.planner)
    assert _paste_open_weeks(client, world, "sales", "100000000000").status_code == 200
    before = _tables(PLANS)

    response = _paste_open_weeks(client, world, "target", "104")

    assert response.status_code == 400
    assert re.search(
        r"That makes \S+ .* of W01-01 Tees in W\d\d [\d,.]+, more than a plan holds", _text(response)
    )
    assert _tables(PLANS) == before


def test_an_order_worth_more_in_a_month_than_otb_amounts_hold_is_refused(world: World) -> None:
    """Units and price each within bounds, their product not: 1,000,000 x 9,999,999,999.99 is
    about 10^16 at retail, which no OTB exception can record (amounts hold 12 digits)."""
    before = _tables(ORDERS)

    response = _api(world.planner).post(
        "/api/v1/otb/orders/",
        {"number": "PO-PROBE", "vendor": world.vendor_code, "department": world.department.pk,
         "request_exception": True,
         "lines": [{"sku": world.sku_code, "location": world.dc_code, "units": 1_000_000,
                    "unit_cost": "1.00", "unit_retail": "9999999999.99", "receipt_week": "2026-W47"}]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The order comes to $9,999,999,999,990,000.00 at retail in FY2026 M11: at most "
        "$999,999,999,999.99 a month. Check the units and prices."
    )
    assert _tables(ORDERS) == before
