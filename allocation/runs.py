"""An allocation run: set up and checked (`start_run`), computed by a Celery task (`execute`)
into AllocationItem and AllocationLine rows for a preview.

The engine works in batches of SKUs so a large run reports its progress; every row is written
in one transaction at the end, so a run that fails (bad stock data, a like item that sold
nothing) writes no lines and says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction

from allocation.engine import Allocation, allocate, store_caps, unlimited_supply, whole_unit_need
from allocation.inputs import RunInputs, gather
from allocation.models import MAX_PACK_SIZE, AllocationItem, AllocationLine, AllocationRun
from core.audit import audit_record
from core.errors import InvalidInput
from core.runs import Progress, run_execute, run_finish
from forecasting.models import LikeItem
from forecasting.selectors import latest_closed_week
from otb.models import PurchaseOrder
from planning.models import Department, Location, StyleColor

logger = logging.getLogger(__name__)
BATCH_SKUS = 250  # the engine's batch: progress moves every batch
WRITE_BATCH = 5000


class AllocationError(InvalidInput, ValueError):
    """A run or an edit that cannot go ahead as asked (400); `field` names the form field at
    fault. The API body also carries {field: [message]}, as DRF's own field errors do."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)

    def body(self) -> dict[str, Any]:
        if not self.field:
            return super().body()
        return {"detail": f"{self.field}: {self.message}", "code": self.code, self.field: [self.message]}


@dataclass(frozen=True)
class RunRequest:
    """What a planner asks for; every field as a form or the API hands it over."""

    department: Department
    dc: Location
    style_colors: list[StyleColor]
    source: str = AllocationRun.Source.DC_STOCK
    purchase_order: PurchaseOrder | None = None
    cluster: str = ""
    grade: str = ""
    demand: str = AllocationRun.Demand.FORECAST
    like_style_color: StyleColor | None = None
    planned_weekly_units: Decimal | None = None
    mode: str = AllocationRun.Mode.FILL_RATIO
    holdback: Any = Decimal("0")
    pack_size: Any = 1
    coverage_weeks: Any = Decimal("2.0")
    what_if: bool = False
    name: str = ""


