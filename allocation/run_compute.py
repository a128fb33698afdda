"""Computing a queued allocation run (`execute`, what the Celery task calls) into AllocationItem
and AllocationLine rows for a preview; `allocation.runs` sets a run up and queues it.

The engine works in batches of SKUs so a large run reports its progress; every row is written
in one transaction at the end, so a run that fails (bad stock data, a like item that sold
nothing) writes no lines and says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection, models, transaction

from allocation.engine import Allocation, allocate, store_caps, unlimited_supply, whole_unit_need
from allocation.inputs import RunInputs, gather
from allocation.models import AllocationItem, AllocationLine, AllocationRun
from core.runs import Progress, run_execute, run_finish

BATCH_SKUS = 250  # the engine's batch: progress moves every batch
WRITE_BATCH = 5000


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
