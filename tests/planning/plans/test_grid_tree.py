"""The plan grid as a tree (issue 19) and undo of the last edit.

The plan of the conftest (Tops FY2025 W01..W04) has Tees and Blouses; here Tops gets 12 more
classes without history, so the plan has 14 class lines: more than a sheet opens at once
(`grid_tree.OPEN_UP_TO`), so the page opens with every class line collapsed.

Tees' seeded sales (last year + 10 %): 502, 264, 792, 198 (season 1,756)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import PlanCellChange, PlanVersion, PlanWeek
from planning.plans.grid_tree import OPEN_UP_TO
from planning.plans.services import CellEdit, plan_cells_update, plan_create
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import line_of, make_class

pytestmark = pytest.mark.django_db

TEES_SALES = ["502", "264", "792", "198", "1,756", "1,756", "1,756"]  # weeks, Feb, Q1, season


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _tbody(html: str, line_id: int) -> str:
    match = re.search(rf'<tbody id="line-{line_id}".*?</tbody>', html, flags=re.DOTALL)
    assert match, f"line {line_id} not in the answer"
    return match.group(0)


def _summary(tbody: str) -> list[str]:
    """A collapsed line's cells, left to right."""
    row = re.search(r'<tr class="summary">.*?</th>(.*?)</tr>', tbody, flags=re.DOTALL)
    assert row
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


def _open_row(tbody: str, measure: str) -> list[str]:
    row = re.search(
        rf'data-measure="{measure}">\s*<th class="measure"[^>]*>.*?</th>(.*?)</tr>', tbody, re.DOTALL
    )
    assert row
    return re.findall(r">([^<>]*)</td>", row.group(1))


@pytest.fixture
def big(planner: User, retailer: dict[str, Any], history: dict[str, Any], spec: Any) -> PlanVersion:
    for number in range(12):
        make_class(retailer["tops"], f"W-TOP-X{number:02d}", f"Extra {number:02d}", "10.00")
    retailer["tops"].planners.add(planner)
    plan = plan_create(user=planner, spec=spec())
    return plan.versions.get(kind=PlanVersion.Kind.WORKING)


def test_a_big_plan_opens_collapsed_with_one_row_per_line(
    big: PlanVersion, planner: User, history: Any
) -> None:
    html = _client(planner).get(reverse("planning:plan-version", args=[big.pk])).content.decode()
    collapsed = re.findall(r'<tbody id="line-\d+"[^>]*class="line collapsed"', html)
    assert len(collapsed) == 14 > OPEN_UP_TO
    assert 'data-testid="line-count">14 lines<' in html
    tees = line_of(big, history["tees"])
    assert _summary(_tbody(html, tees.pk)) == TEES_SALES  # the Sales $ row, read only
    assert 'class="in' not in _tbody(html, tees.pk)
    # The plan total stays open, with every row.
    total = line_of(big, None)
    assert 'data-measure="eop"' in _tbody(html, total.pk)
    # A collapsed line is small: 69 columns in a year's plan make about 1 KB (this plan has 7).
    assert len(_tbody(html, tees.pk)) < 700


def test_the_measure_picker_shows_the_same_numbers_as_the_open_line(
    big: PlanVersion, planner: User, history: Any
) -> None:
    client = _client(planner)
    tees = line_of(big, history["tees"])
    url = reverse("planning:plan-version", args=[big.pk])
    opened = _tbody(client.get(f"{url}?open=all").content.decode(), tees.pk)
    for measure in ("sales", "eop", "bop", "otb", "fwos", "gm_percent"):
        shut = _tbody(client.get(f"{url}?measure={measure}").content.decode(), tees.pk)
        assert _summary(shut) == _open_row(opened, measure), measure
    assert _open_row(opened, "sales") == TEES_SALES


def test_a_line_opens_editable_and_collapses_again(big: PlanVersion, planner: User, history: Any) -> None:
    client = _client(planner)
    tees = line_of(big, history["tees"])
    url = reverse("planning:plan-line", args=[big.pk, tees.pk])
    opened = client.get(url).content.decode()
    assert opened.startswith(f'<tbody id="line-{tees.pk}"') or f'<tbody id="line-{tees.pk}"' in opened
    assert f'id="cell-{tees.pk}-2025-W02-sales"' in opened
    assert 'aria-expanded="true"' in opened
    shut = client.get(f"{url}?collapsed=1&summary=eop").content.decode()
    assert 'class="line collapsed"' in shut
    assert 'aria-expanded="false"' in shut
    assert client.get(reverse("planning:plan-line", args=[big.pk, line_of(big, None).pk])).status_code == 404


