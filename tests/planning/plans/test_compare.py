"""Compare two versions of a plan cell by cell: the page, the API and the pure diff.

Figures of conftest.py: Tees' working plan sells 501.60, 264.00, 792.00, 198.00 in W01..W04;
LY 456, 240, 720, 180. The OP (r1) is the working plan as approved; then the planner changes
Tees W02 sales 264.00 -> 300.00 in the working plan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from planning.models import PlanVersion, PlanWeek
from planning.plans import selectors
from planning.plans.compare import CellDiff, Values, compare_versions, diff_cells
from planning.plans.services import (
    CellEdit,
    plan_cells_update,
    scenario_branch,
    version_approve,
    version_recompute,
    version_submit,
)
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import line_of

D = Decimal
Retailer = dict[str, Any]


# --- the pure diff --------------------------------------------------------------------------
def test_diff_keeps_only_cells_that_differ() -> None:
    a = {(1, 202501): {"sales": D("10"), "eop": D("5")}, (None, 202501): {"sales": D("10"), "eop": D("5")}}
    b = {(1, 202501): {"sales": D("12"), "eop": D("5")}, (None, 202501): {"sales": D("12"), "eop": D("5")}}

    cells = diff_cells(a, b, measures=("sales", "eop"))

    # The plan total first, then class 1; eop is equal on both and left out; 12 - 10 = 2.
    assert cells == [
        CellDiff(None, 202501, "sales", D("10"), D("12")),
        CellDiff(1, 202501, "sales", D("10"), D("12")),
    ]
    assert [cell.difference for cell in cells] == [D("2"), D("2")]


def test_a_cell_only_one_side_has_differs_with_no_difference() -> None:
    cells = diff_cells({}, {(3, 202502): {"sales": D("7")}}, measures=("sales",))
    assert cells == [CellDiff(3, 202502, "sales", None, D("7"))]
    assert cells[0].difference is None


def test_a_version_against_itself_has_no_differences() -> None:
    same: Values = {(1, 202501): {"sales": D("1")}}
    assert diff_cells(same, same) == []


# --- versions of a plan ---------------------------------------------------------------------
@pytest.fixture
def changed(
    working: PlanVersion, planner: User, manager: User, retailer: Retailer, history: dict[str, Any]
) -> Any:
    """OP r1 as seeded, then Tees W02 sales 264.00 -> 300.00 in the working plan."""
    retailer["tops"].planners.add(manager)
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)
    line = line_of(working, history["tees"])
    row = PlanWeek.objects.get(line=line, fiscal_week_id=202502)
    plan_cells_update(
        user=planner,
        version_id=working.pk,
        edits=[CellEdit(line.pk, 202502, "sales", "300", row.row_version)],
    )
    version_recompute(working.pk)  # the plan total, as the worker rolls it up after the commit
    original = selectors.current_original(working.plan)
    assert original is not None
    return original


def _cells(comparison: Any) -> dict[tuple[str, str, str], tuple[Any, Any, Any]]:
    return {
        (comparison.class_names[cell.class_id], str(cell.week_id), cell.measure): (
            cell.a,
            cell.b,
            cell.difference,
        )
        for cell in comparison.cells
    }


def test_op_against_the_edited_working_plan(changed: PlanVersion, working: PlanVersion) -> None:
    comparison = compare_versions(changed, working)
    cells = _cells(comparison)

    # Sales: +36.00 in Tees W02 and in the plan total's W02; units and markdowns unchanged.
    assert cells[("W-TOP-TEE Tees", "202502", "sales")] == (D("264.00"), D("300.00"), D("36.00"))
    # The plan total's W02: Tees 264.00 + Blouses 165.00 (150 x 1.1) = 429.00 -> 465.00.
    assert cells[("Plan total", "202502", "sales")] == (D("429.00"), D("465.00"), D("36.00"))
    assert not any(measure in ("sales_units", "markdowns") for _, _, measure in cells)
    # Only the sales of W02 and what derives from them moves; W01's sales stay equal.
    assert ("W-TOP-TEE Tees", "202501", "sales") not in cells
    assert comparison.count == len(cells)


def test_any_two_versions_compare(
    changed: PlanVersion, working: PlanVersion, history: dict[str, Any]
) -> None:
    last_year = working.plan.versions.get(kind=PlanVersion.Kind.LAST_YEAR)
    cells = _cells(compare_versions(last_year, working))
    # LY 456 vs the plan's 501.60: +45.60; W02 240 vs 300: +60
    assert cells[("W-TOP-TEE Tees", "202501", "sales")] == (D("456.00"), D("501.60"), D("45.60"))
    assert cells[("W-TOP-TEE Tees", "202502", "sales")] == (D("240.00"), D("300.00"), D("60.00"))


def test_one_query_per_version(changed: PlanVersion, working: PlanVersion) -> None:
    with CaptureQueriesContext(connection) as queries:
        compare_versions(changed, working)
    assert len(queries) == 3  # each version's weeks, then the class names


def test_versions_of_two_plans_do_not_compare(changed: PlanVersion, working: PlanVersion) -> None:
    other = PlanVersion(pk=10**6, plan_id=working.plan_id + 1)
    with pytest.raises(ValueError, match="same plan"):
        compare_versions(working, other)


# --- the page and the API -------------------------------------------------------------------
def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def test_compare_page(changed: PlanVersion, working: PlanVersion, planner: User) -> None:
    grid = _client(planner).get(reverse("planning:plan-version", args=[working.pk])).content.decode()
    url = reverse("planning:plan-compare", args=[working.plan_id])
    assert f'href="{url}?a={working.pk}"' in grid  # the grid's Compare button

    response = _client(planner).get(url, {"a": changed.pk, "b": working.pk})

    assert response.status_code == 200
    html = response.content.decode()
    count = compare_versions(changed, working).count
    assert f"{count} cells differ" in html
    assert "between OP r1 and Working plan" in html
    assert "<td>W-TOP-TEE Tees</td>" in html
    assert ">264.00</td>" in html
    assert ">300.00</td>" in html
    assert ">36.00</td>" in html


def test_compare_page_defaults_to_the_op_and_the_working_plan(changed: PlanVersion, planner: User) -> None:
    html = _client(planner).get(reverse("planning:plan-compare", args=[changed.plan_id])).content.decode()
    assert "between OP r1 and Working plan" in html


def test_compare_page_of_a_plan_you_cannot_see(changed: PlanVersion, nobody: User) -> None:
    response = _client(nobody).get(reverse("planning:plan-compare", args=[changed.plan_id]))
    assert response.status_code == 404


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_compare_api(changed: PlanVersion, working: PlanVersion, planner: User) -> None:
    url = reverse("api-plan-compare", args=[working.plan_id])

    response = _api(planner).get(url, {"a": changed.pk, "b": working.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["a"]["title"], body["a"]["revision"], body["b"]["title"]) == ("OP r1", 1, "Working plan")
    assert body["count"] == len(body["cells"]) == compare_versions(changed, working).count
    tees = next(c for c in body["cells"] if c["line"] == "W-TOP-TEE Tees" and c["measure"] == "sales")
    assert tees == {
        "merch_class": tees["merch_class"],
        "line": "W-TOP-TEE Tees",
        "week": "2025-W02",
        "measure": "sales",
        "a": "264.00",
        "b": "300.00",
        "difference": "36.00",
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"b": "1"}, "a: give the id of a version of Tops spring 2025."),
        ({"a": "x", "b": "1"}, "a: give the id of a version of Tops spring 2025."),
        ({"a": "999999", "b": "1"}, "a: Tops spring 2025 has no version 999999."),
    ],
)
def test_compare_api_bad_input(
    changed: PlanVersion, planner: User, query: dict[str, str], message: str
) -> None:
    response = _api(planner).get(reverse("api-plan-compare", args=[changed.plan_id]), query)
    assert (response.status_code, response.json()["detail"]) == (400, message)


def test_compare_api_of_a_plan_you_cannot_see(
    changed: PlanVersion, working: PlanVersion, nobody: User
) -> None:
    response = _api(nobody).get(
        reverse("api-plan-compare", args=[working.plan_id]), {"a": changed.pk, "b": working.pk}
    )
    assert response.status_code == 404


def test_the_plan_total_is_the_exact_sum_of_its_classes(working: PlanVersion, planner: User) -> None:
    """A stored total a cent off (rolled up in floats) is no difference when no class differs."""
    what_if = scenario_branch(user=planner, version_id=working.pk, name="Same")
    total = line_of(what_if, None)
    week = PlanWeek.objects.filter(line=total).order_by("period").first()
    assert week is not None
    PlanWeek.objects.filter(pk=week.pk).update(eop=week.eop + Decimal("0.01"))
    assert compare_versions(working, what_if).count == 0
