"""Switching a line's method keeps its stock: the new targets come from the EOP it has now.

Tees in the conftest plan (FWOS, wrap): sales 501.60, 264.00, 792.00, 198.00 (1,755.60);
markdowns 39.60, 0, 0, 66.00; opening 1,200.00; EOP 2,098.80, 1,834.80, 1,854.60, 1,320.00;
receipts EOP - BOP + sales + markdowns: 1,440.00, 0.00, 811.80, -270.60 (one negative week).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from planning.models import PlanCellChange, PlanLine, PlanTransition, PlanVersion
from planning.plans.line_settings import plan_line_settings_update
from planning.plans.services import PlanError
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import column, dollars, line_of, snapshot

pytestmark = pytest.mark.django_db

TEES_EOP = dollars("2098.80", "1834.80", "1854.60", "1320.00")
TEES_RECEIPTS = dollars("1440.00", "0.00", "811.80", "-270.60")


def _switch(planner: User, version: PlanVersion, line: PlanLine, method: str, turn: str = "") -> Any:
    return plan_line_settings_update(
        user=planner, version_id=version.pk, line_id=line.pk, method=method, turn=turn, opening_stock=None
    )


@pytest.fixture
def tees(working: PlanVersion, history: dict[str, Any]) -> PlanLine:
    line = line_of(working, history["tees"])
    assert column(line, "eop") == TEES_EOP
    assert column(line, "receipts") == TEES_RECEIPTS
    return line


def test_fwos_to_ssr_keeps_the_eop_and_back_again(
    working: PlanVersion, planner: User, tees: PlanLine
) -> None:
    fwos = column(tees, "target")

    result = _switch(planner, working, tees, "ssr")

    # SSR = the BOP a week needs (the EOP before it) / its sales: 2,098.80 / 264 = 7.95,
    # 1,834.80 / 792 = 2.3166..., 1,854.60 / 198 = 9.3666...; week 1's closes week 4 (wrap):
    # 1,320 / 501.60 = 2.6315...
    assert column(tees, "target") == [
        Decimal("2.6315789474"),
        Decimal("7.9500000000"),
        Decimal("2.3166666667"),
        Decimal("9.3666666667"),
    ]
    assert column(tees, "eop") == TEES_EOP
    assert column(tees, "receipts") == TEES_RECEIPTS
    assert result.moved_weeks == []
    assert result.message == (
        "W-TOP-TEE Tees now plans by Stock-to-sales ratio: its targets come from its stock, so EOP stays"
        " as it was in every week."
    )

    _switch(planner, working, tees, "fwos")

    assert column(tees, "eop") == TEES_EOP
    assert column(tees, "receipts") == TEES_RECEIPTS
    # The FWOS targets come back (to the 10 places they are stored in).
    assert [round(value, 6) for value in column(tees, "target")] == [round(value, 6) for value in fwos]


@pytest.mark.parametrize(
    ("method", "targets"),
    [
        # EOP / sales: 2,098.80 / 501.60, 1,834.80 / 264, 1,854.60 / 792, 1,320 / 198
        ("wos", ["4.1842105263", "6.9500000000", "2.3416666667", "6.6666666667"]),
        # sales / the BOP it needs: 501.60 / 1,320 (wrap), 264 / 2,098.80, 792 / 1,834.80, 198 / 1,854.60
        ("sell_through", ["0.3800000000", "0.1257861635", "0.4316546763", "0.1067615658"]),
    ],
)
def test_other_per_week_methods_keep_the_eop(
    working: PlanVersion, planner: User, tees: PlanLine, method: str, targets: list[str]
) -> None:
    _switch(planner, working, tees, method)

    assert column(tees, "target") == [Decimal(value) for value in targets]
    assert column(tees, "eop") == TEES_EOP
    assert column(tees, "receipts") == TEES_RECEIPTS


def test_receipts_entered_are_the_receipts_it_had(
    working: PlanVersion, planner: User, tees: PlanLine
) -> None:
    _switch(planner, working, tees, "receipts")

    assert column(tees, "receipts_entered") == TEES_RECEIPTS
    assert column(tees, "eop") == TEES_EOP


def test_turn_keeps_the_average_stock_and_shows_the_turn(
    working: PlanVersion, planner: User, tees: PlanLine
) -> None:
    result = _switch(planner, working, tees, "turn")

    tees.refresh_from_db()
    # Average EOP (2,098.80 + 1,834.80 + 1,854.60 + 1,320) / 4 = 1,777.05; turn 1,755.60 / 1,777.05
    # = 0.98793 -> 0.988 (3 places), so every EOP is 1,755.60 / 0.988 = 1,776.92.
    assert tees.turn == Decimal("0.988")
    assert column(tees, "eop") == dollars("1776.92", "1776.92", "1776.92", "1776.92")
    assert result.message == (
        "W-TOP-TEE Tees now plans by Turn, turn 0.988 over the span: the average stock stays 1,777"
        " (was 1,777); a turn line holds the same stock every week."
    )
    # A turn the planner types wins over the derived one.
    _switch(planner, working, tees, "basic_stock", turn="2")
    tees.refresh_from_db()
    assert (tees.method, tees.turn) == ("basic_stock", Decimal("2.000"))


def test_a_method_change_is_audited_and_bumps_the_rows(
    working: PlanVersion, planner: User, tees: PlanLine
) -> None:
    versions = column(tees, "row_version")

    _switch(planner, working, tees, "ssr")

    assert column(tees, "row_version") == [version + 1 for version in versions]
    changes = PlanCellChange.objects.filter(line=tees, source=PlanCellChange.Source.METHOD).order_by(
        "fiscal_week_id"
    )
    assert [(c.measure, c.new_value) for c in changes] == [
        ("target", Decimal("2.6316")),
        ("target", Decimal("7.9500")),
        ("target", Decimal("2.3167")),
        ("target", Decimal("9.3667")),
    ]
    assert PlanTransition.objects.filter(version=working, action="method").get().reason == (
        "W-TOP-TEE Tees now plans by Stock-to-sales ratio (was Forward weeks of supply)"
    )


def test_a_week_a_method_cannot_hold_is_named(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    """Blouses sell in every week, but a zero-sales week cannot open with stock under SSR."""
    blouses = line_of(working, history["blouses"])
    from planning.plans.services import CellEdit, plan_cells_update

    plan_cells_update(user=planner, version_id=working.pk, edits=[CellEdit(blouses.pk, 202503, "sales", "0")])
    eop = column(blouses, "eop")

    result = _switch(planner, working, blouses, "ssr")

    # Week 3 sells nothing: its BOP (week 2's EOP) cannot be planned by SSR; the rest stays.
    after = column(blouses, "eop")
    assert after[1] == Decimal("0.00")
    assert [after[0], after[2], after[3]] == [eop[0], eop[2], eop[3]]
    assert result.moved_weeks == ["W02"]
    assert "EOP stays in 3 of 4 weeks; it changes in W02 because a stock-to-sales ratio holds nothing" in (
        result.message
    )


def test_a_bad_turn_changes_nothing(working: PlanVersion, planner: User, tees: PlanLine) -> None:
    before = snapshot(working)
    for turn, message in (("0", "greater than zero"), ("60", "between 0 and 52"), ("two", "not a number")):
        with pytest.raises(PlanError, match=message):
            _switch(planner, working, tees, "turn", turn=turn)
    assert snapshot(working) == before
    tees.refresh_from_db()
    assert (tees.method, tees.turn) == ("fwos", None)


def test_the_grid_shows_the_turn_to_read_and_change_after_apply(
    working: PlanVersion, planner: User, tees: PlanLine
) -> None:
    client = Client()
    assert client.login(username=planner.get_username(), password=PASSWORD)
    url = reverse("planning:plan-line-settings", args=[working.pk])

    response = client.post(url, {"line": tees.pk, "method": "turn", "turn": ""}, follow=True)

    html = response.content.decode()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "W-TOP-TEE Tees now plans by Turn, turn 0.988 over the span: the average stock stays 1,777"
        " (was 1,777); a turn line holds the same stock every week."
    ]
    head = re.search(rf'<tr class="line-head" id="head-{tees.pk}".*?</tr>', html, flags=re.DOTALL)
    assert head, html
    assert "turn 0.988 over the span" in head.group(0)
    assert re.search(r'<input type="text"\s+name="turn"\s+size="4"\s+value="0.988"', head.group(0))

    # The planner changes the turn where it is shown: 2 over the span, BOP 1,755.60 / 2 = 877.80.
    client.post(url, {"line": tees.pk, "method": "turn", "turn": "2"})
    html = client.get(reverse("planning:plan-version", args=[working.pk])).content.decode()
    assert "turn 2 over the span" in html
    assert column(tees, "bop")[1:] == dollars("877.80", "877.80", "877.80")


def test_a_deep_stock_keeps_its_eop_as_an_ssr(working: PlanVersion, planner: User, tees: PlanLine) -> None:
    """FWOS 40 (ten times the four weeks' 1,755.60 = 17,556 in every week) reads as weekly SSRs
    well above a year: 17,556 / 264 = 66.5 and / 198 = 88.67 stay below the 104 allowed."""
    from planning.plans.services import CellEdit, plan_cells_update

    plan_cells_update(
        user=planner,
        version_id=working.pk,
        edits=[CellEdit(tees.pk, 202500 + week, "target", "40") for week in range(1, 5)],
    )
    assert column(tees, "eop") == dollars("17556.00", "17556.00", "17556.00", "17556.00")

    result = _switch(planner, working, tees, "ssr")

    assert result.moved_weeks == []
    assert [round(value, 4) for value in column(tees, "target")] == [
        Decimal("35.0000"),  # 17,556 / 501.60, closing W04 (wrap)
        Decimal("66.5000"),
        Decimal("22.1667"),
        Decimal("88.6667"),
    ]
    assert column(tees, "eop") == dollars("17556.00", "17556.00", "17556.00", "17556.00")


def test_a_sell_through_target_reads_as_a_percentage_in_the_grid(
    working: PlanVersion, planner: User, tees: PlanLine
) -> None:
    # Sell-through targets from the EOP it has: 0.38, 0.1257861635, 0.4316546763, 0.1067615658.
    _switch(planner, working, tees, "sell_through")
    client = Client()
    assert client.login(username=planner.get_username(), password=PASSWORD)
    html = client.get(reverse("planning:plan-version", args=[working.pk])).content.decode()
    cells = re.findall(rf'<td id="cell-{tees.pk}-[^"]*-target"[^>]*data-raw="([^"]*)">([^<]*)</td>', html)
    assert cells[:4] == [("38%", "38.0%"), ("12.579%", "12.6%"), ("43.165%", "43.2%"), ("10.676%", "10.7%")]

    # Typed back unchanged, the editor's text is the stored share (no conflict, nothing moves).
    week = tees.weeks.order_by("fiscal_week_id")[1]
    response = client.post(
        reverse("planning:plan-cells", args=[working.pk]),
        {"line": tees.pk, "week": "2025-W02", "measure": "target", "value": "15%",
         "row_version": week.row_version, "expected": "12.579%"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    week.refresh_from_db()
    assert week.target == Decimal("0.1500000000")
