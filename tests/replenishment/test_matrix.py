"""The ABC x XYZ policy matrix: counts per cell, edits by managers with their version, the
rules next to the cell, conflicts, the audit trail, permissions; the page and its HTMX save."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from core.audit import audit_for, audit_record
from core.errors import Conflict
from core.models import AuditEvent
from forecasting import selectors as forecast_selectors
from replenishment import matrix, matrix_reads
from replenishment.models import ItemPolicy, ReplenishmentRun, SegmentPolicy
from tests.conftest import PASSWORD


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        SegmentPolicy.objects.order_by("cell").values_list(
            "cell", "service_level", "fwos_target", "presentation_min", "allocation_priority", "row_version"
        )
    )


def _form(policy: SegmentPolicy, **changes: str) -> dict[str, str]:
    values = {
        "service_level": str(policy.service_level * 100),
        "fwos_target": str(policy.fwos_target),
        "presentation_min": str(policy.presentation_min),
        "allocation_priority": str(policy.allocation_priority),
        "row_version": str(policy.row_version),
    }
    return {**values, **changes}


def test_service_level_from_percent() -> None:
    assert matrix.service_level_from_percent("97.5") == Decimal("0.975")
    assert matrix.service_level_from_percent(" 95 ") == Decimal("0.950")
    with pytest.raises(ValueError, match="one decimal"):
        matrix.service_level_from_percent("97.55")
    with pytest.raises(ValueError, match="number"):
        matrix.service_level_from_percent("lots")


def test_policy_errors_bounds() -> None:
    assert (
        matrix.policy_errors({"service_level": Decimal("0.501"), "fwos_target": 0, "allocation_priority": 3})
        == {}
    )
    errors = matrix.policy_errors(
        {"service_level": Decimal("0.999"), "fwos_target": Decimal("-1"), "allocation_priority": 4}
    )
    assert set(errors) == {"service_level", "fwos_target", "allocation_priority"}
    assert matrix.policy_errors({"service_level": Decimal("0.500")}) == {
        "service_level": "Service level must be above 50% and below 99.9%."
    }


def test_manager_update_bumps_version_and_audits(manager: User) -> None:
    before = SegmentPolicy.objects.get(cell="AX")
    old_service, old_fwos = before.service_level, before.fwos_target
    policy = matrix.segment_policy_update(
        cell="AX",
        user=manager,
        row_version=before.row_version,
        values={"service_level": Decimal("0.975"), "fwos_target": old_fwos, "allocation_priority": 1},
    )
    policy.refresh_from_db()
    assert policy.service_level == Decimal("0.975")
    assert policy.row_version == before.row_version + 1
    assert policy.updated_by == manager
    changes = [
        (field, (event.old or {})[field], value)
        for event in audit_for(policy, actions="replenishment.policy.change")
        for field, value in (event.new or {}).items()
    ]
    assert {event.user for event in audit_for(policy)} == {manager}
    expected = [("service_level", str(old_service), "0.975")]
    if before.allocation_priority != 1:
        expected.append(("allocation_priority", str(before.allocation_priority), "1"))
    assert sorted(changes) == sorted(expected)


def test_no_change_writes_nothing(manager: User) -> None:
    before = SegmentPolicy.objects.get(cell="BY")
    matrix.segment_policy_update(
        cell="BY", user=manager, row_version=before.row_version, values={"fwos_target": before.fwos_target}
    )
    assert SegmentPolicy.objects.get(cell="BY").row_version == before.row_version
    assert not AuditEvent.objects.exists()


def test_refusals_change_nothing(manager: User, planner: User, executive: User) -> None:
    before = _snapshot()
    policy = SegmentPolicy.objects.get(cell="CZ")
    for user in (planner, executive):
        with pytest.raises(PermissionDenied):
            matrix.segment_policy_update(
                cell="CZ", user=user, row_version=policy.row_version, values={"fwos_target": 3}
            )
    with pytest.raises(ValidationError) as invalid:
        matrix.segment_policy_update(
            cell="CZ", user=manager, row_version=policy.row_version, values={"allocation_priority": 0}
        )
    assert invalid.value.message_dict == {
        "allocation_priority": ["Allocation priority is 1, 2 or 3 (1 is served first)."]
    }
    with pytest.raises(Conflict, match="Reload"):
        matrix.segment_policy_update(
            cell="CZ", user=manager, row_version=policy.row_version + 5, values={"fwos_target": 3}
        )
    assert _snapshot() == before
    assert not AuditEvent.objects.exists()


def test_matrix_counts_and_stock_at_cost(retailer: dict[str, Any]) -> None:
    """Latest done run: AX has S at the store (10 x 9.60) and M on the web (5 x 9.60) = 2, 144.00;
    CZ has S at the DC (0 on hand) = 1, 0.00. An older done run is ignored."""
    week = forecast_selectors.latest_closed_week()
    old = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of=week)
    run = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of=week)
    numbers = {
        "demand": 1.0, "demand_sd": 1.0, "lead_time": 1.0, "lead_time_sd": 0.0, "service_level": 0.9,
        "safety_stock": 1.0, "reorder_point": 2.0, "order_up_to": 3.0,
    }  # fmt: skip
    ItemPolicy.objects.create(
        run=old, sku=retailer["sku_s"], location=retailer["store"], segment="AX", on_hand=99, **numbers
    )
    ItemPolicy.objects.create(
        run=run, sku=retailer["sku_s"], location=retailer["store"], segment="AX", on_hand=10, **numbers
    )
    ItemPolicy.objects.create(
        run=run, sku=retailer["sku_m"], location=retailer["web"], segment="AX", on_hand=5, **numbers
    )
    ItemPolicy.objects.create(
        run=run, sku=retailer["sku_s"], location=retailer["dc"], segment="CZ", on_hand=0, **numbers
    )
    assert matrix_reads.latest_done_run() == run
    cells = {
        item.policy.cell: (item.sku_locations, item.stock_cost)
        for row in matrix_reads.policy_matrix(run)
        for item in row
    }
    assert len(cells) == 9
    assert cells["AX"] == (2, Decimal("144.00"))
    assert cells["CZ"] == (1, Decimal("0.00"))
    assert cells["BY"] == (0, Decimal("0.00"))


# -- the page ----------------------------------------------------------------------------------


def test_page_read_only_for_planner(
    client: Client, planner: User, django_assert_max_num_queries: Any
) -> None:
    client.login(username=planner.username, password=PASSWORD)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("replenishment:policy-matrix"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="cell-AX"' in text
    assert 'id="cell-CZ"' in text
    assert "hx-post" not in text
    policy = SegmentPolicy.objects.get(cell="AX")
    before = _snapshot()
    refused = client.post(
        reverse("replenishment:policy-cell-save", args=["AX"]), _form(policy, fwos_target="9")
    )
    assert refused.status_code == 403
    assert _snapshot() == before


def test_htmx_save_returns_cell_and_audit(client: Client, manager: User) -> None:
    client.login(username=manager.username, password=PASSWORD)
    assert "hx-post" in client.get(reverse("replenishment:policy-matrix")).content.decode()
    policy = SegmentPolicy.objects.get(cell="BX")
    response = client.post(
        reverse("replenishment:policy-cell-save", args=["BX"]),
        _form(policy, fwos_target="7.5", service_level="98"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<td id="cell-BX"')
    assert "Saved." in text
    assert re.search(rf'name="row_version"\s+value="{policy.row_version + 1}"', text)
    # The change log comes out of band inside a <template>: a <section> beside a <td> would be
    # thrown out of the table by the HTML parser (htmx parses the answer in a <template> too).
    cell_end = text.index("</td>")
    template = re.search(
        r"<template>\s*<section\s+class=\"card\"\s+id=\"policy-changes\"\s+hx-swap-oob=\"true\"", text
    )
    assert template is not None
    assert template.start() > cell_end
    assert text.rstrip().endswith("</template>")
    log = text[template.start() :]
    old_percent = f"{(policy.service_level * 100).quantize(Decimal('0.1'))}%"
    assert re.search(
        rf"<td>Service level</td>\s*<td class=\"num\">{re.escape(old_percent)}</td>"
        r"\s*<td class=\"num\">98.0%</td>",
        log,
    )
    assert re.search(
        r"<td>FWOS target \(weeks\)</td>\s*<td class=\"num\">[\d.]+</td>\s*<td class=\"num\">7.5</td>", log
    )
    assert "0.980" not in text
    assert SegmentPolicy.objects.get(cell="BX").fwos_target == Decimal("7.5")
    assert SegmentPolicy.objects.get(cell="BX").service_level == Decimal("0.980")
    # The page's log shows the same percent.
    page = client.get(reverse("replenishment:policy-matrix")).content.decode()
    assert "98.0%" in page
    assert "0.980" not in page


def test_change_rows_show_the_service_level_in_percent(manager: User) -> None:
    policy = SegmentPolicy.objects.get(cell="AZ")
    change = "replenishment.policy.change"
    audit_record(manager, change, policy, old={"service_level": "0.950"}, new={"service_level": "0.975"})
    audit_record(manager, change, policy, old={"presentation_min": "2"}, new={"presentation_min": "3"})
    assert [(row.label, row.old_value, row.new_value) for row in matrix_reads.policy_change_rows()] == [
        ("Presentation min (units)", "2", "3"),
        ("Service level", "95.0%", "97.5%"),
    ]


def test_htmx_save_validation_messages(client: Client, manager: User) -> None:
    client.login(username=manager.username, password=PASSWORD)
    policy = SegmentPolicy.objects.get(cell="AY")
    before = _snapshot()
    response = client.post(
        reverse("replenishment:policy-cell-save", args=["AY"]),
        _form(policy, service_level="99.9", fwos_target="-2", allocation_priority="5", presentation_min="x"),
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert text.lstrip().startswith('<td id="cell-AY"')
    assert 'id="policy-changes"' not in text  # nothing saved: no change log
    assert "Service level must be above 50% and below 99.9%." in text
    assert "Enter a whole number of units." in text
    assert 'value="99.9"' in text  # what was typed stays in the cell
    # Once the units parse, the rules speak for each field.
    response = client.post(
        reverse("replenishment:policy-cell-save", args=["AY"]),
        _form(policy, service_level="50", fwos_target="-2", allocation_priority="5"),
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "FWOS target cannot be negative." in text
    assert "Allocation priority is 1, 2 or 3" in text
    assert _snapshot() == before


def test_htmx_save_conflict(client: Client, manager: User, admin_user: User) -> None:
    policy = SegmentPolicy.objects.get(cell="CY")
    matrix.segment_policy_update(
        cell="CY", user=admin_user, row_version=policy.row_version, values={"fwos_target": 1}
    )
    before = _snapshot()
    client.login(username=manager.username, password=PASSWORD)
    response = client.post(
        reverse("replenishment:policy-cell-save", args=["CY"]),
        _form(policy, fwos_target="2", service_level="97"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert (
        "Someone saved this cell since you opened it; their values are shown. Save again to apply yours."
        in text
    )
    assert "Reload the cell" not in text
    # The typed values stay in the fields; ada's saved FWOS target (1.0) is shown beside them.
    assert re.search(r'name="fwos_target"\s+inputmode="decimal"\s+size="6"\s+value="2"', text)
    assert re.search(r'name="service_level"\s+inputmode="decimal"\s+size="6"\s+value="97"', text)
    assert re.search(r'data-testid="saved-fwos_target">Now saved: 1.0 by ada.admin<', text)
    # The new version (ada's save bumped it by one): saving again applies the typed values.
    assert re.search(rf'name="row_version"\s+value="{policy.row_version + 1}"', text)
    assert _snapshot() == before
    again = client.post(
        reverse("replenishment:policy-cell-save", args=["CY"]),
        _form(policy, fwos_target="2", service_level="97", row_version=str(policy.row_version + 1)),
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 200
    saved = SegmentPolicy.objects.get(cell="CY")
    assert (saved.fwos_target, saved.service_level, saved.row_version) == (
        Decimal("2.0"),
        Decimal("0.970"),
        policy.row_version + 2,
    )
    assert saved.updated_by == manager


def test_planner_posting_gets_a_readable_refusal(client: Client, planner: User) -> None:
    client.login(username=planner.username, password=PASSWORD)
    policy = SegmentPolicy.objects.get(cell="AX")
    before = _snapshot()
    url = reverse("replenishment:policy-cell-save", args=["AX"])
    cell = client.post(url, _form(policy, fwos_target="9"), HTTP_HX_REQUEST="true")
    assert cell.status_code == 403
    text = cell.content.decode()
    assert text.lstrip().startswith('<td id="cell-AX"')  # swapped in place over HTMX (403 swaps)
    assert "Only managers and admins change the policy matrix: nothing was saved." in text
    assert "hx-post" not in text
    page = client.post(url, _form(policy, fwos_target="9"))
    assert page.status_code == 403
    assert (
        'data-testid="matrix-refusal">Only managers and admins change the policy matrix'
        in page.content.decode()
    )
    assert _snapshot() == before


# -- REST ------------------------------------------------------------------------------------------


def test_api_policies_get_and_patch(client: Client, manager: User, planner: User) -> None:
    client.login(username=planner.username, password=PASSWORD)
    listing = client.get("/api/v1/otb/policies/")
    assert listing.status_code == 200
    assert [row["cell"] for row in listing.json()] == ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]
    policy = SegmentPolicy.objects.get(cell="AZ")
    url = "/api/v1/otb/policies/AZ/"
    body = {"row_version": policy.row_version, "fwos_target": "4.0"}
    before = _snapshot()
    assert client.patch(url, body, content_type="application/json").status_code == 403
    assert _snapshot() == before
    client.login(username=manager.username, password=PASSWORD)
    bad = client.patch(url, {**body, "service_level_percent": "40"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "service_level: Service level must be above 50% and below 99.9%."
    stale = client.patch(
        url, {**body, "row_version": policy.row_version + 1}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert _snapshot() == before
    done = client.patch(url, {**body, "service_level_percent": "90.5"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["service_level_percent"] == "90.5"
    assert done.json()["fwos_target"] == "4.0"
    assert done.json()["row_version"] == policy.row_version + 1
    assert SegmentPolicy.objects.get(cell="AZ").service_level == Decimal("0.905")