def _decimal(value: Any, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AllocationError(f"{label} must be a number, not {value!r}.", field) from None
    if not number.is_finite():
        raise AllocationError(f"{label} must be a number, not {value!r}.", field)
    return number


def check_request(user: User, request: RunRequest) -> dict[str, Any]:
    """The run's fields, checked; AllocationError naming the field otherwise."""
    if not Department.objects.editable_by(user).filter(pk=request.department.pk).exists():
        raise PermissionDenied(
            f"Only the planners and managers of {request.department.name} allocate its stock."
        )
    if request.dc.kind != Location.Kind.DC:
        raise AllocationError(f"{request.dc.code} is not a distribution centre.", "dc")
    if not request.style_colors:
        raise AllocationError("Choose at least one style-color.", "style_colors")
    outside = [
        sc.code
        for sc in request.style_colors
        if sc.style.subclass.merch_class.department_id != request.department.pk
    ]
    if outside:
        raise AllocationError(f"{outside[0]} is not in {request.department.name}.", "style_colors")
    if request.source not in AllocationRun.Source.values:
        raise AllocationError(f"Unknown source {request.source!r}.", "source")
    if request.source == AllocationRun.Source.PURCHASE_ORDER:
        order = request.purchase_order
        if order is None:
            raise AllocationError("Choose the incoming purchase order to allocate.", "purchase_order")
        if order.status != PurchaseOrder.Status.RELEASED:
            raise AllocationError(
                f"Order {order.number} is not released: nothing is coming.", "purchase_order"
            )
        if not order.lines.filter(location=request.dc, sku__style_color__in=request.style_colors).exists():
            raise AllocationError(
                f"Order {order.number} brings none of these style-colors to {request.dc.code}.",
                "purchase_order",
            )
    if request.mode not in AllocationRun.Mode.values:
        raise AllocationError(f"Unknown mode {request.mode!r}: fill_ratio or wos.", "mode")
    if request.demand not in AllocationRun.Demand.values:
        raise AllocationError(f"Unknown demand {request.demand!r}.", "demand")
    if request.demand == AllocationRun.Demand.LIKE_ITEM and request.like_style_color is None:
        linked = set(
            LikeItem.objects.filter(style_color__in=request.style_colors).values_list(
                "style_color_id", flat=True
            )
        )
        unlinked = [sc.code for sc in request.style_colors if sc.pk not in linked]
        if unlinked:
            raise AllocationError(
                f"A launch from a like item needs one: choose it here, or link one to {unlinked[0]} "
                "(Forecasts, like items).",
                "like_style_color",
            )
    planned = None
    if request.demand == AllocationRun.Demand.PLAN:
        if request.planned_weekly_units is None:
            raise AllocationError(
                "A launch from the plan needs the planned units a week.", "planned_weekly_units"
            )
        planned = _decimal(request.planned_weekly_units, "planned_weekly_units", "Planned units a week")
        if planned <= 0:
            raise AllocationError("Planned units a week must be above 0.", "planned_weekly_units")
    pack = _decimal(request.pack_size, "pack_size", "Pack size")
    if pack != pack.to_integral_value() or pack < 1:
        raise AllocationError("Pack size must be a whole number of units, at least 1.", "pack_size")
    if pack > MAX_PACK_SIZE:
        raise AllocationError(f"Pack size is at most {MAX_PACK_SIZE:,} units.", "pack_size")
    holdback = _decimal(request.holdback, "holdback", "Holdback")
    if not Decimal("0") <= holdback <= Decimal("0.95"):
        raise AllocationError(
            "Holdback is a share of the stock, 0 to 0.95 (e.g. 0.1 keeps 10% at the DC).", "holdback"
        )
    coverage = _decimal(request.coverage_weeks, "coverage_weeks", "Coverage")
    if not Decimal("0.5") <= coverage <= Decimal("26"):
        raise AllocationError("Coverage is 0.5 to 26 weeks.", "coverage_weeks")
    grade = request.grade.strip().upper()
    if grade and grade not in Location.Grade.values:
        raise AllocationError(f"Unknown store grade {request.grade!r}: A, B or C.", "grade")
    return {
        "department": request.department,
        "dc": request.dc,
        "source": request.source,
        "purchase_order": request.purchase_order
        if request.source == AllocationRun.Source.PURCHASE_ORDER
        else None,
        "cluster": request.cluster.strip(),
        "grade": grade,
        "demand": request.demand,
        "like_style_color": request.like_style_color
        if request.demand == AllocationRun.Demand.LIKE_ITEM
        else None,
        "planned_weekly_units": planned,
        "mode": request.mode,
        "holdback": holdback,
        "pack_size": int(pack),
        "coverage_weeks": coverage,
        "what_if": bool(request.what_if),
        "name": request.name.strip()[:120],
    }


def start_run(*, user: User, request: RunRequest) -> AllocationRun:
    """Queue a run; the worker computes it once the run row is committed."""
    from allocation.tasks import allocation_run

    fields = check_request(user, request)
    with transaction.atomic():
        run = AllocationRun.objects.create(
            as_of=latest_closed_week(), created_by=user, progress_total=100, **fields
        )
        run.style_colors.set(request.style_colors)
        audit_record(user, "allocation.create", run)
        transaction.on_commit(lambda: allocation_run.delay(run.pk))
    return run


def execute(run_id: int) -> AllocationRun:
    """Compute a queued run into its preview (core.runs.run_execute: a task delivered twice
    computes it once; a run that fails writes nothing and says why)."""
    run = AllocationRun.objects.select_related("dc", "as_of").get(pk=run_id)
    return run_execute(run, lambda progress: _compute_and_write(run, progress))


def _compute_and_write(run: AllocationRun, progress: Progress) -> None:
    progress(0, 100)
    inputs = gather(run)
    progress(10)
    results = _compute(run, inputs, progress)
    progress(90)
    _write(run, inputs, results)


def needs_of(inputs: RunInputs) -> np.ndarray:
    """The run's need per SKU and store in whole units (`allocation.engine.whole_unit_need`)."""
    return whole_unit_need(
        inputs.demand_over_coverage, inputs.presentation_min, inputs.on_hand, inputs.in_transit
    )


def _compute(
    run: AllocationRun, inputs: RunInputs, progress: Progress
) -> list[tuple[slice, Allocation, np.ndarray]]:
    need = needs_of(inputs)
    caps = store_caps(need, inputs.room)
    pack = run.pack_size
    if run.what_if:  # unlimited supply: every store's need in whole packs, within its cap
        available = unlimited_supply(need, caps, pack)
        holdback = 0.0
    else:
        available, holdback = inputs.available, float(run.holdback)
    results = []
    count = len(inputs.sku_ids)
    for start in range(0, count, BATCH_SKUS):
        rows = slice(start, min(start + BATCH_SKUS, count))
        result = allocate(
            need[rows],
            available[rows],
            pack_size=pack,
            store_max=caps[rows],
            presentation_min=np.minimum(inputs.presentation_min[rows], need[rows]),
            priority=inputs.priority[rows],
            holdback=holdback,
            mode="wos" if run.mode == AllocationRun.Mode.WOS else "fill_ratio",
            weekly_demand=inputs.weekly_demand[rows],
            stock=(inputs.on_hand + inputs.in_transit)[rows],
        )
        results.append((rows, result, caps[rows]))
        progress(10 + int(80 * rows.stop / count))
    return results


LINE_COLUMNS = (
    "run_id", "item_id", "store_id", "segment", "priority", "presentation_min", "on_hand", "in_transit",
    "weekly_demand", "need", "cap", "proposed", "allocated", "shortfall", "row_version",
)  # fmt: skip


def _line_frame(
    run: AllocationRun,
    inputs: RunInputs,
    results: list[tuple[slice, Allocation, np.ndarray]],
    item_ids: np.ndarray,
) -> pd.DataFrame:
    """One row per SKU x store with a need or an allocation, column by column: a million lines
    are a handful of array operations, not a million model objects. (Stores that need none of
    a SKU and get none have no line: they have nothing to show or edit in the preview.)"""
    need = np.vstack([result.need for _, result, _ in results])
    allocated = np.vstack([result.allocated for _, result, _ in results])
    shortfall = np.vstack([result.shortfall for _, result, _ in results])
    caps = np.vstack([caps for _, _, caps in results])
    keep = (need > 0) | (allocated > 0)
    sku_index, store_index = np.nonzero(keep)
    cap = caps[keep]
    return pd.DataFrame(
        {
            "run_id": np.full(len(sku_index), run.pk, dtype=np.int64),
            "item_id": item_ids[sku_index],
            "store_id": np.asarray(inputs.store_ids, dtype=np.int64)[store_index],
            "segment": inputs.segments[keep],
            "priority": inputs.priority[keep],
            "presentation_min": inputs.presentation_min[keep],
            "on_hand": inputs.on_hand[keep],
            "in_transit": inputs.in_transit[keep],
            "weekly_demand": np.round(inputs.weekly_demand[keep], 4),
            "need": need[keep].astype(np.int64),
            "cap": pd.Series(np.where(np.isfinite(cap), cap, 0), dtype="Int64").mask(~np.isfinite(cap)),
            "proposed": allocated[keep],
            "allocated": allocated[keep],
            "shortfall": shortfall[keep],
            "row_version": np.ones(len(sku_index), dtype=np.int64),
        },
        columns=list(LINE_COLUMNS),
    )


_BINARY_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "double precision": ">f8"}
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
_COPY_TRAILER = b"\xff\xff"


