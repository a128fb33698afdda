"""Inventory health judges young stock by its weeks on sale: launched last week and unsold is new,
not obsolete; unsold for its 12 weeks on sale is no-move, not obsolete; slow-moving averages over
the weeks on sale. Numbers by hand in the fixture's docstring."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from forecasting import selectors as forecast_selectors
from replenishment import health
from replenishment.models import ReplenishmentRun
from tests.replenishment.test_health import LIMITS, _item, _policy, _sale, _stock

pytestmark = pytest.mark.django_db


# -- arithmetic --------------------------------------------------------------------------------


def test_unsold_young_stock_ages_by_its_weeks_on_sale() -> None:
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=1) is None  # launched last week
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=7) is None
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=8) == "no_move"  # 8 weeks, no sale
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=25) == "no_move"
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=26) == "obsolete"
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=None) == "obsolete"  # old, never sold
    assert health.age_bucket(5, 3, LIMITS, weeks_on_sale=5) is None  # sold 3 weeks back
    assert health.age_bucket(5, None, LIMITS, weeks_on_sale=1, is_discontinued=True) == "obsolete"


def test_slow_moving_averages_over_the_weeks_on_sale() -> None:
    # 60 on hand, 15 sold over its 5 weeks on sale: 3 a week, 20 weeks of supply (not 52).
    assert not health.is_slow_moving(60, 15, LIMITS, 5)
    assert health.is_slow_moving(60, 15, LIMITS)  # over 13 weeks: 60 / (15/13) = 52 weeks
    assert health.sales_weeks(5) == 5
    assert health.sales_weeks(None) == 13
    assert health.sales_weeks(40) == 13


def test_weeks_on_sale_from_launch_and_first_stock(retailer: dict[str, Any]) -> None:
    closed = forecast_selectors.latest_closed_week()
    window = forecast_selectors.weeks_up_to(closed, 26)
    w = {offset: window[-1 - offset] for offset in range(26)}
    # Launched on a day of W-2, first stocked at W-5: on sale since W-2, 3 weeks.
    assert health.weeks_on_sale(window, w[2].start_date + timedelta(days=3), w[5].id) == 3
    # Launched at W-20, first stocked here at W-1: new here, 2 weeks.
    assert health.weeks_on_sale(window, w[20].start_date, w[1].id) == 2
    assert health.weeks_on_sale(window, None, w[3].id) == 4
    assert health.weeks_on_sale(window, closed.end_date + timedelta(days=1), w[0].id) == 0
    assert health.weeks_on_sale(window, w[25].start_date, w[25].id) is None  # the whole window
    assert health.weeks_on_sale(window, None, None) is None


# -- a department ------------------------------------------------------------------------------


@pytest.fixture
def young_shop(retailer: dict[str, Any], planner: User, manager: User) -> dict[str, Any]:
    """Tops at S001 as of the last closed week W (w[k] = k weeks before W), a done run:
    WEEK1 (cost 5.00) launched on the first day of W: 40 on hand from W, no sale; order-up-to 50:
      on sale 1 week: no list (before: "obsolete, > 26 weeks since sale").
    FIVE (cost 2.00) launched at W-4: 60 on hand, 3 sold a week in its 5 weeks: 20 weeks of
      supply: not slow (before: 15 / 13 a week, 52 weeks: slow-moving).
    TWELVE (cost 4.00) launched at W-11: 30 on hand, never sold in its 12 weeks: no-move, 120.00
      (before: obsolete).
    HERE (cost 3.00) launched at W-30, but first stocked at S001 in W-1 (20), no sale there: new
      here, no list (before: obsolete).
    BIG (cost 1.00) launched at W-1: 500 on hand, order-up-to 50, 5 a week: excess 500 - (50 +
      8 x 5) = 410 units, 410.00, "New: launched 2 weeks ago"."""
    retailer["tops"].planners.add(planner, manager)
    closed = forecast_selectors.latest_closed_week()
    window = list(forecast_selectors.weeks_up_to(closed, 31))
    w = {offset: window[-1 - offset] for offset in range(31)}
    store = retailer["store"]
    run = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of_id=w[0].id)
    run.departments.add(retailer["tops"])
    skus = {}
    for code, cost, launched in (
        ("WEEK1", "5.00", w[0]),
        ("FIVE", "2.00", w[4]),
        ("TWELVE", "4.00", w[11]),
        ("HERE", "3.00", w[30]),
        ("BIG", "1.00", w[1]),
    ):
        sku = _item(retailer, code, cost)
        sku.style_color.launch_date = launched.start_date
        sku.style_color.save(update_fields=["launch_date"])
        skus[code] = sku
    _policy(run, skus["WEEK1"], store, "CZ", demand=1.0, order_up_to=50.0, on_hand=40)
    _stock(skus["WEEK1"], store, w[0].id, 40)
    _policy(run, skus["FIVE"], store, "CZ", demand=3.0, order_up_to=60.0, on_hand=60)
    _stock(skus["FIVE"], store, w[4].id, 75)
    _stock(skus["FIVE"], store, w[0].id, 60)
    for offset in range(5):
        _sale(skus["FIVE"], store, w[offset].id, 3)
    _policy(run, skus["TWELVE"], store, "CZ", demand=1.0, order_up_to=30.0, on_hand=30)
    _stock(skus["TWELVE"], store, w[11].id, 30)
    _policy(run, skus["HERE"], store, "CZ", demand=1.0, order_up_to=30.0, on_hand=20)
    _stock(skus["HERE"], store, w[1].id, 20)
    _policy(run, skus["BIG"], store, "AX", demand=5.0, order_up_to=50.0, on_hand=500)
    _stock(skus["BIG"], store, w[1].id, 500)
    return {"run": run, "tops": retailer["tops"]}


def test_young_stock_is_neither_obsolete_nor_slow(young_shop: dict[str, Any]) -> None:
    report = health.inventory_health(young_shop["tops"])

    assert report.obsolete == []
    assert report.slow_moving == []
    assert [
        (row.sku, row.weeks_since_sale, row.weeks_on_sale, row.value_at_risk) for row in report.no_move
    ] == [("TWELVE-M", None, 12, Decimal("120.00"))]
    assert [(row.sku, row.excess_units, row.value_at_risk, row.new_label) for row in report.excess] == [
        ("BIG-M", 410, Decimal("410.00"), "New: launched 2 weeks ago")
    ]
    # All four are CZ, but WEEK1 (1 week on sale), HERE (2 at its only location) and FIVE (5)
    # are on sale fewer than the 8 no-move weeks: too new to drop. TWELVE (12) is listed.
    assert [row.sku for row in report.rationalisation] == ["TWELVE-M"]


def test_the_health_page_says_new_and_since_launch(young_shop: dict[str, Any], planner: User) -> None:
    client = Client()
    client.force_login(planner)
    html = client.get(
        reverse("replenishment:inventory-health"), {"department": young_shop["tops"].pk}
    ).content.decode()
    assert "New: launched 2 weeks ago" in html
    assert "none in its 12 weeks on sale" in html
    obsolete = html.split('id="health-obsolete"')[1].split("</section>")[0]
    assert "None." in obsolete  # WEEK1, launched last week, is not "> 26 weeks since sale"


def test_the_health_api_gives_the_weeks_on_sale(young_shop: dict[str, Any], planner: User) -> None:
    client = Client()
    client.force_login(planner)
    body = client.get(reverse("api-otb-health"), {"department": young_shop["tops"].pk}).json()
    assert [(row["sku"], row["weeks_on_sale"], row["new_label"]) for row in body["excess"]] == [
        ("BIG-M", 2, "New: launched 2 weeks ago")
    ]
    assert [(row["sku"], row["weeks_since_sale"], row["weeks_on_sale"]) for row in body["no_move"]] == [
        ("TWELVE-M", None, 12)
    ]
