"""Vendor terms of a style-color (lead time, MOQ, order multiple, EOQ costs, direct to store):
changed by managers and admins, checked field by field, audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from core import scope
from core.audit import audit_record
from otb.orders import MAX_LINE_UNITS
from otb.services import OTBError, OTBForbiddenError
from planning.roles import ADMIN, MANAGER, user_roles
from replenishment.models import VendorItem

MAX_LEAD_TIME_WEEKS = Decimal("52")


class TermsError(OTBError):
    """Bad vendor terms (400): one message per field, each also at the top of the API body."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems

    def body(self) -> dict[str, Any]:
        return {**super().body(), **self.problems}


def terms_problems(values: dict[str, Any]) -> dict[str, str]:
    """A message per bad field (only the fields given are checked)."""
    problems = {}
    if "lead_time_weeks" in values:
        lead = _decimal(values["lead_time_weeks"])
        if lead is None or lead < 0:
            problems["lead_time_weeks"] = "Lead time cannot be negative: give weeks, 0 or more."
        elif lead > MAX_LEAD_TIME_WEEKS:
            problems["lead_time_weeks"] = "Lead time is at most 52 weeks."
    for name, label in (("moq", "MOQ"), ("order_multiple", "Order multiple")):
        if name in values and (not isinstance(values[name], int) or values[name] < 1):
            problems[name] = f"{label} must be a whole number of units, at least 1."
        elif name in values and values[name] > MAX_LINE_UNITS:  # more than an order line takes
            problems[name] = f"{label} is at most {MAX_LINE_UNITS:,} units."
    for name, label in (("order_cost", "Order cost"), ("holding_rate", "Holding rate")):
        if name in values and values[name] is not None:
            value = _decimal(values[name])
            if value is None or value < 0:
                problems[name] = f"{label} cannot be negative (leave it empty for no EOQ)."
            elif name == "holding_rate" and value > 1:
                problems[name] = "Holding rate is a share of unit cost a year: 0.25 is 25%."
    return problems


@transaction.atomic
def vendor_item_update(*, user: User, item_id: int, values: dict[str, Any]) -> VendorItem:
    item = VendorItem.objects.select_for_update(of=("self",)).select_related("style_color").get(pk=item_id)
    department = item.style_color.style.subclass.merch_class.department_id
    if not user_roles(user) & {MANAGER, ADMIN}:
        raise OTBForbiddenError("Only managers and admins change vendor terms.")
    scope.require_department(
        user, department, edit=True, message="You do not manage this department.", error=OTBForbiddenError
    )
    problems = terms_problems(values)
    if problems:
        raise TermsError(problems)
    old, new = {}, {}
    for name, value in values.items():
        if getattr(item, name) != value:
            old[name], new[name] = getattr(item, name), value
            setattr(item, name, value)
    if new:
        item.save()
        changes = "; ".join(f"{name} {old[name]} -> {value}" for name, value in new.items())
        audit_record(
            user, "vendor_item.change", item, old=old, new=new, comment=changes, department=department
        )
    return item


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
