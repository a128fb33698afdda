"""Shape handling and input checks shared by the engine's functions.

Every public function accepts one line (1-D, periods) or many (2-D, lines x periods) and
returns the same shape. Internally everything is 2-D float64; `lift` and `drop` convert.
Errors name the measure, the line and the period (0-based indices, as in the arrays).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def lift(name: str, values: ArrayLike) -> tuple[Array, bool]:
    """(2-D float copy, whether the input was 1-D). Rejects other ranks and non-finite values."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array, was_1d = array[None, :], True
    elif array.ndim == 2:
        was_1d = False
    else:
        raise ValueError(f"{name}: expected 1-D (periods) or 2-D (lines x periods), got {array.ndim}-D")
    check_finite(name, array)
    return array, was_1d


def drop(array: Array, was_1d: bool) -> Array:
    return array[0] if was_1d else array


def like(name: str, values: ArrayLike, shape: tuple[int, ...]) -> Array:
    """A companion input (markdowns, targets...) broadcast to `shape`, checked finite."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1 and len(shape) == 2 and array.shape[0] == shape[1]:
        array = array[None, :]
    try:
        array = np.broadcast_to(array, shape).astype(np.float64, copy=False)
    except ValueError:
        raise ValueError(f"{name}: shape {np.shape(values)} does not match {shape}") from None
    check_finite(name, array)
    return array


def per_line(name: str, values: ArrayLike, lines: int) -> Array:
    """A value per line (opening stock, a span target), as a column (lines, 1)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    try:
        array = np.broadcast_to(array, (lines,)).astype(np.float64, copy=False)
    except ValueError:
        raise ValueError(
            f"{name}: expected one value per line ({lines}), got shape {np.shape(values)}"
        ) from None
    check_finite(name, array[:, None])
    return array[:, None]


def _where(mask: npt.NDArray[np.bool_]) -> str:
    index = np.argwhere(mask)[0]
    if index.size == 1:
        return f"line {int(index[0])}"
    return f"line {int(index[0])}, period {int(index[1])}"


def check_finite(name: str, array: Array) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{name}: {_where(bad)} is not a finite number ({array[bad][0]})")


def check_non_negative(name: str, array: Array) -> None:
    bad = array < 0
    if bad.any():
        raise ValueError(f"{name}: {_where(bad)} is negative ({array[bad][0]:g})")


def check_positive(name: str, array: Array, why: str = "it divides") -> None:
    bad = array <= 0
    if bad.any():
        raise ValueError(f"{name}: {_where(bad)} must be greater than zero ({why}), got {array[bad][0]:g}")


# Stock that float arithmetic left at 1e-14 instead of 0 is zero: dividing by it would invent
# a turn of 1e17, which no column (and no planner) can hold. KPIs of stock pass this tolerance.
STOCK_NOISE = 1e-6


def divide(numerator: Any, denominator: Any, *, scale: float = 1.0, tolerance: float = 0.0) -> Array:
    """scale x numerator / denominator, NaN where |denominator| <= tolerance (zero by default):
    undefined, not invented."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out: Array = np.empty(np.broadcast_shapes(numerator.shape, denominator.shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(numerator, denominator, out=out)
    if scale != 1.0:
        out *= scale
    zero = np.abs(denominator) <= tolerance
    if zero.any():
        out[np.broadcast_to(zero, out.shape)] = np.nan
    return out
