"""Pages: sign-in, the role-aware home, the calendar and the master-data browsers."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from planning import calendar
from planning.models import Department, SalesHistory
from tests.conftest import PASSWORD

Retailer = dict[str, Any]


def _text(response: Any) -> str:
    content: bytes = response.content
    return content.decode()


def _badges(html: str) -> list[tuple[str, str]]:
    """(department, access badge) per row of the home page's departments table."""
    return re.findall(
        r"<td>(W-\w+ \w+)</td>.*?<span class=\"badge[^\"]*\">([^<]+)</span>", html, flags=re.DOTALL
    )


# --- sign-in -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/planning/calendar/", "/planning/merchandise/", "/planning/locations/"]
)
def test_anonymous_is_sent_to_login(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.django_db
def test_login_page_renders_a_form(client: Client) -> None:
    response = client.get("/login/?next=/")

    assert response.status_code == 200
    html = _text(response)
    assert '<form method="post"' in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<input type="hidden" name="next" value="/">' in html
    assert 'href="/admin/"' not in html


def test_login_with_the_right_password_goes_home(client: Client, planner: User) -> None:
    response = client.post("/login/", {"username": "pat.planner", "password": PASSWORD, "next": ""})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_follows_next(client: Client, planner: User) -> None:
    response = client.post(
        "/login/", {"username": "pat.planner", "password": PASSWORD, "next": "/planning/calendar/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/planning/calendar/"


def test_login_with_a_wrong_password_shows_the_error(client: Client, planner: User) -> None:
    response = client.post("/login/", {"username": "pat.planner", "password": "wrong", "next": ""})

    assert response.status_code == 200
    html = _text(response)
    assert 'role="alert">Please enter a correct username and password.' in html
    assert 'value="pat.planner"' in html
    assert "_auth_user_id" not in client.session


def test_login_checks_csrf(planner: User) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/login/", {"username": "pat.planner", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client: Client, planner: User) -> None:
    client.force_login(planner)

    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


# --- home ----------------------------------------------------------------------------------


def test_home_planner_can_edit_only_the_assigned_department(
    client: Client, planner: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(planner)
    client.force_login(planner)

    response = client.get("/")

    assert response.status_code == 200
    html = _text(response)
    assert _badges(html) == [("W-DRS Dresses", "read"), ("W-TOP Tops", "can edit")]
    assert html.count("can edit") == 1
    assert re.search(r'data-testid="my-departments">\s*<li>W-TOP Tops</li>\s*</ul>', html)
    assert "Good day, Pat" in html


def test_home_planner_without_departments_is_told_so(
    client: Client, planner: User, retailer: Retailer
) -> None:
    client.force_login(planner)

    html = _text(client.get("/"))

    assert _badges(html) == [("W-DRS Dresses", "read"), ("W-TOP Tops", "read")]
    assert "No department is assigned to you yet" in html


def test_home_manager_sees_own_assignment(client: Client, manager: User, retailer: Retailer) -> None:
    retailer["dresses"].planners.add(manager)
    client.force_login(manager)

    html = _text(client.get("/"))

    assert _badges(html) == [("W-DRS Dresses", "can edit"), ("W-TOP Tops", "read")]


def test_home_executive_reads_everything_edits_nothing(
    client: Client, executive: User, retailer: Retailer
) -> None:
    client.force_login(executive)

    html = _text(client.get("/"))

    assert _badges(html) == [("W-DRS Dresses", "read"), ("W-TOP Tops", "read")]
    assert "Your departments" not in html


def test_home_admin_can_edit_every_department(client: Client, admin_user: User, retailer: Retailer) -> None:
    client.force_login(admin_user)

    html = _text(client.get("/"))

    assert _badges(html) == [("W-DRS Dresses", "can edit"), ("W-TOP Tops", "can edit")]


def test_home_shows_company_figures(client: Client, executive: User, retailer: Retailer) -> None:
    client.force_login(executive)

    html = _text(client.get("/"))

    figures = re.findall(r'<span class="value">([^<]+)</span><span class="label">([^<]+)</span>', html)
    assert figures == [
        ("2", "departments"),
        ("1", "stores"),
        ("1", "e-commerce sites"),
        ("1", "distribution centres"),
        ("\N{EN DASH}", "latest week of sales history"),
    ]


def test_home_shows_the_span_of_sales_history(client: Client, executive: User, retailer: Retailer) -> None:
    for week_id, units in ((202401, 3), (202552, 5)):
        SalesHistory.objects.create(
            sku=retailer["sku_s"], location=retailer["store"], fiscal_week_id=week_id, units=units,
            retail_value=Decimal("72.00"), cost_value=Decimal("28.80"),
        )  # fmt: skip
    client.force_login(executive)

    html = _text(client.get("/"))

    assert (
        '<span class="value">FY2025 W52</span><span class="label">latest week of sales history</span>' in html
    )
    assert '<span class="label">since FY2024 W01</span>' in html


@pytest.mark.parametrize(
    ("role", "has_admin_link"),
    [("planner", False), ("manager", False), ("executive", False), ("admin_user", True)],
)
def test_nav_has_admin_only_for_admins(
    client: Client, request: pytest.FixtureRequest, role: str, has_admin_link: bool
) -> None:
    client.force_login(request.getfixturevalue(role))

    html = _text(client.get("/"))

    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, flags=re.DOTALL)
    assert nav is not None
    labels = re.findall(r">([\w ]+)</a>", nav.group(1))
    approvals = ["Approvals"] if role in ("manager", "admin_user") else []
    expected = [
        "Home",
        "Plans",
        "Targets",
        "Forecasts",
        "Open to buy",
        "Report",
        "Replenishment",
        "Allocation",
        *approvals,
        "Calendar",
        "Merchandise",
        "Locations",
    ] + (["Admin"] if has_admin_link else [])
    assert labels == expected
    assert ('href="/admin/"' in html) is has_admin_link


def test_home_query_count_does_not_grow_with_departments(
    client: Client,
    planner: User,
    retailer: Retailer,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    division = retailer["division"]
    for number in range(20):
        department = Department.objects.create(
            code=f"W-X{number:02d}", name=f"Extra {number}", division=division
        )
        department.planners.add(planner)
    client.force_login(planner)

    # session, user, groups, editable ids, department rows, first and last sales week, locations;
    # the planner's exceptions (reports.dashboard): the departments, the weeks, the forecast
    # look-back and its cache key, the replenishment runs, the OTB months and table
    with django_assert_max_num_queries(26):
        response = client.get("/")

    assert response.status_code == 200
    assert _text(response).count("can edit") == 20


# --- calendar ------------------------------------------------------------------------------


def test_calendar_53_week_year(client: Client, planner: User) -> None:
    client.force_login(planner)

    response = client.get("/planning/calendar/?year=2023")

    assert response.status_code == 200
    html = _text(response)
    assert "<h1>Fiscal calendar 2023</h1>" in html
    assert 'name="year" id="id_year" value="2023"' in html
    assert "Sun 29 Jan 2023 \u2013 Sat 3 Feb 2024" in html
    assert "53 weeks (53-week year" in html
    assert "Jan (5 wk)" in html  # 4-5-4 puts the 53rd week in a 4-week January
    assert html.count("<td>W") == 53


def test_calendar_52_week_year_with_pattern(client: Client, planner: User) -> None:
    client.force_login(planner)

    response = client.get("/planning/calendar/?year=2024&pattern=445")

    assert response.status_code == 200
    html = _text(response)
    assert "Sun 4 Feb 2024 \u2013 Sat 1 Feb 2025" in html
    assert "52 weeks ·" in html
    assert "53-week year" not in html
    assert re.search(r'<option value="445"\s+selected>4-4-5</option>', html)
    # 4-4-5: Feb and Mar have 4 weeks, Apr has 5.
    assert re.findall(r"(Feb|Mar|Apr) \((\d) wk\)", html) == [("Feb", "4"), ("Mar", "4"), ("Apr", "5")]


def test_calendar_without_parameters_shows_the_current_year_unlocalized(
    client: Client, planner: User
) -> None:
    client.force_login(planner)

    response = client.get("/planning/calendar/")

    assert response.status_code == 200
    html = _text(response)
    year = response.context["fiscal_year"].year
    # A thousands separator ("2,026") would break the number input and read oddly in the title.
    assert f"<h1>Fiscal calendar {year}</h1>" in html
    assert f'name="year" id="id_year" value="{year}"' in html


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?year=abc", "Year: Enter a whole number. Showing {current} instead."),
        (
            "?year=1899",
            "Year: Ensure this value is greater than or equal to 1900. Showing {current} instead.",
        ),
        (
            "?year=2024&pattern=999",
            "Pattern: Select a valid choice. 999 is not one of the available choices. "
            "Showing {current} instead.",
        ),
    ],
)
def test_calendar_bad_input_is_400_with_an_error(
    client: Client, planner: User, query: str, error: str
) -> None:
    client.force_login(planner)

    response = client.get("/planning/calendar/" + query)

    assert response.status_code == 400
    alert = re.search(r'<span class="form-error" role="alert">(.*?)</span>', _text(response), flags=re.DOTALL)
    assert alert is not None
    current = calendar.fiscal_week_of(date.today()).year
    assert " ".join(alert.group(1).split()) == error.format(current=current)


# --- master data ---------------------------------------------------------------------------


def test_hierarchy_page_lists_the_merchandise(client: Client, executive: User, retailer: Retailer) -> None:
    client.force_login(executive)

    response = client.get("/planning/merchandise/")

    assert response.status_code == 200
    html = _text(response)
    assert "<h2>W Womenswear</h2>" in html
    assert "<strong>W-DRS Dresses</strong>" in html
    assert "<strong>W-TOP Tops</strong>" in html
    assert re.search(r"<td>W-TOP-TEE</td>\s*<td>Tees</td>\s*<td class=\"num\">1</td>", html)
    assert "1 classes · 1 style-colors" in html
    assert "0 classes · 0 style-colors" in html


def test_locations_page_lists_stores_web_and_dcs(client: Client, executive: User, retailer: Retailer) -> None:
    client.force_login(executive)

    response = client.get("/planning/locations/")

    assert response.status_code == 200
    html = _text(response)
    assert re.search(
        r"<td>North</td>\s*<td>S001</td>\s*<td>Main Street</td>\s*<td>A</td>\s*<td></td>\s*"
        r"<td class=\"num\">20,000</td>\s*<td>DC1</td>",
        html,
    )
    assert re.search(r"<td>\u2013</td>\s*<td>WEB</td>\s*<td>Web shop</td>", html)
    assert re.search(r"<td>DC1</td>\s*<td>Central DC</td>\s*<td class=\"num\">\u2013</td>", html)
    assert "<h2>E-commerce</h2>" in html
