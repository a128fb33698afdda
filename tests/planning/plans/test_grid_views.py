"""The plan grid page and its HTMX endpoints: cells, explain, history, decisions.

Figures are the ones of conftest.py: Tees sales 501.60, 264, 792, 198 (season 1,755.60), LY
456, 240, 720, 180 (1,596: +10%); EOP 2,098.80, 1,834.80, 1,854.60, 1,320.00.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from planning.models import Department, PlanCellChange, PlanTransition, PlanVersion, PlanWeek
from planning.plans.services import CellEdit, PlanSpec, plan_cells_update, plan_create, version_submit
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import line_of, make_class, snapshot, version_of

Retailer = dict[str, Any]
Kind = PlanVersion.Kind
Status = PlanVersion.Status


def _client(user: User, **options: Any) -> Client:
    client = Client(**options)
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _html(response: Any) -> str:
    content: bytes = response.content
    return content.decode()


def _url(name: str, version: PlanVersion) -> str:
    return reverse(f"planning:{name}", args=[version.pk])


def _line(html: str, line_id: int) -> str:
    """The <tbody> of one line."""
    match = re.search(rf'<tbody id="line-{line_id}".*?</tbody>', html, flags=re.DOTALL)
    assert match, f"line {line_id} not in the response"
    return match.group(0)


def _cell(html: str, line_id: int, key: str, measure: str) -> str:
    """The text of a cell addressed by its DOM id (entered and calculated week cells have one)."""
    match = re.search(rf'<td id="cell-{line_id}-{key}-{measure}"[^>]*>([^<]*)', html)
    assert match, f"cell {line_id} {key} {measure} not in the response"
    return match.group(1)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _post_cell(client: Client, version: PlanVersion, line_id: int, **data: Any) -> Any:
    payload = {"line": line_id, "week": "2025-W02", "measure": "target", "value": "2", "row_version": 1}
    payload.update(data)
    return client.post(_url("plan-cells", version), payload)


# --- the page -------------------------------------------------------------------------------


def test_grid_page_renders_the_lines_with_addressable_inputs(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    response = _client(planner).get(_url("plan-version", working))

    assert response.status_code == 200
    html = _html(response)
    tees = line_of(working, history["tees"]).pk
    assert re.search(
        rf'<td id="cell-{tees}-2025-W01-sales" class="in[^"]*" tabindex="0" data-line="{tees}" '
        r'data-period="2025-W01" data-measure="sales" data-version="1" data-raw="501.6">502</td>',
        html,
    )
    assert f'data-line="{tees}" data-period="2025-W04" data-measure="target"' in html
    assert _cell(html, tees, "2025-W01", "eop") == "2,099"  # 2,098.80, a calculated cell
    for line in (line_of(working, None), line_of(working, history["blouses"])):
        assert f'<tbody id="line-{line.pk}"' in html


def test_grid_page_has_month_quarter_and_season_totals(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    html = _html(_client(planner).get(_url("plan-version", working)))

    headers = re.findall(r'<th class="(\w+)[^"]*" data-key="([^"]+)">([^<]+)</th>', html)
    assert headers == [
        ("week", "2025-W01", "W01"),
        ("week", "2025-W02", "W02"),
        ("week", "2025-W03", "W03"),
        ("week", "2025-W04", "W04"),
        ("month", "M1", "Feb"),
        ("quarter", "Q1", "Q1"),
        ("season", "season", "Total"),
    ]
    tees = _line(html, line_of(working, history["tees"]).pk)
    sales = re.search(
        r'data-measure="sales">\s*<th class="measure"[^>]*>Sales \$</th>(.*?)</tr>', tees, re.DOTALL
    )
    assert sales
    assert re.findall(r">([^<>]+)</td>", sales.group(1)) == [
        "502",
        "264",
        "792",
        "198",
        "1,756",
        "1,756",
        "1,756",
    ]


def test_grid_page_has_comparison_and_variance_rows(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    html = _html(_client(planner).get(_url("plan-version", working)))

    tees = _line(html, line_of(working, history["tees"]).pk)
    for label in ("LY sales $", "LY EOP $", "TY sales $", "TY EOP $", "vs LY %"):
        assert re.search(rf'<th class="measure"[^>]*>{re.escape(label)}</th>', tees), label

    def row(label: str) -> list[str]:
        match = re.search(rf'<th class="measure"[^>]*>{re.escape(label)}</th>(.*?)</tr>', tees, re.DOTALL)
        assert match, label
        return re.findall(r">([^<>]*)</td>", match.group(1))

    assert row("LY sales $") == ["456", "240", "720", "180", "1,596", "1,596", "1,596"]
    assert row("LY EOP $") == ["1,920", "1,680", "1,680", "1,200", "1,200", "1,200", "1,200"]
    assert row("vs LY %") == ["+10.0%"] * 7  # the plan is LY + 10% in every week


GRID_QUERIES = 24  # 21 when written: session, user, roles, the version, lines, values, comparisons...


def test_grid_queries_do_not_grow_with_the_lines(
    planner: User, retailer: Retailer, django_assert_max_num_queries: Any
) -> None:
    """One class or four: the same queries (lines, values and comparisons each in one)."""
    division = retailer["division"]
    client = _client(planner)
    counts = []
    for classes in (1, 4):
        department = Department.objects.create(
            code=f"W-K{classes}", name=f"Knits {classes}", division=division
        )
        department.planners.add(planner)
        for number in range(classes):
            make_class(department, f"W-K{classes}-{number}", f"Knit {number}", "20.00")
        plan = plan_create(
            user=planner,
            spec=PlanSpec(
                name=f"Knits {classes}",
                department_id=department.pk,
                first_week_id=202501,
                last_week_id=202504,
            ),
        )
        with django_assert_max_num_queries(GRID_QUERIES) as queries:
            response = client.get(_url("plan-version", version_of(plan, Kind.WORKING)))
        assert response.status_code == 200
        assert _html(response).count('<tbody id="line-') == classes + 1
        counts.append(len(queries))

    assert counts[0] == counts[1], counts


def test_an_executive_sees_the_grid_without_inputs(
    working: PlanVersion, executive: User, history: dict[str, Any]
) -> None:
    response = _client(executive).get(_url("plan-version", working))

    assert response.status_code == 200
    html = _html(response)
    assert 'class="in ' not in html
    assert "data-version=" not in html
    assert _cell(html, line_of(working, history["tees"]).pk, "2025-W01", "eop") == "2,099"
    assert "Submit for approval" not in html
    assert "Branch a what-if" not in html


def test_the_planner_page_offers_the_inputs_and_actions(working: PlanVersion, planner: User) -> None:
    html = _html(_client(planner).get(_url("plan-version", working)))

    assert 'class="in ' in html
    assert "Submit for approval" in html
    assert "Branch a what-if" in html
    assert 'data-testid="approve"' not in html


def test_actuals_are_shown_without_inputs(plan: Any, planner: User) -> None:
    html = _html(_client(planner).get(_url("plan-version", version_of(plan, Kind.LAST_YEAR))))

    assert 'class="in ' not in html


# --- cell edits -----------------------------------------------------------------------------


def test_a_valid_edit_answers_with_the_line_and_the_total_out_of_band(
    working: PlanVersion, planner: User, history: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    tees, total = line_of(working, history["tees"]), line_of(working, None)

    with django_capture_on_commit_callbacks(execute=True):
        response = _post_cell(_client(planner), working, tees.pk)

    assert response.status_code == 200
    html = _html(response)
    assert re.search(rf'<template>\s*<tbody id="line-{tees.pk}"\s+hx-swap-oob="outerHTML"', html)
    # The total is still rolling up: only its header goes out, with the recalculating mark.
    assert re.search(
        rf'<template>\s*<tr class="line-head" id="head-{total.pk}" hx-swap-oob="outerHTML"', html
    )
    assert html.count("<tbody") == 1
    edited = _line(html, tees.pk)
    assert _cell(edited, tees.pk, "2025-W02", "eop") == "990"  # FWOS 2: 792 + 198
    assert _cell(edited, tees.pk, "2025-W02", "receipts") == "-845"  # 990 - 2,098.80 + 264
    assert _cell(edited, tees.pk, "2025-W03", "receipts") == "1,657"  # 1,854.60 - 990 + 792
    assert 'data-period="2025-W02" data-measure="target" data-version="2" data-raw="2"' in edited
    # The roll-up runs after the commit: the answer marks the total as recalculating...
    assert 'data-testid="recalculating"' in html.split(f'id="head-{total.pk}"')[1]
    assert response["HX-Trigger"] == "planChanged"
    # ...and the totals endpoint then has it: 990 + 990 (blouses).
    totals = _html(_client(planner).get(_url("plan-totals", working)))
    assert 'data-testid="recalculating"' not in totals
    eop = r'<th class="measure"[^>]*>EOP \$</th>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>1,980</td>'
    assert re.search(eop, totals)


def test_a_stale_edit_answers_409_with_the_other_planners_value(
    working: PlanVersion, planner: User, other_planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    plan_cells_update(
        user=other_planner, version_id=working.pk, edits=[CellEdit(tees.pk, 202502, "target", "3", 1)]
    )
    before = snapshot(working)

    response = _post_cell(_client(planner), working, tees.pk, value="2", row_version=1)

    assert response.status_code == 409
    html = _html(response)
    message = "sam.second changed this cell to 3.000 since you read it; their value stands."
    assert message in html
    edited = _line(html, tees.pk)
    assert 'data-period="2025-W02" data-measure="target" data-version="2" data-raw="3"' in edited
    assert _cell(edited, tees.pk, "2025-W02", "eop") == "1,492"  # their FWOS 3: 792 + 198 + 501.60
    assert snapshot(working) == before


def test_bad_input_answers_400_with_the_message_at_the_cell(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    response = _post_cell(_client(planner), working, tees.pk, value="200")

    assert response.status_code == 400
    html = _html(response)
    assert re.search(
        rf'<td id="cell-{tees.pk}-2025-W02-target" class="in[^"]*error"[^>]*>[^<]*'
        r'<span class="cell-error" role="alert">FWOS target must be between 0 and 104.</span></td>',
        html,
    )
    assert html.count('class="cell-error"') == 1
    assert snapshot(working) == before


@pytest.mark.parametrize(
    "data",
    [
        {"line": "", "week": "2025-W02", "measure": "sales", "value": "1"},
        {"week": "2025-W02", "measure": "sales", "value": "1"},
        {"edits": "not json"},
    ],
)
def test_a_malformed_request_is_400(working: PlanVersion, planner: User, data: dict[str, str]) -> None:
    before = snapshot(working)

    response = _client(planner).post(_url("plan-cells", working), data)

    assert response.status_code == 400
    assert snapshot(working) == before


def test_a_pasted_block_posts_as_json(working: PlanVersion, planner: User, history: dict[str, Any]) -> None:
    import json

    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    edits = [
        {"line": str(tees.pk), "week": "2025-W01", "measure": "sales", "value": "600", "row_version": 1},
        {"line": blouses.pk, "week": "2025-W03", "measure": "target", "value": "3", "row_version": 1},
    ]

    response = _client(planner).post(_url("plan-cells", working), {"edits": json.dumps(edits)})

    assert response.status_code == 200
    html = _html(response)
    assert (
        _cell(_line(html, tees.pk), tees.pk, "2025-W01", "eop") == "2,197"
    )  # 264 + 792 + 198 + 600 + 264 + 0.1 x 792
    assert _cell(_line(html, blouses.pk), blouses.pk, "2025-W03", "eop") == "660"
    assert set(PlanCellChange.objects.values_list("source", flat=True)) == {"paste"}


def test_an_executive_cannot_post_an_edit(
    working: PlanVersion, executive: User, history: dict[str, Any]
) -> None:
    before = snapshot(working)

    response = _post_cell(_client(executive), working, line_of(working, history["tees"]).pk)

    assert response.status_code == 403
    assert snapshot(working) == before


def test_csrf_is_enforced(working: PlanVersion, planner: User, history: dict[str, Any]) -> None:
    before = snapshot(working)

    response = _post_cell(
        _client(planner, enforce_csrf_checks=True), working, line_of(working, history["tees"]).pk
    )

    assert response.status_code == 403
    assert snapshot(working) == before


def test_anonymous_is_sent_to_login(working: PlanVersion) -> None:
    response = Client().get(_url("plan-version", working))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- explain and history --------------------------------------------------------------------


def test_explain_gives_the_formula_and_the_numbers(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    client = _client(planner)

    eop = client.get(
        _url("plan-explain", working), {"line": str(tees.pk), "week": "2025-W02", "measure": "eop"}
    )
    receipts = client.get(
        _url("plan-explain", working), {"line": str(tees.pk), "week": "2025-W03", "measure": "receipts"}
    )

    assert eop.status_code == receipts.status_code == 200
    assert "EOP = planned sales of the FWOS weeks after this one (a fraction of the last)" in _html(eop)
    assert (
        "FWOS 4.1: EOP = W03 792 + W04 198 + W01 (wrap) 501.6 + W02 (wrap) 264 + 0.1 x W03 (wrap) 792"
        " = 1,834.8" in _html(eop)
    )
    assert "receipts = EOP - BOP + sales + markdowns + shrink" in _html(receipts)
    assert "receipts = 1,854.6 - 1,834.8 + 792 + 0 + 0 = 811.8" in _html(receipts)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"week": "2025-W02", "measure": "sales"}, 400),  # an entered measure has history, not a formula
        ({"week": "2025-W09", "measure": "eop"}, 400),
        ({"week": "2025-W02"}, 400),
    ],
)
def test_explain_refuses_what_it_cannot_explain(
    working: PlanVersion, planner: User, history: dict[str, Any], query: dict[str, str], status: int
) -> None:
    tees = line_of(working, history["tees"])

    response = _client(planner).get(_url("plan-explain", working), {"line": str(tees.pk), **query})

    assert response.status_code == status


def test_history_lists_the_change_after_an_edit(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    client = _client(planner)
    query = {"line": str(tees.pk), "week": "2025-W02", "measure": "target"}
    assert "Not changed since the plan was seeded" in _html(client.get(_url("plan-history", working), query))

    assert _post_cell(client, working, tees.pk).status_code == 200
    response = client.get(_url("plan-history", working), query)

    assert response.status_code == 200
    html = _html(response)
    assert re.search(
        r"<td>pat\.planner</td>\s*<td class=\"num\">4\.10 → 2</td>\s*<td>Cell edit</td>", html
    ), html
    assert html.count("<tr>") == 1


# --- decisions ------------------------------------------------------------------------------


def test_submit_view_redirects_with_a_message(working: PlanVersion, planner: User) -> None:
    response = _client(planner).post(_url("plan-submit", working))

    assert response.status_code == 302
    assert response["Location"] == _url("plan-version", working)
    # The seeded plan plans negative receipts in two weeks: a warning follows (see
    # test_negative_receipts.py), the plan is submitted all the same.
    assert _messages(response)[0] == "Submitted for approval."
    assert _messages(response)[1].startswith("Submitted with a warning: 2 weeks in 2 classes")
    working.refresh_from_db()
    assert working.status == Status.SUBMITTED


def test_decision_views_only_take_posts(working: PlanVersion, planner: User) -> None:
    for name in ("plan-submit", "plan-approve", "plan-reject", "plan-branch"):
        assert _client(planner).get(_url(name, working)).status_code == 405


def test_approve_view_for_a_manager(
    working: PlanVersion, planner: User, manager: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(manager)
    version_submit(user=planner, version_id=working.pk)
    client = _client(manager)
    assert 'data-testid="approve"' in _html(client.get(_url("plan-version", working)))

    response = client.post(_url("plan-approve", working))

    assert response.status_code == 302
    assert response["Location"] == _url("plan-version", working)
    assert _messages(response) == ["Approved: it is now the original plan (OP)."]
    assert version_of(working.plan, Kind.ORIGINAL).is_frozen


def test_approve_view_refuses_a_planner(working: PlanVersion, planner: User, other_planner: User) -> None:
    version_submit(user=planner, version_id=working.pk)

    response = _client(other_planner).post(_url("plan-approve", working))

    assert response.status_code == 403
    assert "Only a manager approves or rejects plans." in _html(response)
    working.refresh_from_db()
    assert working.status == Status.SUBMITTED
    assert not PlanVersion.objects.filter(kind=Kind.ORIGINAL).exists()


def test_approve_view_refuses_the_submitter(working: PlanVersion, manager: User, retailer: Retailer) -> None:
    retailer["tops"].planners.add(manager)
    version_submit(user=manager, version_id=working.pk)
    client = _client(manager)
    assert 'data-testid="approve"' not in _html(client.get(_url("plan-version", working)))

    response = client.post(_url("plan-approve", working))

    assert response.status_code == 403
    assert "You submitted this plan; another manager must approve or reject it." in _html(response)
    assert not PlanVersion.objects.filter(kind=Kind.ORIGINAL).exists()


def test_reject_view_needs_a_reason(
    working: PlanVersion, planner: User, manager: User, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(manager)
    version_submit(user=planner, version_id=working.pk)

    refused = _client(manager).post(_url("plan-reject", working), {"reason": " "})
    working.refresh_from_db()
    assert working.status == Status.SUBMITTED
    rejected = _client(manager).post(_url("plan-reject", working), {"reason": "Too much stock in W01"})

    assert refused.status_code == rejected.status_code == 302
    assert _messages(refused) == ["Say why the plan is rejected."]
    assert _messages(rejected) == ["Rejected: back to the planner with your reason."]
    working.refresh_from_db()
    assert working.status == Status.DRAFT
    step = PlanTransition.objects.filter(version=working).order_by("id").last()
    assert step is not None
    assert (step.action, step.reason, step.user) == ("reject", "Too much stock in W01", manager)


def test_branch_view_creates_a_scenario_and_shows_it(working: PlanVersion, planner: User) -> None:
    response = _client(planner).post(_url("plan-branch", working), {"name": "Hot summer"})

    scenario = PlanVersion.objects.get(plan=working.plan, kind=Kind.SCENARIO)
    assert response.status_code == 302
    assert response["Location"] == _url("plan-version", scenario)
    assert _messages(response) == ["Scenario Hot summer created."]
    assert PlanWeek.objects.filter(line__version=scenario).count() == 12


def test_branch_view_refuses_an_executive(working: PlanVersion, executive: User) -> None:
    response = _client(executive).post(_url("plan-branch", working), {"name": "Mine"})

    assert response.status_code == 403  # says why, with the way back to the plan
    assert f"You cannot change plans of {working.plan.department}." in _html(response)
    assert f'<a href="{_url("plan-version", working)}">Back</a>' in _html(response)
    assert not PlanVersion.objects.filter(kind=Kind.SCENARIO).exists()


def test_the_reforecast_is_actuals_to_date_then_the_working_plan() -> None:
    from planning.plans.grid_compare import _with_reforecast

    working = PlanVersion(kind=PlanVersion.Kind.WORKING)
    nan = float("nan")
    values = {"sales": np.array([10.0, 20.0, 30.0]), "eop": np.array([100.0, 90.0, 80.0])}
    others = {"TY": {"sales": np.array([1.0, 2.0, nan]), "eop": np.array([50.0, 40.0, nan])}}

    reforecast = _with_reforecast(working, values, others)["RF"]

    np.testing.assert_array_equal(reforecast["sales"], [1.0, 2.0, 30.0])
    np.testing.assert_array_equal(reforecast["eop"], [50.0, 40.0, 80.0])


def test_variances_come_in_dollars_and_percent_on_the_weeks_both_have() -> None:
    from planning.plans.grid_columns import Column
    from planning.plans.grid_compare import _variance_row

    columns = [Column("week", "W01", "2025-W01", [0]), Column("season", "Total", "season", [0, 1])]
    nan = float("nan")
    amounts, percents = _variance_row("TY", "LY", np.array([110.0, nan]), np.array([100.0, 50.0]), columns)

    assert (amounts.label, percents.label) == ("TY vs LY $", "TY vs LY %")
    # The season compares only week 1, the one TY has: +10 on 100
    assert [cell.text for cell in amounts.cells] == ["+10", "+10"]
    assert [cell.text for cell in percents.cells] == ["+10.0%", "+10.0%"]
