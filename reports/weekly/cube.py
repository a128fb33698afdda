"""Values per (report key, week) for quick sums (`Cube`), and the sums the report's rows take of
them: actuals (nothing recorded is 0) and plans (no plan is None)."""

from __future__ import annotations

import pandas as pd

from reports import figures
from reports.report_types import Versus


class Cube:
    """Values per (report key, week) for quick sums: a frame grouped once, read many times."""

    def __init__(self, frame: pd.DataFrame, columns: list[str]) -> None:
        self.columns = columns
        self.values: dict[str, dict[tuple[str, int], float]] = {}
        if frame.empty:
            self.keys: set[str] = set()
            self.values = {column: {} for column in columns}
            return
        grouped = frame.groupby(["key", "week"])[columns].sum(min_count=1)
        self.keys = set(grouped.index.get_level_values("key"))
        for column in columns:
            self.values[column] = {
                (key, int(week)): float(value)
                for (key, week), value in grouped[column].items()
                if value == value
            }

    def sum(self, key: str, weeks: list[int], column: str) -> float | None:
        """The key's total over the weeks; None when the key has no value in any of them."""
        table = self.values[column]
        found = [table[key, week] for week in weeks if (key, week) in table]
        return float(sum(found)) if found else None

    def at(self, key: str, week: int, column: str) -> float | None:
        return self.values[column].get((key, week))


def actual_sum(cube: Cube, key: str, weeks: list[int], column: str) -> float:
    """Actuals: nothing recorded is 0."""
    return cube.sum(key, weeks, column) or 0.0


def plan_sum(cubes: dict[str, Cube], key: str, kind: str, weeks: list[int], column: str) -> float | None:
    return cubes[kind].sum(key, weeks, column) if kind in cubes else None


def plan_at(cubes: dict[str, Cube], key: str, kind: str, week: int, column: str) -> float | None:
    return cubes[kind].at(key, week, column) if kind in cubes else None


def versus(ty: float | None, op: float | None, wp: float | None, ly: float | None) -> Versus:
    """The four sides of a money measure in cents (`figures.money`)."""
    return Versus(figures.money(ty), figures.money(op), figures.money(wp), figures.money(ly))
