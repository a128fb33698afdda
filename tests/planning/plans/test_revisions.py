"""Plan history: every approval adds an original-plan revision (OP r1, r2, ...); earlier ones
stay at their URLs, frozen, with who approved them and when; "vs OP" is the newest.

Figures of conftest.py: Tees' working plan sells 501.60, 264.00, 792.00, 198.00 in W01..W04.
"""

from __future__ import annotations

import importlib
import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from otb.models import OTBBudget
from otb.services import otb_budget_from_plan
from planning.models import PlanTransition, PlanVersion, PlanWeek
from planning.plans import selectors
from planning.plans.services import (
    CellEdit,
    PlanError,
    plan_cells_update,
    scenario_branch,
    version_approve,
    version_submit,
)
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import column, dollars, line_of

Retailer = dict[str, Any]
Kind = PlanVersion.Kind
migration = importlib.import_module("planning.migrations.0013_op_revisions")


# Plans are decided by a manager of their department (test_approval_scope: anyone else is
# refused): every test here runs with the manager planning Tops (tests/fixtures/people.py).
pytestmark = pytest.mark.usefixtures("tops_manager")


def _tees_row(html: str, line_id: int, label: str) -> list[str]:
    """The cells of one row (by its label) of a line of the grid page."""
    line = re.search(rf'<tbody id="line-{line_id}".*?</tbody>', html, flags=re.DOTALL)
    assert line is not None
    match = re.search(
        rf'<th class="measure"[^>]*>\s*{re.escape(label)}\s*</th>(.*?)</tr>', line.group(0), re.DOTALL
    )
    assert match is not None, label
    return re.findall(r">([^<>]*)</td>", match.group(1))


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _set_sales(version: PlanVersion, user: User, line_id: int, week: int, value: str) -> None:
    row_version = PlanWeek.objects.get(line_id=line_id, fiscal_week_id=week).row_version
    plan_cells_update(
        user=user, version_id=version.pk, edits=[CellEdit(line_id, week, "sales", value, row_version)]
    )


def _approve(working: PlanVersion, planner: User, manager: User) -> PlanVersion:
    version_submit(user=planner, version_id=working.pk)
    version_approve(user=manager, version_id=working.pk)
    current = selectors.current_original(working.plan)
    assert current is not None
    return current


