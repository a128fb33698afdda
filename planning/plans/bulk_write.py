"""Read and write a few numeric columns of many rows at once: the I/O of a plan recompute.

Why not the ORM: a 10,000-line plan has 520,000 PlanWeek rows. `bulk_update` sends each
batch as `UPDATE ... SET col = CASE WHEN id = 1 THEN ... END` per column, which Python spends
seconds building and the database evaluates row by row against every CASE branch; and
`values_list` builds a Decimal per cell that the engine turns back into a float.

* `write_columns`: on PostgreSQL the values go as scaled 64-bit integers in one binary `COPY`
  (built by numpy, no Python object per cell) into a temporary table, then one
  `UPDATE ... FROM` join applies them; elsewhere (SQLite) one prepared `UPDATE ... WHERE id = ?`
  runs per row through `executemany`. Rows already holding the new values are skipped
  (`IS DISTINCT FROM`, `IS`), so a recompute that changes little writes little.
* `read_columns`: the rows of a queryset as numpy columns, cast to float8 by PostgreSQL and
  read with one binary `COPY ... TO STDOUT` (a raw cursor elsewhere).

Both run in the caller's transaction and never commit; `write_columns` refuses to run outside
`transaction.atomic()`. Neither calls `save()`, signals or `auto_now`, as with `bulk_update`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DecimalField, Field, Model, QuerySet
from django.db.transaction import TransactionManagementError

from core.money import to_places

Column = Sequence[Decimal | int | None] | npt.NDArray[Any]
NULL = int(np.iinfo(np.int64).min)  # NULL among scaled integers: no value scales to it
_MAX_DIGITS = 18  # what a signed 64-bit integer carries
_INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField"} | {
    f"{prefix}IntegerField" for prefix in ("", "Big", "Small", "Positive", "PositiveBig", "PositiveSmall")
}
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # binary COPY: signature, flags 0, no extension
_COPY_TRAILER = b"\xff\xff"
_FIELD_BYTES = 8  # every field goes as int8 or float8


def write_columns(
    model: type[Model],
    ids: Sequence[int] | npt.NDArray[np.integer[Any]],
    columns: Mapping[str, Column],
    *,
    using: str | None = None,
) -> int:
    """Set integer and decimal `columns` (field name -> one value per id, in the order of
    `ids`) on the rows of `model` with those primary keys; returns how many rows changed.

    A value is a Decimal, an int or None (NULL), or a whole column is a numpy array: integers
    are taken as they are; floats are rounded to the field's decimal places as
    `planning.plans.compute.to_decimal` rounds them (their shortest decimal form, half to even;
    NaN and infinities become NULL). A Decimal is stored exactly: one with more decimal places
    than its field, or too many digits, is refused rather than rounded. Ids must be unique;
    ids of no row are ignored.
    """
    connection = connections[using or router.db_for_write(model)]
    if not connection.in_atomic_block:
        raise TransactionManagementError("write_columns runs inside the caller's transaction.atomic().")
    fields = [_numeric_field(model, name) for name in columns]
    row_ids = np.asarray(ids, dtype=np.int64)
    if len(np.unique(row_ids)) != len(row_ids):
        raise ValueError("write_columns: an id appears twice.")
    scaled = [
        _scaled(field, values, len(row_ids)) for field, values in zip(fields, columns.values(), strict=True)
    ]
    if not len(row_ids) or not fields:
        return 0
    if connection.vendor == "postgresql":
        return _write_postgresql(connection, model, fields, row_ids, scaled)
    return _write_executemany(connection, model, fields, row_ids, scaled)


SMALL_WRITE = 100


def write_rows(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> int:
    """`bulk_update`'s job for numeric fields of model instances: a few rows (a cell edit) by
    `bulk_update` itself, more (a roll, a refresh, a spread total) through `write_columns`, whose
    temporary table costs more than it saves on a handful of rows."""
    if len(rows) <= SMALL_WRITE:
        model._default_manager.bulk_update(rows, fields)
        return len(rows)
    ids = [row.pk for row in rows]
    with transaction.atomic(using=router.db_for_write(model)):  # the caller's, or its own
        return write_columns(model, ids, {name: [getattr(row, name) for row in rows] for name in fields})


def read_columns(queryset: QuerySet[Any], fields: Sequence[str]) -> dict[str, npt.NDArray[Any]]:
    """The queryset's rows, in its order, as one numpy array per field: int64 for integer
    fields (which must not be NULL), float64 for the others (decimals, floats; NULL is NaN).

    A decimal becomes the float `float(Decimal)` gives: PostgreSQL rounds its exact value once.
    """
    if not fields:
        raise ValueError("read_columns: name at least one field.")
    connection = connections[queryset.db]
    is_integer = [_is_integer(queryset.model._meta.get_field(name)) for name in fields]
    try:
        sql, params = queryset.values_list(*fields).query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. `pk__in=[]`: Django knows there is nothing to fetch
        return {
            name: np.empty(0, np.int64 if integer else np.float64)
            for name, integer in zip(fields, is_integer, strict=True)
        }
    if connection.vendor == "postgresql":
        columns = _copy_out(connection, sql, params, is_integer)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            values = list(zip(*cursor.fetchall(), strict=True)) or [()] * len(fields)
        columns = [
            np.array([NULL if value is None else value for value in column], np.int64)
            if integer
            else np.array(column, np.float64)  # None becomes NaN
            for column, integer in zip(values, is_integer, strict=True)
        ]
    for name, integer, column in zip(fields, is_integer, columns, strict=True):
        if integer and (column == NULL).any():
            raise ValueError(f"read_columns: {name} holds NULL.")
    return dict(zip(fields, columns, strict=True))


# --- fields and values ----------------------------------------------------------------------------
def _numeric_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.primary_key or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column write_columns can set.")
    if isinstance(field, DecimalField) and field.max_digits > _MAX_DIGITS:
        raise ValueError(f"{model.__name__}.{name} has more digits than write_columns carries.")
    if not isinstance(field, DecimalField) and not _is_integer(field):
        raise ValueError(f"{model.__name__}.{name} is neither an integer nor a decimal column.")
    return field


def _is_integer(field: Any) -> bool:
    target = field.target_field if field.is_relation else field
    return bool(target.get_internal_type() in _INTEGER_TYPES)


def _places(field: Field[Any, Any]) -> int:
    return field.decimal_places if isinstance(field, DecimalField) else 0


def _scaled(field: Field[Any, Any], values: Column, count: int) -> npt.NDArray[np.int64]:
    """The values times 10**places as int64, NULL for None/NaN; exact, or refused."""
    places = _places(field)
    if len(values) != count:
        raise ValueError(f"{field.name}: {len(values)} values for {count} ids.")
    limit = 10**field.max_digits if isinstance(field, DecimalField) else 2**63 - 1
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        scaled = round_scaled(values.astype(np.float64, copy=False), places)
    elif isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        if values.size and np.abs(values).max() >= limit // 10**places:
            raise ValueError(f"{field.name}: a value has more digits than the column holds.")
        scaled = values.astype(np.int64) * 10**places
    else:
        scaled = np.fromiter((_scale(value, places, field.name) for value in values), np.int64, count)
    if ((scaled != NULL) & (np.abs(scaled) >= limit)).any():
        raise ValueError(f"{field.name}: a value has more digits than the column holds.")
    return scaled


def _scale(value: Decimal | int | None, places: int, name: str) -> int:
    if value is None:
        return NULL
    if isinstance(value, int):
        return value * int(10**places)
    scaled = Decimal(value).scaleb(places)
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"{name}: {value} is not a number with at most {places} decimal places.")
    return int(scaled)


def round_scaled(values: npt.NDArray[np.float64], places: int) -> npt.NDArray[np.int64]:
    """`core.money.to_places(value, places)` times 10**places, for a whole
    array (NULL for NaN and infinities): what `compute.to_decimal` stores, without a Decimal per
    cell.

    `rint(value * 10**places)` is that, except within a few units in the last place of a tie
    (a 5 just past the last place kept: where `rint` would go to even, and where the float
    product and the shortest decimal can fall on different sides): those few, and values too
    large for the shortcut, are redone with Decimal, half up.
    """
    finite = np.isfinite(values)
    product = np.where(finite, values, 0.0) * 10.0**places
    # The product differs from the scaled shortest decimal by at most 1.5 units in its last place.
    near_tie = np.abs(np.abs(product - np.trunc(product)) - 0.5) <= 4 * np.spacing(np.abs(product))
    redo = finite & (near_tie | (np.abs(product) >= 2**52))
    scaled = np.where(finite & ~redo, np.rint(product), 0.0).astype(np.int64)
    scaled[~finite] = NULL
    for index in np.flatnonzero(redo):
        scaled[index] = int(to_places(float(values[index]), places).scaleb(places))
    return scaled


# --- PostgreSQL -----------------------------------------------------------------------------------
def _write_postgresql(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    fields: list[Field[Any, Any]],
    ids: npt.NDArray[np.int64],
    scaled: list[npt.NDArray[np.int64]],
) -> int:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    staging = quote("write_columns_staging")
    names = [quote(field.column) for field in fields]
    sources = []
    for name, field in zip(names, fields, strict=True):
        value = f"NULLIF({name}, {NULL})"
        if isinstance(field, DecimalField):  # exact: numeric times a power of ten
            value = f"{value}::numeric * {Decimal(1).scaleb(-field.decimal_places):f}"
        sources.append(f"{value} AS {name}")
    update = (
        f"UPDATE {table} AS target SET {', '.join(f'{name} = source.{name}' for name in names)} "  # noqa: S608 - quoted names
        f"FROM (SELECT {pk}, {', '.join(sources)} FROM {staging}) AS source WHERE target.{pk} = source.{pk} "
        # The id range bounds the part of the table read, and tells the planner how small it is.
        f"AND target.{pk} BETWEEN %s AND %s "
        f"AND ({', '.join(f'target.{name}' for name in names)}) "
        f"IS DISTINCT FROM ({', '.join(f'source.{name}' for name in names)})"
    )
    with connection.cursor() as cursor:
        columns = ", ".join(f"{name} bigint" for name in names)
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({pk} bigint, {columns}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {staging} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_binary_rows([ids, *scaled]))
        cursor.execute(update, [int(ids.min()), int(ids.max())])
        changed = int(cursor.rowcount)
        cursor.execute(f"DROP TABLE {staging}")
    return changed


def _row_layout(kinds: Sequence[str]) -> np.dtype[np.void]:
    """Binary COPY rows of fixed-width fields: a field count, then each field's length and value."""
    layout = [("fields", ">i2")]
    for i, kind in enumerate(kinds):
        layout += [(f"length_{i}", ">i4"), (f"value_{i}", f">{kind}")]
    return np.dtype(layout)


