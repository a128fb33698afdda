"""The targets API: read a version's grid, write a division's month with a spread rule and the
version read (409 when stale), refusals in core.api's body; the reconciliation as JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from core.approvals import approval_decide, approval_submit
from planning.targets.services import TargetSpec, target_create, target_publish

pytestmark = pytest.mark.django_db


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def version(division: dict[str, Any], target_manager: User) -> Any:
    spec = TargetSpec(division["division"].pk, 2027, growth_percent=Decimal(10))
    return target_create(user=target_manager, spec=spec)


def test_read_a_version_in_a_measure(version: Any, planner: User, division: dict[str, Any]) -> None:
    body = _api(planner).get(f"/api/v1/target-versions/{version.pk}/", {"measure": "gm_percent"}).json()
    assert body["version"]["status"] == "draft"
    assert body["columns"][0].startswith("M01")
    assert body["columns"][12:] == ["Q1", "Q2", "Q3", "Q4", "H1", "H2", "FY2027"]
    assert body["rows"][0] == {
        "department": None,
        "name": "W Womenswear",
        "values": ["60.00"] + [None] * 11 + ["60.00", None, None, None, "60.00", None, "60.00"],
    }
    listed = _api(planner).get("/api/v1/target-versions/").json()
    assert [row["id"] for row in listed["results"]] == [version.pk]


def test_patch_a_division_month_then_a_stale_one(
    version: Any, target_manager: User, division: dict[str, Any]
) -> None:
    api = _api(target_manager)
    url = f"/api/v1/target-versions/{version.pk}/cells/"
    edit = {"month": 1, "measure": "sales", "value": "120000", "by": "current", "row_version": 1}
    response = api.patch(url, edit, format="json")
    assert response.status_code == 200, response.json()
    rows = {row["name"]: row["values"][0] for row in response.json()["rows"]}
    assert rows == {
        "W Womenswear": "120000.00", "W-DRS Dresses": "42000.00", "W-KNT Knitwear": "30000.00",
        "W-TOP Tops": "48000.00",
    }  # fmt: skip
    stale = api.patch(url, edit, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["current_version"] == 2
    quarter = api.patch(
        url, {**edit, "month": None, "span": "Q1", "value": "150000", "row_version": 2}, format="json"
    )
    assert quarter.status_code == 200, quarter.json()
    assert quarter.json()["rows"][0]["values"][12] == "150000.00"
    bad = api.patch(url, {**edit, "month": 13, "row_version": 3}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("month:")


def test_planners_cannot_write_targets(version: Any, planner: User) -> None:
    edit = {"month": 1, "measure": "sales", "value": "1", "row_version": 1}
    response = _api(planner).patch(f"/api/v1/target-versions/{version.pk}/cells/", edit, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only managers set targets.", "code": "forbidden"}


def test_the_reconciliation_as_json(
    version: Any, plans: Any, target_manager: User, second_target_manager: User, division: dict[str, Any]
) -> None:
    approval_submit("target", version.pk, target_manager)
    approval_decide("target", version.pk, second_target_manager, "approve")
    target_publish(user=target_manager, version_id=version.pk)
    body = (
        _api(target_manager)
        .get("/api/v1/reconciliation/", {"division": division["division"].pk, "year": 2027})
        .json()
    )
    assert body["targets"] == version.pk
    tops = next(row for row in body["rows"] if row["name"] == "W-TOP Tops")
    assert tops["figures"][0] == {
        "target": "44000.00", "plan": "42000.00", "original": None, "last_year": "40000.00",
        "variance": "-2000.00", "variance_percent": "-4.5", "flagged": False,
    }  # fmt: skip
    missing = _api(target_manager).get("/api/v1/reconciliation/", {"division": 999999, "year": 2027})
    assert missing.status_code == 404
