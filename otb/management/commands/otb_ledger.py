"""Compare what the OTB ledger holds as committed with what purchase order lines add up to, and
repair it: `manage.py otb_ledger` lists the months that differ (exit status 1 if any);
`--repair` sets them to the lines' totals, under the months' locks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F, Sum

from core.money import to_cents
from otb.models import OTBCommitment, PurchaseOrder, PurchaseOrderLine


def ledger_differences() -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """(department, month) -> (ledger, lines) where they differ, at retail."""
    lines = {
        (row["order__department_id"], row["month_key"]): to_cents(row["retail"])
        for row in PurchaseOrderLine.objects.filter(order__status=PurchaseOrder.Status.RELEASED)
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .values("order__department_id", "month_key")
        .annotate(retail=Sum(F("units") * F("unit_retail")))
        .order_by()
    }
    held = {
        (department, key): to_cents(Decimal(cents) / 100)
        for department, key, cents in OTBCommitment.objects.values_list(
            "department_id", "month_key", "committed_cents"
        )
    }
    zero = Decimal("0.00")
    return {
        where: (held.get(where, zero), lines.get(where, zero))
        for where in sorted(held.keys() | lines.keys())
        if held.get(where, zero) != lines.get(where, zero)
    }


class Command(BaseCommand):
    help = "Check the OTB ledger (committed per department and month) against the purchase order lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair", action="store_true", help="Set the months that differ to the lines' totals."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            if options["repair"]:
                # Lock every commitment row (stops new checks while the totals are read and set).
                list(OTBCommitment.objects.select_for_update().order_by("department_id", "month_key"))
            differences = ledger_differences()
            for (department, key), (held, lines) in differences.items():
                self.stdout.write(f"department {department}, month {key}: ledger {held}, lines {lines}")
                if options["repair"]:
                    OTBCommitment.objects.update_or_create(
                        department_id=department,
                        month_key=key,
                        defaults={"committed_cents": int(lines * 100)},
                    )
        if not differences:
            self.stdout.write("The OTB ledger matches the purchase order lines.")
        elif options["repair"]:
            self.stdout.write(f"Repaired {len(differences)} month(s).")
        else:
            raise CommandError(f"{len(differences)} month(s) differ: run with --repair to fix them.")
