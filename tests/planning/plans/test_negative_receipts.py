"""Weeks of negative planned receipts: counted per version, marked in the grid, listed at
submission (a warning, not a block) and on the manager's approval card.

The seeded plan (conftest.py) already has two, checked by hand:
  Blouses W03: BOP 990.00 - sales 330.00 leaves 660.00; FWOS 2 asks for EOP 495.00 (165 + 330)
               -> receipts 495.00 - 660.00 = -165.00
  Tees W04:    BOP 1,854.60 - sales 198.00 - markdowns 66.00 leaves 1,590.60; FWOS 2.7 asks for
               EOP 1,320.00 -> receipts -270.60
Last year has one too (Tees W04: 1,200 - 1,680 + 180 + 60 = -240): actuals are not judged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape
from typing import Any

from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from core.approvals import approval_inbox as inbox
from planning.models import PlanVersion, PlanWeek
from planning.plans.negative_receipts import negative_receipts, version_negative_receipts
from planning.plans.services import CellEdit, plan_cells_update, version_submit
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import line_of, version_of

D = Decimal
Kind = PlanVersion.Kind
SEEDED_SUMMARY = (
    "2 weeks in 2 classes plan negative receipts: their stock targets cannot be reached by selling."
)
TEES_W04_NOTE = (
    "Negative receipts (-271): the stock target (EOP 1,320) is below what this week's sales leave "
    "(1,591 = BOP 1,855 - sales 198 - markdowns 66). Raise the target, or plan to return or move stock."
)


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _target(planner: User, version: PlanVersion, line_id: int, week: int, value: str) -> None:
    row = PlanWeek.objects.get(line_id=line_id, fiscal_week_id=week)
    plan_cells_update(
        user=planner, version_id=version.pk, edits=[CellEdit(line_id, week, "target", value, row.row_version)]
    )


# --- the selector ---------------------------------------------------------------------------


def test_the_seeded_plan_has_two_weeks_of_negative_receipts(
    working: PlanVersion, history: dict[str, Any]
) -> None:
    found = version_negative_receipts(working)

    assert [(w.class_name, w.week, w.receipts, w.eop, w.left_by_sales) for w in found.weeks] == [
        ("W-TOP-BLS Blouses", "W03", D("-165.00"), D("495.00"), D("660.00")),
        ("W-TOP-TEE Tees", "W04", D("-270.60"), D("1320.00"), D("1590.60")),
    ]
    assert found.summary == SEEDED_SUMMARY
    assert found.lines == ["W-TOP-BLS Blouses: W03 -165", "W-TOP-TEE Tees: W04 -271"]
    assert found.weeks[1].note == TEES_W04_NOTE


def test_actuals_versions_are_not_judged(plan: Any, working: PlanVersion) -> None:
    last_year = version_of(plan, Kind.LAST_YEAR)
    assert PlanWeek.objects.filter(line__version=last_year, receipts__lt=0).exists()  # -240 in W04

    found = negative_receipts([last_year.pk, working.pk])

    assert not found[last_year.pk]
    assert found[working.pk].count == 2


def test_an_edit_that_lowers_a_target_adds_its_week(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees = line_of(working, history["tees"])

    _target(planner, working, tees.pk, 202502, "2")  # EOP 990 - BOP 2,098.80 + 264 = -844.80

    found = version_negative_receipts(working)
    assert found.summary == (
        "3 weeks in 2 classes plan negative receipts: their stock targets cannot be reached by selling."
    )
    assert found.lines == ["W-TOP-BLS Blouses: W03 -165", "W-TOP-TEE Tees: W02 -845, W04 -271"]


def test_one_week_is_said_in_the_singular(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    blouses = line_of(working, history["blouses"])

    _target(planner, working, blouses.pk, 202503, "3")  # EOP 165 + 330 + 165 = 660: receipts 0

    found = version_negative_receipts(working)
    assert found.summary == "1 week plans negative receipts: its stock target cannot be reached by selling."
    assert found.lines == ["W-TOP-TEE Tees: W04 -271"]


def test_weeks_of_one_class_name_one_target(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    blouses, tees = line_of(working, history["blouses"]), line_of(working, history["tees"])
    _target(planner, working, blouses.pk, 202503, "3")

    _target(planner, working, tees.pk, 202502, "2")

    assert version_negative_receipts(working).summary == (
        "2 weeks plan negative receipts: their stock target cannot be reached by selling."
    )


# --- the grid -------------------------------------------------------------------------------


def _cell_tag(html: str, line_id: int, key: str, measure: str) -> str:
    match = re.search(rf'<td id="cell-{line_id}-{key}-{measure}"[^>]*>', html)
    assert match, f"cell {line_id} {key} {measure} not in the page"
    return match.group(0)


def test_the_grid_marks_each_week_and_counts_them_in_the_header(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])

    html = _client(planner).get(reverse("planning:plan-version", args=[working.pk])).content.decode()

    marked = _cell_tag(html, tees.pk, "2025-W04", "receipts")
    assert 'class="out neg warn"' in marked
    assert f'title="{escape(TEES_W04_NOTE)}"' in marked
    assert "warn" in _cell_tag(html, blouses.pk, "2025-W03", "receipts")
    assert "warn" not in _cell_tag(html, tees.pk, "2025-W03", "receipts")  # +811.80
    assert html.count(" warn") == 2  # only these two: not the total line, not EOP or OTB
    header = re.search(r'<div id="receipts-warning".*?</div>', html, re.DOTALL)
    assert header
    assert f"<strong>{SEEDED_SUMMARY}</strong>" in header.group(0)
    assert "<li>W-TOP-TEE Tees: W04 -271</li>" in header.group(0)


def test_an_edit_answers_with_the_new_count_out_of_band(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    blouses = line_of(working, history["blouses"])

    response = _client(planner).post(
        reverse("planning:plan-cells", args=[working.pk]),
        {"line": blouses.pk, "week": "2025-W03", "measure": "target", "value": "3", "row_version": 1},
    )

    assert response.status_code == 200
    html = response.content.decode()
    header = re.search(r'<div id="receipts-warning"[^>]*hx-swap-oob="true"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert header
    assert "1 week plans negative receipts" in header.group(1)
    assert "warn" not in _cell_tag(html, blouses.pk, "2025-W03", "receipts")


def test_a_plan_without_any_keeps_the_header_box_hidden(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    PlanWeek.objects.filter(line__version=working, receipts__lt=0).update(receipts=D("0"))

    html = _client(planner).get(reverse("planning:plan-version", args=[working.pk])).content.decode()

    header = re.search(r'<div id="receipts-warning"[^>]*>', html)
    assert header
    assert "hidden" in header.group(0)
    assert " warn" not in html


# --- submission and approval ------------------------------------------------------------------


def test_submitting_lists_them_and_still_submits(working: PlanVersion, planner: User) -> None:
    response = _client(planner).post(reverse("planning:plan-submit", args=[working.pk]))

    assert response.status_code == 302
    working.refresh_from_db()
    assert working.status == PlanVersion.Status.SUBMITTED
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Submitted for approval.",
        f"Submitted with a warning: {SEEDED_SUMMARY} W-TOP-BLS Blouses: W03 -165; W-TOP-TEE Tees: W04 -271.",
    ]


def test_the_submit_form_asks_to_confirm_through_the_warning_box(working: PlanVersion, planner: User) -> None:
    html = _client(planner).get(reverse("planning:plan-version", args=[working.pk])).content.decode()

    assert re.search(r'action="[^"]*/submit/"\s+data-confirm-warnings="receipts-warning"', html)


def test_the_api_submit_answers_with_the_weeks(working: PlanVersion, planner: User) -> None:
    response = _client(planner).post(f"/api/v1/plan-versions/{working.pk}/submit/")

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    weeks = response.json()["negative_receipts"]
    assert [(w["merch_class"], w["week"], w["receipts"], w["eop"], w["left_by_sales"]) for w in weeks] == [
        ("W-TOP-BLS Blouses", "2025-W03", "-165.00", "495.00", "660.00"),
        ("W-TOP-TEE Tees", "2025-W04", "-270.60", "1320.00", "1590.60"),
    ]


def test_the_manager_sees_them_before_approving(working: PlanVersion, planner: User, manager: User) -> None:
    working.plan.department.planners.add(manager)  # the manager of Tops
    version_submit(user=planner, version_id=working.pk)

    page = _client(manager).get(reverse("planning:plan-version", args=[working.pk])).content.decode()
    assert 'data-testid="approve"' in page
    note = re.search(r'<p class="plan-warning-note" data-testid="approve-warning">(.*?)</p>', page, re.DOTALL)
    assert note
    assert " ".join(note.group(1).split()) == (
        f"Approving accepts the negative receipts below as planned: {SEEDED_SUMMARY}"
    )

    [card] = [item for item in inbox(manager) if item.kind == "plan"]
    assert card.warnings == (SEEDED_SUMMARY, "W-TOP-BLS Blouses: W03 -165", "W-TOP-TEE Tees: W04 -271")
    approvals = _client(manager).get(reverse("otb:approvals")).content.decode()
    box = re.search(r'data-testid="approval-warning">(.*?)</div>', approvals, re.DOTALL)
    assert box
    assert f"<strong>{SEEDED_SUMMARY}</strong>" in box.group(1)
    assert "<li>W-TOP-BLS Blouses: W03 -165</li>" in box.group(1)