def test_a_total_spread_answers_collapsed_lines_collapsed(
    big: PlanVersion, planner: User, history: Any
) -> None:
    """The plan-total season edit spreads over all 14 lines: the open one comes back open, the
    others as their one collapsed row, so the answer stays small."""
    tees, blouses = line_of(big, history["tees"]), line_of(big, history["blouses"])
    total = line_of(big, None)
    response = _client(planner).post(
        reverse("planning:plan-cells", args=[big.pk]),
        {"line": total.pk, "week": "season", "measure": "sales", "value": "+10%",
         "tree": "1", "open": str(tees.pk), "summary": "sales"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert f'id="cell-{tees.pk}-2025-W02-sales"' in _tbody(html, tees.pk)
    shut = _tbody(html, blouses.pk)
    assert 'class="line collapsed"' in shut
    # Blouses' 900 of sales last year + 10 % = 990, + 10 % again = 1,089 over the season.
    assert _summary(shut)[-1] == "1,089"


def _edit(user: User, version: PlanVersion, line_id: int, value: str, week: int = 202502) -> None:
    row = PlanWeek.objects.get(line_id=line_id, fiscal_week_id=week)
    plan_cells_update(
        user=user, version_id=version.pk, edits=[CellEdit(line_id, week, "sales", value, row.row_version)]
    )


def _sales(line_id: int) -> list[str]:
    return [
        f"{value:.2f}"
        for value in PlanWeek.objects.filter(line_id=line_id)
        .order_by("period")
        .values_list("sales", flat=True)
    ]


def test_undo_puts_back_the_last_edit_once(working: PlanVersion, planner: User, history: Any) -> None:
    tees = line_of(working, history["tees"])
    before = _sales(tees.pk)
    _edit(planner, working, tees.pk, "300")
    assert _sales(tees.pk)[1] == "300.00"
    client = _client(planner)
    undo = reverse("planning:plan-undo", args=[working.pk])

    response = client.post(undo)
    assert response.status_code == 200
    assert _sales(tees.pk) == before == ["501.60", "264.00", "792.00", "198.00"]
    change = PlanCellChange.objects.filter(source="undo").get()
    assert (change.old_value, change.new_value, change.changed_by_id) == (
        Decimal(300),
        Decimal(264),
        planner.pk,
    )

    again = client.post(undo)
    assert again.status_code == 400
    assert "undone already" in again.content.decode()
    assert _sales(tees.pk) == before


def test_undo_of_a_spread_total_puts_back_every_week(
    working: PlanVersion, planner: User, history: Any
) -> None:
    tees = line_of(working, history["tees"])
    before = _sales(tees.pk)
    client = _client(planner)
    spread = client.post(
        reverse("planning:plan-cells", args=[working.pk]),
        {"line": tees.pk, "week": "season", "measure": "sales", "value": "3511.20"},
    )
    assert spread.status_code == 200
    assert _sales(tees.pk) == ["1003.20", "528.00", "1584.00", "396.00"]  # doubled: 3,511.20 = 2 x 1,755.60
    assert client.post(reverse("planning:plan-undo", args=[working.pk])).status_code == 200
    assert _sales(tees.pk) == before


def test_undo_refuses_to_overwrite_a_later_edit_by_someone_else(
    working: PlanVersion, planner: User, other_planner: User, history: Any
) -> None:
    tees = line_of(working, history["tees"])
    _edit(planner, working, tees.pk, "300")
    _edit(other_planner, working, tees.pk, "310")
    response = _client(planner).post(reverse("planning:plan-undo", args=[working.pk]))
    assert response.status_code == 409
    assert f"changed by {other_planner.get_username()} since your edit" in response.content.decode()
    assert _sales(tees.pk)[1] == "310.00"
    assert not PlanCellChange.objects.filter(source="undo").exists()


def test_nothing_to_undo_says_so(working: PlanVersion, planner: User) -> None:
    response = _client(planner).post(reverse("planning:plan-undo", args=[working.pk]))
    assert response.status_code == 400
    assert "Nothing to undo" in response.content.decode()
