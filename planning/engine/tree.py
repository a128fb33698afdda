"""Roll-ups and spreads over a hierarchy of any depth (DESIGN.md sections 6 and 12).

A hierarchy is a `parents` array: node 0 is the root (parent -1) and every other node's parent
comes before it (`parents[i] < i`), the order a depth-first or level-by-level listing gives.
Leaves are the nodes nobody names as parent; a version stores leaves and shows any node.
Values are (nodes x periods) arrays, vectorised over the periods; rows of inner nodes are
ignored on the way in and computed on the way out.

- Across merchandise and locations every amount adds, stock too ("flow"); along a time
  hierarchy (week > month > quarter) opening stock is the first child's and closing the last's.
- A spread moves whole units of 10^-decimals (cents by default) with largest-remainder
  rounding at every level, so every node's children sum exactly to it: rolling the spread back
  up gives the entered total to the cent. Locked nodes (a class, a closed week, one leaf) keep
  their value with everything below them; their siblings absorb the change.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from planning.engine._arrays import Array, ArrayLike, check_finite
from planning.engine.aggregate import KINDS, Kind

Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]
Basis = Literal["current", "reference", "even"]
BASES: tuple[Basis, ...] = ("current", "reference", "even")


class Tree:
    """A checked `parents` array with what the passes need: depth, leaves, nodes by level."""

    def __init__(self, parents: ArrayLike) -> None:
        index = np.asarray(parents)
        if index.ndim != 1 or index.size == 0:
            raise ValueError(f"parents: expected a 1-D array with the root first, got shape {index.shape}")
        if not np.issubdtype(index.dtype, np.integer):
            raise ValueError(f"parents: expected integer node indices, got {index.dtype}")
        self.parents: Ints = index.astype(np.intp)
        if self.parents[0] != -1:
            raise ValueError("parents: node 0 is the root; its parent must be -1")
        nodes = np.arange(1, self.parents.size)
        bad = (self.parents[1:] >= nodes) | (self.parents[1:] < 0)
        if bad.any():
            node = int(np.argmax(bad)) + 1
            raise ValueError(f"parents: node {node} has parent {self.parents[node]}; expected 0..{node - 1}")
        self.size = int(self.parents.size)
        self._groups: dict[int, tuple[Ints, Ints, Ints, Ints]] = {}
        depth = self._depths()
        self.is_leaf: Bools = np.ones(self.size, dtype=bool)
        self.is_leaf[self.parents[1:]] = False
        # The nodes of each level below the root, in node order (level 1 first).
        self.levels: list[Ints] = [
            np.flatnonzero(depth == level).astype(np.intp) for level in range(1, int(depth.max()) + 1)
        ]

    def _grouping(self, level: Ints) -> tuple[Ints, Ints, Ints, Ints]:
        """A level's rows sorted by parent (stable), each group's start, its parent, and each
        row's group: what sums by parent need (np.add.at is many times slower)."""
        key = int(level[0])
        if key not in self._groups:
            parents = self.parents[level]
            order = np.argsort(parents, kind="stable").astype(np.intp)
            owners, starts, inverse = np.unique(parents[order], return_index=True, return_inverse=True)
            group = np.empty(level.size, dtype=np.intp)
            group[order] = inverse
            self._groups[key] = (order, starts.astype(np.intp), owners.astype(np.intp), group)
        return self._groups[key]

    def group_sums(self, level: Ints, values: Array) -> tuple[Ints, Array]:
        """The parents of a level's rows and, per parent, the sum of its children's `values`."""
        order, starts, owners, _ = self._grouping(level)
        return owners, np.add.reduceat(values[order], starts, axis=0)

    def sibling_sums(self, level: Ints, values: Array) -> Array:
        """Per row of `level`: the sum of `values` over it and its siblings."""
        _, sums = self.group_sums(level, values)
        return sums[self._grouping(level)[3]]

    def _depths(self) -> Ints:
        depth = np.zeros(self.size, dtype=np.intp)
        above = self.parents.copy()
        while (has := above >= 0).any():
            depth += has
            above = np.where(has, self.parents[np.maximum(above, 0)], -1)
        return depth

    def rows(self, name: str, values: ArrayLike) -> tuple[Array, bool]:
        """Values as (nodes x periods) floats, and whether they came as one value per node."""
        array = np.asarray(values, dtype=np.float64)
        was_1d = array.ndim == 1
        if was_1d:
            array = array.reshape(-1, 1)
        if array.ndim != 2 or array.shape[0] != self.size:
            raise ValueError(f"{name}: expected one row per node ({self.size}), got shape {np.shape(values)}")
        return array, was_1d

    def leaf_amounts(self, name: str, values: ArrayLike, periods: int) -> Array:
        """(nodes x periods) with finite, non-negative leaves (inner rows are not read)."""
        array = np.asarray(values, dtype=np.float64)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        try:
            array = np.broadcast_to(array, (self.size, periods))
        except ValueError:
            raise ValueError(
                f"{name}: expected one row per node ({self.size}), got shape {np.shape(values)}"
            ) from None
        bad = (~np.isfinite(array) | (array < 0)) & self.is_leaf[:, None]
        if bad.any():
            node, period = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{name}: node {node}, period {period} is {array[node, period]:g}; expected >= 0"
            )
        return array

    def down(self, flags: Bools) -> Bools:
        """A flag set on a node (per period) holds for every node below it."""
        out = flags.copy()
        for level in self.levels:
            out[level] |= out[self.parents[level]]
        return out


