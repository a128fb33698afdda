"""The one audit trail: audit_record stores who, what, which row, exact old and new values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from core.audit import AuditEntry, audit_for, audit_record, audit_record_many, audit_trail, jsonable
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_record_stores_exact_decimals(retailer: dict[str, Any], planner: User) -> None:
    department = retailer["tops"]
    event = audit_record(
        planner,
        "test.thing.change",
        department,
        old={"retail": Decimal("12.30"), "units": 3},
        new={"retail": Decimal("0.10") + Decimal("0.20"), "units": 4},
        comment="why",
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.old == {"retail": "12.30", "units": 3}
    assert stored.new == {"retail": "0.30", "units": 4}
    assert Decimal(stored.new["retail"]) == Decimal("0.30")
    assert stored.user == planner
    assert stored.comment == "why"
    assert stored.target == department
    assert stored.target_label == str(department)
    assert list(audit_for(department)) == [stored]


def test_audit_record_scopes_by_department_and_prefix(retailer: dict[str, Any], planner: User) -> None:
    department = retailer["tops"]
    audit_record(None, "alpha.one", department, department=department)
    audit_record(planner, "alpha.two", planner)
    audit_record(planner, "beta.one", planner, department=department.pk + 999)
    assert [e.action for e in audit_trail(actions="alpha.")] == ["alpha.two", "alpha.one"]
    assert {e.action for e in audit_trail(departments=[department.pk])} == {"alpha.one", "alpha.two"}
    assert audit_trail(actions="alpha.one").get().user is None


def test_audit_record_many_bulk(retailer: dict[str, Any], planner: User) -> None:
    department = retailer["tops"]
    count = audit_record_many(
        planner, "test.rows", [AuditEntry(department, {"v": Decimal("1.10")}, {"v": Decimal("2")})] * 3
    )
    assert count == 3
    assert [e.new for e in audit_for(department, actions="test.rows")] == [{"v": "2"}] * 3


def test_jsonable_keeps_decimals_exact() -> None:
    assert jsonable({"a": [Decimal("1.005"), (Decimal("-0.00"),)]}) == {"a": ["1.005", ["-0.00"]]}
