"""Reads of the policy matrix: the latest finished run, the nine cells with the SKU-locations and
stock at cost the run puts in each, and the latest changes (service level in percent, as edited)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum

from core.audit import audit_trail
from core.models import AuditEvent
from core.money import to_cents, to_places
from replenishment.models import ItemPolicy, ReplenishmentRun, SegmentPolicy


def latest_done_run(department_id: int | None = None) -> ReplenishmentRun | None:
    runs = ReplenishmentRun.objects.filter(status=ReplenishmentRun.Status.DONE).select_related("as_of")
    if department_id is not None:
        runs = runs.filter(departments=department_id)
    return runs.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class MatrixCell:
    policy: SegmentPolicy
    sku_locations: int
    stock_cost: Decimal

    @property
    def service_percent(self) -> Decimal:
        return to_places(self.policy.service_level * 100, 1)


def policy_matrix(run: ReplenishmentRun | None) -> list[list[MatrixCell]]:
    """The nine cells as rows A, B, C x columns X, Y, Z, each with the run's SKU x locations in
    that segment and their stock (the run's on hand) at cost: two queries."""
    counts: dict[str, tuple[int, Decimal]] = {}
    if run is not None:
        value = ExpressionWrapper(
            F("on_hand") * F("sku__style_color__unit_cost"),
            output_field=DecimalField(max_digits=18, decimal_places=2),
        )
        for row in (
            ItemPolicy.objects.filter(run=run)
            .values("segment")
            .annotate(count=Count("id"), value=Sum(value))
            .order_by("segment")
        ):
            counts[row["segment"]] = (row["count"], to_cents(row["value"] or 0))
    policies = {policy.cell: policy for policy in SegmentPolicy.objects.select_related("updated_by")}
    rows = []
    for abc in "ABC":
        cells = []
        for xyz in "XYZ":
            cell = abc + xyz
            if cell in policies:
                count, value_at_cost = counts.get(cell, (0, Decimal("0.00")))
                cells.append(MatrixCell(policies[cell], count, value_at_cost))
        rows.append(cells)
    return rows


def matrix_cell(cell: str, run: ReplenishmentRun | None) -> MatrixCell:
    for row in policy_matrix(run):
        for item in row:
            if item.policy.cell == cell:
                return item
    raise SegmentPolicy.DoesNotExist(cell)


def policy_changes_latest(limit: int = 20) -> list[AuditEvent]:
    """The matrix's latest changes: audit events of one field each ({field: old} -> {field: new})."""
    return list(audit_trail(actions="replenishment.policy.change", model=SegmentPolicy)[:limit])


FIELD_LABELS = {
    "service_level": "Service level",
    "fwos_target": "FWOS target (weeks)",
    "presentation_min": "Presentation min (units)",
    "allocation_priority": "Allocation priority",
}


@dataclass(frozen=True)
class PolicyChangeRow:
    """A change as the matrix shows it: the field's label and the values as the form takes them
    (the service level in percent, 0.980 -> "98.0%")."""

    change: AuditEvent
    cell: str
    label: str
    old_value: str
    new_value: str


def _shown(field: str, text: str) -> str:
    if field != "service_level":
        return text
    try:
        return f"{to_places(Decimal(text) * 100, 1)}%"
    except InvalidOperation:
        return text


def _change_row(change: AuditEvent) -> PolicyChangeRow:
    (field, new_value), old = next(iter((change.new or {}).items())), change.old or {}
    return PolicyChangeRow(
        change=change,
        cell=change.target_label,
        label=FIELD_LABELS.get(field, field),
        old_value=_shown(field, str(old.get(field, ""))),
        new_value=_shown(field, str(new_value)),
    )


def policy_change_rows(limit: int = 20) -> list[PolicyChangeRow]:
    return [_change_row(change) for change in policy_changes_latest(limit)]
