"""The grid's side panel for totals: a month, quarter or season cell (and a plan-total cell)
explains how it is built and lists the changes of the weeks under it.

Tees in the conftest plan (FY2025 W01-W04, fiscal month 1, Feb, FWOS, wrap): sales 501.60,
264.00, 792.00, 198.00 (1,755.60); BOP 1,200.00, 2,098.80, 1,834.80, 1,854.60; EOP 2,098.80,
1,834.80, 1,854.60, 1,320.00; receipts 1,440.00, 0, 811.80, -270.60 (1,981.20). Blouses: sales
330, 165, 330, 165; FWOS 4, 4, 2, 2 -> EOP 990, 990, 495, 495.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import PlanVersion
from planning.plans.explain_cells import explanation, resolve
from planning.plans.grid import plan_grid
from planning.plans.grid_cells import format_value
from planning.plans.services import CellEdit, plan_cells_update
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import line_of

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _get(client: Client, name: str, version: PlanVersion, line: int, week: str, measure: str) -> Any:
    return client.get(
        reverse(f"planning:{name}", args=[version.pk]), {"line": str(line), "week": week, "measure": measure}
    )


def _explained(response: Any) -> str:
    assert response.status_code == 200, response.content
    match = re.search(r'data-testid="explanation">([^<]*)<', response.content.decode())
    assert match, response.content
    return match.group(1)


@pytest.mark.parametrize(
    ("week", "measure", "text"),
    [
        ("M1", "sales", "Sales $ = W01 501.6 + W02 264 + W03 792 + W04 198 = 1,755.6"),
        ("M1", "bop", "BOP = BOP of W01 = 1,200"),
        ("Q1", "eop", "EOP $ = EOP $ of W04 = 1,320"),
        # 1,320 / (1,755.6 / 4 = 438.9)
        ("M1", "wos", "WOS = EOP of W04 1,320 / (sales 1,755.6 / 4 weeks = 438.9) = 3.01"),
        # 1,755.6 / (1,200 + 1,981.2) = 55.19%
        (
            "season",
            "sell_through",
            "sell-through = sales of W01-W04 1,755.6 / (BOP of W01 1,200 + receipts 1,981.2) = 55.19%",
        ),
        # (1,200 + 2,098.8 + 1,834.8 + 1,854.6 + 1,320) / 5 = 1,661.64; 1,755.6 / 1,661.64 x 13
        (
            "season",
            "turn",
            "average inventory = (1,200 + 2,098.8 + 1,834.8 + 1,854.6 + 1,320) / 5 = 1,661.64;"
            " turn = 1,755.6 / 1,661.64 x 13 = 13.74",
        ),
    ],
)
def test_a_total_cell_explains_how_it_is_built(
    working: PlanVersion, planner: User, history: dict[str, Any], week: str, measure: str, text: str
) -> None:
    tees = line_of(working, history["tees"])

    response = _get(_client(planner), "plan-explain", working, tees.pk, week, measure)

    assert _explained(response) == text


def test_the_month_names_itself_and_its_rule(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    html = _get(_client(planner), "plan-explain", working, tees.pk, "M1", "sales").content.decode()
    assert "Sales $ of Feb = the sum of its weeks (W01-W04)" in html
    assert "Sales $ · Feb" in html


def test_a_week_cell_names_the_opening_stock_by_its_week(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    client = _client(planner)
    # The plan opens FY2025: the opening stock is the EOP of the last week of FY2024.
    assert _explained(_get(client, "plan-explain", working, tees.pk, "2025-W01", "bop")) == (
        "BOP = opening stock, the EOP of W52 of FY2024: 1,200"
    )
    assert _explained(_get(client, "plan-explain", working, tees.pk, "2025-W03", "bop")) == (
        "BOP = EOP of W02 = 1,834.8"
    )


def test_a_plan_total_cell_is_the_sum_of_its_lines(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    total = line_of(working, None)
    client = _client(planner)

    sales = _get(client, "plan-explain", working, total.pk, "2025-W02", "sales")
    eop = _get(client, "plan-explain", working, total.pk, "2025-W02", "eop")
    month = _get(client, "plan-explain", working, total.pk, "M1", "sales")

    assert _explained(sales) == "Sales $ = Tees 264 + Blouses 165 = 429"
    assert _explained(eop) == "EOP $ = Tees 1,834.8 + Blouses 990 = 2,824.8"
    # Each week of the plan total already sums the two lines: 831.6, 429, 1,122, 363.
    assert _explained(month) == "Sales $ = W01 831.6 + W02 429 + W03 1,122 + W04 363 = 2,745.6"
    assert "each week of the plan total sums its 2 lines" in month.content.decode()


def test_a_total_lists_the_changes_of_its_weeks(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    plan_cells_update(user=planner, version_id=working.pk, edits=[CellEdit(tees.pk, 202502, "sales", "300")])
    client = _client(planner)

    month = _get(client, "plan-history", working, tees.pk, "M1", "sales")
    total = _get(client, "plan-history", working, line_of(working, None).pk, "2025-W02", "sales")
    untouched = _get(client, "plan-history", working, tees.pk, "M1", "markdowns")

    assert month.status_code == total.status_code == untouched.status_code == 200
    html = month.content.decode()
    # How the total is built (264 became 300), then the change of W02 under it.
    assert "Sales $ = W01 501.6 + W02 300 + W03 792 + W04 198 = 1,791.6" in html
    assert "History of Sales $ in Feb" in html
    assert re.search(r"<td>pat\.planner</td>\s*<td>W02</td>\s*<td class=\"num\">264 → 300</td>", html), html
    assert re.search(
        r"<td>pat\.planner</td>\s*<td>Tees</td>\s*<td class=\"num\">264 → 300</td>", total.content.decode()
    )
    assert "No week under this total was changed since the plan was seeded." in untouched.content.decode()


def test_totals_explain_what_the_grid_shows(working: PlanVersion, history: dict[str, Any]) -> None:
    """Every total cell of a class line and every cell of the plan total: the explanation's number
    is the grid's, whatever the KPI definitions are."""
    grid = plan_grid(working, is_editable=True)
    checked = 0
    for block in grid.lines:
        for row in block.rows:
            if row.css not in ("entered", "derived"):
                continue
            for column, cell in zip(grid.columns, row.cells, strict=True):
                if column.kind == "week" and not block.is_total:
                    continue
                why = explanation(resolve(working, str(block.line_id), column.key, row.measure))
                assert format_value(row.measure, why.value)[0] == cell.text, (
                    block.name,
                    row.measure,
                    column.key,
                )
                checked += 1
    assert checked > 100


