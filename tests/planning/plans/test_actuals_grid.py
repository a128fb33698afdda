"""The TY (this year's actuals) version shows its closed weeks only.

The conftest plan runs FY2025 W01..W04; on 2025-02-17 (in W03) W01 and W02 have closed. This year
has no sales, and the stock carried from last year stays: Tees 40 S at the store and 10 M on the
web at 24.00 = 1,200.00 at the end of W01 and W02. W03 and W04 have not happened: blank, where the
grid showed an EOP of 0 and receipts of -1,200 for W03 before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import PlanVersion
from planning.plans.services import plan_create
from tests.conftest import PASSWORD
from tests.planning.plans.conftest import line_of, version_of

pytestmark = pytest.mark.django_db

IN_W03 = datetime(2025, 2, 17, 12, tzinfo=UTC)


def _cells(html: str, line_id: int, measure: str) -> list[str]:
    return re.findall(rf'<td id="cell-{line_id}-[^"]*-{measure}"[^>]*>([^<]*)</td>', html)


def test_this_years_actuals_are_blank_after_the_last_closed_week(
    planner: User, retailer: dict[str, Any], history: dict[str, Any], spec: Any
) -> None:
    retailer["tops"].planners.add(planner)
    with time_machine.travel(IN_W03, tick=False):
        plan = plan_create(user=planner, spec=spec())
        actuals = version_of(plan, PlanVersion.Kind.ACTUAL)
        client = Client()
        assert client.login(username=planner.get_username(), password=PASSWORD)
        html = client.get(reverse("planning:plan-version", args=[actuals.pk])).content.decode()

    tees = line_of(actuals, history["tees"]).pk
    dash = "\u2013"
    # W01, W02, W03, W04, then the month (Feb = W01..W04), the quarter and the season.
    assert _cells(html, tees, "eop") == ["1,200", "1,200", dash, dash, "1,200", "1,200", "1,200"]
    assert _cells(html, tees, "bop") == ["1,200", "1,200", dash, dash, "1,200", "1,200", "1,200"]
    assert _cells(html, tees, "otb") == ["0", "0", dash, dash, "0", "0", "0"]  # was -1,200 in W03
    assert _cells(html, tees, "wos") == [dash] * 7  # no sales: no weeks of supply
