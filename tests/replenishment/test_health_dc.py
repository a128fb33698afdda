"""Inventory health at distribution centres: a DC records no sales of its own, so its stock is
judged by the sales of the selling locations it supplies (numbers in the fixture's docstring)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from forecasting import selectors as forecast_selectors
from planning.models import Location
from replenishment import health
from replenishment.models import ReplenishmentRun
from tests.conftest import PASSWORD
from tests.replenishment.test_health import _item, _policy, _sale, _stock

# -- who supplies whom, and the sales a DC is judged by -----------------------------------------


def test_supplying_dc_follows_supplied_by() -> None:
    rows = [(1, "dc", None), (2, "dc", None), (10, "store", 1), (11, "ecommerce", 1), (12, "store", 2)]
    assert health.supplying_dc(rows) == {10: 1, 11: 1, 12: 2}


def test_a_lone_dc_supplies_the_locations_that_name_none() -> None:
    # As the replenishment run gives a lone DC the demand of every selling location.
    assert health.supplying_dc([(1, "dc", None), (10, "store", None), (11, "store", 1)]) == {10: 1, 11: 1}
    # With two DCs a location that names none is nobody's.
    assert health.supplying_dc([(1, "dc", None), (2, "dc", None), (10, "store", None)]) == {}
    assert health.supplying_dc([(10, "store", None)]) == {}


def test_served_sales_take_the_latest_sale_and_add_the_units() -> None:
    sales = {
        (7, 10): (3, 4),  # SKU 7 at S10 (DC 1): last sale 3 weeks back, 4 units in 13 weeks
        (7, 11): (9, 6),  # at S11 (DC 1): 9 weeks back, 6 units
        (7, 12): (0, 50),  # at S12 (DC 2)
        (8, 1): (20, 2),  # SKU 8 sold at DC 1 itself (e.g. a staff sale)
        (8, 99): (0, 5),  # a location nobody supplies
    }
    served = health.served_sales(sales, {10: 1, 11: 1, 12: 2}, [1, 2])
    assert served == {(7, 1): (3, 10), (7, 2): (0, 50), (8, 1): (20, 2)}


# -- a department with stock at the DC -----------------------------------------------------------


@pytest.fixture
def dc_shop(retailer: dict[str, Any], planner: User) -> dict[str, Any]:
    """Tops as of the last closed week W (w[k] = k weeks before W). DC1 supplies S001 and WEB;
    DC2 supplies S003. DCs record no sales. Every policy is at a DC (as on the demo).
    SOLD (cost 10.00, AX) at DC1: 200 on hand, demand 13 a week, order-up-to 50. S001 sells 10 and
      WEB 3 a week for 13 weeks: 13 a week, last sale W, 200 / 13 = 15.4 weeks of supply: in no
      ageing list. Excess: 200 - (50 + 8 x 13) = 46 units = 460.00.
    STALE (cost 4.00, BY) at DC1: 30 on hand, demand 1, order-up-to 20; S001 sold 4 at W-10 and
      nobody since: no-move, 10 weeks since sale, 30 x 4.00 = 120.00 (20 + 8 = 28 < 30 would also
      be 2 excess units, but no-move takes precedence over excess: listed once).
    IDLE (cost 5.00, CZ) at DC1: 40 on hand, demand 0, order-up-to 10; none of S001 and WEB ever
      sold it: obsolete, 40 x 5.00 = 200.00 (40 - 10 = 30 would be excess, but obsolete comes
      first). S003 (DC2's) sold IDLE at W-1: that does not count for DC1.
    Before DCs were judged by the locations they supply, all three were obsolete (no own sales)."""
    retailer["tops"].planners.add(planner)
    closed = forecast_selectors.latest_closed_week()
    window = [week.id for week in forecast_selectors.weeks_up_to(closed, 40)]
    w = {offset: window[-1 - offset] for offset in range(40)}
    store, web, dc = retailer["store"], retailer["web"], retailer["dc"]
    dc2 = Location.objects.create(code="DC2", name="North DC", kind=Location.Kind.DC)
    far = Location.objects.create(
        code="S003", name="Far Street", kind=Location.Kind.STORE, channel=store.channel,
        region=store.region, grade="C", supplied_by=dc2,
    )  # fmt: skip
    run = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of_id=w[0])
    run.departments.add(retailer["tops"])
    sold, stale, idle = (
        _item(retailer, "SOLD", "10.00"),
        _item(retailer, "STALE", "4.00"),
        _item(retailer, "IDLE", "5.00"),
    )
    _policy(run, sold, dc, "AX", demand=13.0, order_up_to=50.0, on_hand=200)
    _policy(run, stale, dc, "BY", demand=1.0, order_up_to=20.0, on_hand=30)
    _policy(run, idle, dc, "CZ", demand=0.0, order_up_to=10.0, on_hand=40)
    _stock(sold, dc, w[20], 200)
    _stock(stale, dc, w[30], 30)
    _stock(idle, dc, w[35], 40)
    for offset in range(13):
        _sale(sold, store, w[offset], 10)
        _sale(sold, web, w[offset], 3)
    _sale(stale, store, w[10], 4)
    _sale(idle, far, w[1], 6)
    return {"tops": retailer["tops"], "dc": dc}


def test_dc_stock_whose_stores_sell_is_not_aged(dc_shop: dict[str, Any]) -> None:
    report = health.inventory_health(dc_shop["tops"])
    aged = [(row.sku, row.location) for row in report.obsolete + report.no_move + report.slow_moving]
    assert ("SOLD-M", "DC1") not in aged
    excess = {row.sku: (row.location, row.excess_units, row.value_at_risk) for row in report.excess}
    assert excess["SOLD-M"] == ("DC1", 46, Decimal("460.00"))


def test_dc_stock_nobody_sold_is_no_move_or_obsolete(dc_shop: dict[str, Any]) -> None:
    report = health.inventory_health(dc_shop["tops"])
    assert [(r.sku, r.location, r.on_hand, r.weeks_since_sale, r.value_at_risk) for r in report.no_move] == [
        ("STALE-M", "DC1", 30, 10, Decimal("120.00"))
    ]
    assert [(r.sku, r.location, r.on_hand, r.weeks_since_sale, r.value_at_risk) for r in report.obsolete] == [
        ("IDLE-M", "DC1", 40, None, Decimal("200.00"))
    ]
    assert report.slow_moving == []
    # Obsolete and no-move take precedence: IDLE and STALE are not excess as well.
    assert [(r.sku, r.excess_units, r.value_at_risk) for r in report.excess] == [
        ("SOLD-M", 46, Decimal("460.00")),
    ]


def test_stock_that_has_demand_but_no_sale_for_half_a_year_is_obsolete_only(
    dc_shop: dict[str, Any], retailer: dict[str, Any]
) -> None:
    """As ST000257-BRD-L at DC2 on the demo: the run gives it 3.9 a week, nothing sold in 26+
    weeks. DEAD (cost 2.00) at DC1: 60 on hand, order-up-to 20: 60 - ceil(20 + 8 x 3.9 = 51.2)
    = 8 excess units, but no sale ever by S001 or WEB: obsolete, 60 x 2.00 = 120.00, not excess.
    Totals: obsolete IDLE 200.00 + DEAD 120.00 = 320.00; no-move STALE 120.00; excess SOLD
    460.00; the four values add up to 900.00 with each SKU-location counted once."""
    run = ReplenishmentRun.objects.get()
    dead = _item(retailer, "DEAD", "2.00")
    _policy(run, dead, dc_shop["dc"], "BY", demand=3.9, order_up_to=20.0, on_hand=60)
    closed = forecast_selectors.latest_closed_week()
    _stock(dead, dc_shop["dc"], forecast_selectors.weeks_up_to(closed, 30)[0].id, 60)
    assert health.excess_units(60, 20.0, 3.9, 8) == 8

    report = health.inventory_health(dc_shop["tops"])

    assert [(r.sku, r.value_at_risk) for r in report.obsolete] == [
        ("IDLE-M", Decimal("200.00")),
        ("DEAD-M", Decimal("120.00")),
    ]
    assert [r.sku for r in report.excess] == ["SOLD-M"]
    lists = [report.obsolete, report.no_move, report.excess, report.slow_moving]
    keys = [(row.sku, row.location) for rows in lists for row in rows]
    assert len(keys) == len(set(keys)) == 4
    totals = [report.total(name) for name in ("obsolete", "no_move", "excess", "slow_moving")]
    assert totals == [Decimal("320.00"), Decimal("120.00"), Decimal("460.00"), Decimal("0.00")]


def test_dc_rows_show_the_sales_they_are_judged_by(dc_shop: dict[str, Any]) -> None:
    report = health.inventory_health(dc_shop["tops"])
    sold = next(row for row in report.excess if row.sku == "SOLD-M")
    # 13 a week at S001 and WEB; 200 / 13 = 15.38 weeks; DC1 supplies S001 and WEB.
    assert (sold.weeks_since_sale, sold.weekly_sales, sold.weeks_of_supply, sold.served_locations) == (
        0,
        13.0,
        15.4,
        2,
    )


def test_dc_rows_on_the_page_and_the_api(client: Client, dc_shop: dict[str, Any], planner: User) -> None:
    client.login(username=planner.username, password=PASSWORD)
    response = client.get(reverse("replenishment:inventory-health"), {"department": dc_shop["tops"].pk})
    text = response.content.decode()
    assert 'data-testid="total-obsolete">200.00' in text
    assert "(supplies 2)" in text
    assert 'data-testid="replenishment-tabs"' in text  # the replenishment pages' tabs
    body = client.get("/api/v1/otb/health/", {"department": dc_shop["tops"].pk}).json()
    assert [(row["sku"], row["served_locations"]) for row in body["obsolete"]] == [("IDLE-M", 2)]