def _binary_rows(columns: list[npt.NDArray[np.int64]]) -> bytes:
    rows = np.empty(len(columns[0]), dtype=_row_layout(["i8"] * len(columns)))
    rows["fields"] = len(columns)
    for i, column in enumerate(columns):
        rows[f"length_{i}"] = _FIELD_BYTES
        rows[f"value_{i}"] = column
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _copy_out(
    connection: BaseDatabaseWrapper, sql: str, params: Any, is_integer: list[bool]
) -> list[npt.NDArray[Any]]:
    """The query through binary COPY with every field cast to 8 bytes and never NULL (NaN for
    floats, the NULL marker for integers), so that a row is one fixed-width numpy record."""
    names = [f"c{i}" for i in range(len(is_integer))]
    selected = ", ".join(
        f"COALESCE(q.{name}::int8, {NULL})" if integer else f"COALESCE(q.{name}::float8, 'NaN')"
        for name, integer in zip(names, is_integer, strict=True)
    )
    statement = f"COPY (SELECT {selected} FROM ({sql}) AS q ({', '.join(names)})) TO STDOUT (FORMAT BINARY)"  # noqa: S608
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        data = b"".join(bytes(block) for block in copy)
    layout = _row_layout(["i8" if integer else "f8" for integer in is_integer])
    rows = np.frombuffer(data[len(_COPY_HEADER) : len(data) - len(_COPY_TRAILER)], dtype=layout)
    return [
        rows[f"value_{i}"].astype(np.int64 if integer else np.float64) for i, integer in enumerate(is_integer)
    ]


# --- SQLite and the rest --------------------------------------------------------------------------
def _write_executemany(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    fields: list[Field[Any, Any]],
    ids: npt.NDArray[np.int64],
    scaled: list[npt.NDArray[np.int64]],
) -> int:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    names = [quote(field.column) for field in fields]
    update = (
        f"UPDATE {table} SET {', '.join(f'{name} = %s' for name in names)} WHERE {pk} = %s "  # noqa: S608 - quoted names
        f"AND NOT ({' AND '.join(f'{name} IS %s' for name in names)})"
    )
    values = [_python_values(column, _places(field)) for field, column in zip(fields, scaled, strict=True)]
    rows = [(*row[1:], row[0], *row[1:]) for row in zip(ids.tolist(), *values, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(update, rows)
        return int(cursor.rowcount)


def _python_values(scaled: npt.NDArray[np.int64], places: int) -> list[Decimal | int | None]:
    if places == 0:
        return [None if value == NULL else value for value in scaled.tolist()]
    return [None if value == NULL else Decimal(value).scaleb(-places) for value in scaled.tolist()]
