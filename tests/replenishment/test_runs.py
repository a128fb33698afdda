"""A replenishment run end to end: inputs from the database, policies, suggestions cut to the OTB
left, rows written; and a failing run writes nothing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from forecasting import selectors as forecast_selectors
from forecasting.models import ForecastRun, SeriesFit, StyleColorForecast
from otb import services
from otb.models import OTBBudget, OTBBudgetMonth, Vendor
from planning.models import StockPosition
from replenishment import runs
from replenishment.engine.policy import PolicyInputs, policies
from replenishment.models import ItemPolicy, ReplenishmentRun, SegmentPolicy, Suggestion, VendorItem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplied(retailer: dict[str, Any], manager: User) -> dict[str, Any]:
    """Tees (two sizes, no size curve: half each) sell 200 a week, forecast error sd 40; the
    vendor quotes 2 weeks, MOQ 24, multiples of 12; the DC holds 50 of each size."""
    color = retailer["sku_s"].style_color
    as_of = forecast_selectors.latest_closed_week()
    weeks = forecast_selectors.weeks_after(as_of, 26)
    vendor = Vendor.objects.create(code="V1", name="Mill & Co")
    VendorItem.objects.create(
        vendor=vendor, style_color=color, lead_time_weeks=Decimal("2"), moq=24, order_multiple=12
    )
    run = ForecastRun.objects.create(horizon=26, as_of_week=as_of, status=ForecastRun.Status.DONE)
    run.departments.add(retailer["tops"])
    StyleColorForecast.objects.bulk_create(
        StyleColorForecast(run=run, style_color=color, fiscal_week=week, units=200, lower=150, upper=250)
        for week in weeks
    )
    SeriesFit.objects.create(run=run, style_color=color, model="ets", pattern="smooth", error_sd=40.0)
    for sku in (retailer["sku_s"], retailer["sku_m"]):
        StockPosition.objects.create(sku=sku, location=retailer["dc"], fiscal_week=as_of, on_hand=50)
    # Unsold items are CZ: give that cell a 99% fill-rate target for a visible safety stock.
    SegmentPolicy.objects.filter(cell="CZ").update(service_level=Decimal("0.990"))
    budget = OTBBudget.objects.create(
        department=retailer["tops"],
        fiscal_year=weeks[0].year,
        status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )
    first_month = services.month_key(weeks[2])
    OTBBudgetMonth.objects.create(
        budget=budget,
        month_key=first_month,
        receipts_retail=Decimal("10000.00"),
        receipts_cost=Decimal("4000.00"),
    )
    return {"weeks": weeks, "month": first_month, "department": retailer["tops"]}


def test_a_run_writes_policies_and_suggestions_within_otb(
    supplied: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly in tests
        run = runs.start_run(user=manager, department_ids=[supplied["department"].pk])
    run.refresh_from_db()

    assert run.status == ReplenishmentRun.Status.DONE, run.message
    assert run.sku_locations == 2
    policy = ItemPolicy.objects.get(run=run, sku__code="ST-1-BLK-S")
    # 100 a week each, error sd 20; over the protection interval (2 weeks lead time + 1 week
    # review) sigma = sqrt(3 x 20^2) = 34.64. A DC backorders: a 99% fill over a one-week cycle
    # of 100 needs G(z) = 0.01 x 100 / 34.64 = 0.0289, z = 1.507, SS = 52.2.
    assert policy.demand == pytest.approx(100.0)
    assert policy.demand_sd == pytest.approx(20.0)
    assert (policy.lead_time, policy.lead_time_sd, policy.service_level) == (2.0, 0.0, 0.99)
    assert policy.segment == "CZ"
    expected = policies(
        PolicyInputs(
            demand=100.0, demand_sd=20.0, lead_time=2.0, lead_time_sd=0.0, service_level=0.99,
            unmet_demand="backordered",
        )
    )  # fmt: skip
    assert policy.safety_stock == pytest.approx(float(expected.safety_stock))
    assert policy.safety_stock == pytest.approx(52.2, abs=0.1)
    assert policy.reorder_point == pytest.approx(200 + policy.safety_stock)
    assert policy.order_up_to == pytest.approx(300 + policy.safety_stock)
    assert policy.on_hand == 50

    first = Suggestion.objects.filter(run=run, policy=policy).order_by("order_week__start_date").first()
    assert first is not None
    # Position 50 < ROP 252.2: order up to 352.2 -> 302.2, rounded up to 12s -> 312, landing in 2 weeks.
    assert (first.order_week_id, first.arrival_week_id) == (supplied["weeks"][0].pk, supplied["weeks"][2].pk)
    assert first.suggested_units == 312
    for suggestion in Suggestion.objects.filter(run=run):
        assert suggestion.units % 12 == 0
        assert suggestion.units == 0 or suggestion.units >= 24
        assert suggestion.units <= suggestion.suggested_units
    # The budgeted month spends at most its 10,000; months without a budget buy nothing.
    in_month = Suggestion.objects.filter(run=run, month_key=supplied["month"])
    assert sum(s.units * s.unit_retail for s in in_month) <= Decimal("10000.00")
    assert sum(s.units * s.unit_retail for s in in_month) > Decimal("9000.00")
    assert in_month.exclude(cut_reason="").exists()
    assert (
        not Suggestion.objects.filter(run=run).exclude(month_key=supplied["month"]).exclude(units=0).exists()
    )
    # The task delivered again (or run by hand) leaves the finished run as it is.
    count = Suggestion.objects.filter(run=run).count()
    assert runs.execute(run.pk).status == ReplenishmentRun.Status.DONE
    assert Suggestion.objects.filter(run=run).count() == count


def test_a_failing_run_is_marked_failed_and_writes_nothing(
    supplied: dict[str, Any],
    manager: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("lead_time must not be negative (row 0)")

    monkeypatch.setattr(runs, "suggest_orders", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[supplied["department"].pk])
    run.refresh_from_db()

    assert run.status == ReplenishmentRun.Status.FAILED
    assert "lead_time must not be negative" in run.message
    assert not ItemPolicy.objects.filter(run=run).exists()
    assert not Suggestion.objects.filter(run=run).exists()


def test_a_run_needs_departments_and_a_sane_horizon(manager: User) -> None:
    with pytest.raises(ValueError, match="at least one department"):
        runs.start_run(user=manager, department_ids=[])
    with pytest.raises(ValueError, match="4 to 52"):
        runs.start_run(user=manager, department_ids=[1], horizon=80)


def test_direct_to_store_items_are_planned_at_the_selling_locations_with_lost_sales(
    supplied: dict[str, Any], manager: User, retailer: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from planning.models import Location

    VendorItem.objects.update(direct_to_store=True)
    selling = list(Location.objects.filter(kind__in=[Location.Kind.STORE, Location.Kind.ECOMMERCE]))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[supplied["department"].pk])
    run.refresh_from_db()

    assert run.status == ReplenishmentRun.Status.DONE, run.message
    found = ItemPolicy.objects.filter(run=run)
    assert found.count() == 2 * len(selling)
    assert {policy.location_id for policy in found} == {location.pk for location in selling}
    # No sales yet: every selling location takes an equal share of each size's 100 a week.
    policy = found.filter(sku__code="ST-1-BLK-S").first()
    assert policy is not None
    assert policy.demand == pytest.approx(100.0 / len(selling))
    assert policy.on_hand == 0  # the DC's 50 are not the store's
    lost = policies(
        PolicyInputs(
            demand=policy.demand, demand_sd=policy.demand_sd, lead_time=2.0, lead_time_sd=0.0,
            service_level=0.99, unmet_demand="lost",
        )
    )  # fmt: skip
    assert policy.safety_stock == pytest.approx(float(lost.safety_stock))


def test_months_without_an_approved_budget_are_named_in_the_cut_reason(
    supplied: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[supplied["department"].pk])
    found = Suggestion.objects.filter(run=run)
    outside = found.exclude(month_key=supplied["month"])
    assert outside.exists()
    for suggestion in outside:
        month = services.month_label(suggestion.month_key)
        assert suggestion.units == 0
        assert suggestion.cut_reason == (
            f"{suggestion.suggested_units} units cut: no approved OTB budget for W-TOP {month}"
        )
    # The budgeted month was cut because its OTB ran short, not for want of a budget.
    reasons = set(
        found.filter(month_key=supplied["month"]).exclude(cut_reason="").values_list("cut_reason", flat=True)
    )
    assert reasons
    assert all(reason.endswith("units cut: OTB left too little") for reason in reasons)


def _sell(retailer: dict[str, Any], weekly: dict[str, int]) -> None:
    """The last 13 weeks' sales: `weekly` units a week per location code, of the small size."""
    from planning.models import Location, SalesHistory

    as_of = forecast_selectors.latest_closed_week()
    for code, units in weekly.items():
        location = Location.objects.get(code=code)
        SalesHistory.objects.bulk_create(
            SalesHistory(
                sku=retailer["sku_s"], location=location, fiscal_week=week, units=units,
                retail_value=Decimal(units * 24), cost_value=Decimal(units * 10),
            )
            for week in forecast_selectors.weeks_up_to(as_of, 13)
        )  # fmt: skip


