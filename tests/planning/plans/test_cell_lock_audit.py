"""A cell lock and unlock leave one audit record each (the drift issue 18 named)."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from core.audit import audit_for
from tests.planning.plans.conftest import line_of

pytestmark = pytest.mark.django_db


def test_a_cell_lock_and_unlock_are_audited_once_each(
    working: Any,
    planner: User,
    history: dict[str, Any],
) -> None:
    from planning.plans.services import plan_cell_lock

    tees = line_of(working, history["tees"])
    cell = {"line": tees.pk, "week": 202501, "measure": "sales"}
    for locked in (True, True, False):  # locking a locked cell changes nothing: no record
        plan_cell_lock(user=planner, version_id=working.pk, line_id=tees.pk, week_id=202501,
                       measure="sales", locked=locked)  # fmt: skip
    events = list(audit_for(working, actions="plan.cell.").order_by("id"))
    assert [(e.action, e.old, e.new, e.user) for e in events] == [
        ("plan.cell.lock", {**cell, "locked": False}, {**cell, "locked": True}, planner),
        ("plan.cell.unlock", {**cell, "locked": True}, {**cell, "locked": False}, planner),
    ]
    assert {e.department_id for e in events} == {working.plan.department_id}
