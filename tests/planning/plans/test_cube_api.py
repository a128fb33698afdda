"""The plan cube through REST (issue 19): any merchandise level by any time level, and a write
at any level with a spread rule, the version read and the grid's rules.

The conftest's plan (Tops FY2025 W01..W04, last year + 10 %), by hand:
  Tees sales    501.60, 264.00, 792.00, 198.00 (1,755.60); last year 456, 240, 720, 180
  Blouses sales 330.00, 165.00, 330.00, 165.00 (990.00)
All four weeks are fiscal month 1 (February), quarter 1, half 1."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from planning.models import PlanCellChange, PlanVersion, PlanWeek
from planning.plans.services import version_totals_recompute
from tests.planning.plans.conftest import line_of

pytestmark = pytest.mark.django_db


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _url(version: PlanVersion) -> str:
    return f"/api/v1/plan-versions/{version.pk}/cube/"


def _sales(line_id: int) -> list[str]:
    return [
        f"{v:.2f}"
        for v in PlanWeek.objects.filter(line_id=line_id).order_by("period").values_list("sales", flat=True)
    ]


def test_classes_by_month_and_the_plan_by_week(working: PlanVersion, planner: User, history: Any) -> None:
    client = _client(planner)
    body = client.get(_url(working), {"merch": "class", "time": "month", "measure": ["sales", "eop"]}).json()
    assert body["periods"] == [{"key": "M1", "name": "Feb"}]
    rows = {row["node"]: row for row in body["rows"]}
    assert rows["W-TOP-TEE"]["values"]["sales"] == ["1755.6000"]
    assert rows["W-TOP-BLS"]["values"]["sales"] == ["990.0000"]
    eop_w04 = PlanWeek.objects.get(line=line_of(working, history["tees"]), fiscal_week_id=202504).eop
    assert Decimal(rows["W-TOP-TEE"]["values"]["eop"][0]) == eop_w04  # a month's EOP is its last week's

    version_totals_recompute(working.pk)
    plan = client.get(_url(working), {"merch": "plan", "time": "week", "measure": "sales"}).json()
    assert [p["key"] for p in plan["periods"]] == ["2025-W01", "2025-W02", "2025-W03", "2025-W04"]
    assert (plan["rows"][0]["node"], plan["totals_pending"]) == ("plan", False)
    assert plan["rows"][0]["values"]["sales"] == ["831.6000", "429.0000", "1122.0000", "363.0000"]
    for level, key in (("quarter", "Q1"), ("half", "H1"), ("year", "year")):
        answer = client.get(_url(working), {"merch": "plan", "time": level, "measure": "sales"}).json()
        assert (answer["periods"][0]["key"], answer["rows"][0]["values"]["sales"]) == (key, ["2745.6000"])


def test_a_level_the_plan_does_not_hold_is_refused(working: PlanVersion, planner: User) -> None:
    response = _client(planner).get(_url(working), {"merch": "subclass"})
    assert response.status_code == 400
    assert "merch" in response.json()["errors"]


def _patch(user: User, version: PlanVersion, **data: Any) -> Any:
    version.refresh_from_db()
    body = {"values_version": version.values_version, "measure": "sales", **data}
    return _client(user).patch(_url(version), body, format="json")


def test_a_class_year_spreads_by_the_chosen_rule(working: PlanVersion, planner: User, history: Any) -> None:
    tees = line_of(working, history["tees"])
    even = _patch(planner, working, node="W-TOP-TEE", period="year", value="4000", spread="even")
    assert even.status_code == 200, even.json()
    assert _sales(tees.pk) == ["1000.00"] * 4
    assert even.json()["rows"][0]["values"]["sales"] == ["4000.0000"]
    # By last year (456 : 240 : 720 : 180 of 1,596): 3,192 is last year doubled.
    assert (
        _patch(
            planner, working, node="W-TOP-TEE", period="year", value="3192", spread="last_year"
        ).status_code
        == 200
    )
    assert _sales(tees.pk) == ["912.00", "480.00", "1440.00", "360.00"]
    # By the current values: +50 % keeps the shape.
    assert _patch(planner, working, node="W-TOP-TEE", period="H1", value="+50%").status_code == 200
    assert _sales(tees.pk) == ["1368.00", "720.00", "2160.00", "540.00"]
    assert set(PlanCellChange.objects.values_list("source", flat=True)) == {"spread"}


def test_the_plan_month_spreads_over_every_class_and_a_leaf_is_one_cell(
    working: PlanVersion, planner: User, history: Any
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    response = _patch(planner, working, node="plan", period="M1", value="5491.20")  # doubled: 2 x 2,745.60
    assert response.status_code == 200, response.json()
    assert _sales(tees.pk) == ["1003.20", "528.00", "1584.00", "396.00"]
    assert _sales(blouses.pk) == ["660.00", "330.00", "660.00", "330.00"]
    leaf = _patch(planner, working, node="w-top-tee", period="2025-W02", value="500")
    assert leaf.status_code == 200
    assert _sales(tees.pk)[1] == "500.00"
    assert [period["key"] for period in leaf.json()["periods"]] == [
        "2025-W01",
        "2025-W02",
        "2025-W03",
        "2025-W04",
    ]


def test_a_stale_read_is_a_conflict_and_writes_nothing(
    working: PlanVersion, planner: User, history: Any
) -> None:
    tees = line_of(working, history["tees"])
    before = _sales(tees.pk)
    working.refresh_from_db()
    stale = working.values_version
    assert _patch(planner, working, node="W-TOP-TEE", period="2025-W01", value="600").status_code == 200
    response = _client(planner).patch(
        _url(working),
        {"node": "W-TOP-TEE", "period": "year", "measure": "sales", "value": "1", "values_version": stale},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == stale + 1
    assert _sales(tees.pk) == ["600.00", *before[1:]]


def test_bad_cells_are_refused_with_a_message(working: PlanVersion, planner: User, executive: User) -> None:
    unknown = _patch(planner, working, node="W-XXX", period="M1", value="1")
    assert unknown.status_code == 400
    assert "not a line of this plan" in unknown.json()["detail"]
    derived = _patch(planner, working, node="W-TOP-TEE", period="M1", value="1", measure="eop")
    assert derived.status_code == 400
    negative = _patch(planner, working, node="W-TOP-TEE", period="M1", value="-5")
    assert negative.status_code == 400
    assert _patch(executive, working, node="W-TOP-TEE", period="M1", value="10").status_code in (403, 404)


def test_the_schema_documents_the_cube_with_examples(planner: User) -> None:
    schema = _client(planner).get("/api/schema/").content.decode()
    assert "/api/v1/plan-versions/{version_id}/cube/" in schema
    assert "A class-season edit, spread by last year" in schema
