"""Inventory health: the threshold arithmetic by hand, then one department with a done run,
stock and sales where each SKU lands in one list (numbers in the fixture's docstring)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from forecasting import selectors as forecast_selectors
from otb.models import PurchaseOrder, PurchaseOrderLine, Vendor
from planning.models import Location, SalesHistory, Sku, StockPosition, StyleColor
from replenishment import health
from replenishment.models import ItemPolicy, ReplenishmentRun, VendorItem
from tests.conftest import PASSWORD

LIMITS = health.Thresholds(excess_weeks=8, no_move_weeks=8, slow_moving_wos=26, obsolete_weeks=26)


# -- arithmetic --------------------------------------------------------------------------------


def test_excess_units_above_order_up_to_plus_weeks_of_demand() -> None:
    assert health.excess_units(300, 100.0, 10.0, 8) == 120  # 300 - (100 + 8 x 10)
    assert health.excess_units(180, 100.0, 10.0, 8) == 0  # exactly at the ceiling
    assert health.excess_units(200, 100.5, 10.0, 8) == 19  # ceiling 180.5: whole units above it
    assert health.excess_units(50, 100.0, 0.0, 8) == 0


def test_weeks_of_supply_and_slow_moving() -> None:
    assert health.weeks_of_supply(130, 3.0) == pytest.approx(43.333, abs=1e-3)
    assert health.weeks_of_supply(10, 0.0) is None
    assert health.is_slow_moving(130, 39, LIMITS)  # 39 / 13 = 3 a week: 43.3 weeks > 26
    assert not health.is_slow_moving(78, 39, LIMITS)  # 26.0 weeks: not above
    assert not health.is_slow_moving(0, 39, LIMITS)
    assert not health.is_slow_moving(10, 0, LIMITS)  # nothing sold: ageing, not slow-moving


def test_age_bucket_thresholds() -> None:
    assert health.age_bucket(5, 7, LIMITS) is None
    assert health.age_bucket(5, 8, LIMITS) == "no_move"  # last sale 8 weeks back: none in the last 8
    assert health.age_bucket(5, 25, LIMITS) == "no_move"
    assert health.age_bucket(5, 26, LIMITS) == "obsolete"
    assert health.age_bucket(5, None, LIMITS) == "obsolete"
    assert health.age_bucket(5, 0, LIMITS, is_discontinued=True) == "obsolete"
    assert health.age_bucket(0, None, LIMITS) is None


def test_at_cost_rounds_to_cents() -> None:
    assert health.at_cost(120, Decimal("10.00")) == Decimal("1200.00")
    # 1.005 is a tie: half up (core.money, as the report and the grid round), was half to even 1.00
    assert health.at_cost(3, Decimal("0.335")) == Decimal("1.01")
    assert health.at_cost(3, Decimal("0.334")) == Decimal("1.00")


# -- a department ------------------------------------------------------------------------------


def _item(retailer: dict[str, Any], code: str, cost: str) -> Sku:
    color = StyleColor.objects.create(
        style=retailer["style_color"].style,
        code=code,
        color_code=code[-3:],
        color_name=code,
        retail_price=Decimal("20.00"),
        unit_cost=Decimal(cost),
    )
    return Sku.objects.create(style_color=color, code=f"{code}-M", size="M")


def _policy(run: ReplenishmentRun, sku: Sku, location: Any, segment: str, **numbers: Any) -> None:
    values = {"demand": 1.0, "order_up_to": 10.0, "on_hand": 0, "on_order": 0, **numbers}
    ItemPolicy.objects.create(
        run=run, sku=sku, location=location, segment=segment, demand_sd=1.0, lead_time=2.0,
        lead_time_sd=0.0, service_level=0.95, safety_stock=1.0, reorder_point=5.0, **values,
    )  # fmt: skip


def _sale(sku: Sku, location: Any, week_id: int, units: int) -> None:
    SalesHistory.objects.create(
        sku=sku,
        location=location,
        fiscal_week_id=week_id,
        units=units,
        retail_value=Decimal(units * 10),
        cost_value=Decimal(units * 4),
    )


def _stock(sku: Sku, location: Any, week_id: int, on_hand: int) -> None:
    StockPosition.objects.create(sku=sku, location=location, fiscal_week_id=week_id, on_hand=on_hand)


@pytest.fixture
def health_shop(retailer: dict[str, Any], planner: User, manager: User) -> dict[str, Any]:
    """Tops, as of the last closed week W (w[k] = k weeks before W), at store S001:
    EXC (cost 10.00): 300 on hand (500 before W-5), 13 sold a week for 13 weeks (WOS 23.1),
      order-up-to 100, demand 10: excess 300 - 180 = 120 units = 1200.00. Released order: 50
      units at S001 arriving W+2 with 10 received (40 arriving), 100 more arriving W+6 (too late).
    NOMOVE (cost 5.00): 40 on hand, last sale (5) at W-10: no-move, 200.00. S002 (a store) has 3
      on hand + 2 on order at 5 a week: 1.0 week of supply, so "transfer to S002".
    SLOW (cost 2.50, CZ): 130 on hand, 3 a week for 13 weeks: 43.3 WOS, slow-moving, 325.00.
    OBS (cost 4.00, CZ, vendor V1): 25 on hand, last sale (2) at W-30: obsolete, 100.00 (not
      excess: order-up-to 30 + 8 x 0.5 = 34 > 25).
    52-week revenue: EXC 169 x 10 + NOMOVE 5 x 10 + S002 5 x 10 + SLOW 39 x 10 + OBS 2 x 10 = 2200:
    SLOW 390 / 2200 = 17.73 %, OBS 20 / 2200 = 0.91 %; margin (10 - 4) / 10 = 60 %."""
    retailer["tops"].planners.add(planner, manager)
    closed = forecast_selectors.latest_closed_week()
    window = [week.id for week in forecast_selectors.weeks_up_to(closed, 40)]
    w = {offset: window[-1 - offset] for offset in range(40)}
    after = [week.id for week in forecast_selectors.weeks_after(closed, 6)]
    store = retailer["store"]
    other = Location.objects.create(
        code="S002",
        name="High Street",
        kind=Location.Kind.STORE,
        channel=store.channel,
        region=store.region,
        grade="B",
        supplied_by=retailer["dc"],
    )
    run = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of_id=w[0])
    run.departments.add(retailer["tops"])
    newer = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.FAILED, as_of_id=w[0])
    newer.departments.add(retailer["tops"])
    exc, nomove, slow, obs = (
        _item(retailer, "EXC", "10.00"),
        _item(retailer, "NOMOVE", "5.00"),
        _item(retailer, "SLOW", "2.50"),
        _item(retailer, "OBS", "4.00"),
    )
    _policy(run, exc, store, "AX", demand=10.0, order_up_to=100.0, on_hand=300)
    _policy(run, nomove, store, "BY", demand=1.0, order_up_to=50.0, on_hand=40)
    _policy(run, nomove, other, "BY", demand=5.0, order_up_to=20.0, on_hand=3, on_order=2)
    _policy(run, slow, store, "CZ", demand=3.0, order_up_to=200.0, on_hand=130)
    _policy(run, obs, store, "CZ", demand=0.5, order_up_to=30.0, on_hand=25)
    _stock(exc, store, w[20], 500)
    _stock(exc, store, w[5], 300)
    _stock(nomove, store, w[30], 40)
    _stock(nomove, other, w[3], 3)
    _stock(slow, store, w[15], 130)
    _stock(obs, store, w[35], 25)
    for offset in range(13):
        _sale(exc, store, w[offset], 13)
        _sale(slow, store, w[offset], 3)
    _sale(nomove, store, w[10], 5)
    _sale(nomove, other, w[0], 5)
    _sale(obs, store, w[30], 2)
    vendor = Vendor.objects.create(code="V1", name="Vendor one")
    VendorItem.objects.create(vendor=vendor, style_color=obs.style_color, lead_time_weeks=Decimal("3"))
    order = PurchaseOrder.objects.create(
        number="PO-1", vendor=vendor, department=retailer["tops"], status=PurchaseOrder.Status.RELEASED,
        created_by=manager,
    )  # fmt: skip
    for week, units, received, status in ((after[1], 50, 10, "partly"), (after[5], 100, 0, "open")):
        PurchaseOrderLine.objects.create(
            order=order, sku=exc, location=store, units=units, unit_cost=Decimal("10.00"),
            unit_retail=Decimal("20.00"), receipt_week_id=week, month_key=202601, received_units=received,
            ordered_units=units, status=status,
        )  # fmt: skip
    return {"run": run, "tops": retailer["tops"], "department": retailer["tops"]}


def _rows(rows: list[health.HealthRow]) -> list[tuple[str, str, int, Decimal]]:
    return [(row.sku, row.location, row.on_hand, row.value_at_risk) for row in rows]


def test_inventory_health_lists(health_shop: dict[str, Any]) -> None:
    report = health.inventory_health(health_shop["tops"])
    assert report.run == health_shop["run"]
    assert [(r.sku, r.location, r.excess_units, r.value_at_risk) for r in report.excess] == [
        ("EXC-M", "S001", 120, Decimal("1200.00"))
    ]
    assert _rows(report.no_move) == [("NOMOVE-M", "S001", 40, Decimal("200.00"))]
    assert report.no_move[0].weeks_since_sale == 10
    assert _rows(report.slow_moving) == [("SLOW-M", "S001", 130, Decimal("325.00"))]
    assert report.slow_moving[0].weeks_of_supply == 43.3
    assert _rows(report.obsolete) == [("OBS-M", "S001", 25, Decimal("100.00"))]
    assert report.obsolete[0].weeks_since_sale is None
    assert report.total("excess") == Decimal("1200.00")


def test_inventory_health_actions(health_shop: dict[str, Any]) -> None:
    report = health.inventory_health(health_shop["tops"])
    markdown_url = reverse("otb:markdown-candidates", args=[health_shop["tops"].pk])
    no_move = [(a.kind, a.label, a.url) for a in report.no_move[0].actions]
    assert no_move == [("markdown", "Mark down", markdown_url), ("transfer", "Transfer to S002 (1 wk)", "")]
    obsolete = [(a.kind, a.label, a.url) for a in report.obsolete[0].actions]
    # OBS was never received from V1 (PO-1 only holds EXC): the return is only a suggestion.
    assert obsolete == [
        ("markdown", "Mark down", markdown_url),
        ("return", "Suggestion: return to vendor V1 (no receipt on file)", ""),
        ("liquidate", "Liquidate", ""),
    ]


def test_return_to_vendor_links_the_order_the_stock_was_received_on(health_shop: dict[str, Any]) -> None:
    # EXC is V1's too and PO-1 (V1) received 10 of it: the excess row's return opens PO-1.
    exc = Sku.objects.get(code="EXC-M")
    VendorItem.objects.create(
        vendor=Vendor.objects.get(code="V1"), style_color=exc.style_color, lead_time_weeks=Decimal("3")
    )
    order = PurchaseOrder.objects.get(number="PO-1")

    report = health.inventory_health(health_shop["tops"])

    returns = [(a.label, a.url) for a in report.excess[0].actions if a.kind == "return"]
    assert returns == [("Return to vendor V1 (received on PO-1)", reverse("otb:order", args=[order.pk]))]


def test_rationalisation_candidates(health_shop: dict[str, Any]) -> None:
    report = health.inventory_health(health_shop["tops"])
    assert [
        (r.sku, r.revenue, r.revenue_share_percent, r.margin_percent) for r in report.rationalisation
    ] == [
        ("OBS-M", Decimal("20.00"), 0.91, 60.0),
        ("SLOW-M", Decimal("390.00"), 17.73, 60.0),
    ]


def test_available_to_sell(health_shop: dict[str, Any]) -> None:
    report = health.inventory_health(health_shop["tops"])
    rows = {(r.sku, r.channel): (r.on_hand, r.arriving, r.committed, r.available) for r in report.available}
    assert rows[("EXC-M", "Stores")] == (300, 40, 0, 340)
    assert rows[("NOMOVE-M", "Stores")] == (43, 0, 0, 43)


def test_no_done_run_means_empty_lists(retailer: dict[str, Any]) -> None:
    report = health.inventory_health(retailer["tops"])
    assert report.run is None
    assert report.excess == report.no_move == report.slow_moving == report.obsolete == []


def test_health_page(
    client: Client, health_shop: dict[str, Any], planner: User, django_assert_max_num_queries: Any
) -> None:
    client.login(username=planner.username, password=PASSWORD)
    with django_assert_max_num_queries(25):
        response = client.get(
            reverse("replenishment:inventory-health"), {"department": health_shop["tops"].pk}
        )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Transfer to S002 (1 wk)" in text
    assert 'data-testid="total-excess">1,200.00' in text
    assert "Committed: units of planned transfers" in text


def test_health_page_opens_on_the_department_of_the_latest_run(
    client: Client, health_shop: dict[str, Any], planner: User
) -> None:
    # Dresses (W-DRS) sorts before Tops (W-TOP) but has no run: the page opens on Tops.
    client.login(username=planner.username, password=PASSWORD)
    response = client.get(reverse("replenishment:inventory-health"))
    text = response.content.decode()
    assert re.search(rf'value="{health_shop["tops"].pk}"\s+selected', text)
    assert 'data-testid="total-excess">1,200.00' in text
    assert 'data-testid="total-obsolete">100.00' in text


def test_health_page_answers_400_for_an_unknown_department(
    client: Client, health_shop: dict[str, Any], planner: User
) -> None:
    client.login(username=planner.username, password=PASSWORD)
    response = client.get(reverse("replenishment:inventory-health"), {"department": 99999})
    assert response.status_code == 400
    assert "There is no department &#x27;99999&#x27;: choose one from the list" in response.content.decode()
    assert client.get(reverse("replenishment:inventory-health"), {"department": "x"}).status_code == 400


def test_available_to_sell_hides_zero_rows_and_pages(
    client: Client, health_shop: dict[str, Any], planner: User, retailer: dict[str, Any], monkeypatch: Any
) -> None:
    """Rows: EXC-M, NOMOVE-M, OBS-M, SLOW-M (stock) + ZERO-M (a stock row of 0 at S001, nothing
    arriving): ZERO-M is hidden unless asked for. Two a page: 4 rows = 2 pages, 5 = 3 pages."""
    closed = forecast_selectors.latest_closed_week()
    _stock(_item(retailer, "ZERO", "1.00"), retailer["store"], closed.id, 0)
    monkeypatch.setattr("replenishment.health_views.AVAILABLE_PER_PAGE", 2)
    client.login(username=planner.username, password=PASSWORD)
    url = reverse("replenishment:inventory-health")
    department = health_shop["tops"].pk

    def skus(text: str) -> list[str]:
        section = text[text.index('id="health-available"') :]
        return [
            code
            for code in ("EXC-M", "NOMOVE-M", "OBS-M", "SLOW-M", "ZERO-M")
            if f"<td>{code}</td>" in section
        ]

    first = client.get(url, {"department": department}).content.decode()
    assert skus(first) == ["EXC-M", "NOMOVE-M"]
    assert "4 rows." in first
    assert "1 row with nothing on hand, arriving or committed hidden:" in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"department": department, "page": 2}).content.decode()
    assert skus(second) == ["OBS-M", "SLOW-M"]
    shown = client.get(url, {"department": department, "zeros": 1, "page": 3}).content.decode()
    assert skus(shown) == ["ZERO-M"]
    assert "5 rows." in shown
    assert "Hide the 1 row with nothing" in shown
    assert "Page 3 of 3" in shown


def test_vendor_reliability_page(client: Client, health_shop: dict[str, Any], planner: User) -> None:
    client.login(username=planner.username, password=PASSWORD)
    response = client.get(reverse("replenishment:vendor-reliability"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "V1 Vendor one" in text
    assert "3.00" in text  # the quoted lead time
    assert "quoted" in text


def test_api_health_and_vendors(client: Client, health_shop: dict[str, Any], planner: User) -> None:
    client.login(username=planner.username, password=PASSWORD)
    body = client.get("/api/v1/otb/health/", {"department": health_shop["tops"].pk}).json()
    assert [(row["sku"], row["excess_units"], row["value_at_risk"]) for row in body["excess"]] == [
        ("EXC-M", 120, "1200.00")
    ]
    assert [row["sku"] for row in body["obsolete"]] == ["OBS-M"]
    assert [row["kind"] for row in body["obsolete"][0]["actions"]] == ["markdown", "return", "liquidate"]
    assert [row["sku"] for row in body["rationalisation"]] == ["OBS-M", "SLOW-M"]
    assert client.get("/api/v1/otb/health/", {"department": 999999}).status_code == 400
    assert client.get("/api/v1/otb/health/").status_code == 400
    vendors = client.get("/api/v1/otb/vendor-reliability/").json()
    assert vendors == [
        {
            "vendor": "V1",
            "receipts": 0,
            "lead_time_mean": None,
            "lead_time_sd": None,
            "on_time_percent": None,
            "fill_rate_percent": None,
            "quoted_lead_time": "3.00",
            "is_measured": False,
        }
    ]
