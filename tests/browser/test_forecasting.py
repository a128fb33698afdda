"""A planner's forecasting flow in a real browser: open a run, read a style-color's forecast
and why its model was chosen, set an override beside it, then read the accuracy page."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from forecasting.models import ForecastOverride, ForecastRun, StyleColorForecast
from planning import calendar
from planning.demo.loader import demo_load
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def forecasts(db: None) -> ForecastRun:
    demo_load(size="small", seed=9, through=calendar.fiscal_week_of(timezone.localdate() - timedelta(days=7)))
    call_command("forecast_backfill", weeks=2, horizon=13, stdout=io.StringIO())
    return ForecastRun.objects.order_by("-as_of_week_id").first()  # type: ignore[return-value]


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Good day")


def test_planner_reads_a_forecast_and_overrides_a_week(
    live_server: Any, page: Any, forecasts: ForecastRun
) -> None:
    row = (
        StyleColorForecast.objects.filter(run=forecasts, units__gt=1)
        .select_related("style_color")
        .order_by("style_color__code", "fiscal_week_id")
        .first()
    )
    assert row is not None
    _login(page, live_server.url, "planner")
    page.click("text=Forecasts")
    page.click(f"text=Run {forecasts.pk}")
    page.wait_for_selector("text=Models chosen")
    assert page.locator('[data-testid="run-status"]').inner_text() == "Succeeded"
    screenshot(page, "forecast-run")

    page.click(f"text={row.style_color.code}")
    page.wait_for_selector('[data-testid="model-choice"]')
    assert page.locator(".chart svg").count() == 1
    week_row = page.locator(f"#week-{row.fiscal_week_id}")
    week_row.locator('input[name="units"]').fill("250")
    week_row.locator('select[name="reason"]').select_option("promotion")
    week_row.locator('input[name="note"]').fill("Window display")
    item_page = page.url
    # Saving answers with the row, then the chart and the size table fetch themselves again.
    with (
        page.expect_response(lambda response: response.url == item_page and response.request.method == "GET"),
        page.expect_response(lambda response: "/overrides/" in response.url),
    ):
        week_row.locator("button[type=submit]").click()
    final = page.locator(f'[data-testid="final-{row.fiscal_week_id}"]')
    final.wait_for()
    assert final.inner_text() == "250.00"
    page.wait_for_selector(f"#week-{row.fiscal_week_id}.overridden")  # htmx settles classes after the swap
    screenshot(page, "forecast-item")
    override = ForecastOverride.objects.get()
    assert (override.units, override.reason, override.note) == (250, "promotion", "Window display")

    # A missing reason is answered next to the cell, and nothing changes.
    other = page.locator("#forecast-weeks tbody tr").nth(3)
    other.locator('input[name="units"]').fill("99")
    with page.expect_response(lambda response: "/overrides/" in response.url):
        other.locator("button[type=submit]").click()
    page.wait_for_selector("text=Choose a reason for the override.")
    assert ForecastOverride.objects.count() == 1

    page.click("text=Accuracy")
    page.wait_for_selector('[data-testid="by-department"]')
    assert "%" in page.locator('[data-testid="overall-wmape"]').inner_text()
    screenshot(page, "forecast-accuracy")
