"""The leaf store: each leaf's weeks as one array of cents (int64, little-endian) per measure,
read for many leaves at once into a matrix and written back in bulk (COPY and one UPDATE on
PostgreSQL, executemany elsewhere)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from planning.models import PlanLeaf

DTYPE = np.dtype("<i8")


def encode(values: np.ndarray) -> bytes:
    return np.ascontiguousarray(values, dtype=DTYPE).tobytes()


def decode(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=DTYPE)


@dataclass
class Leaves:
    """Leaves of one measure: ids, subclass and region of each, locks, and their weeks."""

    ids: np.ndarray
    subclass: np.ndarray
    region: np.ndarray
    locked: np.ndarray
    values: np.ndarray  # leaves x weeks, int64 (cents; units for sales_units)

    def __len__(self) -> int:
        return len(self.ids)


def load(rows: QuerySet[PlanLeaf], weeks: int) -> Leaves:
    """The leaves of a queryset (one measure), in id order: their arrays joined and read as one
    matrix (no Python object per cell)."""
    fetched = list(rows.order_by("id").values_list("id", "subclass_id", "region_id", "is_locked", "cents"))
    count = len(fetched)

    def column(index: int, dtype: type) -> np.ndarray:
        return np.fromiter((row[index] for row in fetched), dtype=dtype, count=count)

    blob = b"".join(bytes(row[4]) for row in fetched)
    values = (
        np.frombuffer(blob, dtype=DTYPE).reshape(count, weeks) if count else np.zeros((0, weeks), np.int64)
    )
    return Leaves(column(0, np.int64), column(1, np.int64), column(2, np.int64), column(3, bool), values)


def group_sums(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `values` summed by their group number: (the groups, in order; their sums)."""
    if not len(groups):
        return groups, np.zeros((0, values.shape[1]), dtype=values.dtype)
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.add.reduceat(values[order], starts, axis=0)


def codes_of(ids: np.ndarray, mapping: dict[int, str]) -> tuple[np.ndarray, list[str]]:
    """Each id's code as an index into the sorted distinct codes, and those codes."""
    codes = sorted(set(mapping.values()))
    if not len(ids):
        return np.zeros(0, dtype=np.int64), codes
    position = {code: index for index, code in enumerate(codes)}
    keys = np.array(sorted(mapping), dtype=np.int64)
    index_of_key = np.array([position[mapping[int(key)]] for key in keys], dtype=np.int64)
    return index_of_key[np.searchsorted(keys, ids)], codes


def save(ids: Iterable[int], values: np.ndarray) -> int:
    """Write each leaf's weeks (rows of `values`, in the order of `ids`); how many."""
    rows = [(int(leaf_id), encode(row)) for leaf_id, row in zip(ids, values, strict=True)]
    if not rows:
        return 0
    table = PlanLeaf._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS leaf_cents (id bigint, cents bytea) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE leaf_cents")
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy("COPY leaf_cents (id, cents) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            update = (
                f"UPDATE {table} AS leaf SET cents = new.cents FROM leaf_cents AS new WHERE leaf.id = new.id"  # noqa: S608 - our table's name
            )
            cursor.execute(update)
        else:
            update = f"UPDATE {table} SET cents = %s WHERE id = %s"  # noqa: S608 - our table's name
            cursor.executemany(update, [(blob, i) for i, blob in rows])
    return len(rows)
