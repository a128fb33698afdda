"""Changing a previewed allocation: a line by hand, release into transfers, cancel.

Every write locks the run row first, so two planners editing the same run queue instead of
overwriting each other, and checks the row version the planner saw: a change made meanwhile is a
conflict, never a silent overwrite. Each change leaves an audit event (core.audit) on the run.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from allocation.inputs import latest_stock
from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from allocation.runs import AllocationError
from core import scope
from core.audit import audit_record
from core.versioning import check_version


def can_change(user: User, run: AllocationRun) -> bool:
    return scope.can_edit(user, run.department_id)


def _locked_run(user: User, run_id: int, seen_version: int | None) -> AllocationRun:
    run = AllocationRun.objects.select_for_update().select_related("department", "dc").get(pk=run_id)
    scope.require_department(
        user,
        run.department_id,
        edit=True,
        message=f"Only the planners and managers of {run.department.name} change its allocations.",
    )
    if run.what_if:
        raise AllocationError(
            "A what-if run shows the full need with unlimited supply: it cannot be edited or released."
        )
    if run.status != AllocationRun.Status.PREVIEW:
        raise AllocationError(f"The run is {run.get_status_display().lower()}: only a preview can change.")
    check_version(
        run,
        seen_version,
        message="Someone changed this allocation since you opened it: reload to see their change, "
        "then try again.",
    )
    return run


@dataclass(frozen=True)
class LineEdit:
    line: AllocationLine
    item: AllocationItem
    run_version: int


def allocation_line_set(
    *, user: User, line_id: int, units: object, seen_version: int | None = None
) -> LineEdit:
    """Give a store `units` of a SKU by hand. The SKU's total stays within what the DC can give
    (allocatable: available - holdback, in whole packs): units taken from one store go back to
    the DC's pool for the others. Multiples of the run's pack, within the store's room.

    `seen_version` is the line's row_version the planner read: a change to this line meanwhile is
    a conflict; two planners editing different lines of a run do not collide (the SKU's total is
    checked under its lock). Every edit also bumps the run's version, which release checks."""
    try:
        line = AllocationLine.objects.select_related("store", "item__sku").get(pk=line_id)
    except AllocationLine.DoesNotExist:
        raise AllocationError(f"There is no allocation line {line_id}.", "line") from None
    with transaction.atomic():
        run = _locked_run(user, line.run_id, None)
        line = AllocationLine.objects.select_for_update().select_related("store", "item__sku").get(pk=line_id)
        check_version(
            line,
            seen_version,
            message=f"Someone changed {line.item.sku.code} at {line.store.code} since you opened it "
            f"(now {line.allocated} units): reload to see it, then try again.",
        )
        item = AllocationItem.objects.select_for_update().get(pk=line.item_id)
        wanted = _units(units)
        label = f"{item.sku.code} at {line.store.code}"
        if wanted % run.pack_size:
            raise AllocationError(
                f"{label}: allocations come in packs of {run.pack_size}; {wanted} is not a multiple.", "units"
            )
        if line.cap is not None and wanted > line.cap:
            raise AllocationError(f"{label}: the store has room for {line.cap} units of it.", "units")
        free = item.allocatable - item.allocated + line.allocated
        if wanted > free:
            others = item.allocated - line.allocated
            raise AllocationError(
                f"{label}: only {free} unit{'' if free == 1 else 's'} of {item.sku.code} can go to this "
                f"store ({item.allocatable} allocatable, {others} given to other stores). "
                "Lower another store first.",
                "units",
            )
        old = line.allocated
        if wanted != old:
            item.allocated += wanted - old
            item.stores_short = AllocationLine.objects.filter(item=item, allocated__lt=F("need")).exclude(
                pk=line.pk
            ).count() + (1 if wanted < line.need else 0)
            item.save(update_fields=["allocated", "stores_short"])
            line.allocated = wanted
            line.row_version += 1
            line.save(update_fields=["allocated", "row_version"])
            run.row_version += 1
            run.save(update_fields=["row_version"])
            audit_record(
                user,
                "allocation.line.change",
                run,
                old={"line": line.pk, "units": old},
                new={"line": line.pk, "units": wanted},
                comment=label,
            )
    return LineEdit(line=line, item=item, run_version=run.row_version)