def test_without_a_forecast_demand_is_the_recent_sales_rate(
    supplied: dict[str, Any], retailer: dict[str, Any]
) -> None:
    from replenishment.inputs import gather

    # No forecast. S sold 6 a week at S001 and 2 a week at WEB over the last 13 weeks, both
    # supplied by DC1 (the only DC): 8 a week at DC1. M sold nothing: no demand.
    StyleColorForecast.objects.all().delete()
    _sell(retailer, {"S001": 6, "WEB": 2})
    inputs = gather([supplied["department"].pk], forecast_selectors.latest_closed_week(), 26)
    by_sku = {int(sku): index for index, sku in enumerate(inputs.sku_ids)}
    small, medium = by_sku[retailer["sku_s"].pk], by_sku[retailer["sku_m"].pk]
    assert inputs.forecast[small].tolist() == [8.0] * 26
    assert inputs.demand_sd[small] == pytest.approx(8.0**0.5)  # Poisson: no measured error
    assert inputs.forecast[medium].tolist() == [0.0] * 26
    assert inputs.demand_source.tolist()[small] == "sales"
    assert inputs.demand_source.tolist()[medium] == "none"
    assert inputs.notes[-1] == (
        "Demand: 1 SKU-locations from the last 13 weeks' sales (no forecast), "
        "1 SKU-locations without forecast or recent sales (no demand)."
    )


