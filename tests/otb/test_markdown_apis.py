"""REST API for markdowns: candidates, proposals (create, submit, decide with separation of
duties, 409 on a stale row_version), markdown budget vs actual, price history.

The shop is the one of tests/otb/test_markdowns.py (copied: test modules are not packages): as
of the last closed week, ST-1-BLK (24.00) sold 10 and holds 90, ST-1-BLU (50.00, launched 30
weeks ago) sold 40 and holds 20. The planner and the manager plan Tops; the executive sees it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from otb.models import MarkdownItem, MarkdownProposal, PriceChange
from planning.models import PlanVersion, PlanWeek, StyleColor
from tests.otb.conftest import _sale

pytestmark = pytest.mark.django_db

API = "/api/v1/otb"


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _week(week: Any) -> str:
    return f"{week.year}-W{week.week:02d}"


def _create(user: User, shop: dict[str, Any], price: str = "18.00") -> Any:
    return _client(user).post(
        f"{API}/markdowns/",
        {
            "department": shop["tops"].pk,
            "name": "Black tee clearance",
            "effective_week": _week(shop["open"][0]),
            "items": [{"style_color": shop["a"].pk, "new_price": price}],
        },
        format="json",
    )


def test_candidates_with_reasons_and_value_at_risk(shop: dict[str, Any], planner: User) -> None:
    response = _client(planner).get(f"{API}/markdowns/candidates/", {"department": shop["tops"].pk})

    assert response.status_code == 200
    a, b = response.json()
    assert (a["code"], a["units_sold"], a["on_hand"]) == ("ST-1-BLK", 10, 90)
    assert (a["sell_through_percent"], a["weeks_of_supply"]) == ("10.0", "72.0")
    assert (a["value_retail"], a["value_cost"]) == ("2160.00", "864.00")  # 90 x 24.00, 90 x 9.60
    assert a["reasons"] == [
        "Sell-through 10% over 8 weeks (below 40%): 10 sold, 90 on hand.",
        "72.0 weeks of supply (above 16) at 1.2 units a week.",
    ]
    assert (b["code"], b["age_weeks"], b["value_retail"]) == ("ST-1-BLU", 30, "1000.00")
    assert b["reasons"] == ["Launched 30 weeks ago (more than 26)."]


def test_candidates_need_a_visible_department(shop: dict[str, Any], planner: User, nobody: User) -> None:
    missing = _client(planner).get(f"{API}/markdowns/candidates/")
    hidden = _client(nobody).get(f"{API}/markdowns/candidates/", {"department": shop["tops"].pk})

    assert (missing.status_code, missing.json()["detail"]) == (400, "department: This field is required.")
    assert hidden.status_code == 400
    assert hidden.json()["detail"] == f"department: no department {shop['tops'].pk}."


def test_create_computes_the_items_numbers(shop: dict[str, Any], on_order: None, planner: User) -> None:
    response = _create(planner, shop)

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["row_version"], body["created_by"]) == ("draft", 1, "pat.planner")
    assert body["effective_week"] == _week(shop["open"][0])
    [item] = body["items"]
    assert (item["style_color"], item["current_price"], item["new_price"]) == ("ST-1-BLK", "24.00", "18.00")
    assert item["units_affected"] == 120  # 90 on hand + 30 open on order by the effective week
    # No forecast: 10 sold in 8 weeks x 13 weeks = 16.25; 25 % off x elasticity 2 -> x1.5 = 24.375.
    assert item["projected_units"] == 24
    assert item["markdown_cost"] == "720.00"  # (24.00 - 18.00) x 120
    assert body["markdown_cost"] == "720.00"
    assert (body["value_before"], body["value_after"]) == ("2880.00", "2160.00")  # 120 x 24, 120 x 18


@pytest.mark.parametrize(
    ("price", "message"),
    [("24.00", "must be below the current 24.00"), ("-1.00", "cannot be negative")],
)
def test_create_refuses_bad_prices_and_writes_nothing(
    shop: dict[str, Any], planner: User, price: str, message: str
) -> None:
    response = _create(planner, shop, price)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not MarkdownProposal.objects.exists()
    assert not MarkdownItem.objects.exists()


def test_create_outside_your_departments(shop: dict[str, Any], executive: User, nobody: User) -> None:
    assert _create(executive, shop).status_code == 403
    assert _create(nobody, shop).status_code == 400
    assert not MarkdownProposal.objects.exists()


def test_list_filters_and_detail_scoping(shop: dict[str, Any], planner: User, nobody: User) -> None:
    created = _create(planner, shop).json()
    client = _client(planner)

    everything = client.get(f"{API}/markdowns/", {"department": shop["tops"].pk}).json()
    submitted = client.get(f"{API}/markdowns/", {"status": "submitted"}).json()
    bad = client.get(f"{API}/markdowns/", {"status": "lost"})

    assert everything["count"] == 1
    [row] = everything["results"]
    assert (row["id"], row["name"], row["markdown_cost"]) == (created["id"], "Black tee clearance", "540.00")
    assert submitted["count"] == 0
    assert bad.status_code == 400
    detail = client.get(f"{API}/markdowns/{created['id']}/")
    assert detail.status_code == 200
    assert detail.json()["items"][0]["units_affected"] == 90  # no open orders here: 6.00 x 90 = 540.00
    assert _client(nobody).get(f"{API}/markdowns/{created['id']}/").status_code == 404
    assert _client(nobody).get(f"{API}/markdowns/").json()["count"] == 0


def _submitted(user: User, shop: dict[str, Any]) -> int:
    proposal_id: int = _create(user, shop).json()["id"]
    response = _client(user).post(f"{API}/markdowns/{proposal_id}/submit/", {"row_version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["submitted_by"]) == ("submitted", user.username)
    return proposal_id


def test_decide_refusals_change_nothing(shop: dict[str, Any], planner: User, manager: User) -> None:
    proposal_id = _submitted(manager, shop)
    url = f"{API}/markdowns/{proposal_id}/decide/"

    by_planner = _client(planner).post(url, {"approve": True, "row_version": 2}, format="json")
    by_submitter = _client(manager).post(url, {"approve": True, "row_version": 2}, format="json")

    assert by_planner.status_code == 403
    assert (by_submitter.status_code, by_submitter.json()["detail"]) == (
        403,
        "You submitted this proposal: another manager must decide on it.",
    )
    proposal = MarkdownProposal.objects.get(pk=proposal_id)
    assert (proposal.status, proposal.row_version) == ("submitted", 2)


def test_reject_needs_a_comment_and_a_current_row_version(
    shop: dict[str, Any], planner: User, manager: User
) -> None:
    proposal_id = _submitted(planner, shop)
    url = f"{API}/markdowns/{proposal_id}/decide/"
    client = _client(manager)

    no_comment = client.post(url, {"approve": False, "comment": " ", "row_version": 2}, format="json")
    stale = client.post(url, {"approve": False, "comment": "Too deep", "row_version": 1}, format="json")

    assert (no_comment.status_code, no_comment.json()["detail"]) == (400, "Say why the proposal is rejected.")
    assert stale.status_code == 409
    assert "changed this proposal" in stale.json()["detail"]
    assert MarkdownProposal.objects.get(pk=proposal_id).status == "submitted"

    rejected = client.post(url, {"approve": False, "comment": "Too deep", "row_version": 2}, format="json")

    assert rejected.status_code == 200
    body = rejected.json()
    assert (body["status"], body["comment"], body["decided_by"], body["row_version"]) == (
        "rejected",
        "Too deep",
        "max.manager",
        3,
    )
    assert not PriceChange.objects.exists()


def test_stale_submit_is_a_conflict(shop: dict[str, Any], planner: User) -> None:
    proposal_id = _submitted(planner, shop)

    again = _client(planner).post(f"{API}/markdowns/{proposal_id}/submit/", {"row_version": 1}, format="json")

    assert again.status_code == 409


def test_approval_writes_the_price_history(
    shop: dict[str, Any], planner: User, manager: User, working: PlanVersion
) -> None:
    proposal_id = _submitted(planner, shop)

    response = _client(manager).post(
        f"{API}/markdowns/{proposal_id}/decide/", {"approve": True, "row_version": 2}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["row_version"]) == ("approved", 3)
    assert StyleColor.objects.get(pk=shop["a"].pk).retail_price == Decimal("18.00")
    history = _client(planner).get(f"{API}/price-changes/", {"style_color": shop["a"].pk}).json()
    [change] = history["results"]
    assert (change["style_color"], change["old_price"], change["new_price"]) == ("ST-1-BLK", "24.00", "18.00")
    assert (change["effective_week"], change["proposal_id"], change["changed_by"]) == (
        _week(shop["open"][0]),
        proposal_id,
        "max.manager",
    )
    other = _client(planner).get(f"{API}/price-changes/", {"style_color": shop["b"].pk}).json()
    assert other["count"] == 0


def test_budget_vs_actual_by_month(shop: dict[str, Any], planner: User, working: PlanVersion) -> None:
    first = shop["open"][0]
    PlanVersion.objects.filter(pk=working.pk).update(kind=PlanVersion.Kind.ORIGINAL)
    cells = PlanWeek.objects.filter(line__version=working, line__merch_class__isnull=False)
    cells.update(markdowns=Decimal("50"))
    weeks_in_month = cells.filter(fiscal_week__year=first.year, fiscal_week__month=first.month).count()
    _sale(shop["sku_s"], shop["store"], first.id, 1, markdown="12.50")
    _sale(shop["sku_m"], shop["store"], first.id, 1, markdown="7.50")

    response = _client(planner).get(
        f"{API}/markdowns/budget/", {"department": shop["tops"].pk, "year": first.year}
    )

    assert response.status_code == 200
    rows = {row["month"]: row for row in response.json()}
    row = rows[first.year * 100 + first.month]
    budget = Decimal("50.00") * weeks_in_month
    assert row["month_label"] == f"FY{first.year} M{first.month:02d}"
    assert (row["budget"], row["actual"]) == (f"{budget:.2f}", "20.00")  # 12.50 + 7.50
    assert row["variance"] == f"{Decimal('20.00') - budget:.2f}"
    assert row["approved_markdowns"] == "0.00"
