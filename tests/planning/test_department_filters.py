"""Every department filter, on the pages and in the API, takes the department's id or its code
(any case); an unknown one is a 400 with the message; one outside the user's scope is answered as
before (`planning.departments`)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from forecasting.models import ForecastRun
from otb.models import OTBBudget
from planning.departments import DepartmentLookupError, department_from_filter
from planning.models import Department, FiscalWeek
from replenishment.models import ReplenishmentRun

UNKNOWN_API = "department: no department 'NOPE'; give its id or its code (e.g. W01)."
UNKNOWN_PAGE = "There is no department &#x27;NOPE&#x27;"

# (url, other query parameters); {forecast_run} is filled in by the fixture.
PAGES = [
    ("/otb/", {}),
    ("/otb/drill/", {"month": "202611"}),
    ("/otb/budgets/", {}),
    ("/otb/orders/", {}),
    ("/replenishment/health/", {}),
    ("/replenishment/", {}),
    ("/replenishment/open-orders/", {}),
    ("/forecasting/accuracy/", {}),
    ("/forecasting/exceptions/", {}),
    ("/forecasting/runs/{forecast_run}/", {}),
    ("/allocation/rebalance/", {}),
]
APIS = [
    ("/api/v1/otb/otb/", {"year": "2026"}),
    ("/api/v1/otb/budgets/", {}),
    ("/api/v1/otb/orders/", {}),
    ("/api/v1/otb/markdowns/", {}),
    ("/api/v1/otb/markdowns/candidates/", {}),
    ("/api/v1/otb/markdowns/budget/", {"year": "2026"}),
    ("/api/v1/otb/replenishment/suggestions/", {}),
    ("/api/v1/otb/replenishment/open-orders/", {}),
    ("/api/v1/otb/health/", {}),
    ("/api/v1/otb/policy-simulation/", {}),
    ("/api/v1/otb/vendor-items/", {}),
    ("/api/v1/forecasting/accuracy/", {}),
    ("/api/v1/forecasting/accuracy/exceptions/", {}),
    ("/api/v1/forecasting/runs/{forecast_run}/fits/", {}),
    ("/api/v1/allocation/runs/", {}),
    ("/api/v1/allocation/rebalance/", {}),
]


@pytest.fixture
def shop(retailer: dict[str, Any], executive: User) -> dict[str, Any]:
    """The retailer, a finished forecast run and a done replenishment run over both departments
    (the run pages and the simulator need one), and a draft budget in each department."""
    week = FiscalWeek.objects.get(year=2026, week=44)
    departments = [retailer["tops"], retailer["dresses"]]
    forecast = ForecastRun.objects.create(as_of_week=week, horizon=4, status=ForecastRun.Status.DONE)
    forecast.departments.set(departments)
    replenishment = ReplenishmentRun.objects.create(as_of=week, status=ReplenishmentRun.Status.DONE)
    replenishment.departments.set(departments)
    for department in departments:
        OTBBudget.objects.create(department=department, fiscal_year=2026, created_by=executive)
    return {**retailer, "forecast_run": forecast.pk}


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(template: str, shop: dict[str, Any]) -> str:
    return template.format(forecast_run=shop["forecast_run"])


def test_the_parser_takes_an_id_or_a_code_in_any_case(retailer: dict[str, Any]) -> None:
    tops = retailer["tops"]

    assert department_from_filter(str(tops.pk)) == tops
    assert department_from_filter(" w-top ") == tops
    assert department_from_filter("W-TOP", Department.objects.filter(pk=tops.pk)) == tops
    with pytest.raises(DepartmentLookupError) as unknown:
        department_from_filter("W99")
    assert unknown.value.is_unknown
    assert str(unknown.value) == "no department 'W99'; give its id or its code (e.g. W01)."
    with pytest.raises(DepartmentLookupError) as outside:
        department_from_filter("w-top", Department.objects.exclude(pk=tops.pk))
    assert not outside.value.is_unknown  # it exists, out of the scope: the caller's rules apply


def test_a_numeric_code_is_found_when_no_id_matches(retailer: dict[str, Any]) -> None:
    numeric = Department.objects.create(code="4711", name="Numbered", division=retailer["division"])

    assert department_from_filter("4711") == numeric
    assert department_from_filter(str(retailer["tops"].pk)) == retailer["tops"]  # an id wins


@pytest.mark.parametrize(("url", "query"), APIS, ids=[url for url, _ in APIS])
def test_every_api_filter_takes_an_id_or_a_code(
    shop: dict[str, Any], executive: User, url: str, query: dict[str, str]
) -> None:
    client = _signed_in(executive)
    url = _url(url, shop)

    by_id = client.get(url, {**query, "department": shop["dresses"].pk})
    by_code = client.get(url, {**query, "department": "w-drs"})
    unknown = client.get(url, {**query, "department": "NOPE"})

    assert by_id.status_code == 200, by_id.content
    assert (by_code.status_code, by_code.json()) == (200, by_id.json())
    assert (unknown.status_code, unknown.json()["detail"]) == (400, UNKNOWN_API)


@pytest.mark.parametrize(("url", "query"), PAGES, ids=[url for url, _ in PAGES])
def test_every_page_filter_takes_an_id_or_a_code(
    shop: dict[str, Any], executive: User, url: str, query: dict[str, str]
) -> None:
    client = _signed_in(executive)
    url = _url(url, shop)
    dresses = shop["dresses"].pk

    by_id = client.get(url, {**query, "department": dresses})
    by_code = client.get(url, {**query, "department": "w-drs"})
    unknown = client.get(url, {**query, "department": "NOPE"})

    assert by_id.status_code == 200
    assert by_code.status_code == 200
    if url != "/otb/drill/":  # the drill has no select: it names the department in its title
        # The select shows the department the code named, as it does for the id.
        chosen = re.compile(rf'value="{dresses}"\s+selected')
        assert chosen.search(by_id.content.decode())
        assert chosen.search(by_code.content.decode())
    else:
        assert "W-DRS Dresses" in by_code.content.decode()
    assert unknown.status_code == 400
    assert UNKNOWN_PAGE in unknown.content.decode()


def test_a_code_filters_the_list_as_the_id_does(shop: dict[str, Any], executive: User) -> None:
    client = _signed_in(executive)

    every = client.get("/api/v1/otb/budgets/").json()
    dresses = client.get("/api/v1/otb/budgets/", {"department": "W-drs"}).json()
    page = client.get("/otb/budgets/", {"department": "w-drs"}).content.decode()

    assert sorted(row["department"] for row in every["results"]) == ["W-DRS", "W-TOP"]
    assert [row["department"] for row in dresses["results"]] == ["W-DRS"]
    headings = re.findall(r"<h2>\s*(W-\w+ \w+) FY2026 v1", page)
    assert headings == ["W-DRS Dresses"]


def test_outside_the_scope_a_code_is_refused_as_an_id_is(shop: dict[str, Any], nobody: User) -> None:
    """A user in no role sees no department: by code as by id, a list is empty, a department's
    figures are refused as before (400 here, 404 for inventory health), never shown."""
    client = _signed_in(nobody)
    tops = shop["tops"]

    for value in (tops.pk, "w-top"):
        assert client.get("/api/v1/otb/budgets/", {"department": value}).json()["count"] == 0
        table = client.get("/api/v1/otb/otb/", {"department": value, "year": "2026"})
        assert (table.status_code, table.json()["detail"]) == (400, f"department: no department {value}.")
        health = client.get("/api/v1/otb/health/", {"department": value})
        assert health.status_code == 404
        assert client.get("/replenishment/health/", {"department": value}).status_code == 404
