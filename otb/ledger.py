"""The OTB ledger of a department's fiscal months: the approved receipts of each month and what
released purchase orders commit against them (`OTBCommitment`, received or still open).

OTB left = approved receipts - committed. The check of an order is one statement per month: add
its amount to the month's commitment and read the total back (an upsert). PostgreSQL locks the
row for the rest of the transaction and, when another order holds it, waits and adds to that
order's committed total, so concurrent orders queue only for this statement and the commit,
and each sees the others. Over OTB, the caller raises and the transaction rolls the addition
back.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import F, OuterRef, Subquery, Sum

from core.money import to_cents
from otb.models import OTBBudget, OTBBudgetMonth, OTBCommitment, PurchaseOrder, PurchaseOrderLine

# Upsert (PostgreSQL and SQLite): the row is created at the first order of the month.
_COMMIT_SQL = """
    INSERT INTO otb_otbcommitment (department_id, month_key, committed_cents) VALUES (%s, %s, %s)
    ON CONFLICT (department_id, month_key) DO UPDATE
    SET committed_cents = otb_otbcommitment.committed_cents + excluded.committed_cents
    RETURNING committed_cents
"""


def approved_receipts(department_id: int, month_keys: list[int]) -> dict[int, Decimal]:
    """Month -> receipts at retail of the newest approved budget covering it (months without an
    approved budget are missing)."""
    newest = (
        OTBBudgetMonth.objects.filter(
            budget__department_id=department_id,
            budget__status=OTBBudget.Status.APPROVED,
            month_key=OuterRef("month_key"),
        )
        .order_by("-budget__number")
        .values("pk")[:1]
    )
    rows = OTBBudgetMonth.objects.filter(
        budget__department_id=department_id,
        budget__status=OTBBudget.Status.APPROVED,
        month_key__in=month_keys,
        pk=Subquery(newest),
    ).values_list("month_key", "receipts_retail")
    return dict(rows)


def commit(department_id: int, amounts: dict[int, Decimal]) -> dict[int, Decimal]:
    """Add each month's amount at retail (negative gives OTB back) to what is committed, in month
    order (two orders never wait on each other in a cycle), and return month -> committed after.
    The rows stay locked until the transaction ends: call it inside one."""
    after: dict[int, Decimal] = {}
    with connection.cursor() as cursor:
        for key in sorted(amounts):
            cursor.execute(_COMMIT_SQL, [department_id, key, _cents(amounts[key])])
            after[key] = _from_cents(cursor.fetchone()[0])
    return after


def order_amounts(order_id: int) -> dict[int, Decimal]:
    """Month -> what an order's lines (not cancelled) are worth at retail."""
    rows = (
        PurchaseOrderLine.objects.filter(order_id=order_id)
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .values("month_key")
        .annotate(retail=Sum(F("units") * F("unit_retail")))
        .values_list("month_key", "retail")
    )
    return {key: to_cents(retail) for key, retail in rows}


def committed_from_lines(department_id: int, month_keys: list[int]) -> dict[int, Decimal]:
    """What the ledger should hold, summed from the lines themselves (for checks and repairs)."""
    rows = (
        PurchaseOrderLine.objects.filter(
            order__department_id=department_id,
            order__status=PurchaseOrder.Status.RELEASED,
            month_key__in=month_keys,
        )
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .values("month_key")
        .annotate(retail=Sum(F("units") * F("unit_retail")))
        .values_list("month_key", "retail")
    )
    return {key: to_cents(retail) for key, retail in rows}


def committed(department_id: int, month_keys: list[int]) -> dict[int, Decimal]:
    """Month -> committed at retail, as the ledger holds it (not locked)."""
    rows = OTBCommitment.objects.filter(department_id=department_id, month_key__in=month_keys).values_list(
        "month_key", "committed_cents"
    )
    return {key: _from_cents(cents) for key, cents in rows}


def _cents(amount: Decimal) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents.")
    return int(cents)


def _from_cents(cents: int) -> Decimal:
    return to_cents(Decimal(cents) / 100)
