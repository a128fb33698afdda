"""The optimiser's problem, checked: the inputs of `optimise.constrain` validated (shapes, whole
multiples, MOQ, group indexes) and turned into decisions counted in multiples ("steps")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Problem:
    """Checked inputs, decisions counted in multiples ("steps")."""

    units: FloatArray
    value: FloatArray  # per unit, floored at a small positive number
    true_value: FloatArray  # per unit, as given: the reported objective
    retail: FloatArray
    step: FloatArray  # units per multiple
    min_steps: IntArray  # MOQ in multiples (rounded up)
    max_steps: IntArray  # suggested units in multiples; 0 where the group keeps nothing
    budget_group: IntArray
    budget: FloatArray
    capacity_group: IntArray  # -1: no capacity limit
    capacity: FloatArray


def checked_problem(
    units: npt.ArrayLike,
    unit_retail: npt.ArrayLike,
    unit_margin: npt.ArrayLike,
    service_value: npt.ArrayLike,
    budget_group: npt.ArrayLike,
    budget: npt.ArrayLike,
    capacity_group: npt.ArrayLike,
    capacity: npt.ArrayLike,
    moq: npt.ArrayLike,
    multiple: npt.ArrayLike,
) -> Problem:
    suggested = _vector("units", units)
    rows = suggested.shape[0]
    retail = _vector("unit_retail", unit_retail, rows)
    value = _vector("unit_margin", unit_margin, rows) + _vector("service_value", service_value, rows)
    step = _vector("multiple", multiple, rows)
    minimum = _vector("moq", moq, rows)
    if np.any(suggested < 0) or np.any(retail < 0):
        raise ValueError("units and unit_retail must not be negative")
    if np.any(minimum < 1):
        raise ValueError("MOQ must be at least 1")
    if np.any(step < 1):
        raise ValueError("multiple must be at least 1")
    if np.any(step != np.round(step)) or np.any(minimum != np.round(minimum)):
        raise ValueError("moq and multiple must be whole numbers of units")
    max_steps = suggested / step
    min_steps = np.ceil(minimum / step)
    if np.any(max_steps != np.round(max_steps)):
        raise ValueError("units must be whole multiples of the order multiple")
    if np.any((max_steps > 0) & (max_steps < min_steps)):
        raise ValueError("units must be 0 or at least the MOQ (rounded up to the multiple)")
    budgets = _vector("budget", budget)
    capacities = _vector("capacity", capacity)
    budget_index = _group("budget_group", budget_group, rows, budgets.shape[0], allow_none=False)
    capacity_index = _group("capacity_group", capacity_group, rows, capacities.shape[0], allow_none=True)
    # Groups with nothing to spend keep nothing, whatever a row costs.
    has_room = budgets[budget_index] > 0
    has_room &= lookup(capacity_index, capacities, missing=np.inf) > 0
    positive = np.abs(value).max(initial=0.0) * 1e-9 + 1e-12
    return Problem(
        units=suggested,
        value=np.maximum(value, positive),
        true_value=value,
        retail=retail,
        step=step,
        min_steps=min_steps.astype(np.int64),
        max_steps=np.where(has_room, max_steps, 0).astype(np.int64),
        budget_group=budget_index,
        budget=budgets,
        capacity_group=capacity_index,
        capacity=capacities,
    )


def _vector(name: str, values: npt.ArrayLike, rows: int | None = None) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or (rows is not None and array.shape[0] != rows):
        expected = f"({rows},)" if rows is not None else "a 1-D array"
        raise ValueError(f"{name}: expected shape {expected}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: must be finite numbers (no NaN or infinity)")
    return array


def _group(name: str, values: npt.ArrayLike, rows: int, groups: int, *, allow_none: bool) -> IntArray:
    array = np.asarray(values)
    if array.shape != (rows,):
        raise ValueError(f"{name}: expected shape ({rows},), got {array.shape}")
    if rows and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name}: expected integer group indexes")
    lowest = -1 if allow_none else 0
    if np.any((array < lowest) | (array >= groups)):
        allowed = f"-1 (no limit) or 0..{groups - 1}" if allow_none else f"0..{groups - 1}"
        raise ValueError(f"{name}: indexes must be {allowed}")
    return array.astype(np.int64)


def lookup(group: IntArray, values: FloatArray, *, missing: float) -> FloatArray:
    """values[group] per row, `missing` for rows without a group (-1)."""
    result = np.full(group.shape[0], missing, dtype=np.float64)
    limited = group >= 0
    result[limited] = values[group[limited]]
    return result