def _rollup(tree: Tree, array: Array, kind: Kind) -> Array:
    """Inner rows from the leaves, the deepest level first (inner rows of `array` are ignored)."""
    out = np.where(tree.is_leaf[:, None], array, 0.0)
    for level in reversed(tree.levels):
        parents = tree.parents[level]
        if kind == "flow":
            owners, sums = tree.group_sums(level, out[level])
            out[owners] += sums
            continue
        # Opening: each parent's first child in node order; closing: its last.
        ordered = level if kind == "opening" else level[::-1]
        owners, first = np.unique(parents if kind == "opening" else parents[::-1], return_index=True)
        out[owners] = out[ordered[first]]
    return out


def rollup_tree(values: ArrayLike, parents: ArrayLike, kind: Kind = "flow") -> Array:
    """Every node's value from its leaves: "flow" sums the children (sales, receipts, and stock
    across merchandise or locations), "opening" takes the first child's and "closing" the
    last's (stock along time). Ratios are recomputed from rolled-up components, never rolled up.
    >>> rollup_tree([0, 0, 40, 35, 25], [-1, 0, 1, 1, 0]).tolist()
    [100.0, 75.0, 40.0, 35.0, 25.0]
    """
    if kind not in KINDS:
        raise ValueError(f"kind: unknown {kind!r}; use one of {', '.join(KINDS)}")
    tree = Tree(parents)
    array, was_1d = tree.rows("values", values)
    check_finite("values", array[tree.is_leaf])
    out = _rollup(tree, array, kind)
    return out[:, 0] if was_1d else out


def _share(tree: Tree, level: Ints, budget: Array, weights: Array) -> Array:
    """Whole units per child of `level` summing exactly to its parent's budget: largest
    remainders first, earlier children first on ties; children with no weight get none."""
    parents = tree.parents[level]
    total = tree.sibling_sums(level, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.nan_to_num(budget[parents] * weights / total)
    units = np.floor(exact)
    leftover = budget[parents] - tree.sibling_sums(level, units)
    fraction = np.where(weights > 0, np.round(exact - units, 9), -1.0)
    # Sort within each parent, largest fraction first: parents apart by 2, fractions in [-1, 1).
    order = np.argsort(parents[:, None] * 2.0 - fraction, axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[0])[:, None], axis=0)
    first_of_parent = np.searchsorted(np.sort(parents), parents)
    return units + (rank - first_of_parent[:, None] < leftover).astype(np.float64)


def _free_weights(tree: Tree, by: Basis, values: Array, reference: Array, free: Bools) -> Array:
    """Every node's weight from its free leaves only: by `by`, where a node's siblings all weigh
    nothing the next basis (current, then reference, then the count of free leaves) decides."""
    leaves = tree.is_leaf[:, None] & free
    chain = {"current": (values, reference), "reference": (reference,), "even": ()}[by]
    bases = [_rollup(tree, np.where(leaves, basis, 0.0), "flow") for basis in chain]
    bases.append(_rollup(tree, leaves.astype(np.float64), "flow"))
    weight = bases[-1]
    for level in reversed(tree.levels):  # the first basis with weight among the siblings wins
        chosen = weight[level]
        for basis in reversed(bases[:-1]):
            has = tree.sibling_sums(level, basis[level]) > 0
            chosen = np.where(has, basis[level], chosen)
        weight[level] = chosen
    return weight


def _locks(tree: Tree, locked: ArrayLike | None, periods: int) -> Bools:
    flags = np.asarray(False if locked is None else locked, dtype=bool)
    if flags.ndim == 1:
        flags = flags.reshape(-1, 1)
    try:
        held = np.broadcast_to(flags, (tree.size, periods))
    except ValueError:
        raise ValueError(
            f"locked: expected one row per node ({tree.size}), got shape {flags.shape}"
        ) from None
    return tree.down(np.array(held))


