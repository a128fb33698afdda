"""Markdowns: candidates and why, a proposal's numbers, separation of duties, approval writing
price history and the working plan's markdowns, budget vs actual. Numbers computed by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditEvent
from otb.markdowns import selectors, services
from otb.markdowns.services import ItemRequest, MarkdownError
from otb.models import (
    MarkdownItem,
    MarkdownProposal,
    PriceChange,
)
from planning.models import (
    FiscalWeek,
    MerchClass,
    PlanCellChange,
    PlanVersion,
    PlanWeek,
    Style,
    StyleColor,
    Subclass,
)
from planning.plans.services import CellEdit, plan_cells_update
from tests.otb.conftest import _item, _sale, _stock  # noqa: F401

pytestmark = pytest.mark.django_db


def test_candidates_explain_why_and_rank_by_value_at_risk(
    shop: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # Five, and one for the first sale or stock of the items without a launch date (A, D).
    with django_assert_num_queries(6):
        rows = selectors.markdown_candidates(shop["tops"].pk, as_of=shop["closed"])

    assert [row.code for row in rows] == ["ST-1-BLK", "ST-1-BLU"]
    a, b = rows
    assert (a.units_sold, a.on_hand) == (10, 90)
    assert a.sell_through == Decimal("0.1000")
    assert a.weeks_of_supply == Decimal("72.0")
    assert (a.value_retail, a.value_cost) == (Decimal("2160.00"), Decimal("864.00"))
    assert a.reasons == [
        "Sell-through 10% over 8 weeks (below 40%): 10 sold, 90 on hand.",
        "72.0 weeks of supply (above 16) at 1.2 units a week.",
    ]
    assert (b.units_sold, b.on_hand, b.weeks_of_supply, b.age_weeks) == (40, 20, Decimal("4.0"), 30)
    assert b.reasons == ["Launched 30 weeks ago (more than 26)."]
    assert (b.value_retail, b.value_cost) == (Decimal("1000.00"), Decimal("400.00"))


def test_candidate_thresholds_are_arguments(shop: dict[str, Any]) -> None:
    rows = selectors.markdown_candidates(
        shop["tops"].pk, as_of=shop["closed"], sell_through_below=Decimal("0.05"), wos_above=Decimal("100")
    )
    assert [row.code for row in rows] == ["ST-1-BLU"]


def _propose(user: User, shop: dict[str, Any], price: str = "18.00", **extra: Any) -> MarkdownProposal:
    return services.markdown_proposal_create(
        user=user,
        department_id=shop["tops"].pk,
        name="Black tee clearance",
        effective_week_id=extra.pop("week_id", shop["open"][0].id),
        items=extra.pop("items", [ItemRequest(shop["a"].pk, Decimal(price))]),
    )


def test_proposal_numbers(shop: dict[str, Any], on_order: None, planner: User) -> None:
    proposal = _propose(planner, shop)

    item = proposal.items.get()
    assert (item.current_price, item.new_price) == (Decimal("24.00"), Decimal("18.00"))
    assert item.units_affected == 120  # 90 on hand + 30 open on order by the effective week
    assert item.markdown_cost == Decimal("720.00")  # 6.00 x 120
    # No forecast: 10 units in 8 weeks = 1.25 a week x 13 weeks = 16.25; 25 % off x
    # elasticity 2 = +50 % -> 24.375 -> 24.
    assert item.projected_units == 24
    assert proposal.status == MarkdownProposal.Status.DRAFT


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("24.00", "must be below the current 24.00"),
        ("25.00", "must be below the current 24.00"),
        ("-1.00", "cannot be negative"),
        ("17.999", "at most two decimals"),
    ],
)
def test_bad_prices_write_nothing(shop: dict[str, Any], planner: User, price: str, message: str) -> None:
    with pytest.raises(MarkdownError, match=message):
        _propose(planner, shop, price)
    assert not MarkdownProposal.objects.exists()
    assert not MarkdownItem.objects.exists()


def test_closed_week_other_department_and_scope_are_refused(
    shop: dict[str, Any], planner: User, executive: User
) -> None:
    with pytest.raises(MarkdownError, match="closed period"):
        _propose(planner, shop, week_id=shop["closed"].id)
    gowns = MerchClass.objects.create(code="W-DRS-GWN", name="Gowns", department=shop["dresses"])
    evening = Subclass.objects.create(code="W-DRS-GWN-EVE", name="Evening", merch_class=gowns)
    style = Style.objects.create(code="ST-9", name="Gown", subclass=evening)
    gown = StyleColor.objects.create(
        style=style, code="ST-9-RED", color_code="RED", color_name="Red", retail_price=10, unit_cost=4
    )
    with pytest.raises(MarkdownError, match="Style-color 999999 is not in W-TOP Tops"):
        _propose(planner, shop, items=[ItemRequest(999999, Decimal("1.00"))])
    with pytest.raises(MarkdownError, match="ST-9-RED is not in W-TOP Tops"):
        _propose(planner, shop, items=[ItemRequest(gown.pk, Decimal("1.00"))])
    with pytest.raises(PermissionDenied):
        _propose(executive, shop)
    assert not MarkdownProposal.objects.exists()


def test_stale_row_version_is_a_conflict(shop: dict[str, Any], planner: User) -> None:
    proposal = _propose(planner, shop)
    services.markdown_proposal_update(
        user=planner,
        proposal_id=proposal.pk,
        row_version=1,
        name="Deeper",
        effective_week_id=shop["open"][0].id,
        items=[ItemRequest(shop["a"].pk, Decimal("12.00"))],
    )
    with pytest.raises(Conflict, match="changed this proposal"):
        services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk, row_version=1)
    proposal.refresh_from_db()
    assert (proposal.name, proposal.row_version, proposal.status) == ("Deeper", 2, "draft")
    assert proposal.items.get().markdown_cost == Decimal("1080.00")  # 12.00 x 90


def test_separation_of_duties(shop: dict[str, Any], planner: User, manager: User) -> None:
    proposal = _propose(manager, shop)
    services.markdown_proposal_submit(user=manager, proposal_id=proposal.pk)
    with pytest.raises(Forbidden, match="another manager"):
        services.markdown_proposal_decide(user=manager, proposal_id=proposal.pk, approve=True)
    with pytest.raises(PermissionDenied, match="Only managers"):
        services.markdown_proposal_decide(user=planner, proposal_id=proposal.pk, approve=True)
    proposal.refresh_from_db()
    assert proposal.status == MarkdownProposal.Status.SUBMITTED
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["markdown.submit"]


def test_reject_needs_a_comment_then_goes_back_to_draft_on_edit(
    shop: dict[str, Any], planner: User, manager: User
) -> None:
    proposal = _propose(planner, shop)
    services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk)
    with pytest.raises(InvalidInput, match="Say why"):
        services.markdown_proposal_decide(user=manager, proposal_id=proposal.pk, approve=False, comment="  ")
    services.markdown_proposal_decide(
        user=manager, proposal_id=proposal.pk, approve=False, comment="Too deep"
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.comment, proposal.decided_by) == ("rejected", "Too deep", manager)
    assert not PriceChange.objects.exists()
    assert StyleColor.objects.get(pk=shop["a"].pk).retail_price == Decimal("24.00")
    services.markdown_proposal_update(
        user=planner,
        proposal_id=proposal.pk,
        row_version=proposal.row_version,
        name=proposal.name,
        effective_week_id=shop["open"][0].id,
        items=[ItemRequest(shop["a"].pk, Decimal("20.00"))],
    )
    proposal.refresh_from_db()
    assert proposal.status == "draft"


def test_plan_effect_through_the_engine(shop: dict[str, Any], planner: User, working: PlanVersion) -> None:
    proposal = _propose(planner, shop)  # no open orders here: 6.00 x 90 on hand = 540.00
    effect = services.markdown_plan_effect(proposal)
    assert effect.markdowns_added == Decimal("540.00")
    assert effect.markdowns_by_class == {shop["class"].pk: Decimal("540.00")}
    # Retail method: cost of goods = (sales + markdowns + shrink) x 0.45 -> GM falls 243.00;
    # the forward-weeks-of-supply line keeps its EOP target and buys the 540 back in receipts.
    assert effect.gross_margin_change == Decimal("-243.00")
    assert effect.eop_change == Decimal("0.00")
    assert effect.receipts_change == Decimal("540.00")
    assert effect.version_id == working.pk


def _cell(working: PlanVersion, week: FiscalWeek) -> PlanWeek:
    return PlanWeek.objects.get(line__version=working, line__merch_class__isnull=False, fiscal_week=week)


def test_approval_writes_prices_and_adds_to_the_plans_markdowns(
    shop: dict[str, Any], on_order: None, planner: User, manager: User, working: PlanVersion
) -> None:
    week = shop["open"][0]
    cell = _cell(working, week)
    plan_cells_update(
        user=planner, version_id=working.pk, edits=[CellEdit(cell.line_id, week.id, "markdowns", "100.00")]
    )
    proposal = _propose(planner, shop)
    services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk, row_version=1)
    services.markdown_proposal_decide(user=manager, proposal_id=proposal.pk, approve=True, row_version=2)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.row_version) == ("approved", manager, 3)
    change = PriceChange.objects.get()
    assert (change.style_color_id, change.old_price, change.new_price, change.effective_week_id) == (
        shop["a"].pk,
        Decimal("24.00"),
        Decimal("18.00"),
        week.id,
    )
    assert StyleColor.objects.get(pk=shop["a"].pk).retail_price == Decimal("18.00")
    assert _cell(working, week).markdowns == Decimal("820.00")  # 100 there + 720 approved
    audit = PlanCellChange.objects.filter(measure="markdowns", source=services.PLAN_SOURCE).get()
    assert (audit.old_value, audit.new_value, audit.changed_by) == (Decimal("100"), Decimal("820"), manager)
    assert list(AuditEvent.objects.order_by("id").values_list("action", "user__username")) == [
        ("markdown.submit", "pat.planner"),
        ("markdown.approve", "max.manager"),
    ]


def test_approval_that_cannot_reach_the_plan_writes_nothing(
    shop: dict[str, Any], planner: User, manager: User, working: PlanVersion
) -> None:
    proposal = _propose(planner, shop)
    services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk)
    PlanVersion.objects.filter(pk=working.pk).update(status=PlanVersion.Status.SUBMITTED)

    with pytest.raises(MarkdownError, match="cannot take the markdowns"):
        services.markdown_proposal_decide(user=manager, proposal_id=proposal.pk, approve=True)

    proposal.refresh_from_db()
    assert proposal.status == MarkdownProposal.Status.SUBMITTED
    assert not PriceChange.objects.exists()
    assert StyleColor.objects.get(pk=shop["a"].pk).retail_price == Decimal("24.00")
    assert _cell(working, shop["open"][0]).markdowns == Decimal("0.00")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["markdown.submit"]


def test_budget_vs_actual_by_month(
    shop: dict[str, Any], planner: User, manager: User, working: PlanVersion
) -> None:
    first = shop["open"][0]
    # The working plan's copy stands in for the approved plan here.
    original = PlanVersion.objects.filter(pk=working.pk)
    original.update(kind=PlanVersion.Kind.ORIGINAL)
    PlanWeek.objects.filter(line__version=working, line__merch_class__isnull=False).update(
        markdowns=Decimal("50")
    )
    weeks_in_month = PlanWeek.objects.filter(
        line__version=working,
        line__merch_class__isnull=False,
        fiscal_week__year=first.year,
        fiscal_week__month=first.month,
    ).count()
    _sale(shop["sku_s"], shop["store"], first.id, 1, markdown="12.50")
    _sale(shop["sku_m"], shop["store"], first.id, 1, markdown="7.50")

    rows = {row.month_key: row for row in selectors.markdown_budget_vs_actual(shop["tops"].pk, first.year)}

    row = rows[first.year * 100 + first.month]
    assert row.budget == Decimal("50.00") * weeks_in_month
    assert row.actual == Decimal("20.00")
    assert row.variance == Decimal("20.00") - Decimal("50.00") * weeks_in_month


def test_a_submitted_markdown_waits_in_the_inbox_and_the_plan_audit_says_markdown(
    shop: dict[str, Any],
    planner: User,
    manager: User,
    working: PlanVersion,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core import mail
    from django.test import Client

    from planning.models import PlanCellChange

    manager.email = "max@example.com"
    manager.save()
    proposal = _propose(planner, shop)
    with django_capture_on_commit_callbacks(execute=True):
        services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk)
    assert [message.to for message in mail.outbox] == [["max@example.com"]]
    assert "Markdown Black tee clearance" in mail.outbox[0].subject

    client = Client()
    client.force_login(manager)
    page = client.get("/otb/approvals/").content.decode()
    assert "Markdown Black tee clearance" in page
    response = client.post(
        f"/otb/approvals/markdown/{proposal.pk}/", {"action": "approve"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == MarkdownProposal.Status.APPROVED
    assert AuditEvent.objects.filter(action="markdown.approve", user=manager).exists()
    assert PlanCellChange.objects.filter(source=PlanCellChange.Source.MARKDOWN, measure="markdowns").exists()
