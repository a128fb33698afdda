"""Benchmark: the cube's roll-up and spread engine (planning.engine.tree) at issue 19's size,
1,000,000+ leaf cells per measure: a department > 50 classes > 500 subclasses > 40 regions
each (20,000 leaves) x 52 weeks.

Prints the median of `rollup_tree` (every node from the leaves), of `spread_tree` of a new
department total down to every leaf with 5 % of the leaves locked (closed weeks and locked
cells), and peak memory: the engine part. The database side (aggregate views and committed
edits on PostgreSQL and SQLite, and the storage layout compared) is benchmarks/cube_db.py.
Usage: python benchmarks/cube.py [regions] [repeats]
"""

from __future__ import annotations

import os

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning.engine import rollup_tree, spread_tree

WEEKS, CLASSES, SUBCLASSES_PER_CLASS = 52, 50, 10


def tree(regions: int) -> np.ndarray:
    """Root, classes, subclasses, then each subclass's regions: parents before children."""
    classes = np.zeros(CLASSES, dtype=np.intp)
    subclasses = np.repeat(np.arange(1, CLASSES + 1), SUBCLASSES_PER_CLASS)
    first_subclass = 1 + CLASSES
    leaves = np.repeat(np.arange(first_subclass, first_subclass + subclasses.size), regions)
    return np.concatenate([[-1], classes, subclasses, leaves]).astype(np.intp)


def timed(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    regions = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    parents = tree(regions)
    rng = np.random.default_rng(7)
    values = np.round(rng.gamma(2.0, 50.0, (parents.size, WEEKS)), 2)
    inner = 1 + CLASSES + CLASSES * SUBCLASSES_PER_CLASS
    locked = rng.random((parents.size, WEEKS)) < 0.05
    locked[:inner] = False  # leaf cells only: closed weeks and cells a planner locked
    leaves = parents.size - inner
    total = rollup_tree(values, parents)[0] * 1.07
    up = timed(lambda: rollup_tree(values, parents), repeats)
    down = timed(lambda: spread_tree(total, values, parents, locked=locked), repeats)
    tracemalloc.start()
    spread = spread_tree(total, values, parents, locked=locked)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    exact = np.array_equal(np.rint(spread[0] * 100), np.rint(total * 100))
    print(f"cube: {leaves:,} leaves x {WEEKS} weeks = {leaves * WEEKS:,} leaf cells, {parents.size:,} nodes")
    print(f"rollup_tree  median {up:.3f} s")
    print(
        f"spread_tree  median {down:.3f} s (5% of leaf cells locked; sums to the total to the cent: {exact})"
    )
    print(f"peak memory of a spread {peak / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