def _db_type(column: str) -> str:
    field = AllocationLine._meta.get_field(column.removesuffix("_id"))
    assert isinstance(field, models.Field)  # noqa: S101 - a concrete column, for the type checker
    return str(field.db_type(connection))


def _binary_rows(frame: pd.DataFrame, with_cap: bool) -> bytes:
    """PostgreSQL's binary COPY rows, built as one numpy record array: per row the field count,
    then each field's byte length and big-endian value (cap left out, length -1, when NULL)."""
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for name in LINE_COLUMNS:
        kind = "S2" if name == "segment" else _BINARY_TYPES[_db_type(name)]
        layout.append((f"{name}_length", ">i4"))
        if name != "cap" or with_cap:
            layout.append((name, kind))
    rows = np.zeros(len(frame), dtype=layout)
    rows["fields"] = len(LINE_COLUMNS)
    for name in LINE_COLUMNS:
        if name == "cap" and not with_cap:
            rows["cap_length"] = -1
            continue
        values = frame[name].to_numpy()
        rows[name] = (
            values.astype("S2") if name == "segment" else values.astype(rows.dtype[name].newbyteorder("="))
        )
        rows[f"{name}_length"] = rows.dtype[name].itemsize
    return rows.tobytes()


def _insert_lines(frame: pd.DataFrame) -> None:
    """PostgreSQL: one binary COPY; elsewhere (SQLite) executemany."""
    if frame.empty:
        return
    table = connection.ops.quote_name(AllocationLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            capped = frame["cap"].notna().to_numpy()
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.write(_COPY_HEADER)
                copy.write(_binary_rows(frame[capped], with_cap=True))
                copy.write(_binary_rows(frame[~capped], with_cap=False))
                copy.write(_COPY_TRAILER)
            return
        values = [
            frame[name].astype(object).where(frame[name].notna(), None).tolist() for name in LINE_COLUMNS
        ]
        places = ", ".join("%s" for _ in LINE_COLUMNS)
        insert = f"INSERT INTO {table} ({columns}) VALUES ({places})"  # noqa: S608 - our names; values as parameters
        cursor.executemany(insert, list(zip(*values, strict=True)))


def _write(
    run: AllocationRun, inputs: RunInputs, results: list[tuple[slice, Allocation, np.ndarray]]
) -> None:
    with transaction.atomic():
        locked = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != AllocationRun.Status.RUNNING:
            return  # cancelled meanwhile
        items: list[AllocationItem] = []
        for rows, result, _ in results:
            for offset, position in enumerate(range(rows.start, rows.stop)):
                items.append(
                    AllocationItem(
                        run=run,
                        sku_id=inputs.sku_ids[position],
                        available=int(inputs.available[position]),
                        held_back=int(result.held_back[offset]),
                        allocatable=int(result.allocatable[offset]),
                        allocated=int(result.allocated[offset].sum()),
                        need=int(result.need[offset].sum()),
                        stores_short=int((result.allocated[offset] < result.need[offset]).sum()),
                    )
                )
        AllocationItem.objects.bulk_create(items, batch_size=WRITE_BATCH)
        _insert_lines(_line_frame(run, inputs, results, np.array([item.pk for item in items])))
        run_finish(locked, message=inputs.demand_note)  # the preview, with the lines
