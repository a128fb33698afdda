"""Writes to the ABC x XYZ policy matrix: one cell's defaults at a time, with the version the
editor read (a stale version is a conflict, not an overwrite) and one audit row per changed
field. Only managers and admins change the matrix."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.audit import audit_record
from core.money import has_at_most_places, to_places
from core.versioning import check_version
from planning.roles import ADMIN, MANAGER, user_roles
from replenishment.models import SegmentPolicy

POLICY_CHANGE = "replenishment.policy.change"  # one audit event per changed field
EDITABLE_FIELDS = ("service_level", "fwos_target", "presentation_min", "allocation_priority")
SERVICE_LEVEL_LOW = Decimal("0.500")  # exclusive bounds: 50 % < service level < 99.9 %
SERVICE_LEVEL_HIGH = Decimal("0.999")
PRIORITIES = (1, 2, 3)
PRESENTATION_MIN_HIGH = 100_000  # units a store shows at least, per SKU: more is a typing slip
_PLACES = {"service_level": Decimal("0.001"), "fwos_target": Decimal("0.1")}


def can_edit_policies(user: AbstractBaseUser | Any) -> bool:
    return bool(user_roles(user) & {MANAGER, ADMIN})


def service_level_from_percent(text: str) -> Decimal:
    """ "95" or "97.5" (percent) as the stored fraction 0.950 / 0.975; raises ValueError. A number
    outside the bounds comes back as it is, for `policy_errors` to name the range."""
    try:
        percent = Decimal(str(text).strip())
    except InvalidOperation as error:
        raise ValueError("Enter a number, e.g. 95 or 97.5.") from error
    if not percent.is_finite():
        raise ValueError("Enter a number, e.g. 95 or 97.5.")
    fraction = percent / 100
    if not SERVICE_LEVEL_LOW < fraction < SERVICE_LEVEL_HIGH:
        return fraction
    if not has_at_most_places(fraction, 3):
        raise ValueError("Use at most one decimal place, e.g. 97.5.")
    return to_places(fraction, 3)


def policy_errors(values: dict[str, Any]) -> dict[str, str]:
    """The rules of a matrix cell, per field: service level strictly between 50 % and 99.9 %,
    FWOS target 0 to 9999.9, presentation minimum 0 to 100,000, allocation priority 1, 2 or 3."""
    errors: dict[str, str] = {}
    service = values.get("service_level")
    if service is not None and not SERVICE_LEVEL_LOW < Decimal(service) < SERVICE_LEVEL_HIGH:
        errors["service_level"] = "Service level must be above 50% and below 99.9%."
    fwos = values.get("fwos_target")
    if fwos is not None:
        if Decimal(fwos) < 0:
            errors["fwos_target"] = "FWOS target cannot be negative."
        elif Decimal(fwos) >= Decimal("9999.95"):  # stored to 0.1: that would be 10000.0
            errors["fwos_target"] = "FWOS target must be below 10000 weeks."
    minimum = values.get("presentation_min")
    if minimum is not None and int(minimum) < 0:
        errors["presentation_min"] = "Presentation minimum cannot be negative."
    elif minimum is not None and int(minimum) > PRESENTATION_MIN_HIGH:
        errors["presentation_min"] = f"Presentation minimum is at most {PRESENTATION_MIN_HIGH:,} units."
    priority = values.get("allocation_priority")
    if priority is not None and int(priority) not in PRIORITIES:
        errors["allocation_priority"] = "Allocation priority is 1, 2 or 3 (1 is served first)."
    return errors


def _text(value: Any) -> str:
    return str(value)


@transaction.atomic
def segment_policy_update(
    *, cell: str, user: User, row_version: int, values: dict[str, Any]
) -> SegmentPolicy:
    """Change some defaults of one cell. Raises PermissionDenied (not a manager or admin),
    ValidationError (field -> message; nothing written), core's Conflict (stale row_version),
    SegmentPolicy.DoesNotExist. Audits one "replenishment.policy.change" per field that changed."""
    if not can_edit_policies(user):
        raise PermissionDenied("Only managers and admins change the policy matrix.")
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not an editable field."))
    errors = policy_errors(values)
    if errors:
        raise ValidationError(errors)
    policy = SegmentPolicy.objects.select_for_update(of=("self",)).select_related("updated_by").get(cell=cell)
    check_version(
        policy,
        row_version,
        message=f"{policy.cell} was changed by {policy.updated_by or 'someone'} since you opened it "
        f"(version {policy.row_version}). Reload the cell and try again.",
    )
    changes = []
    for name in EDITABLE_FIELDS:
        if name not in values:
            continue
        old, new = getattr(policy, name), values[name]
        new = to_places(Decimal(new), _PLACES[name]) if name in _PLACES else int(new)
        if new == old:
            continue
        setattr(policy, name, new)
        changes.append((name, _text(old), _text(new)))
    if not changes:
        return policy
    policy.row_version += 1
    policy.updated_by = user
    policy.save(update_fields=[*(name for name, _, _ in changes), "row_version", "updated_by", "updated_at"])
    for name, old_text, new_text in changes:
        audit_record(
            user, POLICY_CHANGE, policy, old={name: old_text}, new={name: new_text}, label=policy.cell
        )
    return policy