def test_the_grid_makes_total_cells_clickable(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    total = line_of(working, None)
    html = _client(planner).get(reverse("planning:plan-version", args=[working.pk])).content.decode()
    for line, key, measure in (
        (tees.pk, "M1", "eop"),
        (tees.pk, "season", "turn"),
        (total.pk, "2025-W02", "eop"),
    ):
        assert re.search(
            rf'<td id="cell-{line}-{key}-{measure}" class="out[^"]*"[^>]*data-line="{line}" '
            rf'data-period="{key}" data-measure="{measure}">',
            html,
        ), (line, key, measure)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"line": "", "week": "M1", "measure": "eop"}, "Give line, week and measure."),
        ({"line": "0", "week": "M1", "measure": "eop"}, "That line is not in this plan version."),
        ({"week": "M7", "measure": "eop"}, "That week is not in this plan."),
        ({"week": "M1", "measure": "gmroi"}, "'gmroi' is not a row of this line."),
        ({"week": "2025-W02", "measure": "sales"}, "Sales $ is entered: select it for its history."),
    ],
)
def test_the_panel_refuses_what_is_not_a_cell(
    working: PlanVersion, planner: User, history: dict[str, Any], query: dict[str, str], message: str
) -> None:
    tees = line_of(working, history["tees"])
    params = {"line": str(tees.pk), **query}
    response = _client(planner).get(reverse("planning:plan-explain", args=[working.pk]), params)
    assert response.status_code == 400
    assert response.content.decode() == message
