"""Two planners set the first override of the same week at the same moment (real threads,
PostgreSQL row locks): one wins, the other gets a conflict, nothing is lost silently."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from core.audit import audit_trail
from core.errors import Conflict
from forecasting import selectors
from forecasting.models import ForecastOverride
from forecasting.selectors import OVERRIDE_CHANGE
from forecasting.services import forecast_override_set

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_first_overrides_one_wins_one_is_told(
    retailer: dict[str, Any], planner: User, manager: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers before they can race")
    retailer["tops"].planners.add(planner, manager)
    week = selectors.weeks_after(selectors.latest_closed_week(), 3)[2]
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(user: User, units: str) -> None:
        barrier.wait()
        try:
            forecast_override_set(
                user=user,
                style_color_id=retailer["style_color"].pk,
                fiscal_week_id=week.pk,
                units=units,
                reason="promotion",
                expected_version=0,
            )
            outcomes[user.username] = "saved"
        except Conflict:
            outcomes[user.username] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(planner, "100")),
        threading.Thread(target=attempt, args=(manager, "200")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    saved = ForecastOverride.objects.get()
    assert saved.units == (Decimal("100.00") if winner == planner.username else Decimal("200.00"))
    assert audit_trail(actions=OVERRIDE_CHANGE).count() == 1
