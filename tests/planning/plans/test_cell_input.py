"""What a cell takes: numbers (thousands separators, $ on money), changes of the current value
(+10%, -5%, *1.1, /2), percentages only where the cell is a share; everything else refused with
a message and nothing saved.

Starting point (conftest.py): Tees sales 501.60, 264.00, 792.00, 198.00 (month 1,755.60), units
22, 11, 33, 11, FWOS targets 5.1, 4.1, 4.5, 2.7.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import PlanCellChange, PlanLine, PlanVersion, PlanWeek
from planning.plans.cell_input import CellInputError, cell_value, parse_cell_input
from planning.plans.services import (
    CellEdit,
    PlanError,
    plan_aggregate_update,
    plan_cells_update,
)
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import column, dollars, line_of, snapshot

D = Decimal


# --- the parser -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "current", "measure", "method", "stored"),
    [
        ("1250", D("264"), "sales", "fwos", D("1250")),
        ("1,250.50", D("264"), "sales", "fwos", D("1250.50")),
        ("$1,250", D("264"), "sales", "fwos", D("1250")),
        ("1,234,567", D("264"), "on_order", "fwos", D("1234567")),
        (" .5 ", D("264"), "markdowns", "fwos", D("0.5")),
        ("+10%", D("264.00"), "sales", "fwos", D("290.40")),
        ("-5%", D("264.00"), "sales", "fwos", D("250.80")),
        ("\u22125%", D("264.00"), "sales", "fwos", D("250.80")),  # a minus sign copied from a page
        ("*1.1", D("264.00"), "sales", "fwos", D("290.40")),
        ("/3", D("264.00"), "sales", "fwos", D("88.00")),
        ("+10%", D("0.05"), "sales", "fwos", D("0.06")),  # 0.055 rounds half up
        ("*1.5", 11, "sales_units", "fwos", D("17")),  # 16.5 half up, not to even (16)
        ("+5%", 11, "sales_units", "fwos", D("12")),  # 11.55
        ("+10%", D("4.100"), "target", "fwos", D("4.510")),
        ("25%", D("0.250"), "target", "sell_through", D("0.25")),
        ("0.3", D("0.250"), "target", "sell_through", D("0.3")),
        ("+10%", D("0.250"), "target", "sell_through", D("0.275")),  # relative, not 10 points
    ],
)
def test_accepted_forms(typed: str, current: Any, measure: str, method: str, stored: Decimal) -> None:
    assert cell_value(typed, current, measure=measure, method=method) == stored


@pytest.mark.parametrize(
    ("typed", "measure", "method", "message"),
    [
        (
            "10%",
            "sales",
            "fwos",
            "Sales $ takes an amount, not a percentage: type 10 to set it to 10, "
            "or +10% to raise its current value by 10%.",
        ),
        (
            "10%",
            "target",
            "fwos",
            "FWOS target takes a number, not a percentage: type 10 to set it to 10, "
            "or +10% to raise its current value by 10%.",
        ),
        ("=264*2", "sales", "fwos", "Formulas are not taken: type a number (1,250) or a change of its"),
        ("+500", "sales", "fwos", "'+500' could mean set or add: type 500 to set the cell, or +10%"),
        ("1,25", "sales", "fwos", "'1,25' is not a number: type 1,250 or 1250.50"),
        ("1 250", "sales", "fwos", "'1 250' is not a number"),
        ("ten", "sales", "fwos", "'ten' is not a number"),
        ("NaN", "sales", "fwos", "'NaN' is not a number"),
        ("$4", "target", "fwos", "FWOS target is not an amount of money: type it without $."),
        ("/0", "sales", "fwos", "Cannot divide by zero."),
        ("", "sales", "fwos", "Type a number for Sales $."),
    ],
)
def test_refused_forms(typed: str, measure: str, method: str, message: str) -> None:
    with pytest.raises(CellInputError) as refused:
        parse_cell_input(typed, measure=measure, method=method)
    assert str(refused.value).startswith(message), str(refused.value)


def test_a_change_of_an_empty_cell_is_refused() -> None:
    with pytest.raises(CellInputError, match=r"^This cell is empty: type a number, not a change of it\.$"):
        cell_value("+10%", None, measure="target", method="fwos")


# --- through the service: typed edits, pasted blocks, totals ---------------------------------


def _edit(line_id: int, week: int, measure: str, value: str) -> CellEdit:
    return CellEdit(line_id=line_id, week_id=week, measure=measure, value=value, row_version=1)


def test_ten_percent_in_a_dollar_cell_is_refused_and_nothing_changes(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PlanError, match=r"^Sales \$ takes an amount, not a percentage") as refused:
        plan_cells_update(user=planner, version_id=working.pk, edits=[_edit(tees.pk, 202502, "sales", "10%")])

    assert refused.value.edit is not None
    assert refused.value.edit.week_id == 202502
    assert snapshot(working) == before
    assert column(tees, "sales")[1] == D("264.00")  # it used to save 10


def test_relative_edits_apply_to_the_current_value_and_are_audited(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])

    plan_cells_update(
        user=planner,
        version_id=working.pk,
        edits=[
            _edit(tees.pk, 202502, "sales", "+10%"),
            _edit(tees.pk, 202503, "sales", "-5%"),
            _edit(tees.pk, 202504, "sales", "*1.5"),
            _edit(tees.pk, 202502, "sales_units", "*1.5"),
        ],
    )

    assert column(tees, "sales") == dollars("501.60", "290.40", "752.40", "297.00")
    assert column(tees, "sales_units") == [22, 17, 33, 11]
    change = PlanCellChange.objects.get(line=tees, fiscal_week_id=202503, measure="sales")
    assert (change.old_value, change.new_value) == (D("792.00"), D("752.40"))


def test_a_pasted_block_with_one_bad_cell_names_that_cell_and_saves_nothing(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PlanError) as refused:
        plan_cells_update(
            user=planner,
            version_id=working.pk,
            edits=[_edit(tees.pk, 202502, "sales", "300"), _edit(tees.pk, 202503, "sales", "=B2")],
        )

    assert refused.value.edit is not None
    assert refused.value.edit.week_id == 202503
    assert snapshot(working) == before


def test_a_sell_through_target_takes_a_percentage(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    # Planned by sell-through of 25% a week (how the line got there is not this test's topic).
    PlanLine.objects.filter(pk=tees.pk).update(method=PlanLine.Method.SELL_THROUGH)
    PlanWeek.objects.filter(line=tees).update(target=D("0.250"))

    plan_cells_update(
        user=planner,
        version_id=working.pk,
        edits=[_edit(tees.pk, 202501, "target", "30%"), _edit(tees.pk, 202502, "target", "+10%")],
    )

    assert column(tees, "target")[:2] == [D("0.300"), D("0.275")]  # 0.25 raised by 10%
    with pytest.raises(PlanError, match=r"^Sell-through target must be between 0.001 and 1\."):
        plan_cells_update(
            user=planner, version_id=working.pk, edits=[CellEdit(tees.pk, 202503, "target", "30")]
        )


def test_a_month_total_raised_by_ten_percent_raises_each_week(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])

    plan_aggregate_update(
        user=planner, version_id=working.pk, line_id=tees.pk, column_key="M1", measure="sales",
        value="+10%", expected="1755.6",
    )  # fmt: skip

    # 1,755.60 x 1.1 = 1,931.16, spread by the current weeks.
    assert column(tees, "sales") == dollars("551.76", "290.40", "871.20", "217.80")


def test_a_month_target_changed_by_a_share_changes_each_weeks_own_target(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])

    plan_aggregate_update(
        user=planner, version_id=working.pk, line_id=tees.pk, column_key="M1", measure="target",
        value="+10%", expected=None,
    )  # fmt: skip

    assert column(tees, "target") == [D("5.610"), D("4.510"), D("4.950"), D("2.970")]


def test_a_month_total_typed_as_a_percentage_is_refused(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    with pytest.raises(PlanError, match=r"^Sales \$ takes an amount, not a percentage"):
        plan_aggregate_update(
            user=planner, version_id=working.pk, line_id=tees.pk, column_key="M1", measure="sales",
            value="10%", expected="1755.6",
        )  # fmt: skip

    assert snapshot(working) == before


# --- through the grid endpoint ----------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def test_the_grid_answers_400_with_the_message_at_the_refused_cell(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])
    before = snapshot(working)

    response = _client(planner).post(
        reverse("planning:plan-cells", args=[working.pk]),
        {"line": tees.pk, "week": "2025-W02", "measure": "sales", "value": "10%", "row_version": 1},
    )

    assert response.status_code == 400
    html = response.content.decode()
    message = (
        "Sales $ takes an amount, not a percentage: type 10 to set it to 10, "
        "or +10% to raise its current value by 10%."
    )
    assert (
        f'<span class="cell-error" role="alert">{message}</span>'
        in html.split(f'id="cell-{tees.pk}-2025-W02-sales"')[1].split("</td>")[0]
    )
    assert snapshot(working) == before


def test_a_refused_paste_names_the_cell_in_the_message_bar(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    import json

    tees = line_of(working, history["tees"])
    edits = [
        {"line": tees.pk, "week": "2025-W02", "measure": "sales", "value": "300", "row_version": 1},
        {"line": tees.pk, "week": "2025-W03", "measure": "sales", "value": "5%", "row_version": 1},
    ]

    response = _client(planner).post(
        reverse("planning:plan-cells", args=[working.pk]), {"edits": json.dumps(edits)}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was pasted: W03 Sales $: Sales $ takes an amount, not a percentage" in html
    assert 'class="cell-error"' in html.split(f'id="cell-{tees.pk}-2025-W03-sales"')[1].split("</td>")[0]
    assert column(tees, "sales")[1] == D("264.00")


def test_a_malformed_paste_shows_its_message_in_the_bar(working: PlanVersion, planner: User) -> None:
    response = _client(planner).post(reverse("planning:plan-cells", args=[working.pk]), {"edits": "[{"})

    assert response.status_code == 400
    html = response.content.decode()
    assert '<div id="grid-message" hx-swap-oob="true" class="grid-message error" role="alert">' in html
