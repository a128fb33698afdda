"""REST API for plans: plans, versions, lines and cells read in the user's scope; cell edits,
approvals and scenarios through the services, their refusals as 400/403/409.

The plan (checked by hand): Tops over FY2027 W01..W04, FWOS, wrap, no growth. Tees sold
100, 80, 120, 90 last year (FY2026 W01..W04, 5 units a week, no markdowns) and had no stock,
so the working plan starts with sales 100, 80, 120, 90, FWOS targets 0, opening stock 0,
EOP 0 and receipts = OTB = sales. Gross margin is sales x (1 - 0.45).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from planning.models import (
    Plan,
    PlanCellChange,
    PlanLine,
    PlanTransition,
    PlanVersion,
    PlanWeek,
    SalesHistory,
)
from planning.plans.services import PlanSpec, plan_create
from planning.roles import MANAGER, PLANNER
from tests.conftest import PASSWORD

Retailer = dict[str, Any]
Kind = PlanVersion.Kind
WEEKS = ["2027-W01", "2027-W02", "2027-W03", "2027-W04"]
MEASURES = [
    "sales", "sales_units", "markdowns", "shrink", "target", "receipts_entered", "on_order", "received",
    "bop", "eop", "receipts", "otb", "gross_margin", "wos", "fwos", "turn", "sell_through", "gm_percent",
    "gmroi",
]  # fmt: skip
AUTH_MISSING = {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


def _user(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    return user


def _client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def tops_plan(planner: User, retailer: Retailer) -> Plan:
    for week, retail in ((202601, "100.00"), (202602, "80.00"), (202603, "120.00"), (202604, "90.00")):
        SalesHistory.objects.create(
            sku=retailer["sku_s"],
            location=retailer["store"],
            fiscal_week_id=week,
            units=5,
            retail_value=Decimal(retail),
            cost_value=Decimal(retail) * Decimal("0.4"),
        )
    retailer["tops"].planners.add(planner)
    spec = PlanSpec(
        name="Tops 2027", department_id=retailer["tops"].pk, first_week_id=202701, last_week_id=202704
    )
    return plan_create(user=planner, spec=spec)


@pytest.fixture
def working(tops_plan: Plan) -> PlanVersion:
    return tops_plan.versions.get(kind=Kind.WORKING)


@pytest.fixture
def tees(working: PlanVersion, retailer: Retailer) -> PlanLine:
    return PlanLine.objects.get(version=working, merch_class=retailer["class"])


@pytest.fixture
def second_planner(retailer: Retailer) -> User:
    user = _user("sam.second", PLANNER)
    retailer["tops"].planners.add(user)
    return user


@pytest.fixture
def second_manager(retailer: Retailer) -> User:
    user = _user("mia.manager", MANAGER)
    retailer["tops"].planners.add(user)
    return user


def _cells_url(version: PlanVersion) -> str:
    return f"/api/v1/plan-versions/{version.pk}/cells/"


def _edit(line: PlanLine, week: str, measure: str, value: str, row_version: int = 1) -> dict[str, Any]:
    return {"line": line.pk, "week": week, "measure": measure, "value": value, "row_version": row_version}


def _by_week(cells: list[dict[str, Any]], measure: str) -> list[str | None]:
    return [cell["value"] for cell in cells if cell["measure"] == measure]


def _snapshot(version: PlanVersion) -> dict[str, Any]:
    """What a refused write must leave as it was."""
    version.refresh_from_db()
    return {
        "rows": list(
            PlanWeek.objects.filter(line__version=version)
            .order_by("pk")
            .values_list(*[f.attname for f in PlanWeek._meta.concrete_fields if f.name != "updated_at"])
        ),
        "audit": PlanCellChange.objects.filter(line__version=version).count(),
        "values_version": version.values_version,
        "status": version.status,
    }


def _version_body(version: PlanVersion, **changes: Any) -> dict[str, Any]:
    body = {
        "id": version.pk,
        "plan": version.plan_id,
        "plan_name": "Tops 2027",
        "kind": version.kind,
        "name": version.name,
        "status": version.status,
        "is_frozen": version.is_frozen,
        "branched_from": None,
        "values_version": 1,
        "totals_version": 1,
        "is_editable": False,
        "revision": None,  # an original plan's: 1, 2, ... with who approved it and when
        "approved_by": None,
        "approved_at": None,
    }
    body.update(changes)
    return body


# --- plans and versions ---------------------------------------------------------------------


def test_plan_list_of_a_planner(planner: User, tops_plan: Plan) -> None:
    last_year, this_year, working = (tops_plan.versions.get(kind=kind) for kind in ("ly", "ty", "wp"))

    body = _client(planner).get("/api/v1/plans/").json()

    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    plan = body["results"][0]
    assert plan.pop("created_at").startswith("2026-")
    assert plan == {
        "id": tops_plan.pk,
        "name": "Tops 2027",
        "department": "W-TOP",
        "scope": "Total company",
        "first_week": 202701,
        "last_week": 202704,
        "exhaustion": "wrap",
        "growth_percent": "0.00",
        "versions": [
            _version_body(last_year, kind="ly", name="Last year", status="approved", is_frozen=True),
            _version_body(this_year, kind="ty", name="This year actuals", status="approved", is_frozen=True),
            _version_body(working, kind="wp", name="Working plan", status="draft", is_editable=True),
        ],
    }


def test_plan_detail_is_the_list_entry(planner: User, tops_plan: Plan) -> None:
    client = _client(planner)

    detail = client.get(f"/api/v1/plans/{tops_plan.pk}/")

    assert detail.status_code == 200
    assert detail.json() == client.get("/api/v1/plans/").json()["results"][0]


def test_an_executive_reads_plans_but_edits_none(executive: User, tops_plan: Plan) -> None:
    body = _client(executive).get("/api/v1/plans/").json()

    assert body["count"] == 1
    assert [(v["kind"], v["is_editable"]) for v in body["results"][0]["versions"]] == [
        ("ly", False),
        ("ty", False),
        ("wp", False),
    ]


def test_a_user_without_a_role_sees_no_plan(nobody: User, tops_plan: Plan, working: PlanVersion) -> None:
    client = _client(nobody)

    assert client.get("/api/v1/plans/").json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get(f"/api/v1/plans/{tops_plan.pk}/").status_code == 404
    for path in ("", "lines/", "cells/"):
        assert client.get(f"/api/v1/plan-versions/{working.pk}/{path}").status_code == 404
    response = client.patch(_cells_url(working), {"cells": []}, format="json")
    assert response.status_code == 404


def test_plan_list_queries(
    planner: User, tops_plan: Plan, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = _client(planner)

    # Session, user, the user's groups, count, plans, their versions, editable departments.
    with django_assert_num_queries(7):
        client.get("/api/v1/plans/")


def test_version_detail(planner: User, tops_plan: Plan, working: PlanVersion) -> None:
    last_year = tops_plan.versions.get(kind=Kind.LAST_YEAR)
    client = _client(planner)

    response = client.get(f"/api/v1/plan-versions/{working.pk}/")

    assert response.status_code == 200
    # This plan has no week of negative receipts (tests/planning/plans/test_negative_receipts.py).
    assert response.json() == {**_version_body(working, is_editable=True), "negative_receipts": []}
    assert client.get(f"/api/v1/plan-versions/{last_year.pk}/").json()["is_editable"] is False


def test_version_of_another_department_is_read_only(retailer: Retailer, working: PlanVersion) -> None:
    """A planner of Dresses reads the Tops plan but may not change it."""
    dresses_planner = _user("dora.dresses", PLANNER)
    retailer["dresses"].planners.add(dresses_planner)

    body = _client(dresses_planner).get(f"/api/v1/plan-versions/{working.pk}/").json()

    assert (body["status"], body["is_editable"]) == ("draft", False)


def test_lines(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    total = PlanLine.objects.get(version=working, merch_class__isnull=True)

    body = _client(planner).get(f"/api/v1/plan-versions/{working.pk}/lines/").json()

    assert body["count"] == 2
    assert body["results"] == [
        {
            "id": total.pk,
            "position": 0,
            "class_code": None,
            "class_name": None,
            "method": "receipts",
            "opening_stock": "0.00",
            "turn": None,
        },
        {
            "id": tees.pk,
            "position": 1,
            "class_code": "W-TOP-TEE",
            "class_name": "Tees",
            "method": "fwos",
            "opening_stock": "0.00",
            "turn": None,
        },
    ]


# --- cells: reading -------------------------------------------------------------------------


def test_cells_of_a_line(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    query = f"?line={tees.pk}&measure=eop&measure=sales&measure=receipts&measure=target"

    body = _client(planner).get(_cells_url(working) + query).json()

    assert body["count"] == 16
    expected = []
    for week, sales in zip(WEEKS, ("100.00", "80.00", "120.00", "90.00"), strict=True):
        for measure, value, is_entered in (
            ("sales", sales, True),
            ("target", "0.000", True),
            ("eop", "0.00", False),
            ("receipts", sales, False),
        ):
            expected.append(
                {
                    "line": tees.pk,
                    "week": week,
                    "measure": measure,
                    "value": value,
                    "row_version": 1,
                    "is_entered": is_entered,
                }
            )
    assert body["results"] == expected


def test_cells_match_the_stored_rows(planner: User, working: PlanVersion) -> None:
    body = _client(planner).get(_cells_url(working)).json()

    rows: dict[tuple[int, int], dict[str, Any]] = {
        (row["line_id"], row["fiscal_week_id"]): dict(row)
        for row in PlanWeek.objects.filter(line__version=working).values()
    }
    assert body["count"] == len(rows) * 19 == 2 * 4 * 19
    assert len(body["results"]) == 152
    for cell in body["results"]:
        year, week = cell["week"].split("-W")
        row = rows[cell["line"], int(year) * 100 + int(week)]
        stored = row[cell["measure"]]
        # The same number (a target shows 3 places unless it holds more: "2.500", not 2.5000000000).
        assert (None if cell["value"] is None else Decimal(cell["value"])) == stored, cell
        assert cell["row_version"] == row["row_version"]


def test_cells_of_the_total_line_are_not_entered(planner: User, working: PlanVersion) -> None:
    total = PlanLine.objects.get(version=working, merch_class__isnull=True)

    body = _client(planner).get(_cells_url(working) + f"?line={total.pk}").json()

    assert body["count"] == 76
    assert {cell["is_entered"] for cell in body["results"]} == {False}
    assert _by_week(body["results"], "sales") == ["100.00", "80.00", "120.00", "90.00"]


def test_which_cells_are_entered_on_an_fwos_line(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    body = _client(planner).get(_cells_url(working) + f"?line={tees.pk}&limit=18").json()

    entered = [cell["measure"] for cell in body["results"] if cell["is_entered"]]
    # Receipts are derived on an FWOS line; its target is the FWOS.
    # On order and received come from purchase orders: never entered.
    assert entered == ["sales", "sales_units", "markdowns", "shrink", "target"]


def test_cells_page_across_rows(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    url = _cells_url(working) + f"?line={tees.pk}&limit=20&offset=10"

    body = _client(planner).get(url).json()

    assert body["count"] == 76
    assert [(cell["week"], cell["measure"]) for cell in body["results"]] == [
        *(("2027-W01", measure) for measure in MEASURES[10:]),
        *(("2027-W02", measure) for measure in MEASURES[:11]),
    ]
    assert body["next"].endswith(f"?limit=20&line={tees.pk}&offset=30")
    assert body["previous"].endswith(f"?limit=20&line={tees.pk}")


def test_cells_of_some_weeks(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    query = f"?line={tees.pk}&measure=sales&week_from=2027-W02&week_to=2027-W03"

    body = _client(planner).get(_cells_url(working) + query).json()

    assert [(cell["week"], cell["value"]) for cell in body["results"]] == [
        ("2027-W02", "80.00"),
        ("2027-W03", "120.00"),
    ]


def test_cells_queries(
    planner: User, working: PlanVersion, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = _client(planner)

    # Session, user, the user's groups, the version, its lines, the count, one page of rows.
    with django_assert_num_queries(7):
        client.get(_cells_url(working))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("week_from=2027-3", "week_from: Give the week as YYYY-Www, e.g. 2025-W03."),
        ("week_to=2027-W54", "week_to: FY2027 has no week 54."),
        ("measure=profit", 'measure: "profit" is not a valid choice.'),
        ("line=tees", "line[0]: A valid integer is required."),
    ],
)
def test_cells_bad_query_is_400(planner: User, working: PlanVersion, query: str, message: str) -> None:
    response = _client(planner).get(_cells_url(working) + "?" + query)

    assert response.status_code == 400
    assert response.json()["detail"] == message


# --- cells: editing -------------------------------------------------------------------------


def test_fwos_target_edit_answers_with_the_recomputed_line(
    planner: User, working: PlanVersion, tees: PlanLine
) -> None:
    response = _client(planner).patch(
        _cells_url(working), {"cells": [_edit(tees, "2027-W04", "target", "2.5")]}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["values_version"], body["totals_version"]) == (2, 1)  # totals follow in the background
    cells = body["cells"]
    assert len(cells) == 76  # the edited line, every week and measure
    assert {cell["line"] for cell in cells} == {tees.pk}
    assert _by_week(cells, "target") == ["0.000", "0.000", "0.000", "2.500"]
    # W04 covers 2.5 weeks after it, wrapping to the plan's start: 100 + 80 + 0.5 x 120 = 240.
    assert _by_week(cells, "eop") == ["0.00", "0.00", "0.00", "240.00"]
    assert _by_week(cells, "bop") == ["0.00", "0.00", "0.00", "0.00"]
    # Receipts = EOP - BOP + sales: 240 - 0 + 90 = 330; nothing on order, so OTB = receipts.
    assert _by_week(cells, "receipts") == ["100.00", "80.00", "120.00", "330.00"]
    assert _by_week(cells, "otb") == ["100.00", "80.00", "120.00", "330.00"]
    assert _by_week(cells, "fwos")[3] == "2.5000"
    assert _by_week(cells, "wos")[3] == "2.6667"  # 240 / 90
    assert [cell["row_version"] for cell in cells if cell["measure"] == "sales"] == [1, 1, 1, 2]
    stored = PlanWeek.objects.get(line=tees, fiscal_week_id=202704)
    assert (stored.target, stored.eop, stored.receipts, stored.row_version) == (
        Decimal("2.500"),
        Decimal("240.00"),
        Decimal("330.00"),
        2,
    )
    change = PlanCellChange.objects.get(line=tees)
    assert (change.measure, change.old_value, change.new_value, change.source, change.changed_by) == (
        "target",
        Decimal("0"),
        Decimal("2.5"),
        "edit",
        planner,
    )


def test_pasted_cells_are_saved_together(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    cells = [_edit(tees, "2027-W02", "target", "1.5"), _edit(tees, "2027-W04", "target", "2.5")]

    response = _client(planner).patch(_cells_url(working), {"cells": cells}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["values_version"] == 2  # one change of state
    # W02: 120 + 0.5 x 90 = 165; W03 opens with it and, at FWOS 0, ends empty.
    assert _by_week(body["cells"], "eop") == ["0.00", "165.00", "0.00", "240.00"]
    assert _by_week(body["cells"], "bop") == ["0.00", "0.00", "165.00", "0.00"]
    # W02: 165 - 0 + 80 = 245; W03 (not edited): 0 - 165 + 120 = -45.
    assert _by_week(body["cells"], "receipts") == ["100.00", "245.00", "-45.00", "330.00"]
    assert PlanCellChange.objects.filter(line=tees).count() == 2


def test_stale_row_version_is_409_and_theirs_stands(
    planner: User, second_planner: User, working: PlanVersion, tees: PlanLine
) -> None:
    theirs = _client(second_planner).patch(
        _cells_url(working), {"cells": [_edit(tees, "2027-W04", "target", "2.5")]}, format="json"
    )
    assert theirs.status_code == 200
    before = _snapshot(working)

    response = _client(planner).patch(
        _cells_url(working), {"cells": [_edit(tees, "2027-W04", "target", "3", row_version=1)]}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body.pop("changed_at") is not None
    assert body == {
        "detail": "sam.second changed this cell to 2.500 since you read it; their value stands. "
        "Check it and enter yours again if needed.",
        "code": "conflict",
        "current_version": 2,
        "measure": "target",
        "current": "2.500",
        "changed_by": "sam.second",
        "row_version": 2,
    }
    assert _snapshot(working) == before


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([("2027-W04", "target", "abc")], "cells[0].value: A valid number is required."),
        ([("2027-W04", "target", "NaN")], "cells[0].value: A valid number is required."),
        ([("2027-W04", "target", "105")], "FWOS target must be between 0 and 104."),
        (
            [("2027-W01", "target", "2"), ("2027-W02", "sales", "-5")],  # all or nothing
            "Sales $ must be between 0 and 100,000,000,000.",
        ),
        ([("2027-W04", "sales_units", "2.5")], "Sales units must be a whole number."),
        (
            [("2027-W04", "eop", "10")],
            'cells[0].measure: "eop" is not entered; enter one of sales, sales_units, markdowns, shrink, '
            "target, receipts_entered.",
        ),
        (
            [("2027-W04", "receipts_entered", "10")],
            "Receipts are derived on this line; change its method to enter them.",
        ),
        ([("2027-4", "target", "2")], "cells[0].week: Give the week as YYYY-Www, e.g. 2025-W03."),
        ([("2027-W10", "target", "2")], "Week 202710 is not in this plan."),
    ],
)
def test_bad_cell_is_400_and_nothing_changes(
    planner: User, working: PlanVersion, tees: PlanLine, cells: list[tuple[str, str, str]], message: str
) -> None:
    before = _snapshot(working)

    response = _client(planner).patch(
        _cells_url(working), {"cells": [_edit(tees, *cell) for cell in cells]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert _snapshot(working) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "cells: This field is required."),
        ({"cells": []}, "cells: This list may not be empty."),
        (
            {"cells": [{"line": 1, "week": "2027-W01", "measure": "sales"}]},
            "cells[0].value: This field is required.",
        ),
        (
            {"cells": [{"line": 1, "week": "2027-W01", "measure": "sales", "value": "5"}]},
            "cells[0].row_version: This field is required.",
        ),
    ],
)
def test_incomplete_body_is_400(
    planner: User, working: PlanVersion, body: dict[str, Any], message: str
) -> None:
    before = _snapshot(working)

    response = _client(planner).patch(_cells_url(working), body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert _snapshot(working) == before


def test_the_total_line_is_not_edited(planner: User, working: PlanVersion) -> None:
    total = PlanLine.objects.get(version=working, merch_class__isnull=True)

    response = _client(planner).patch(
        _cells_url(working), {"cells": [_edit(total, "2027-W01", "sales", "5")]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == f"Line {total.pk} is not an editable line of this plan version."


def test_frozen_version_is_400(planner: User, tops_plan: Plan, retailer: Retailer) -> None:
    last_year = tops_plan.versions.get(kind=Kind.LAST_YEAR)
    line = PlanLine.objects.get(version=last_year, merch_class=retailer["class"])
    before = _snapshot(last_year)

    response = _client(planner).patch(
        _cells_url(last_year), {"cells": [_edit(line, "2027-W01", "sales", "5")]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Last year is approved: it cannot be changed."
    assert _snapshot(last_year) == before


def test_executive_edit_is_403(executive: User, working: PlanVersion, tees: PlanLine) -> None:
    before = _snapshot(working)

    response = _client(executive).patch(
        _cells_url(working), {"cells": [_edit(tees, "2027-W04", "target", "2.5")]}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "You cannot change plans of W-TOP Tops."
    assert _snapshot(working) == before


def test_edit_needs_the_csrf_token(planner: User, working: PlanVersion, tees: PlanLine) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(planner)
    before = _snapshot(working)

    response = client.patch(
        _cells_url(working), {"cells": [_edit(tees, "2027-W04", "target", "2.5")]}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "CSRF Failed: CSRF cookie not set."
    assert _snapshot(working) == before


# --- approvals and scenarios ----------------------------------------------------------------


def _post(user: User, version: PlanVersion, action: str, body: dict[str, str] | None = None) -> Any:
    return _client(user).post(f"/api/v1/plan-versions/{version.pk}/{action}/", body or {}, format="json")


def test_submit_reject_resubmit_approve(
    planner: User, manager: User, working: PlanVersion, tees: PlanLine, tops_plan: Plan, retailer: Retailer
) -> None:
    retailer["tops"].planners.add(manager)
    submitted = _post(planner, working, "submit")
    assert submitted.status_code == 200
    assert submitted.json() == {
        **_version_body(working, status="submitted", is_editable=False),
        "negative_receipts": [],
    }

    # Waiting for approval: nobody changes it.
    edit = _client(planner).patch(
        _cells_url(working), {"cells": [_edit(tees, "2027-W04", "target", "2.5")]}, format="json"
    )
    assert (edit.status_code, edit.json()["detail"]) == (
        400,
        "Working plan is submitted for approval: it cannot be changed.",
    )

    refused = _post(planner, working, "approve")
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Only a manager approves or rejects plans.",
    )

    no_reason = _post(manager, working, "reject", {"reason": "  "})
    assert (no_reason.status_code, no_reason.json()["detail"]) == (400, "Say why the plan is rejected.")
    missing = _post(manager, working, "reject")
    assert (missing.status_code, missing.json()["detail"]) == (400, "reason: This field is required.")

    rejected = _post(manager, working, "reject", {"reason": "Too much stock in W04"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "draft"
    assert (
        PlanTransition.objects.filter(version=working, action="reject").get().reason
        == "Too much stock in W04"
    )

    assert _post(planner, working, "submit").json()["status"] == "submitted"
    approved = _post(manager, working, "approve")
    assert approved.status_code == 200
    # The working plan goes on, a draft again (editable by Tops's manager too).
    assert approved.json() == _version_body(working, status="draft", is_editable=True)
    original = tops_plan.versions.get(kind=Kind.ORIGINAL)
    assert (original.name, original.status, original.is_frozen) == ("Original plan", "approved", True)
    body = _client(planner).get(f"/api/v1/plan-versions/{original.pk}/").json()
    assert (body["revision"], body["approved_by"], body["approved_at"][:16]) == (
        1,
        manager.pk,
        "2026-12-07T12:00",
    )


def test_the_submitter_does_not_approve(
    manager: User, second_manager: User, retailer: Retailer, working: PlanVersion
) -> None:
    retailer["tops"].planners.add(manager)  # a manager who also plans Tops
    assert _post(manager, working, "submit").status_code == 200

    own = _post(manager, working, "approve")

    assert own.status_code == 403
    assert own.json()["detail"] == "You submitted this plan; another manager must approve or reject it."
    working.refresh_from_db()
    assert working.status == "submitted"
    assert _post(second_manager, working, "approve").json()["status"] == "draft"


def test_only_a_submitted_version_is_decided(manager: User, working: PlanVersion, retailer: Retailer) -> None:
    retailer["tops"].planners.add(manager)
    response = _post(manager, working, "approve")

    assert (response.status_code, response.json()["detail"]) == (
        400,
        "Working plan is not waiting for approval.",
    )


def test_last_year_does_not_go_for_approval(planner: User, tops_plan: Plan) -> None:
    last_year = tops_plan.versions.get(kind=Kind.LAST_YEAR)

    response = _post(planner, last_year, "submit")

    assert (response.status_code, response.json()["detail"]) == (
        400,
        "Only a working plan or a scenario goes for approval.",
    )


def test_executive_submit_is_403(executive: User, working: PlanVersion) -> None:
    response = _post(executive, working, "submit")

    assert (response.status_code, response.json()["detail"]) == (
        403,
        "You cannot change plans of W-TOP Tops.",
    )
    working.refresh_from_db()
    assert working.status == "draft"


def test_branch_a_scenario(planner: User, executive: User, working: PlanVersion) -> None:
    response = _post(planner, working, "branch", {"name": "Stretch"})

    assert response.status_code == 201
    scenario = PlanVersion.objects.get(plan=working.plan, kind=Kind.SCENARIO)
    assert response.json() == _version_body(
        scenario, kind="scenario", name="Stretch", status="draft", branched_from=working.pk, is_editable=True
    )
    client = _client(planner)
    sales = client.get(_cells_url(scenario) + "?measure=sales").json()["results"]
    assert [cell["value"] for cell in sales] == ["100.00", "80.00", "120.00", "90.00"] * 2

    again = _post(planner, working, "branch", {"name": "Stretch"})
    assert (again.status_code, again.json()["detail"]) == (
        400,
        "This plan already has a version named 'Stretch'.",
    )
    unnamed = _post(planner, working, "branch")
    assert (unnamed.status_code, unnamed.json()["detail"]) == (400, "name: This field is required.")
    refused = _post(executive, working, "branch", {"name": "Mine"})
    assert (refused.status_code, refused.json()["detail"]) == (403, "You cannot change plans of W-TOP Tops.")
    assert PlanVersion.objects.filter(plan=working.plan, kind=Kind.SCENARIO).count() == 1


# --- anonymous, schema ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/plans/"),
        ("get", "/api/v1/plans/{plan}/"),
        ("get", "/api/v1/plan-versions/{version}/"),
        ("get", "/api/v1/plan-versions/{version}/lines/"),
        ("get", "/api/v1/plan-versions/{version}/cells/"),
        ("patch", "/api/v1/plan-versions/{version}/cells/"),
        ("post", "/api/v1/plan-versions/{version}/submit/"),
        ("post", "/api/v1/plan-versions/{version}/approve/"),
        ("post", "/api/v1/plan-versions/{version}/reject/"),
        ("post", "/api/v1/plan-versions/{version}/withdraw/"),
        ("get", "/api/v1/plan-versions/{version}/trail/"),
        ("post", "/api/v1/plan-versions/{version}/branch/"),
    ],
)
def test_anonymous_is_refused(working: PlanVersion, method: str, path: str) -> None:
    before = _snapshot(working)
    url = path.format(plan=working.plan_id, version=working.pk)

    response = getattr(_client(), method)(url, {}, format="json")

    assert response.status_code == 403
    assert response.json() == AUTH_MISSING
    assert _snapshot(working) == before


def test_schema_lists_the_plan_endpoints(planner: User) -> None:
    schema = _client(planner).get("/api/schema/").content.decode()

    for path in (
        "/api/v1/plans/:",
        "/api/v1/plans/{id}/:",
        "/api/v1/plan-versions/{version_id}/:",
        "/api/v1/plan-versions/{version_id}/lines/:",
        "/api/v1/plan-versions/{version_id}/cells/:",
        "/api/v1/plan-versions/{version_id}/submit/:",
        "/api/v1/plan-versions/{version_id}/approve/:",
        "/api/v1/plan-versions/{version_id}/reject/:",
        "/api/v1/plan-versions/{version_id}/withdraw/:",
        "/api/v1/plan-versions/{version_id}/trail/:",
        "/api/v1/plan-versions/{version_id}/branch/:",
    ):
        assert path in schema
    assert "StaleCellBody:" in schema
