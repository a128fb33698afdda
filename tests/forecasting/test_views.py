"""Forecasting pages: runs and progress, the style-color forecast and its override row,
accuracy, exceptions and plan seeding, as planners, managers and executives see them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from forecasting.models import ForecastOverride, ForecastRun, SeriesFit, StyleColorForecast
from forecasting.wording import planner_wording
from planning.models import PlanCellChange, PlanVersion

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def forecast(demo: None, start_run: Callable[..., ForecastRun]) -> ForecastRun:
    planner = User.objects.get(username="planner")
    return start_run(user=planner, horizon=13)


def _planner_item(run: ForecastRun) -> StyleColorForecast:
    row = (
        StyleColorForecast.objects.filter(run=run, units__gt=0)
        .select_related("style_color", "fiscal_week")
        .order_by("style_color_id", "fiscal_week_id")
        .first()
    )
    assert row is not None
    return row


def test_runs_page_lists_runs_and_starts_one(demo: None, django_capture_on_commit_callbacks: object) -> None:
    client = _client("planner")
    page = client.get("/forecasting/")
    assert page.status_code == 200
    assert b"Start forecast" in page.content

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post("/forecasting/", {"horizon": "8"})

    run = ForecastRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/forecasting/runs/{run.pk}/"
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.DONE
    assert run.horizon == 8
    detail = client.get(response["Location"])
    assert b"Models chosen" in detail.content
    assert b"Finished: succeeded" in detail.content


def test_bad_run_form_shows_the_error_next_to_the_field(demo: None) -> None:
    response = _client("planner").post("/forecasting/", {"horizon": "99"})
    assert response.status_code == 400
    assert b"less than or equal to 52" in response.content
    assert not ForecastRun.objects.exists()


def test_executives_read_runs_but_cannot_start_one(forecast: ForecastRun) -> None:
    client = _client("executive")
    page = client.get("/forecasting/")
    assert page.status_code == 200
    assert b"Start forecast" not in page.content
    assert f"Run {forecast.pk}".encode() in page.content
    assert client.post("/forecasting/", {"horizon": "8"}).status_code == 403


def test_progress_partial_polls_until_the_run_finishes(forecast: ForecastRun) -> None:
    client = _client("planner")
    ForecastRun.objects.filter(pk=forecast.pk).update(status=ForecastRun.Status.RUNNING, progress_done=1)
    running = client.get(f"/forecasting/runs/{forecast.pk}/", headers={"HX-Request": "true"})
    assert running.status_code == 200
    assert b'hx-trigger="every 1s"' in running.content
    assert b"1 of" in running.content
    assert "HX-Refresh" not in running

    ForecastRun.objects.filter(pk=forecast.pk).update(status=ForecastRun.Status.DONE)
    finished = client.get(f"/forecasting/runs/{forecast.pk}/", headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"
    assert b"every 1s" not in finished.content


def test_item_page_shows_the_chart_the_choice_and_the_weeks(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    fit = SeriesFit.objects.get(run=forecast, style_color=row.style_color)

    page = _client("planner").get(f"/forecasting/items/{row.style_color_id}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert escape(planner_wording(fit.reason)) in html
    assert f'id="week-{row.fiscal_week_id}"' in html
    assert html.count('class="override-form"') == 13
    assert "By size" in html


def test_override_through_htmx_returns_the_row_with_the_final_number(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    url = f"/forecasting/items/{row.style_color_id}/overrides/{row.fiscal_week_id}/"
    data = {"run": forecast.pk, "row_version": 0, "units": "321.5", "reason": "promotion", "note": "TV spot"}

    response = _client("planner").post(url, data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Trigger"] == "forecastOverridden"
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="week-{row.fiscal_week_id}" class="overridden"')
    assert f'data-testid="final-{row.fiscal_week_id}">321.50<' in html
    override = ForecastOverride.objects.get()
    assert override.units == Decimal("321.50")
    # The statistical forecast stays as it was, beside the override.
    assert StyleColorForecast.objects.get(pk=row.pk).units == row.units


def test_override_conflict_and_bad_input_answer_in_the_row(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    url = f"/forecasting/items/{row.style_color_id}/overrides/{row.fiscal_week_id}/"
    client = _client("planner")
    client.post(url, {"run": forecast.pk, "row_version": 0, "units": "10", "reason": "promotion"})

    stale = client.post(
        url,
        {"run": forecast.pk, "row_version": 0, "units": "12", "reason": "market"},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    assert b"Someone changed the override" in stale.content
    negative = client.post(
        url,
        {"run": forecast.pk, "row_version": 1, "units": "-4", "reason": "market"},
        headers={"HX-Request": "true"},
    )
    assert negative.status_code == 422
    assert b"greater than or equal to 0" in negative.content
    assert ForecastOverride.objects.get().units == Decimal("10.00")


def test_executives_cannot_override(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    url = f"/forecasting/items/{row.style_color_id}/overrides/{row.fiscal_week_id}/"
    response = _client("executive").post(url, {"run": forecast.pk, "units": "5", "reason": "promotion"})
    assert response.status_code == 403
    assert not ForecastOverride.objects.exists()
    page = _client("executive").get(f"/forecasting/items/{row.style_color_id}/")
    assert page.status_code == 200
    assert b"override-form" not in page.content


def test_accuracy_and_exception_pages_render_a_lookback(demo: None) -> None:
    from django.core.management import call_command

    call_command("forecast_backfill", weeks=3, horizon=4, stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    assert ForecastRun.objects.filter(status=ForecastRun.Status.DONE).count() == 4
    client = _client("manager")

    accuracy = client.get("/forecasting/accuracy/?weeks=3&lag=1")
    assert accuracy.status_code == 200
    html = accuracy.content.decode()
    assert 'data-testid="overall-wmape"' in html
    assert 'data-testid="by-department"' in html
    assert "<svg" in html
    exceptions = client.get("/forecasting/exceptions/?weeks=3&max_wmape=1")
    assert exceptions.status_code == 200
    assert b'data-testid="exceptions"' in exceptions.content
    bad = client.get("/forecasting/accuracy/?weeks=0")
    assert bad.status_code == 400
    assert b"greater than or equal to 1" in bad.content


def test_seed_page_previews_then_seeds_the_working_plan(forecast: ForecastRun) -> None:
    version = PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING).earliest("plan_id")  # the demo plan
    client = _client("planner")

    preview = client.get(f"/forecasting/plans/{version.pk}/seed/")
    assert preview.status_code == 200
    assert f"Run {forecast.pk}".encode() in preview.content
    assert b'data-testid="seed-preview"' in preview.content

    response = client.post(
        f"/forecasting/plans/{version.pk}/seed/", {"run": forecast.pk, "use_overrides": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/planning/plans/versions/{version.pk}/"
    assert PlanCellChange.objects.filter(line__version=version, source=PlanCellChange.Source.SEED).exists()
    grid = client.get(response["Location"])
    assert b"Seeded" in grid.content
    assert b'data-testid="seed"' in grid.content


def test_users_without_a_role_see_no_forecasts(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    User.objects.create_user(username="no.role", password="x")
    client = _client("no.role")
    assert client.get(f"/forecasting/items/{row.style_color_id}/").status_code == 404
    assert client.get(f"/forecasting/runs/{forecast.pk}/").status_code == 404
    assert f"Run {forecast.pk}".encode() not in client.get("/forecasting/").content


def test_an_override_of_thousands_is_shown_unformatted_so_it_can_be_saved_again(
    forecast: ForecastRun,
) -> None:
    row = _planner_item(forecast)
    url = f"/forecasting/items/{row.style_color_id}/overrides/{row.fiscal_week_id}/"
    client = _client("planner")
    client.post(url, {"run": forecast.pk, "row_version": 0, "units": "1200", "reason": "promotion"})

    page = client.get(f"/forecasting/items/{row.style_color_id}/").content.decode()

    assert 'value="1200.00"' in page
    again = client.post(
        url,
        {"run": forecast.pk, "row_version": 1, "units": "1200.00", "reason": "promotion", "note": "kept"},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 200
    assert ForecastOverride.objects.get().note == "kept"


def test_override_posts_need_the_csrf_token(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="planner"))
    url = f"/forecasting/items/{row.style_color_id}/overrides/{row.fiscal_week_id}/"
    response = client.post(url, {"run": forecast.pk, "row_version": 0, "units": "5", "reason": "promotion"})
    assert response.status_code == 403
    assert not ForecastOverride.objects.exists()


def test_item_names_with_dollars_and_markup_chart_safely(forecast: ForecastRun) -> None:
    row = _planner_item(forecast)
    style = row.style_color.style
    style.name = 'Polo $19.99 #1 $ <script>alert("x")</script>'
    style.save()

    page = _client("planner").get(f"/forecasting/items/{row.style_color_id}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html  # the heading, escaped


def test_sizes_split_each_week_in_cents_that_add_up(forecast: ForecastRun) -> None:
    from forecasting.item_views import _size_table

    row = _planner_item(forecast)
    rows = list(
        StyleColorForecast.objects.filter(run=forecast, style_color=row.style_color).order_by(
            "fiscal_week_id"
        )
    )
    table = _size_table(forecast, row.style_color, rows, {})
    assert table["rows"]
    for column, forecast_row in enumerate(rows[:13]):
        assert sum(size["cells"][column] for size in table["rows"]) == forecast_row.units
