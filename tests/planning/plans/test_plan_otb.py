"""One OTB number (otb.open_to_buy): a plan rolled through three closed weeks, with on order and
received from real purchase orders, and the grid, the OTB page and the API agreeing to the cent.

The conftest plan runs FY2025 W01..W04 (one fiscal month, M01) for Tops, total company. On
2025-02-24 (in W04) W01..W03 have closed. This year (test_in_season's, plus W03):
  Tees  opening 1,200.00; W01 sales 120.00, md 6.00, EOP 1,680.00 (receipts 606.00);
        W02 sales 240.00, EOP 1,440.00 (receipts 0); W03 sales 2 S at the store (48.00) and 4 S
        received there (PO-1 line 3): on hand 60 - 2 + 4 = 62 -> EOP 62 x 24 = 1,488.00,
        receipts 1,488 - 1,440 + 48 = 96.00.
        W04 (open): BOP 1,488.00; FWOS 2.7 over the planned sales, wrapping: W01 120 + W02 240
        + 0.7 x W03 48 = 393.60; receipts 393.60 - 1,488 + 198 (sales) + 66 (md) = -830.40.
  Blouses opening 450.00; W01 sales 300.00, EOP 450.00 (receipts 300.00); W02, W03 nothing.
Orders (PO-1, released, unit retail 24.00, cost 10.00):
  line 1: 10 S at the store due W02, nothing received: overdue -> on order in W04, 240.00
  line 2: 20 M on the web due W04, 5 received: received 120.00 in W04, on order 15 x 24 = 360.00
  line 3: 4 S at the store due W03, received: a closed week counts its actual receipts (96.00)
  line 4: 50 S due W04, cancelled: nothing.   PO-2 (draft, 7 S due W04): nothing.
Tees W04 OTB = -830.40 - 120.00 - (240.00 + 360.00) = -1,550.40; W01..W03: 0.
Month M01 (the grid's month column): receipts 606 + 0 + 96 - 830.40 = -128.40, received
606 + 0 + 96 + 120 = 822.00, on order 600.00: -128.40 - 822.00 - 600.00 = -1,550.40.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otb import open_to_buy
from otb.models import PurchaseOrder, PurchaseOrderLine, Vendor
from otb.orders import purchase_order_line_cancel, purchase_order_line_receive
from planning.models import FiscalWeek, Plan, PlanVersion
from planning.plans.grid import plan_grid
from planning.plans.in_season import roll_plans
from planning.plans.services import CellEdit, PlanError, plan_aggregate_update, plan_cells_update, plan_create
from tests.planning.plans.conftest import column, dollars, line_of, sale, stock, version_of
from tests.planning.plans.test_in_season import this_year  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

IN_W04 = datetime(2025, 2, 24, 12, tzinfo=UTC)
MONTH = 202501
CANCELLED = PurchaseOrderLine.Status.CANCELLED


@pytest.fixture
def three_closed(this_year: dict[str, Any], retailer: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    sale(retailer["sku_s"], retailer["store"], 202503, 2, "48.00")
    stock(retailer["sku_s"], retailer["store"], 202503, 62)
    return this_year


@pytest.fixture
def rolled(planner: User, retailer: dict[str, Any], three_closed: dict[str, Any], spec: Any) -> Plan:
    retailer["tops"].planners.add(planner)
    with time_machine.travel(IN_W04, tick=False):
        plan = plan_create(user=planner, spec=spec())
        assert roll_plans() == 2  # the working plan and TY
    return plan


def _line(
    order: PurchaseOrder, sku: Any, location: Any, units: int, week: int, **extra: Any
) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.create(
        order=order, sku=sku, location=location, units=units, unit_cost=Decimal("10.00"),
        unit_retail=Decimal("24.00"), receipt_week_id=week, month_key=MONTH, **extra,
    )  # fmt: skip


@pytest.fixture
def orders(rolled: Plan, planner: User, retailer: dict[str, Any]) -> dict[str, Any]:
    vendor = Vendor.objects.create(code="V1", name="Vendor one")
    tops = retailer["tops"]
    released = PurchaseOrder.objects.create(
        number="PO-1",
        vendor=vendor,
        department=tops,
        status=PurchaseOrder.Status.RELEASED,
        created_by=planner,
    )
    draft = PurchaseOrder.objects.create(number="PO-2", vendor=vendor, department=tops, created_by=planner)
    small, medium, store, web = retailer["sku_s"], retailer["sku_m"], retailer["store"], retailer["web"]
    lines = {
        "overdue": _line(released, small, store, 10, 202502),
        "partly": _line(released, medium, web, 20, 202504),
        "received": _line(
            released, small, store, 4, 202503, received_units=4, status=PurchaseOrderLine.Status.RECEIVED
        ),
        "cancelled": _line(released, small, store, 50, 202504, status=PurchaseOrderLine.Status.CANCELLED),
        "draft": _line(draft, small, store, 7, 202504),
    }
    with time_machine.travel(IN_W04, tick=False):
        purchase_order_line_receive(user=planner, line_id=lines["partly"].pk, units=5)  # refreshes the plans
    return lines


def test_a_plan_rolled_through_three_closed_weeks_buys_against_its_orders(
    rolled: Plan, orders: dict[str, Any], three_closed: dict[str, Any]
) -> None:
    working = version_of(rolled, PlanVersion.Kind.WORKING)
    assert working.actuals_through_id == 202503
    tees = line_of(working, three_closed["tees"])
    assert column(tees, "bop") == dollars("1200.00", "1680.00", "1440.00", "1488.00")
    assert column(tees, "eop") == dollars("1680.00", "1440.00", "1488.00", "393.60")
    assert column(tees, "receipts") == dollars("606.00", "0.00", "96.00", "-830.40")
    assert column(tees, "received") == dollars("606.00", "0.00", "96.00", "120.00")
    assert column(tees, "on_order") == dollars("0.00", "0.00", "0.00", "600.00")
    assert column(tees, "otb") == dollars("0.00", "0.00", "0.00", "-1550.40")
    blouses = line_of(working, three_closed["blouses"])
    assert column(blouses, "received") == dollars("300.00", "0.00", "0.00", "0.00")
    assert column(blouses, "on_order") == dollars("0.00", "0.00", "0.00", "0.00")
    # The total line sums its classes, week by week.
    total = line_of(working, None)
    assert column(total, "on_order") == dollars("0.00", "0.00", "0.00", "600.00")
    assert column(total, "received") == dollars("906.00", "0.00", "96.00", "120.00")
    blouse_otb = column(blouses, "otb")[3]
    assert column(total, "otb") == [*dollars("0.00", "0.00", "0.00"), Decimal("-1550.40") + blouse_otb]

    # The grid's month column: month = actual + plan; OTB = receipts - received - on order.
    grid = plan_grid(working, is_editable=True)
    block = next(b for b in grid.lines if b.line_id == tees.pk)
    month = next(i for i, c in enumerate(grid.columns) if c.kind == "month")
    rows = {row.measure: row for row in block.rows}
    assert Decimal(rows["receipts"].cells[month].raw) == Decimal("-128.40")
    assert Decimal(rows["received"].cells[month].raw) == Decimal("822")
    assert Decimal(rows["on_order"].cells[month].raw) == Decimal("600")
    assert Decimal(rows["otb"].cells[month].raw) == Decimal("-1550.40")
    assert not any(cell.is_editable for cell in rows["on_order"].cells + rows["received"].cells)

    # The department's OTB (no approved budget): received 822 + the blouses' 300, on order 600.
    row = open_to_buy.otb_table([rolled.department_id], [MONTH])[rolled.department_id, MONTH]
    assert (row.received_retail, row.on_order_retail, row.on_order_units) == (
        Decimal("1122.00"), Decimal("600.00"), 25
    )  # fmt: skip
    assert row.on_order_cost == Decimal("250.00")  # 25 open units x 10.00
    assert row.working_otb_retail == Decimal("-1550.40") + blouse_otb
    assert not row.is_closed


def test_orders_keep_the_plan_current(
    rolled: Plan, orders: dict[str, Any], three_closed: dict[str, Any], planner: User
) -> None:
    working = version_of(rolled, PlanVersion.Kind.WORKING)
    tees = line_of(working, three_closed["tees"])
    with time_machine.travel(IN_W04, tick=False):
        purchase_order_line_receive(user=planner, line_id=orders["partly"].pk, units=15)
        # 15 more received: on order 600 - 360 = 240, received 120 + 360 = 480; OTB unchanged.
        assert column(tees, "on_order")[3] == Decimal("240.00")
        assert column(tees, "received")[3] == Decimal("480.00")
        assert column(tees, "otb")[3] == Decimal("-1550.40")
        overdue = orders["overdue"]
        purchase_order_line_cancel(user=planner, line_id=overdue.pk, expected_version=overdue.row_version)
        # The overdue 240 leaves on order: its OTB comes back (-1,550.40 + 240 = -1,310.40).
        assert column(tees, "on_order")[3] == Decimal("0.00")
        assert column(tees, "otb")[3] == Decimal("-1310.40")


def test_on_order_and_received_cannot_be_typed_or_spread(
    rolled: Plan, orders: dict[str, Any], three_closed: dict[str, Any], planner: User
) -> None:
    working = version_of(rolled, PlanVersion.Kind.WORKING)
    tees = line_of(working, three_closed["tees"])
    with pytest.raises(PlanError, match=r"On order \$ comes from purchase orders"):
        plan_cells_update(
            user=planner, version_id=working.pk, edits=[CellEdit(tees.pk, 202504, "on_order", "0")]
        )
    with pytest.raises(PlanError, match=r"Received \$ comes from purchase orders"):
        plan_aggregate_update(
            user=planner, version_id=working.pk, line_id=tees.pk, column_key="M1", measure="received",
            value="0", expected=None,
        )  # fmt: skip
    assert column(tees, "on_order")[3] == Decimal("600.00")


def test_the_grid_drills_to_the_order_lines(
    rolled: Plan, orders: dict[str, Any], three_closed: dict[str, Any], client: Client, planner: User
) -> None:
    working = version_of(rolled, PlanVersion.Kind.WORKING)
    tees = line_of(working, three_closed["tees"])
    client.force_login(planner)
    with time_machine.travel(IN_W04, tick=False):
        grid = client.get(f"/planning/plans/versions/{working.pk}/").content.decode()
        assert f"/otb/on-order/{working.pk}/?line={tees.pk}" in grid
        page = client.get(f"/otb/on-order/{working.pk}/?line={tees.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    # The two open lines, the overdue one expected in W04; not the received, cancelled or draft ones.
    assert html.count("PO-1") == 2
    assert "PO-2" not in html
    assert "overdue" in html
    assert "FY2025 W04" in html
    assert (page.context["total"], page.context["units"]) == (Decimal("600.00"), 25)
    api = client.get(f"/api/v1/otb/plan-versions/{working.pk}/otb/").json()
    assert api[0]["month"] == MONTH
    assert Decimal(api[0]["otb_retail"]) == open_to_buy.version_months(working)[0].otb_retail
    # At cost, the open W04 only: planned receipts x 0.45 - received 5 x 10.00 - on order
    # (10 + 15) x 10.00; tees -830.40 x 0.45 = -373.68, so -373.68 - 50 - 250 = -673.68 plus the
    # blouses' W04 receipts x 0.45.
    blouse_receipts = column(line_of(working, three_closed["blouses"]), "receipts")[3]
    blouse_cost = (blouse_receipts * Decimal("0.45")).quantize(Decimal("0.01"))
    assert (Decimal(api[0]["received_cost"]) - Decimal("50.00")) == (
        (Decimal("606.00") + Decimal("96.00") + Decimal("300.00")) * Decimal("0.45")
    )  # closed weeks' actual receipts at the complement
    assert Decimal(api[0]["on_order_cost"]) == Decimal("250.00")
    assert Decimal(api[0]["otb_cost"]) == Decimal("-673.68") + blouse_cost


def _grid_month_otb(version: PlanVersion) -> dict[int, Decimal]:
    grid = plan_grid(version, is_editable=False)
    total = next(block for block in grid.lines if block.is_total)
    otb = next(row for row in total.rows if row.measure == "otb")
    months = {}
    weeks: list[int] = []
    for column_, cell in zip(grid.columns, otb.cells, strict=True):
        if column_.kind == "week":
            weeks.append(column_.week_id or 0)
        elif column_.kind == "month":
            week = FiscalWeek.objects.get(pk=weeks[-1])
            months[week.year * 100 + week.month] = Decimal(cell.raw or "0").quantize(Decimal("0.01"))
    return months


LINE = st.tuples(
    st.sampled_from(["sku_s", "sku_m"]),
    st.sampled_from(["store", "web", "dc"]),
    st.integers(min_value=1, max_value=40),  # units
    st.integers(min_value=0, max_value=40),  # received (capped at units)
    st.sampled_from([202501, 202502, 202503, 202504]),
    st.sampled_from(["released", "released", "draft", "cancelled"]),
    st.sampled_from(["9.99", "24.00", "31.37"]),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(LINE, max_size=6))
def test_grid_page_and_api_give_the_same_otb_to_the_cent(
    orders: list[tuple[Any, ...]], rolled: Plan, planner: User, retailer: dict[str, Any], client: Client
) -> None:
    PurchaseOrderLine.objects.all().delete()
    PurchaseOrder.objects.all().delete()
    vendor, _ = Vendor.objects.get_or_create(code="V1", defaults={"name": "Vendor one"})
    for number, (sku, location, units, received, week, status, price) in enumerate(orders):
        order = PurchaseOrder.objects.create(
            number=f"PO-{number}", vendor=vendor, department=retailer["tops"], created_by=planner,
            status=PurchaseOrder.Status.DRAFT if status == "draft" else PurchaseOrder.Status.RELEASED,
        )  # fmt: skip
        got = min(received, units)
        PurchaseOrderLine.objects.create(
            order=order, sku=retailer[sku], location=retailer[location], units=units, received_units=got,
            unit_cost=Decimal("5.00"), unit_retail=Decimal(price), receipt_week_id=week, month_key=MONTH,
            status=CANCELLED if status == "cancelled" else PurchaseOrderLine.Status.OPEN,
        )  # fmt: skip
    open_to_buy.orders_changed(retailer["tops"].pk)
    client.force_login(planner)
    working = version_of(rolled, PlanVersion.Kind.WORKING)
    grid = _grid_month_otb(working)
    page = open_to_buy.otb_table([rolled.department_id], [MONTH])[rolled.department_id, MONTH]
    api = {
        row["month"]: Decimal(row["otb_retail"])
        for row in client.get(f"/api/v1/otb/plan-versions/{working.pk}/otb/").json()
    }
    assert grid[MONTH] == page.working_otb_retail == api[MONTH]
    # And the planned receipts less what the page says was bought, to the cent.
    assert page.working_receipts_retail - page.received_retail - page.on_order_retail == grid[MONTH]


def test_many_order_writes_refresh_the_plans_once(monkeypatch: pytest.MonkeyPatch) -> None:
    refreshed: list[int] = []
    monkeypatch.setattr(open_to_buy, "refresh_department", refreshed.append)
    with open_to_buy.refreshed_once():
        open_to_buy.orders_changed(7)
        open_to_buy.orders_changed([7, 3])
        with open_to_buy.refreshed_once():  # nested: the outer block refreshes
            open_to_buy.orders_changed(5)
        assert refreshed == []
    assert refreshed == [3, 5, 7]

    def failing_import() -> None:
        with open_to_buy.refreshed_once():
            open_to_buy.orders_changed(9)
            raise RuntimeError("row 3 is bad")

    with pytest.raises(RuntimeError):
        failing_import()
    assert refreshed == [3, 5, 7]  # an import that fails refreshes nothing (it rolled back)


def test_the_otb_pages_drill_lists_what_its_on_order_counts(
    rolled: Plan, orders: dict[str, Any], client: Client, planner: User
) -> None:
    client.force_login(planner)
    with time_machine.travel(IN_W04, tick=False):
        page = client.get(f"/otb/drill/?department={rolled.department_id}&month={MONTH}")
    assert page.status_code == 200
    rows = page.context["rows"]
    # The overdue line (due W02, expected W04) and the partly received one: 240 + 360 = 600, the
    # page's on order for the month; the received, cancelled and draft lines are not on order.
    assert [(row.line.pk, row.expected_week_id) for row in rows] == [
        (orders["overdue"].pk, 202504),
        (orders["partly"].pk, 202504),
    ]
    assert page.context["total"] == Decimal("600.00")
    table = open_to_buy.otb_table([rolled.department_id], [MONTH])
    assert table[rolled.department_id, MONTH].on_order_retail == page.context["total"]


def test_this_years_otb_ends_with_its_actuals(rolled: Plan, orders: dict[str, Any]) -> None:
    """TY holds actuals through W03: its month is those weeks' (receipts 606 + 96 + 300 = 1,002
    received, no OTB), not the open W04's stock identity on an empty week."""
    actuals = version_of(rolled, PlanVersion.Kind.ACTUAL)
    assert actuals.actuals_through_id == 202503
    [month] = open_to_buy.version_months(actuals)
    assert (month.receipts_retail, month.received_retail, month.otb_retail) == (
        Decimal("1002.00"), Decimal("1002.00"), Decimal("0.00")
    )  # fmt: skip


def test_a_month_of_closed_weeks_is_not_an_input(
    rolled: Plan, three_closed: dict[str, Any], retailer: dict[str, Any]
) -> None:
    sale(retailer["sku_s"], retailer["store"], 202504, 1, "24.00")  # W04's sales loaded
    with time_machine.travel(datetime(2025, 3, 3, 12, tzinfo=UTC), tick=False):  # in W05
        roll_plans()
        working = version_of(rolled, PlanVersion.Kind.WORKING)
        assert working.actuals_through_id == 202504  # the plan's last week: the whole month closed
        grid = plan_grid(working, is_editable=True)
    tees = next(b for b in grid.lines if b.line_id == line_of(working, three_closed["tees"]).pk)
    month = next(i for i, c in enumerate(grid.columns) if c.kind == "month")
    sales = next(row for row in tees.rows if row.measure == "sales")
    assert not sales.cells[month].is_editable
    assert "actual" in sales.cells[month].css.split()