def test_an_exited_item_gets_no_demand_and_no_order(
    supplied: dict[str, Any], retailer: dict[str, Any], manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    color = retailer["sku_s"].style_color
    color.exit_date = supplied["weeks"][0].start_date - timedelta(days=1)
    color.save(update_fields=["exit_date"])
    StyleColorForecast.objects.all().delete()
    _sell(retailer, {"S001": 6})  # clearance sales after the exit: still nothing bought
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(user=manager, department_ids=[supplied["department"].pk])
    run.refresh_from_db()
    assert run.message == "Demand: 2 SKU-locations exited or discontinued (no demand)."
    assert set(ItemPolicy.objects.filter(run=run).values_list("demand", flat=True)) == {0.0}
    assert not Suggestion.objects.filter(run=run).exists()


def test_weeks_past_the_forecast_runs_horizon_carry_its_mean(
    supplied: dict[str, Any], retailer: dict[str, Any]
) -> None:
    from datetime import timedelta

    from replenishment.inputs import gather

    # The forecast covers 13 of the 26 weeks: 100 a week in weeks 0-5, 300 in weeks 6-12 (mean
    # (6 x 100 + 7 x 300) / 13 = 207.69). The item exits in week 20: weeks 13-19 carry the mean,
    # weeks 20-25 nothing. Half each size, one DC: x 0.5.
    weeks = supplied["weeks"]
    StyleColorForecast.objects.filter(fiscal_week__in=weeks[13:]).delete()
    StyleColorForecast.objects.filter(fiscal_week__in=weeks[:6]).update(units=100, lower=100, upper=100)
    StyleColorForecast.objects.filter(fiscal_week__in=weeks[6:13]).update(units=300, lower=300, upper=300)
    color = retailer["sku_s"].style_color
    color.exit_date = weeks[20].start_date - timedelta(days=1)
    color.save(update_fields=["exit_date"])
    inputs = gather([supplied["department"].pk], forecast_selectors.latest_closed_week(), 26)
    row = inputs.forecast[list(inputs.sku_ids).index(retailer["sku_s"].pk)]
    mean = (6 * 100 + 7 * 300) / 13 * 0.5
    assert row[:6].tolist() == [50.0] * 6
    assert row[6:13].tolist() == [150.0] * 7
    assert row[13:20] == pytest.approx([mean] * 7)
    assert row[20:].tolist() == [0.0] * 6


# -- the Runs tab ---------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_bad_horizon_is_refused_beside_its_field(retailer: dict[str, Any], planner: User) -> None:
    retailer["tops"].planners.add(planner)
    response = _client(planner).post(
        reverse("replenishment:run-start"), {"departments": [retailer["tops"].pk], "horizon": 3}
    )
    assert response.status_code == 422
    body = re.sub(r"\s+", " ", response.content.decode())
    # The error sits in the Horizon field's box, after its help text, with the 3 typed kept.
    field = body[body.index('<label for="id_horizon">') :]
    field = field[: field.index("</div>")]
    assert 'value="3"' in field
    assert (
        '<p class="form-error" role="alert" data-testid="horizon-error">'
        "Ensure this value is greater than or equal to 4.</p>" in field
    )
    assert 'data-testid="departments-error"' not in body
    assert "Run not started" not in body  # no banner: the message is beside the field
    assert not ReplenishmentRun.objects.exists()


def test_the_runs_table_keeps_the_run_and_dates_on_one_line_and_opens_a_long_note(
    retailer: dict[str, Any], planner: User
) -> None:
    note = "Cut for OTB in " + ", ".join(f"month {month}" for month in range(1, 30)) + "."
    assert len(note) > 120
    run = ReplenishmentRun.objects.create(
        status=ReplenishmentRun.Status.DONE, as_of=forecast_selectors.latest_closed_week(), horizon=26,
        message=note,
    )  # fmt: skip
    body = _client(planner).get(reverse("replenishment:runs")).content.decode()
    assert f'title="{note}"' in body
    details = body[body.index(f'data-testid="run-note-{run.pk}"') :]
    details = details[: details.index("</details>")]
    assert note[:119] + "…" in details  # the first 120 characters in the summary
    assert details.rstrip().endswith(note)  # the whole note once opened
    assert re.search(rf'<td class="nowrap">\s*<a href="[^"]*\?run={run.pk}">Run {run.pk}</a>', body)
    assert '<td class="nowrap">' + run.created_at.strftime("%Y-%m-%d %H:%M") + "</td>" in body
