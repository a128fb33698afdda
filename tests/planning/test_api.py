"""REST API v1: read-only calendar and master data, session auth, paginated lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

Retailer = dict[str, Any]


@pytest.fixture
def planner_client(client: Client, planner: User) -> Client:
    client.force_login(planner)
    return client


def test_fiscal_weeks_of_a_year(planner_client: Client) -> None:
    response = planner_client.get("/api/v1/fiscal-weeks/?year=2024")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 52
    assert (body["next"], body["previous"]) == (None, None)
    weeks = body["results"]
    assert len(weeks) == 52
    assert weeks[0] == {
        "id": 202401,
        "year": 2024,
        "week": 1,
        "month": 1,
        "quarter": 1,
        "week_of_month": 1,
        "start_date": "2024-02-04",
        "end_date": "2024-02-10",
    }
    assert (weeks[-1]["id"], weeks[-1]["end_date"], weeks[-1]["month"]) == (202452, "2025-02-01", 12)


def test_fiscal_weeks_53_week_year(planner_client: Client) -> None:
    body = planner_client.get("/api/v1/fiscal-weeks/?year=2023").json()

    assert body["count"] == 53
    assert body["results"][-1]["id"] == 202353
    assert body["results"][-1]["start_date"] == "2024-01-28"


def test_fiscal_weeks_paginate_with_limit_and_offset(planner_client: Client) -> None:
    body = planner_client.get("/api/v1/fiscal-weeks/?year=2024&limit=2&offset=50").json()

    assert body["count"] == 52
    assert [week["id"] for week in body["results"]] == [202451, 202452]
    assert body["next"] is None
    assert body["previous"] == "http://testserver/api/v1/fiscal-weeks/?limit=2&offset=48&year=2024"


def test_fiscal_weeks_unloaded_year_is_empty(planner_client: Client) -> None:
    body = planner_client.get("/api/v1/fiscal-weeks/?year=2099").json()

    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.parametrize(
    "year", ["x", "-1", "2024.5", "", "\u00b2", "99999", "1899"]
)  # superscript two is a digit, not decimal
def test_fiscal_weeks_bad_year_is_400(planner_client: Client, year: str) -> None:
    response = planner_client.get(f"/api/v1/fiscal-weeks/?year={year}")

    assert response.status_code == 400
    assert response.json()["errors"] == {"year": "Give a fiscal year from 1900 to 2200, e.g. 2024."}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/fiscal-weeks/", "/api/v1/departments/", "/api/v1/locations/"])
def test_anonymous_is_refused(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 403
    assert response.json()["detail"] == "Authentication credentials were not provided."


def test_departments(planner_client: Client, retailer: Retailer) -> None:
    body = planner_client.get("/api/v1/departments/").json()

    assert body["count"] == 2
    assert body["results"] == [
        {"id": retailer["dresses"].id, "code": "W-DRS", "name": "Dresses", "division": "W"},
        {"id": retailer["tops"].id, "code": "W-TOP", "name": "Tops", "division": "W"},
    ]


def test_departments_for_a_user_without_a_role_is_empty(
    client: Client, nobody: User, retailer: Retailer
) -> None:
    client.force_login(nobody)

    body = client.get("/api/v1/departments/").json()

    assert (body["count"], body["results"]) == (0, [])


def test_locations(planner_client: Client, retailer: Retailer) -> None:
    body = planner_client.get("/api/v1/locations/").json()

    assert body["count"] == 3
    assert body["results"] == [
        {
            "id": retailer["dc"].id,
            "code": "DC1",
            "name": "Central DC",
            "kind": "dc",
            "channel": None,
            "region": None,
            "grade": "",
            "cluster": "",
            "capacity_units": None,
        },
        {
            "id": retailer["store"].id,
            "code": "S001",
            "name": "Main Street",
            "kind": "store",
            "channel": "STORES",
            "region": "NORTH",
            "grade": "A",
            "cluster": "",
            "capacity_units": 20000,
        },
        {
            "id": retailer["web"].id,
            "code": "WEB",
            "name": "Web shop",
            "kind": "ecommerce",
            "channel": "ECOM",
            "region": None,
            "grade": "",
            "cluster": "",
            "capacity_units": None,
        },
    ]


def test_the_api_is_read_only(planner_client: Client, admin_user: User, retailer: Retailer) -> None:
    response = planner_client.post(
        "/api/v1/departments/",
        {"code": "W-NEW", "name": "New", "division": "W"},
        content_type="application/json",
    )

    assert response.status_code == 405
    assert list(retailer["division"].departments.order_by("code").values_list("code", flat=True)) == [
        "W-DRS",
        "W-TOP",
    ]


def test_schema_for_a_signed_in_user(planner_client: Client) -> None:
    response = planner_client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = response.content.decode()
    assert "title: Merchplan API" in schema
    for path in ("/api/v1/fiscal-weeks/:", "/api/v1/departments/:", "/api/v1/locations/:"):
        assert path in schema
