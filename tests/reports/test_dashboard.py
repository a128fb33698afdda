"""The home page per role: a planner's exceptions, a manager's approvals and plan against actual,
an executive's weekly report headline; hand-checked numbers from data built here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from forecasting import selectors as forecast_selectors
from otb import services
from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, PurchaseOrderLine, Vendor
from planning import calendar
from planning.models import FiscalWeek, Plan, PlanLine, PlanVersion, PlanWeek, SalesHistory
from replenishment.models import ItemPolicy, ReplenishmentRun
from reports import dashboard_views
from tests.reports.sample import sample_report

pytestmark = pytest.mark.django_db
Retailer = dict[str, Any]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()  # forecast exceptions are cached under keys made of row ids, reused between tests
    yield
    cache.clear()


def _html(client: Client, user: User) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    content: bytes = response.content
    return re.sub(r"\s+", " ", content.decode())


def _section(html: str, testid: str) -> str:
    found = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', html)
    assert found is not None, testid
    return found.group(0)


def _stockout_run(retailer: Retailer) -> FiscalWeek:
    """A finished run for Tops: S at the DC projected to run out in the 2nd week after the last
    closed one, M at the store in the 6th (outside the 4 weeks counted)."""
    closed = forecast_selectors.latest_closed_week()
    coming = forecast_selectors.weeks_after(closed, 6)
    run = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of=closed, horizon=26)
    run.departments.set([retailer["tops"]])
    for size, location, week, on_hand in (("s", "dc", coming[1], 7), ("m", "store", coming[5], 30)):
        ItemPolicy.objects.create(
            run=run, sku=retailer[f"sku_{size}"], location=retailer[location], segment="AX", demand=10.0,
            demand_sd=2.0, lead_time=2.0, lead_time_sd=0.5, service_level=0.95, safety_stock=5.0,
            reorder_point=25.0, order_up_to=40.0, on_hand=on_hand, first_stockout_week=week,
        )  # fmt: skip
    return coming[1]


def _overspent_month(retailer: Retailer, manager: User) -> str:
    """This fiscal month of Tops: approved budget 1,000.00 at retail; a released order of 50 x
    24.00 = 1,200.00, 10 received: OTB 1,000 - 240 received - 960 on order = -200."""
    today = calendar.fiscal_week_of(date.today(), settings.MERCHPLAN_CALENDAR_PATTERN)
    key = today.year * 100 + today.month
    budget = OTBBudget.objects.create(
        department=retailer["tops"],
        fiscal_year=today.year,
        status=OTBBudget.Status.APPROVED,
        created_by=manager,
    )
    OTBBudgetMonth.objects.create(
        budget=budget, month_key=key, receipts_retail=Decimal("1000.00"), receipts_cost=Decimal("400.00")
    )
    order = PurchaseOrder.objects.create(
        number="PO-1", vendor=Vendor.objects.create(code="V1", name="Mill"), department=retailer["tops"],
        status=PurchaseOrder.Status.RELEASED, created_by=manager,
    )  # fmt: skip
    PurchaseOrderLine.objects.create(
        order=order, sku=retailer["sku_s"], location=retailer["dc"], units=50, unit_cost=Decimal("9.60"),
        unit_retail=Decimal("24.00"), receipt_week=FiscalWeek.objects.get(pk=today.key), month_key=key,
        received_units=10, status=PurchaseOrderLine.Status.PARTLY_RECEIVED,
    )  # fmt: skip
    return services.month_label(key)


# -- planner ----------------------------------------------------------------------------------


def test_planner_sees_a_stock_out_risk_with_its_week_and_a_link(
    client: Client, planner: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(planner)
    week = _stockout_run(retailer)

    section = _section(_html(client, planner), "exceptions-stockouts")

    link = f'<a href="/replenishment/?department={retailer["tops"].pk}">'
    assert f"{link}W-TOP (1)</a>" in section
    row = re.search(r"<tbody>(.*?)</tbody>", section)
    assert row is not None
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
    assert cells == [f'{link}ST-1-BLK-S</a> <span class="muted">Classic tee</span>', "DC1", "7", str(week)]
    assert "ST-1-BLK-M" not in section  # runs out in 6 weeks: not within the 4 counted


def test_planner_without_a_run_is_told_so(client: Client, planner: User, retailer: Retailer) -> None:
    retailer["tops"].planners.add(planner)

    html = _html(client, planner)

    assert "No finished replenishment run covers your departments yet." in _section(
        html, "exceptions-stockouts"
    )
    assert "No finished replenishment run covers your departments yet." in _section(
        html, "exceptions-overstock"
    )
    assert "No forecast to measure yet" in _section(html, "exceptions-forecast")
    assert "No month over budget" in _section(html, "exceptions-otb")


def test_planner_sees_the_otb_month_over_spent(
    client: Client, planner: User, manager: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(planner)
    month = _overspent_month(retailer, manager)

    section = _section(_html(client, planner), "exceptions-otb")

    year = int(month[2:6])
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", section)]
    assert cells == [
        f'<a href="/otb/?department={retailer["tops"].pk}&amp;year={year}">{month}</a>',
        "W-TOP",
        "1,000",
        "1,200",
        "200",
    ]
    assert "200 over in all" in section


def test_planner_sees_excess_stock_at_cost(client: Client, planner: User, retailer: Retailer) -> None:
    """The DC holds 200 of S; order-up-to 40 + 8 weeks x 10 a week = 120: 80 in excess x 9.60 =
    768.00 at cost. It sold last week (at the store it supplies), so it is neither no-move nor
    obsolete."""
    from planning.models import StockPosition

    retailer["tops"].planners.add(planner)
    _stockout_run(retailer)
    closed = forecast_selectors.latest_closed_week()
    StockPosition.objects.create(
        sku=retailer["sku_s"], location=retailer["dc"], fiscal_week=closed, on_hand=200
    )
    SalesHistory.objects.create(
        sku=retailer["sku_s"], location=retailer["store"], fiscal_week=closed, units=3,
        retail_value=Decimal("72.00"), cost_value=Decimal("28.80"),
    )  # fmt: skip

    section = _section(_html(client, planner), "exceptions-overstock")

    assert "<strong>768</strong> at cost in excess stock, 1 SKU x location:" in section
    assert f'href="/replenishment/health/?department={retailer["tops"].pk}"' in section


def test_query_count_is_bounded_for_a_planner_with_two_departments(
    client: Client,
    planner: User,
    manager: User,
    retailer: Retailer,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    retailer["tops"].planners.add(planner)
    retailer["dresses"].planners.add(planner)
    _stockout_run(retailer)
    _overspent_month(retailer, manager)
    client.force_login(planner)
    client.get("/")  # the session and the cached forecast look-back
    cache.clear()

    with django_assert_max_num_queries(40):
        response = client.get("/")

    assert response.status_code == 200


# -- manager ----------------------------------------------------------------------------------


def _plan(retailer: Retailer, planner: User) -> FiscalWeek:
    """Tops' total-company plan: the working version plans 1,000.00 of sales each week of the
    fiscal month to date; another version is submitted by the planner. Sales: 1,050.00 in the
    last closed week, 1,000.00 in each earlier week of the month."""
    closed = forecast_selectors.latest_closed_week()
    weeks = list(FiscalWeek.objects.filter(year=closed.year, month=closed.month, id__lte=closed.id))
    plan = Plan.objects.create(
        name="Tops FY", department=retailer["tops"], first_week=weeks[0], last_week=closed, created_by=planner
    )
    working = PlanVersion.objects.create(
        plan=plan, kind=PlanVersion.Kind.WORKING, name="WP", created_by=planner
    )
    PlanVersion.objects.create(
        plan=plan, kind=PlanVersion.Kind.ORIGINAL, name="OP", status=PlanVersion.Status.SUBMITTED,
        submitted_by=planner, created_by=planner,
    )  # fmt: skip
    line = PlanLine.objects.create(version=working)
    for period, week in enumerate(weeks, start=1):
        PlanWeek.objects.create(line=line, fiscal_week=week, period=period, sales=Decimal("1000.00"))
        SalesHistory.objects.create(
            sku=retailer["sku_s"], location=retailer["store"], fiscal_week=week, units=40,
            retail_value=Decimal("1050.00") if week == closed else Decimal("1000.00"),
            cost_value=Decimal("400.00"),
        )  # fmt: skip
    return closed


def test_manager_sees_a_submitted_plan_waiting_and_sales_against_plan(
    client: Client, planner: User, manager: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(manager)
    closed = _plan(retailer, planner)

    html = _html(client, manager)

    waiting = _section(html, "home-approvals")
    version = PlanVersion.objects.get(kind=PlanVersion.Kind.ORIGINAL)
    assert f'<a href="/planning/plans/versions/{version.pk}/">Tops FY · OP</a>' in waiting
    assert "Plans: 1" in waiting
    versus = _section(html, "home-plan-vs-actual")
    row = re.search(r'<th title="Tops">W-TOP</th>(.*?)</tr>', versus)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    ]
    weeks = closed.week_of_month
    month_sales, month_plan = 1000 * weeks + 50, 1000 * weeks
    assert cells == [
        "1,050", "1,000", "+5.0%",
        f"{month_sales:,}", f"{month_plan:,}", f"{50 / month_plan * 100:+.1f}%",
    ]  # fmt: skip
    assert "Exceptions in your departments" not in html  # a manager is not a planner


def test_manager_without_a_plan_sees_no_percent(client: Client, manager: User, retailer: Retailer) -> None:
    retailer["tops"].planners.add(manager)

    versus = _section(_html(client, manager), "home-plan-vs-actual")

    assert re.search(r'<th title="Tops">W-TOP</th>.*?no sales.*?no plan', versus)
    assert "%</td>" not in versus


# -- executive --------------------------------------------------------------------------------


def test_executive_sees_the_report_headline_and_no_planner_sections(
    client: Client, executive: User, retailer: Retailer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_views, "_weekly", sample_report)

    html = _html(client, executive)

    section = _section(html, "home-executive")
    assert '<a href="/report/">Weekly report, FY2026 W06</a>' in section
    assert 'Company sales, the week: <strong data-testid="week-sales">3,000</strong>' in section
    rows = re.findall(r"<tr> <td>([A-Z][a-z ]+)</td> (.*?)</tr>", section)
    cells = [(label, re.findall(r'<td class="num">([^<]*)</td>', rest)) for label, rest in rows]
    # The sample company: the week's sales 3,000; WP 2,940, OP 2,850, LY 2,700.
    assert cells == [
        ("Working plan", ["2,940", "60", "+2.0%"]),
        ("Original plan", ["2,850", "150", "+5.3%"]),
        ("Last year", ["2,700", "300", "+11.1%"]),
    ]
    for planner_or_manager in ("home-exceptions", "home-approvals", "home-plan-vs-actual"):
        assert planner_or_manager not in html


def test_executive_is_told_when_the_report_is_not_available(
    client: Client, executive: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable() -> None:
        raise FiscalWeek.DoesNotExist("No fiscal week has closed yet")

    monkeypatch.setattr(dashboard_views, "_weekly", unavailable)

    section = _section(_html(client, executive), "home-executive")

    assert "The weekly report is not available yet." in section
    assert "week-sales" not in section
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", section))


# -- no role ----------------------------------------------------------------------------------


def test_no_role_sees_what_the_old_home_showed(client: Client, nobody: User, retailer: Retailer) -> None:
    html = _html(client, nobody)

    assert "Good day, no.body" in html
    assert "No departments yet." in html
    for section in ("home-executive", "home-exceptions", "home-approvals", "home-plan-vs-actual"):
        assert section not in html
    figures = re.findall(r'<span class="value">([^<]+)</span><span class="label">([^<]+)</span>', html)
    assert figures[0] == ("0", "departments")


# -- admin ------------------------------------------------------------------------------------


@pytest.mark.parametrize("superuser", [False, True])
def test_admin_sees_the_figures_and_departments_only(
    client: Client, admin_user: User, retailer: Retailer, superuser: bool
) -> None:
    admin_user.is_superuser = superuser
    admin_user.save()

    html = _html(client, admin_user)

    assert html.count("can edit") == 2
    for section in ("home-executive", "home-exceptions", "home-approvals", "home-plan-vs-actual"):
        assert section not in html
