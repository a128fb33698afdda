"""Markdown pages: candidates with "propose", the proposal's numbers, submit, an HTMX decision,
budget vs actual, and who may do what."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from otb.markdowns import services
from otb.markdowns.services import ItemRequest
from otb.models import MarkdownProposal, PriceChange
from planning.models import PlanVersion

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_candidates_page_lists_reasons_and_proposes(shop: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    url = reverse("otb:markdown-candidates", args=[shop["tops"].pk])

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sell-through 10% over 8 weeks (below 40%): 10 sold, 90 on hand." in html
    assert "2,160.00" in html  # value at risk, with the thousands separator
    assert f'value="{shop["a"].pk}"' in html

    answer = client.post(
        url,
        {
            "items": [shop["a"].pk],
            "name": "Tee clearance",
            "effective_week": shop["open"][0].id,
            "percent_off": "25",
        },
    )
    proposal = MarkdownProposal.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("otb:markdown-detail", args=[proposal.pk])
    assert proposal.items.get().new_price == Decimal("18.00")  # 24.00 less 25 %


def test_propose_without_items_is_answered_on_the_page(shop: dict[str, Any], planner: User) -> None:
    answer = _client(planner).post(
        reverse("otb:markdown-candidates", args=[shop["tops"].pk]),
        {"name": "Nothing", "effective_week": shop["open"][0].id, "percent_off": "25"},
    )
    assert answer.status_code == 422
    assert "Tick the items." in answer.content.decode()
    assert not MarkdownProposal.objects.exists()


def test_executive_reads_but_cannot_propose(shop: dict[str, Any], executive: User) -> None:
    client = _client(executive)
    url = reverse("otb:markdown-candidates", args=[shop["tops"].pk])
    assert "Propose markdown" not in client.get(url).content.decode()
    answer = client.post(url, {"items": [shop["a"].pk], "name": "x", "effective_week": shop["open"][0].id})
    assert answer.status_code == 403


def test_detail_edit_bad_price_then_submit_and_htmx_approve(
    shop: dict[str, Any],
    planner: User,
    manager: User,
    working: PlanVersion,
) -> None:
    proposal = services.markdown_proposal_create(
        user=planner,
        department_id=shop["tops"].pk,
        name="Tee clearance",
        effective_week_id=shop["open"][0].id,
        items=[ItemRequest(shop["a"].pk, Decimal("18.00"))],
    )
    client = _client(planner)
    url = reverse("otb:markdown-detail", args=[proposal.pk])
    html = client.get(url).content.decode()
    assert re.search(r'data-testid="markdown-cost">\s*540.00\s*<', html)  # 6.00 x 90
    assert re.search(r'data-testid="plan-markdowns-added">\s*540.00\s*<', html)

    bad = client.post(
        url,
        {
            "row_version": 1,
            "name": "Tee clearance",
            "effective_week": shop["open"][0].id,
            f"price-{shop['a'].pk}": "30",
        },
    )
    assert bad.status_code == 422
    assert "must be below the current 24.00" in bad.content.decode()
    client.post(reverse("otb:markdown-submit", args=[proposal.pk]), {"row_version": 1})
    proposal.refresh_from_db()
    assert proposal.status == "submitted"

    # The planner sees no decision form; a forged decision is refused.
    assert "Approve" not in client.get(url).content.decode()
    client.post(reverse("otb:markdown-decide", args=[proposal.pk]), {"action": "approve", "row_version": 2})
    assert MarkdownProposal.objects.get().status == "submitted"

    answer = _client(manager).post(
        reverse("otb:markdown-decide", args=[proposal.pk]),
        {"action": "approve", "row_version": 2},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert html.lstrip().startswith('<section class="card" id="decision">')
    assert 'data-testid="markdown-status">Approved<' in html
    assert PriceChange.objects.get().new_price == Decimal("18.00")


def test_htmx_reject_without_comment_answers_in_the_panel(
    shop: dict[str, Any], planner: User, manager: User
) -> None:
    proposal = services.markdown_proposal_create(
        user=planner,
        department_id=shop["tops"].pk,
        name="Tee clearance",
        effective_week_id=shop["open"][0].id,
        items=[ItemRequest(shop["a"].pk, Decimal("18.00"))],
    )
    services.markdown_proposal_submit(user=planner, proposal_id=proposal.pk)
    answer = _client(manager).post(
        reverse("otb:markdown-decide", args=[proposal.pk]),
        {"action": "reject", "row_version": 2, "comment": ""},
        headers={"HX-Request": "true"},
    )
    assert "Say why the proposal is rejected." in answer.content.decode()
    assert MarkdownProposal.objects.get().status == "submitted"


def test_budget_and_list_pages(shop: dict[str, Any], manager: User) -> None:
    client = _client(manager)
    budget = client.get(reverse("otb:markdown-budget", args=[shop["tops"].pk]))
    assert budget.status_code == 200
    assert "Budget (OP)" in budget.content.decode()
    listing = client.get(reverse("otb:markdown-list"))
    assert "No markdown proposals yet." in listing.content.decode()
