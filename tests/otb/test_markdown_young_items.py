"""Markdown candidates judge a young item by the weeks it has been on sale, not by the whole
look-back window: its rate is per week on sale, the sell-through bar is pro rata, an item on
sale for less than two weeks (or not launched yet) is not judged. Numbers by hand in each test."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from forecasting import selectors as forecast_selectors
from otb.markdowns import selectors, services
from otb.markdowns.services import ItemRequest
from tests.otb.conftest import _item, _sale, _stock

pytestmark = pytest.mark.django_db


def _weeks(closed: Any) -> dict[int, int]:
    window = [week.id for week in forecast_selectors.weeks_up_to(closed, 10)]
    return {offset: window[-1 - offset] for offset in range(10)}


@pytest.fixture
def young(shop: dict[str, Any]) -> dict[str, Any]:
    """Beside the shop (A 2160.00 and B 1000.00 at risk), as of the last closed week W:
    NEW (100.00) launched on the first day of W-1: on sale 2 weeks, 30 sold (15 a week), 90 on
      hand. Sell-through 30/120 = 25 %; over 2 of the 8 weeks the bar is 40 % x 2/8 = 10 %: not
      low. WOS 90 / 15 = 6. Not a candidate. (Over 8 weeks: 25 % < 40 % and 90 / (30/8) = 24
      weeks of supply: the top candidate at 9000.00.)
    SLOWNEW (100.00) launched the same day: 5 sold, 95 on hand: 5 % < 10 %, WOS 95 / 2.5 = 38.0.
    WEEK1 (100.00) launched on the first day of W: 0 sold, 50 on hand: one week on sale, not judged.
    LATER (100.00) launches next week: 40 on hand already (floor set): not on sale, not judged.
    NODATE (100.00) has no launch date; first in stock at S001 in W-1 (60), 4 sold in W: on sale
      2 weeks by its stock: 4/64 = 6.25 % < 10 %, WOS 60 / 2 = 30.0."""
    closed, store = shop["closed"], shop["store"]
    w = _weeks(closed)
    launched = closed.start_date - timedelta(days=7)
    new, new_sku = _item(shop, "ST-1-NEW", "100.00", "40.00", launch_date=launched)
    _sale(new_sku, store, w[1], 20)
    _sale(new_sku, store, w[0], 10)
    _stock(new_sku, store, w[1], 90)
    slow, slow_sku = _item(shop, "ST-1-SLO", "100.00", "40.00", launch_date=launched)
    _sale(slow_sku, store, w[0], 5)
    _stock(slow_sku, store, w[1], 95)
    _, week1_sku = _item(shop, "ST-1-WK1", "100.00", "40.00", launch_date=closed.start_date)
    _stock(week1_sku, store, w[0], 50)
    _, later_sku = _item(shop, "ST-1-LAT", "100.00", "40.00", launch_date=closed.end_date + timedelta(days=3))
    _stock(later_sku, store, w[0], 40)
    nodate, nodate_sku = _item(shop, "ST-1-NOD", "100.00", "40.00")
    _stock(nodate_sku, store, w[1], 60)
    _sale(nodate_sku, store, w[0], 4)
    return {**shop, "new": new, "slow": slow, "nodate": nodate}


def test_a_young_item_is_judged_over_its_weeks_on_sale(young: dict[str, Any]) -> None:
    rows = selectors.markdown_candidates(young["tops"].pk, as_of=young["closed"])

    assert [row.code for row in rows] == ["ST-1-SLO", "ST-1-NOD", "ST-1-BLK", "ST-1-BLU"]
    slow, nodate, a, b = rows
    assert (slow.weeks_on_sale, slow.weeks_of_supply, slow.value_retail) == (
        2,
        Decimal("38.0"),
        Decimal("9500.00"),
    )
    assert slow.reasons == [
        "Sell-through 5% over its 2 weeks on sale (below 10%: 40% over 8 weeks, pro rata): "
        "5 sold, 95 on hand.",
        "38.0 weeks of supply (above 16) at 2.5 units a week over its 2 weeks on sale.",
        "New: on sale 2 weeks (launched FY2026 W43).",
    ]
    assert (nodate.weeks_on_sale, nodate.weeks_of_supply) == (2, Decimal("30.0"))
    assert nodate.reasons[0] == (
        "Sell-through 6% over its 2 weeks on sale (below 10%: 40% over 8 weeks, pro rata): "
        "4 sold, 60 on hand."
    )
    assert (
        nodate.reasons[-1]
        == "New: on sale 2 weeks (since FY2026 W43, its first sale or stock: no launch date)."
    )
    # The old items keep the whole window.
    assert (a.weeks_on_sale, a.weeks_of_supply, b.weeks_on_sale) == (8, Decimal("72.0"), 8)
    assert a.reasons[0] == "Sell-through 10% over 8 weeks (below 40%): 10 sold, 90 on hand."


def test_a_young_item_projects_its_rate_per_week_on_sale(young: dict[str, Any], planner: User) -> None:
    # No forecast: 5 sold over its 2 weeks on sale = 2.5 a week x 13 season weeks = 32.5; 20 % off
    # x elasticity 2 = +40 % -> 45.5 -> 46 (not 5/8 x 13 x 1.4 = 11.4 -> 11).
    proposal = services.markdown_proposal_create(
        user=planner,
        department_id=young["tops"].pk,
        name="Slow launch",
        effective_week_id=young["open"][0].id,
        items=[ItemRequest(young["slow"].pk, Decimal("80.00"))],
    )
    assert proposal.items.get().projected_units == 46


def test_the_candidates_page_and_api_say_how_young(young: dict[str, Any], planner: User) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(planner)
    html = client.get(reverse("otb:markdown-candidates", args=[young["tops"].pk])).content.decode()
    assert "New: on sale 2 weeks (launched FY2026 W43)." in html
    for too_young in ("ST-1-NEW", "ST-1-WK1", "ST-1-LAT"):
        assert too_young not in html
    assert "one on sale under 2 weeks is not judged yet" in html
    api = reverse("api-otb-markdown-candidates")
    rows = client.get(api, {"department": young["tops"].pk}).json()
    assert [(row["code"], row["weeks_on_sale"]) for row in rows][:2] == [("ST-1-SLO", 2), ("ST-1-NOD", 2)]