@pytest.fixture
def two_revisions(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> tuple[PlanVersion, PlanVersion]:
    """r1 approved as seeded; then Tees W01 sales 501.60 -> 600.00 and approved again as r2."""
    first = _approve(working, planner, manager)
    _set_sales(working, planner, line_of(working, history["tees"]).pk, 202501, "600")
    second = _approve(working, planner, manager)
    return first, second


def test_approving_twice_gives_r1_and_r2(
    two_revisions: tuple[PlanVersion, PlanVersion], manager: User, history: dict[str, Any]
) -> None:
    first, second = two_revisions
    first.refresh_from_db()

    assert [(v.revision, v.name, v.label) for v in (first, second)] == [
        (1, "Original plan", "OP r1"),
        (2, "Original plan r2", "OP r2"),
    ]
    # The clock is pinned to 2026-12-07 12:00 UTC; both were approved by the manager then.
    for version in (first, second):
        assert (version.approved_by, version.status, version.is_frozen) == (manager, "approved", True)
        assert version.approved_at is not None
        assert version.approved_at.replace(second=0, microsecond=0) == datetime(
            2026, 12, 7, 12, 0, tzinfo=UTC
        )
    # r1 keeps the values it was approved with, r2 has the new W01.
    assert column(line_of(first, history["tees"]), "sales") == dollars("501.60", "264.00", "792.00", "198.00")
    assert column(line_of(second, history["tees"]), "sales") == dollars(
        "600.00", "264.00", "792.00", "198.00"
    )
    # Each keeps its approval record.
    for version in (first, second):
        assert list(PlanTransition.objects.filter(version=version).values_list("action", "user")) == [
            ("approve", manager.pk)
        ]
    assert selectors.current_original(first.plan) == second
    assert selectors.current_original(first.plan_id) == second
    assert list(selectors.current_originals().filter(plan=first.plan)) == [second]


def test_the_working_plan_trail_keeps_both_approvals(
    two_revisions: tuple[PlanVersion, PlanVersion], working: PlanVersion
) -> None:
    actions = list(
        PlanTransition.objects.filter(version=working).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "submit", "approve", "submit", "approve"]


def test_no_current_original_before_the_first_approval(working: PlanVersion) -> None:
    assert selectors.current_original(working.plan) is None


def test_an_old_revision_page_still_works_read_only(
    two_revisions: tuple[PlanVersion, PlanVersion], planner: User
) -> None:
    first, second = two_revisions
    client = _client(planner)

    response = client.get(reverse("planning:plan-version", args=[first.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    banner = re.search(r'data-testid="revision">(.*?)</p>', html, re.DOTALL)
    assert banner is not None
    text = re.sub(r"\s+", " ", banner.group(1)).strip()
    assert text.startswith("OP r1 · approved by max.manager on 2026-12-07 12:00 · read-only · replaced by")
    assert f'href="{reverse("planning:plan-version", args=[second.pk])}">OP r2</a>' in html
    assert 'class="in ' not in html  # no entered (editable) cell
    current = client.get(reverse("planning:plan-version", args=[second.pk])).content.decode()
    assert "OP r2 · approved by max.manager on 2026-12-07 12:00" in re.sub(r"\s+", " ", current)
    assert "the current original plan" in current


def test_an_old_revision_refuses_edits(
    two_revisions: tuple[PlanVersion, PlanVersion], planner: User, history: dict[str, Any]
) -> None:
    first, _ = two_revisions
    line = line_of(first, history["tees"])
    row = PlanWeek.objects.get(line=line, fiscal_week_id=202502)

    with pytest.raises(PlanError, match="Original plan is approved: it cannot be changed"):
        _set_sales(first, planner, line.pk, 202502, "1")
    response = _client(planner).post(
        reverse("planning:plan-cells", args=[first.pk]),
        {
            "line": line.pk,
            "week": "2025-W02",
            "measure": "sales",
            "value": "1",
            "row_version": row.row_version,
        },
    )
    assert response.status_code == 400
    assert "Original plan is approved: it cannot be changed." in response.content.decode()
    assert column(line, "sales")[1] == dollars("264.00")[0]


def test_vs_op_compares_with_the_newest_revision(
    two_revisions: tuple[PlanVersion, PlanVersion],
    working: PlanVersion,
    planner: User,
    history: dict[str, Any],
) -> None:
    html = _client(planner).get(reverse("planning:plan-version", args=[working.pk])).content.decode()
    line_id = line_of(working, history["tees"]).pk
    row = _tees_row(html, line_id, "OP sales $")
    # r2's W01 is 600 (r1's 501.60); season 600 + 264 + 792 + 198 = 1,854
    assert row[:5] == ["600", "264", "792", "198", "1,854"]


def test_an_old_revision_compares_with_the_current_one(
    two_revisions: tuple[PlanVersion, PlanVersion], planner: User, history: dict[str, Any]
) -> None:
    first, _ = two_revisions
    html = _client(planner).get(reverse("planning:plan-version", args=[first.pk])).content.decode()
    line_id = line_of(first, history["tees"]).pk
    row = _tees_row(html, line_id, "OP sales $")
    assert row[0] == "600"


def test_a_promoted_scenario_adds_a_revision_too(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    first = _approve(working, planner, manager)
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Original plan r2")  # a name clash
    _set_sales(scenario, planner, line_of(scenario, history["tees"]).pk, 202503, "900")
    version_submit(user=planner, version_id=scenario.pk)
    version_approve(user=manager, version_id=scenario.pk)

    second = selectors.current_original(working.plan)
    assert second is not None
    assert second != first
    assert (second.revision, second.name) == (2, "Original plan r2 (2)")
    assert column(line_of(second, history["tees"]), "sales")[2] == dollars("900.00")[0]
    assert PlanVersion.objects.filter(pk=first.pk).exists()


def test_a_budget_keeps_the_revision_it_was_built_from(
    working: PlanVersion, planner: User, manager: User, history: dict[str, Any]
) -> None:
    first = _approve(working, planner, manager)
    budget = otb_budget_from_plan(user=manager, version_id=first.pk)
    _set_sales(working, planner, line_of(working, history["tees"]).pk, 202501, "600")
    _approve(working, planner, manager)

    assert OTBBudget.objects.get(pk=budget.pk).source_version_id == first.pk


def test_the_database_refuses_two_originals_with_the_same_revision(
    two_revisions: tuple[PlanVersion, PlanVersion],
) -> None:
    first, _ = two_revisions
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.filter(pk=first.pk).update(revision=2)


def test_migration_numbers_existing_originals_from_their_approval(
    two_revisions: tuple[PlanVersion, PlanVersion], manager: User
) -> None:
    """As 0013 finds them: original plans with no approver recorded; each takes its revision by
    age and its approver and time from its "approve" transition."""
    first, second = two_revisions
    approved = PlanTransition.objects.get(version=first, action="approve").at
    PlanVersion.objects.filter(pk__in=[first.pk, second.pk]).update(approved_by=None, approved_at=None)
    PlanVersion.objects.filter(pk=second.pk).update(revision=7)
    PlanTransition.objects.filter(version=second).delete()  # an OP approved before transitions were kept

    migration.number_originals(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.revision, first.approved_by, first.approved_at) == (1, manager, approved)
    assert (second.revision, second.approved_by, second.approved_at) == (2, None, None)


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_take_r1_and_r2(
    working: PlanVersion, planner: User, manager: User, retailer: Retailer
) -> None:
    """The working plan and a what-if of the same plan approved at the same moment by two
    managers: the plan's row lock queues them, so they take r1 and r2, never the same number."""
    from django.contrib.auth.models import Group

    from planning.roles import MANAGER
    from tests.planning.plans.test_concurrency import _in_memory_sqlite

    if _in_memory_sqlite():
        pytest.skip("threads need a real database (run with DATABASE_URL, PostgreSQL, as CI does)")
    second = User.objects.create_user(username="mo.manager", password=PASSWORD)
    second.groups.add(Group.objects.get(name=MANAGER))
    retailer["tops"].planners.add(second)
    scenario = scenario_branch(user=planner, version_id=working.pk, name="Hot summer")
    version_submit(user=planner, version_id=working.pk)
    version_submit(user=planner, version_id=scenario.pk)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user: User, version_id: int) -> None:
        try:
            start.wait(timeout=30)
            version_approve(user=user, version_id=version_id)
            outcomes.append("approved")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes.append(f"error {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(manager, working.pk)),
        threading.Thread(target=approve, args=(second, scenario.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == ["approved", "approved"]
    originals = PlanVersion.objects.filter(plan=working.plan, kind=Kind.ORIGINAL).order_by("revision")
    assert [(v.revision, v.name) for v in originals] == [(1, "Original plan"), (2, "Original plan r2")]
    assert PlanTransition.objects.filter(version__in=originals, action="approve").count() == 2