def _check(tree: Tree, level: Ints, budget: Array, weights: Array) -> None:
    parents = tree.parents[level]
    over = budget[parents] < 0
    if over.any():
        node = int(parents[np.argwhere(over)[0][0]])
        raise ValueError(f"locked: node {node}: what is locked below it exceeds its value")
    stuck = (tree.sibling_sums(level, weights) == 0) & (budget[parents] != 0)
    if stuck.any():
        node = int(parents[np.argwhere(stuck)[0][0]])
        raise ValueError(f"locked: node {node}: everything below it is locked but its value changes")


def spread_tree(
    total: ArrayLike,
    current: ArrayLike,
    parents: ArrayLike,
    *,
    locked: ArrayLike | None = None,
    reference: ArrayLike | None = None,
    by: Basis = "current",
    decimals: int = 2,
) -> Array:
    """Spread a new value of the root (one per period, or one for all) down to the leaves, and
    answer every node's value (inner rows rolled up by "flow").

    At every level the free children share their parent's new value minus what their locked
    siblings keep, in proportion to `by`: "current" (their current values; where those are all
    zero, `reference`; then evenly), "reference" (last year, the targets, another version; then
    evenly) or "even" (every leaf alike). `locked` marks nodes, or node-periods (closed weeks),
    that keep their value with all below them. Free leaves land on multiples of 10^-decimals and
    every node's children sum exactly to it; locked leaves come back exactly as given.
    >>> spread_tree(110_000, [0, 40_000, 35_000, 25_000], [-1, 0, 0, 0]).tolist()
    [110000.0, 44000.0, 38500.0, 27500.0]
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals: expected a non-negative integer, got {decimals!r}")
    if by not in BASES:
        raise ValueError(f"by: unknown {by!r}; use one of {', '.join(BASES)}")
    tree = Tree(parents)
    raw, was_1d = tree.rows("current", current)
    periods = raw.shape[1]
    values = tree.leaf_amounts("current", raw, periods)
    reference_values = tree.leaf_amounts("reference", 0.0 if reference is None else reference, periods)
    totals = np.broadcast_to(np.asarray(total, dtype=np.float64).reshape(-1), (periods,))
    if (~np.isfinite(totals) | (totals < 0)).any():
        raise ValueError(f"total: expected finite numbers >= 0, got {np.asarray(total).tolist()}")
    is_locked = _locks(tree, locked, periods)
    free = ~is_locked & tree.is_leaf[:, None]
    scale = 10.0**decimals
    cents = np.rint(values * scale)  # locked leaves count at their rounding
    held = _rollup(tree, np.where(free, 0.0, cents), "flow")  # what stays below each node
    new = np.zeros_like(held)
    new[0] = np.rint(totals * scale)
    if (is_locked[0] & (new[0] != held[0])).any():
        raise ValueError("locked: the root is locked but its value changes")
    weight = _free_weights(tree, by, values, reference_values, free)
    has_free = _rollup(tree, free.astype(np.float64), "flow") > 0
    for level in tree.levels:
        # A parent's free part (its new value less what is locked below it) goes to the free
        # parts of its children by their free weights; each child also keeps its locked part.
        weights = np.where(has_free[level], weight[level], 0.0)
        budget = new - held
        _check(tree, level, budget, weights)
        new[level] = held[level] + _share(tree, level, budget, weights)
    leaves = np.where(free, new / scale, values)
    out = _rollup(tree, leaves, "flow")
    return out[:, 0] if was_1d else out


def split(
    total: ArrayLike, weights: ArrayLike, *, reference: ArrayLike | None = None, decimals: int = 2
) -> Array:
    """One parent's value, of either sign (a gross margin can be negative), over its children:
    (children x periods) in proportion to `weights` (negative weights count as zero; where all
    are zero, `reference`; then evenly), cents exact, the sign of each period's total.
    >>> split(-100, [30, 10, -5]).tolist()
    [-75.0, -25.0, 0.0]
    """
    shares = np.clip(np.nan_to_num(np.asarray(weights, dtype=np.float64)), 0.0, None)
    was_1d = shares.ndim == 1
    shares = shares.reshape(-1, 1) if was_1d else shares
    basis = np.zeros_like(shares) if reference is None else np.asarray(reference, dtype=np.float64)
    basis = np.clip(np.nan_to_num(basis.reshape(shares.shape)), 0.0, None)
    totals = np.broadcast_to(np.asarray(total, dtype=np.float64).reshape(-1), (shares.shape[1],))
    parents = [-1] + [0] * shares.shape[0]
    top = np.zeros((1, shares.shape[1]))
    stacked = spread_tree(
        np.abs(totals),
        np.vstack([top, shares]),
        parents,
        reference=np.vstack([top, basis]),
        decimals=decimals,
    )
    sign = np.where(totals < 0, -1.0, 1.0)
    spread = stacked[1:] * sign + 0.0  # + 0.0: no -0.0 for an empty child
    return spread[:, 0] if was_1d else spread
