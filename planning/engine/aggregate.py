"""Roll-ups to coarser periods and parent lines, and spreading an aggregate edit back down.

DESIGN.md section 6: flows sum, BOP takes the group's first period and EOP its last; ratios
are recomputed from rolled-up components with `ratio`, never summed or averaged:
- GM% of a month: `ratio(rollup(gm, months, "flow"), rollup(sales, months, "flow"))`
- sell-through of a month: `ratio(rollup(sales, months, "flow"), rollup(bop, months, "opening"))`
- WOS of a month: `ratio(rollup(eop, months, "closing"),
  ratio(rollup(sales, months, "flow"), rollup(np.ones(weeks), months, "flow")))`
A parent with no children (a month without weeks, a department without classes) is NaN:
undefined rather than zero, so it cannot pass for a real plan of nothing.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from planning.engine._arrays import Array, ArrayLike, check_finite, divide, drop, lift

Kind = Literal["flow", "opening", "closing"]
KINDS: tuple[Kind, ...] = ("flow", "opening", "closing")
Ints = npt.NDArray[np.intp]


def _grouping(parents: ArrayLike, count: int, groups: int | None, unit: str) -> tuple[Ints, Ints, Ints]:
    """(children in group order, each group's start in that order, each group's size)."""
    index = np.asarray(parents)
    if index.ndim != 1 or len(index) != count:
        raise ValueError(f"parents: expected one parent per {unit} ({count}), got shape {index.shape}")
    if index.size and not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"parents: expected integer group indices, got {index.dtype}")
    if groups is not None and groups < 0:
        raise ValueError(f"groups: expected a non-negative count, got {groups}")
    index = index.astype(np.intp)
    size = int(index.max()) + 1 if groups is None and index.size else (groups or 0)
    bad = (index < 0) | (index >= size)
    if bad.any():
        where = int(np.argmax(bad))
        raise ValueError(f"parents: {unit} {where} has parent {index[where]}, outside 0..{size - 1}")
    order = np.argsort(index, kind="stable").astype(np.intp)
    sizes = np.bincount(index, minlength=size).astype(np.intp)
    starts = (np.cumsum(sizes) - sizes).astype(np.intp)
    return order, starts, sizes


def _reduce(array: Array, kind: str, order: Ints, starts: Ints, sizes: Ints) -> Array:
    """Aggregate the last axis of a 2-D array by group; empty groups are NaN."""
    out = np.full((array.shape[0], len(sizes)), np.nan)
    filled = sizes > 0
    if not filled.any():
        return out
    if kind == "flow":
        out[:, filled] = np.add.reduceat(array[:, order], starts[filled], axis=1)
    elif kind == "opening":
        out[:, filled] = array[:, order[starts[filled]]]
    else:
        out[:, filled] = array[:, order[starts[filled] + sizes[filled] - 1]]
    return out


def rollup(values: ArrayLike, parents: ArrayLike, kind: Kind, *, groups: int | None = None) -> Array:
    """Aggregate periods into parent periods (weeks into months, quarters, the season).

    `parents[t]` is period t's group, 0..groups-1 (default max + 1); periods of a group are
    taken in their order. "flow" sums (sales, receipts, markdowns, OTB, on order), "opening"
    takes the first period (BOP), "closing" the last (EOP).
    """
    if kind not in KINDS:
        raise ValueError(f"kind: unknown {kind!r}; use one of {', '.join(KINDS)}")
    array, was_1d = lift("values", values)
    order, starts, sizes = _grouping(parents, array.shape[1], groups, "period")
    return drop(_reduce(array, kind, order, starts, sizes), was_1d)


def rollup_lines(values: ArrayLike, parents: ArrayLike, *, groups: int | None = None) -> Array:
    """Aggregate child lines into parent lines (classes into a department): (lines x periods)
    to (groups x periods). Every measure, stock or flow, sums across lines."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"values: expected 2-D (lines x periods), got {array.ndim}-D")
    check_finite("values", array)
    order, starts, sizes = _grouping(parents, array.shape[0], groups, "line")
    return _reduce(array.T, "flow", order, starts, sizes).T.copy()


def ratio(numerator: ArrayLike, denominator: ArrayLike) -> Array:
    """A ratio recomputed from rolled-up components; NaN where the denominator is zero.

    NaN components (empty groups) pass through, unlike the checked inputs of other functions.
    """
    return divide(numerator, denominator)


