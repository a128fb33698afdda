"""A run does not suggest a minimum order far above the need: beside `supplied` (Tees, 200 a
week, MOQ 24), a slow style-color sells 1 a week from a vendor whose MOQ is 48 in 12s. Its
order-up-to level is 3 weeks of demand + safety stock, a few units; 48 is more than 4 times it:
no suggestion, the policy keeps the skipped order (48 units in the first week) and why, and the
worksheet lists it apart from the suggestions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from forecasting.models import ForecastRun, SeriesFit, StyleColorForecast
from otb.models import Vendor
from planning.models import Sku, StyleColor
from replenishment import runs
from replenishment.engine.policy import PolicyInputs, policies
from replenishment.models import ItemPolicy, ReplenishmentRun, Suggestion, VendorItem
from tests.replenishment.test_runs import supplied  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def slow(supplied: dict[str, Any], retailer: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    color = StyleColor.objects.create(
        style=retailer["style_color"].style, code="ST-1-SLO", color_code="SLO", color_name="Slow",
        retail_price=Decimal("30.00"), unit_cost=Decimal("12.00"),
    )  # fmt: skip
    Sku.objects.create(style_color=color, code="ST-1-SLO-M", size="M")
    vendor = Vendor.objects.create(code="V2", name="Big Lots Mill")
    VendorItem.objects.create(
        vendor=vendor, style_color=color, lead_time_weeks=Decimal("2"), moq=48, order_multiple=12
    )
    forecast = ForecastRun.objects.get()
    StyleColorForecast.objects.bulk_create(
        StyleColorForecast(run=forecast, style_color=color, fiscal_week=week, units=1, lower=0, upper=2)
        for week in supplied["weeks"]
    )
    SeriesFit.objects.create(run=forecast, style_color=color, model="ets", pattern="smooth", error_sd=0.5)
    return supplied


def test_a_moq_far_above_the_order_up_to_level_is_skipped_with_its_reason(
    slow: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[slow["department"].pk])
    run.refresh_from_db()
    assert run.status == ReplenishmentRun.Status.DONE, run.message

    policy = ItemPolicy.objects.get(run=run, sku__code="ST-1-SLO-M")
    # 1 a week, sd 0.5, 2 weeks lead + 1 review, 99% (CZ): order-up-to = 3 + safety stock.
    expected = policies(
        PolicyInputs(
            demand=1.0, demand_sd=0.5, lead_time=2.0, lead_time_sd=0.0, service_level=0.99,
            unmet_demand="backordered",
        )
    )  # fmt: skip
    assert policy.order_up_to == pytest.approx(float(expected.order_up_to))
    # Safety stock 1.63 (z for a 99% fill over a cycle of 1 unit): order-up-to 4.63, and
    # 48 > 4 x 4.63 = 18.5.
    assert policy.order_up_to == pytest.approx(4.63, abs=0.01)
    assert not Suggestion.objects.filter(run=run, policy=policy).exists()
    # Position 0 < ROP in the first week: it would have ordered up to the MOQ, 48.
    assert (policy.skipped_units, policy.skipped_week_id) == (48, slow["weeks"][0].pk)
    # 48 / 4.63 = 10.4: "10 times"; the level shown in whole units, 5.
    assert policy.skip_reason == (
        "Not suggested: the smallest order, 48 (MOQ 48), is 10 times the order-up-to level of 5 "
        "(more than 4 times). Order by hand if it must be bought."
    )
    # The Tees keep their suggestions: 24 in 12s is well within 4 times their order-up-to.
    tees = ItemPolicy.objects.get(run=run, sku__code="ST-1-BLK-S")
    assert tees.skipped_units == 0
    assert Suggestion.objects.filter(run=run, policy=tees).exists()


def test_the_worksheet_lists_skipped_lines_apart(
    slow: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[slow["department"].pk])
    policy = ItemPolicy.objects.get(run=run, sku__code="ST-1-SLO-M")
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("replenishment:worksheet")).content.decode()
    skipped = page.split('data-testid="skipped-lines"')[1].split("</section>")[0]
    assert "Skipped: minimum order far above the need (1)" in skipped
    assert "ST-1-SLO-M" in skipped
    assert "V2" in skipped
    assert f"{slow['weeks'][0]}" in skipped
    assert policy.skip_reason in skipped
    # Not a suggestion: no tick box or units input for it.
    listed = page.split('data-testid="skipped-lines"')[0]
    assert "ST-1-SLO-M" not in listed
    # Filtered to another vendor, the list is gone.
    tees_vendor = Vendor.objects.get(code="V1")
    other = client.get(reverse("replenishment:worksheet"), {"vendor": tees_vendor.pk}).content.decode()
    assert 'data-testid="skipped-lines"' not in other


def test_the_api_lists_skipped_lines(
    slow: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        runs.start_run(user=manager, department_ids=[slow["department"].pk])
    client = Client()
    client.force_login(manager)
    body = client.get(reverse("api-replenishment-skipped"), {"department": "w-top"}).json()
    assert body["count"] == 1
    line = body["lines"][0]
    assert (line["sku"], line["location"], line["vendor"], line["units"]) == ("ST-1-SLO-M", "DC1", "V2", 48)
    assert line["order_week"] == str(slow["weeks"][0])
    assert line["reason"].startswith("Not suggested: the smallest order, 48 (MOQ 48), is 10 times")
    unknown = client.get(reverse("api-replenishment-skipped"), {"vendor": "NOPE"})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "vendor: no vendor NOPE."


def test_the_reason_names_the_multiple_when_it_raises_the_moq() -> None:
    # MOQ 40 in 12s: the smallest order is 48; 48 / 2 = 24 times.
    assert runs.skip_reason(40, 12, 2.0) == (
        "Not suggested: the smallest order, 48 (MOQ 40 in multiples of 12), is 24 times the "
        "order-up-to level of 2 (more than 4 times). Order by hand if it must be bought."
    )
    assert runs.skip_reason(48, 1, 0.4).endswith(
        "the order-up-to level of 0.4 (more than 4 times). Order by hand if it must be bought."
    )
