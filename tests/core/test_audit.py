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


# --- drift the issue named: report subscriptions are audited (cell locks: tests/planning/plans) ---
def test_a_report_subscription_change_is_audited(client: Any, planner: User) -> None:
    from django.urls import reverse

    from tests.conftest import PASSWORD

    client.login(username=planner.username, password=PASSWORD)
    client.post(reverse("reports:subscription"), {"action": "subscribe"})
    client.post(reverse("reports:subscription"), {"action": "subscribe"})  # no change, no record
    client.post(reverse("reports:subscription"), {"action": "unsubscribe"})
    events = list(audit_trail(actions="report.subscription.change").order_by("id"))
    assert [(e.old, e.new, e.user) for e in events] == [
        ({"active": False}, {"active": True}, planner),
        ({"active": True}, {"active": False}, planner),
    ]


# --- the data migrations copy the old audit tables' rows --------------------------------------------
def _old_table_apps(app: str, before: str) -> Any:
    """The historical apps just before `app`'s audit migration (old model and AuditEvent both)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state([(app, before), ("core", "0001_initial")]).apps


@pytest.mark.django_db(transaction=True)
def test_the_policy_change_migration_copies_every_row(manager: User) -> None:
    import importlib

    from django.db import connection

    from replenishment.models import SegmentPolicy

    migration = importlib.import_module("replenishment.migrations.0002_audit_to_core")
    apps = _old_table_apps("replenishment", "0001_initial")
    old_model = apps.get_model("replenishment", "SegmentPolicyChange")
    policy = SegmentPolicy.objects.order_by("cell").first() or SegmentPolicy.objects.create(cell="AX")
    with connection.schema_editor() as editor:
        editor.create_model(old_model)
    try:
        first = old_model.objects.create(
            policy_id=policy.pk,
            field="service_level",
            old_value="0.950",
            new_value="0.975",
            user_id=manager.pk,
        )
        old_model.objects.create(
            policy_id=policy.pk, field="presentation_min", old_value="2", new_value="3", user_id=manager.pk
        )
        migration.policy_changes_copy(apps, None)
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(old_model)
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.target, e.old, e.new, e.user) for e in events] == [
        (
            "replenishment.policy.change",
            policy,
            {"service_level": "0.950"},
            {"service_level": "0.975"},
            manager,
        ),
        (
            "replenishment.policy.change",
            policy,
            {"presentation_min": "2"},
            {"presentation_min": "3"},
            manager,
        ),
    ]
    assert events[0].at == first.changed_at
    assert events[0].target_label == policy.cell


def test_the_forecasting_migration_maps_rows_with_exact_decimals() -> None:
    """The row mappers of forecasting 0004 on rows made in memory (the old tables are gone)."""
    import importlib
    from datetime import UTC, datetime
    from types import SimpleNamespace as Row

    migration = importlib.import_module("forecasting.migrations.0004_audit_to_core")
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    record = Row(pk=7, uploaded_by_id=3, uploaded_at=at, file_name="s.csv", status="applied")
    sales = Row(
        sales_import=record, sku_id=11, location_id=12, fiscal_week_id=202644, old_units=3, new_units=5,
        old_retail=Decimal("72.00"), new_retail=Decimal("120.10"), old_cost=Decimal("28.80"),
        new_cost=Decimal("48.04"), old_markdown=Decimal("0.00"), new_markdown=Decimal("1.05"),
    )  # fmt: skip
    event = migration.sales_row_event(sales, import_type=99)
    assert (event["user_id"], event["at"], event["target_id"], event["target_type_id"]) == (3, at, 7, 99)
    assert jsonable(event["new"]) == {
        "sku": 11, "location": 12, "week": 202644, "units": 5, "retail": "120.10", "cost": "48.04",
        "markdown": "1.05",
    }  # fmt: skip
    item = Row(code="ST-1-BLK", style=Row(subclass=Row(merch_class=Row(department_id=4))))
    override = Row(
        changed_by_id=3, changed_at=at, style_color_id=21, style_color=item, fiscal_week_id=202650,
        old_units=None, new_units=Decimal("120.50"), reason="promotion", note="ad",
    )  # fmt: skip
    event = migration.override_event(override, item_type=98)
    assert jsonable(event["old"]) == {"week": 202650, "units": None}
    assert jsonable(event["new"]) == {"week": 202650, "units": "120.50", "reason": "promotion"}
    assert (event["comment"], event["department_id"], event["target_label"]) == ("ad", 4, "ST-1-BLK")