def _fit(name: str, values: ArrayLike, shape: tuple[int, ...], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    array: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
    try:
        return np.broadcast_to(array, shape)
    except ValueError:
        raise ValueError(f"{name}: shape {array.shape} does not match {shape}") from None


def _amounts(name: str, values: ArrayLike, shape: tuple[int, ...]) -> Array:
    """Rows x children (or one per row), finite and non-negative; errors name the row and child."""
    array: Array = _fit(name, values, shape, np.float64)
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        cell = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"row {cell[0]}" + (f", child {cell[1]}" if len(cell) == 2 else "")
        raise ValueError(f"{name}: {where} is {array[cell]:g}; expected a finite number >= 0")
    return array


def _spread_inputs(
    total: ArrayLike, current: ArrayLike, locked: ArrayLike | None, reference: ArrayLike | None
) -> tuple[Array, Array, Array, npt.NDArray[np.bool_]]:
    """Current, totals, reference and locks as (rows x children) / (rows,) arrays, checked."""
    raw = np.asarray(current, dtype=np.float64)
    if raw.ndim not in (1, 2):
        raise ValueError(f"current: expected 1-D (children) or 2-D (rows x children), got {raw.ndim}-D")
    shape = (1, raw.shape[0]) if raw.ndim == 1 else raw.shape
    values = _amounts("current", raw.reshape(shape), shape)
    totals = _amounts("total", np.reshape(total, -1), (shape[0],))
    basis = _amounts("reference", 0.0 if reference is None else reference, shape)
    is_locked: npt.NDArray[np.bool_] = _fit("locked", False if locked is None else locked, shape, bool)
    return values, totals, basis, is_locked


def _row_error(name: str, rows: npt.NDArray[np.bool_], message: str) -> None:
    if rows.any():
        raise ValueError(f"{name}: row {int(np.argmax(rows))}: {message}")


def _weights(current: Array, reference: Array, free: npt.NDArray[np.bool_]) -> Array:
    """Unlocked currents; else the reference; else even, row by row."""
    by_current = np.where(free, current, 0.0)
    by_reference = np.where(free, reference, 0.0)
    has_current = by_current.sum(axis=1, keepdims=True) > 0
    has_reference = by_reference.sum(axis=1, keepdims=True) > 0
    return np.where(has_current, by_current, np.where(has_reference, by_reference, free.astype(np.float64)))


def _largest_remainder(budget: Array, weights: Array) -> Array:
    """Whole units per child summing exactly to `budget`; leftover units go to the largest
    fractions, earlier children first on ties."""
    exact = np.nan_to_num(divide(budget[:, None] * weights, weights.sum(axis=1, keepdims=True)))
    units = np.floor(exact)
    leftover = budget - units.sum(axis=1)
    fraction = np.where(weights > 0, np.round(exact - units, 9), -1.0)
    order = np.argsort(-fraction, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    bonus: Array = (rank < leftover[:, None]).astype(np.float64)
    return units + bonus


def spread(
    total: ArrayLike,
    current: ArrayLike,
    *,
    locked: ArrayLike | None = None,
    reference: ArrayLike | None = None,
    decimals: int = 0,
) -> Array:
    """Spread a new aggregate value over its children (DESIGN.md section 6).

    `current` is 1-D (children) with a scalar `total`, or 2-D (rows x children) with one
    total per row. Locked children keep their value; the others share `total - locked`
    in proportion to their current values, else to `reference` (last year, a forecast), else
    evenly. Unlocked children land on multiples of 10^-decimals (0: units, 2: cents) and,
    counted in those units, the children sum exactly to the total rounded to `decimals`
    (locked values are kept as given and counted at their rounded value).
    >>> spread(100, [1, 1, 1]).tolist()
    [34.0, 33.0, 33.0]
    >>> spread(100, [10, 20, 30], locked=[True, False, False]).tolist()
    [10.0, 36.0, 54.0]
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals: expected a non-negative integer, got {decimals!r}")
    values, totals, basis, is_locked = _spread_inputs(total, current, locked, reference)
    scale = 10.0**decimals
    kept = np.where(is_locked, np.rint(values * scale), 0.0).sum(axis=1)
    budget = np.rint(totals * scale) - kept
    _row_error("locked", budget < 0, "the locked children exceed the total")
    weights = _weights(values, basis, ~is_locked)
    _row_error(
        "locked", (weights.sum(axis=1) == 0) & (budget != 0), "every child is locked but the total differs"
    )
    result = np.where(is_locked, values, _largest_remainder(budget, weights) / scale)
    return result.reshape(np.shape(current))