def _units(value: object) -> int:
    text = str(value).strip()
    try:
        number = int(text)
    except ValueError:
        raise AllocationError(f"Units must be a whole number, not {text!r}.", "units") from None
    if number < 0:
        raise AllocationError("Units cannot be negative.", "units")
    return number


@dataclass(frozen=True)
class Released:
    transfers: int
    units: int


def allocation_release(*, user: User, run_id: int, seen_version: int | None = None) -> Released:
    """Turn the preview's lines into planned transfers from the DC, once. From DC stock, the DC
    must still hold what the run gives (other releases since may have taken it)."""
    with transaction.atomic():
        run = _locked_run(user, run_id, seen_version)
        items = list(AllocationItem.objects.filter(run=run, allocated__gt=0).select_related("sku"))
        if not items:
            raise AllocationError("Nothing to release: no store gets any units.")
        if run.source == AllocationRun.Source.DC_STOCK:
            _check_dc_stock(run, items)
        lines = AllocationLine.objects.filter(run=run, allocated__gt=0).values_list(
            "item__sku_id", "store_id", "allocated"
        )
        transfers = [
            Transfer(
                kind=Transfer.Kind.ALLOCATION,
                run=run,
                sku_id=sku,
                from_location_id=run.dc_id,
                to_location_id=store,
                units=units,
                created_by=user,
            )
            for sku, store, units in lines.iterator(chunk_size=5000)
        ]
        Transfer.objects.bulk_create(transfers, batch_size=5000)
        total = sum(transfer.units for transfer in transfers)
        run.status, run.released_by, run.released_at = AllocationRun.Status.RELEASED, user, timezone.now()
        run.row_version += 1
        run.save(update_fields=["status", "released_by", "released_at", "row_version"])
        audit_record(
            user,
            "allocation.release",
            run,
            new={"units": total, "transfers": len(transfers)},
            comment=f"{len(transfers)} transfers, {total} units",
        )
    return Released(transfers=len(transfers), units=total)


def _check_dc_stock(run: AllocationRun, items: list[AllocationItem]) -> None:
    sku_ids = [item.sku_id for item in items]
    on_hand = {sku: units for sku, _, units, _ in latest_stock(run.as_of_id, [run.dc_id], sku_ids)}
    promised = dict(
        Transfer.objects.filter(
            sku_id__in=sku_ids, from_location_id=run.dc_id, status=Transfer.Status.PLANNED
        )
        .values_list("sku_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    for item in items:
        free = on_hand.get(item.sku_id, 0) - promised.get(item.sku_id, 0)
        if item.allocated > free:
            raise AllocationError(
                f"{run.dc.code} now has {max(free, 0)} units of {item.sku.code} free (other transfers took "
                f"{promised.get(item.sku_id, 0)}); this run gives {item.allocated}. Start a new run."
            )


def allocation_cancel(*, user: User, run_id: int, seen_version: int | None = None) -> AllocationRun:
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().select_related("department").get(pk=run_id)
        scope.require_department(
            user,
            run.department_id,
            edit=True,
            message=f"Only the planners and managers of {run.department.name} change its allocations.",
        )
        if run.status not in (
            AllocationRun.Status.PREVIEW,
            AllocationRun.Status.QUEUED,
            AllocationRun.Status.RUNNING,
        ):
            raise AllocationError(f"The run is {run.get_status_display().lower()}: it cannot be cancelled.")
        check_version(
            run,
            seen_version,
            message="Someone changed this allocation since you opened it: reload and try again.",
        )
        run.status = AllocationRun.Status.CANCELLED
        run.row_version += 1
        run.save(update_fields=["status", "row_version"])
        audit_record(user, "allocation.cancel", run)
    return run
