"""Twenty planners save the same cell at once, all having read the same row version: exactly one
edit wins, the other nineteen get a conflict, and the audit shows one change.

Real threads with their own database connections and real transactions (`transaction=True`):
the row locks (`select_for_update`) must queue the writers, not let them overwrite each other.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from planning.models import PlanCellChange, PlanVersion, PlanWeek
from planning.plans.services import CellConflictError, CellEdit, plan_cells_update
from tests.planning.plans.conftest import line_of

THREADS = 20


def _in_memory_sqlite() -> bool:
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_edits_of_one_cell_one_wins(
    working: PlanVersion, planner: User, history: dict[str, Any]
) -> None:
    if _in_memory_sqlite():
        pytest.skip(
            "in-memory SQLite test database: threads share one cache whose table locks fail at once "
            "('database table is locked') instead of queueing; run with DATABASE_URL (PostgreSQL, as CI does)"
        )
    tees = line_of(working, history["tees"])
    row = PlanWeek.objects.get(line=tees, fiscal_week_id=202502)
    assert row.row_version == 1
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def edit(value: int) -> None:
        try:
            start.wait(timeout=30)
            plan_cells_update(
                user=planner,
                version_id=working.pk,
                edits=[CellEdit(tees.pk, 202502, "target", str(value), row_version=1)],
            )
            outcome = f"saved {value}"
        except CellConflictError:
            outcome = "conflict"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome = f"error {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=edit, args=(value,)) for value in range(1, THREADS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    saved = [outcome for outcome in outcomes if outcome.startswith("saved")]
    assert sorted(outcomes).count("conflict") == THREADS - 1, outcomes
    assert len(saved) == 1, outcomes
    winner = Decimal(saved[0].removeprefix("saved "))
    row.refresh_from_db()
    assert (row.target, row.row_version) == (winner, 2)
    change = PlanCellChange.objects.get(line__version=working)
    assert (change.old_value, change.new_value, change.changed_by_id) == (Decimal("4.1"), winner, planner.pk)
    working.refresh_from_db()
    assert working.values_version == 2
    assert working.totals_version == 2  # the one winner's roll-up ran after its commit
