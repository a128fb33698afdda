"""The targets pages: a manager creates targets, types a division's month (HTMX answers the
grid), submits; another manager approves and publishes; the reconciliation shows the variances
and spreads the targets into a plan. Refusals answer with their message and status."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import Channel, Plan, PlanVersion, PlanWeek, TargetCell, TargetVersion

D = Decimal
pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(client: Client, division: dict[str, Any]) -> TargetVersion:
    response = client.post(
        reverse("planning:target-create"),
        {
            "division": division["division"].pk,
            "fiscal_year": 2027,
            "seed": "last_year",
            "growth_percent": "10",
        },
    )
    version = TargetVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:target-detail", args=[version.pk])
    return version


def test_a_manager_types_a_division_month_and_the_grid_answers(
    division: dict[str, Any], target_manager: User
) -> None:
    client = _client(target_manager)
    version = _create(client, division)
    page = client.get(reverse("planning:target-detail", args=[version.pk])).content.decode()
    assert "Targets FY2027 v1" in page
    assert re.search(r'data-testid="target-division-1">\s*<input[^>]*value="110000.00"', page)
    response = client.post(
        reverse("planning:target-cell", args=[version.pk]),
        {
            "month": 1,
            "department": "",
            "measure": "sales",
            "value": "120000",
            "by": "current",
            "seen_version": 1,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    grid = response.content.decode()
    assert grid.lstrip().startswith('<section class="card" id="target-grid">')
    assert 'name="seen_version" form="step-form" value="2"' in grid
    assert 'data-version="2"' in grid
    # 120,000 by 44,000 : 38,500 : 27,500 -> 48,000 / 42,000 / 30,000.
    assert TargetCell.objects.get(version=version, month=1, department=division["tops"]).sales == D(
        "48000.00"
    )
    stale = client.post(
        reverse("planning:target-cell", args=[version.pk]),
        {"month": 1, "department": "", "measure": "sales", "value": "1", "seen_version": 1},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    assert 'data-testid="target-error"' in stale.content.decode()
    bad = client.post(
        reverse("planning:target-cell", args=[version.pk]),
        {
            "month": 1,
            "department": division["tops"].pk,
            "measure": "gm_percent",
            "value": "120",
            "seen_version": 2,
        },
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    assert "GM % is a percentage below 100." in bad.content.decode()


def test_submit_approve_publish_then_reconcile_and_spread(
    division: dict[str, Any], plans: Any, target_manager: User, second_target_manager: User
) -> None:
    first, second = _client(target_manager), _client(second_target_manager)
    version = _create(first, division)
    step = reverse("planning:target-step", args=[version.pk])
    assert first.post(step, {"action": "submit", "seen_version": 1}).status_code == 302
    own = first.post(step, {"action": "approve", "seen_version": 2})
    assert own.status_code == 403
    assert "another manager" in own.content.decode()
    assert second.post(step, {"action": "approve", "seen_version": 2}).status_code == 302
    assert second.post(step, {"action": "publish"}).status_code == 302
    assert TargetVersion.objects.get(pk=version.pk).is_published

    url = reverse("planning:reconcile") + f"?division={division['division'].pk}&year=2027"
    page = first.get(url).content.decode()
    assert "Against" in page
    dresses = division["dresses"].pk
    minus = "\u2212"  # money shows negatives with a minus sign
    assert re.search(
        rf'data-testid="variance-department-{dresses}-1">\s*{minus}8,500.00\s*<span class="small">\(-22.1%\)',
        page,
    )
    assert f'class="num flagged" data-testid="variance-department-{dresses}-1"' in page
    spread = first.post(
        reverse("planning:reconcile-spread"),
        {"division": division["division"].pk, "year": 2027, "department": division["tops"].pk},
    )
    assert spread.status_code == 302
    tops = PlanWeek.objects.filter(line__version=plans["W-TOP"], line__merch_class__isnull=False).order_by(
        "line__merch_class__code"
    )
    assert [week.sales for week in tops] == [D("11000.00"), D("33000.00")]


def test_planners_read_targets_but_cannot_create_them(division: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    page = client.get(reverse("planning:targets")).content.decode()
    assert 'data-testid="target-create"' not in page
    response = client.post(
        reverse("planning:target-create"),
        {"division": division["division"].pk, "fiscal_year": 2027},
        follow=True,
    )
    assert "Only managers set targets." in response.content.decode()
    assert not TargetVersion.objects.exists()
    assert client.get(reverse("planning:reconcile")).status_code == 200


def test_propose_targets_from_the_plans(division: dict[str, Any], plans: Any, target_manager: User) -> None:
    response = _client(target_manager).post(
        reverse("planning:reconcile-propose"), {"division": division["division"].pk, "year": 2027}
    )
    version = TargetVersion.objects.get()
    assert response["Location"] == reverse("planning:target-detail", args=[version.pk])
    assert TargetCell.objects.get(version=version, month=1, department=division["tops"]).sales == D(
        "42000.00"
    )


def _create_form(division: dict[str, Any], **extra: Any) -> dict[str, Any]:
    week = PlanWeek.objects.filter(line__version__plan__department=division["tops"]).first()
    assert week is not None
    return {
        "name": "Tops from targets", "department": division["tops"].pk, "first_week": week.fiscal_week_id,
        "last_week": week.fiscal_week_id, "method": "fwos", "exhaustion": "wrap", "growth_percent": "0",
        "imu_percent": "55", "seed": "targets", **extra,
    }  # fmt: skip


def test_a_plan_created_from_the_published_targets(
    division: dict[str, Any], plans: Any, target_manager: User, second_target_manager: User, planner: User
) -> None:
    client = _client(planner)
    refused = client.post(reverse("planning:plan-create"), _create_form(division))
    assert refused.status_code == 400
    assert "No published targets for this department&#x27;s division in FY2027." in refused.content.decode()
    assert not Plan.objects.filter(name="Tops from targets").exists()  # nothing half-made

    version = _create(_client(target_manager), division)
    step = reverse("planning:target-step", args=[version.pk])
    _client(target_manager).post(step, {"action": "submit", "seen_version": 1})
    _client(second_target_manager).post(step, {"action": "approve", "seen_version": 2})
    _client(second_target_manager).post(step, {"action": "publish"})
    created = client.post(reverse("planning:plan-create"), _create_form(division))
    assert created.status_code == 302
    working = PlanVersion.objects.get(plan__name="Tops from targets", kind=PlanVersion.Kind.WORKING)
    # The target's M01 (44,000) over the classes by last year's mix 30,000 : 10,000.
    weeks = PlanWeek.objects.filter(line__version=working, line__merch_class__isnull=False).order_by(
        "line__merch_class__code"
    )
    assert [week.sales for week in weeks] == [D("11000.00"), D("33000.00")]
    channel = Channel.objects.get()  # the store's (tests.factories.planning.StoreFactory)
    scoped = client.post(reverse("planning:plan-create"), _create_form(division, channel=channel.pk))
    assert "Targets are set for the whole company" in scoped.content.decode()


def test_a_manager_approves_targets_from_the_inbox(
    division: dict[str, Any], target_manager: User, second_target_manager: User
) -> None:
    version = _create(_client(target_manager), division)
    _client(target_manager).post(reverse("planning:target-step", args=[version.pk]), {"action": "submit"})
    approver = _client(second_target_manager)
    inbox = approver.get("/otb/approvals/").content.decode()
    assert "Targets FY2027 v1" in inbox
    assert "110,000" in inbox  # the version's sales, to decide by
    decided = approver.post(
        f"/otb/approvals/target/{version.pk}/",
        {"action": "approve", "comment": "Agreed"},
        headers={"HX-Request": "true"},
    )
    assert decided.status_code == 200, decided.content
    version.refresh_from_db()
    assert (version.status, version.decided_by, version.comment) == (
        "approved",
        second_target_manager,
        "Agreed",
    )
