"""ABC / XYZ segmentation of items (DESIGN.md section 9).

ABC ranks items by their share of revenue: the few items that make most of the money (A)
deserve the closest attention. XYZ grades how steady weekly demand is by its coefficient of
variation: X items forecast well, Z items do not. The cross (AX ... CZ) drives service
levels and review effort.

ABC rule, on items sorted by revenue, highest first (ties keep item order):
- an item is A while the revenue of the items ranked above it is below the A threshold
  (80%): so the item whose revenue *crosses* 80% is still A, and A covers at least 80% of
  revenue (unless revenue is all zero);
- B likewise up to the B threshold (95%); C the rest;
- items without revenue are always C.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.str_]

# Revenue shares are compared with a tolerance so that a share that is exactly 80% on paper
# (e.g. 40 + 40 of 100) still counts as reached after float rounding or a currency scaling.
_SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Segments:
    """Per item (in input order): classes, the revenue share behind ABC and the CV behind XYZ.

    `cumulative_share` includes the item itself (items ranked above it plus its own share);
    `cv` is NaN where mean demand is zero (undefined; such items are Z).
    """

    abc: Labels
    xyz: Labels
    revenue_share: Array
    cumulative_share: Array
    cv: Array

    @property
    def cell(self) -> Labels:
        """The ABC-XYZ cell per item, e.g. 'AX'."""
        return np.char.add(self.abc, self.xyz)


def segment(
    weekly_units: npt.ArrayLike,
    revenue: npt.ArrayLike | None = None,
    *,
    abc: tuple[float, float] = (0.80, 0.95),
    xyz: tuple[float, float] = (0.5, 1.0),
) -> Segments:
    """ABC by revenue share and XYZ by coefficient of variation of weekly demand.

    weekly_units: items x weeks of demand in units. revenue: one value per item; by default
    the items' total units, so that ABC works on volume when no prices are at hand.
    """
    units = _units(weekly_units)
    money = units.sum(axis=1) if revenue is None else _revenue(revenue, units.shape[0])
    _check_thresholds("abc", abc, shares=True)
    _check_thresholds("xyz", xyz, shares=False)
    share, cumulative, abc_labels = _abc(money, abc)
    cv = _cv(units)
    return Segments(
        abc=abc_labels, xyz=_xyz(cv, xyz), revenue_share=share, cumulative_share=cumulative, cv=cv
    )


def _units(weekly_units: npt.ArrayLike) -> Array:
    units = np.asarray(weekly_units, dtype=np.float64)
    if units.ndim != 2:
        raise ValueError(f"weekly_units: expected 2-D (items x weeks), got {units.ndim}-D")
    if units.shape[1] == 0:
        raise ValueError("weekly_units: needs at least one week of demand")
    _check_values("weekly_units", units)
    return units


def _revenue(revenue: npt.ArrayLike, items: int) -> Array:
    money = np.asarray(revenue, dtype=np.float64)
    if money.shape != (items,):
        raise ValueError(f"revenue: expected one value per item ({items}), got shape {money.shape}")
    _check_values("revenue", money)
    return money


def _check_values(name: str, values: Array) -> None:
    for bad, problem in ((~np.isfinite(values), "is not a finite number"), (values < 0, "is negative")):
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            where = f"item {index[0]}" + (f", week {index[1]}" if len(index) == 2 else "")
            raise ValueError(f"{name}: {where} {problem} ({values[index]:g})")


def _check_thresholds(name: str, thresholds: tuple[float, float], *, shares: bool) -> None:
    """ABC thresholds are cumulative shares in (0, 1]; XYZ thresholds are CVs, so any positive
    number (a CV above 1 is common for slow sellers)."""
    low, high = (float(value) for value in thresholds)
    upper, bound = (1.0, "(0, 1]") if shares else (np.inf, "(0, inf)")
    if not (0 < low <= upper and 0 < high <= upper and np.isfinite(high)):
        raise ValueError(f"{name}: thresholds must lie in {bound}, got {thresholds}")
    if not low < high:
        raise ValueError(f"{name}: thresholds must increase, got {thresholds}")


def _abc(revenue: Array, thresholds: tuple[float, float]) -> tuple[Array, Array, Labels]:
    """(revenue share, cumulative share, class) per item, in input order."""
    total = revenue.sum()
    share = revenue / total if total > 0 else np.zeros_like(revenue)
    order = np.argsort(-revenue, kind="stable")
    running = np.cumsum(share[order])
    cumulative = np.empty_like(share)
    cumulative[order] = running
    above = np.empty_like(share)  # share of the items ranked above each item
    above[order] = np.concatenate(([0.0], running[:-1]))
    a_limit, b_limit = thresholds
    labels = np.where(
        above < a_limit - _SHARE_TOLERANCE, "A", np.where(above < b_limit - _SHARE_TOLERANCE, "B", "C")
    )
    return share, cumulative, np.where(revenue > 0, labels, "C")


def _cv(units: Array) -> Array:
    mean = units.mean(axis=1)
    std = units.std(axis=1)  # population standard deviation (ddof=0)
    cv: Array = np.full_like(mean, np.nan)
    np.divide(std, mean, out=cv, where=mean > 0)
    return cv


def _xyz(cv: Array, thresholds: tuple[float, float]) -> Labels:
    x_limit, y_limit = thresholds
    labels: Labels = np.where(cv < x_limit, "X", np.where(cv < y_limit, "Y", "Z"))
    return labels  # NaN (zero mean) compares False: Z
