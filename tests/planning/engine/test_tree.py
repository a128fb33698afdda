"""Roll-ups and spreads over hierarchies of any depth: DESIGN.md section 12's worked example,
hand-checked locks and bases, and the invariants (a spread rolls back up to the entered total
to the cent; locked leaves never move; ratios roll up from components)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planning.engine.aggregate import ratio
from planning.engine.tree import rollup_tree, split, spread_tree

# Women's (0) > Tees (1), Blouses (2), Knitwear (3): one month of sales $ (DESIGN.md 12).
DEPARTMENT = [-1, 0, 0, 0]
LY = [0.0, 40_000.0, 35_000.0, 25_000.0]


def test_a_department_target_spreads_by_last_year_to_the_cent() -> None:
    spread = spread_tree(110_000, LY, DEPARTMENT)
    assert spread.tolist() == [110_000.0, 44_000.0, 38_500.0, 27_500.0]


def test_a_locked_class_keeps_its_value_and_its_siblings_absorb_the_difference() -> None:
    spread = spread_tree(110_000, LY, DEPARTMENT, locked=[False, False, False, True])
    assert spread.tolist() == [110_000.0, 45_333.33, 39_666.67, 25_000.0]


def test_a_class_month_spreads_over_its_weeks_by_last_years_weeks() -> None:
    weeks = [0.0, 9_000.0, 10_000.0, 10_500.0, 10_500.0]
    spread = spread_tree(45_333.33, weeks, [-1, 0, 0, 0, 0])
    assert spread.tolist() == [45_333.33, 10_200.00, 11_333.33, 11_900.00, 11_900.00]


def test_gm_percent_rolls_up_from_the_components_not_the_average() -> None:
    sales = np.array([0.0, 45_333.33, 39_666.67, 25_000.0])
    gm = rollup_tree(sales * [0, 0.55, 0.50, 0.60], DEPARTMENT)
    total_sales = rollup_tree(sales, DEPARTMENT)
    # 24,933.33 + 19,833.34 + 15,000.00 = 59,766.67 on 110,000 -> 54.33 %, not 55 %.
    assert round(float(gm[0]), 2) == 59_766.67
    assert round(float(ratio(gm[0], total_sales[0])) * 100, 2) == 54.33


# Company (0) > division A (1), B (2); A > departments 3, 4; B > department 5; 3 > classes 6, 7.
COMPANY = [-1, 0, 0, 1, 1, 2, 3, 3]


def test_rollup_through_three_levels() -> None:
    leaves = [0, 0, 0, 0, 300, 500, 100, 200]
    assert rollup_tree(leaves, COMPANY).tolist() == [1100, 600, 500, 300, 300, 500, 100, 200]


def test_opening_and_closing_along_a_time_tree() -> None:
    # Season (0) > months 1, 2 > weeks 3, 4 (month 1) and 5, 6 (month 2): stock by week.
    season = [-1, 0, 0, 1, 1, 2, 2]
    stock = [0, 0, 0, 100, 90, 80, 70]
    assert rollup_tree(stock, season, "opening").tolist() == [100, 100, 80, 100, 90, 80, 70]
    assert rollup_tree(stock, season, "closing").tolist() == [70, 90, 70, 100, 90, 80, 70]
    assert rollup_tree(stock, season, "flow").tolist()[0] == 340


def test_a_locked_department_keeps_its_classes_while_the_company_changes() -> None:
    current = [0, 0, 0, 0, 300, 500, 100, 200]  # company 1,100
    spread = spread_tree(
        2_200, current, COMPANY, locked=[False, False, False, True, False, False, False, False]
    )
    assert spread[[3, 6, 7]].tolist() == [300, 100, 200]  # department 3 and its classes stay
    # 1,900 left for departments 4 and 5 by 300 : 500 -> 712.50 and 1,187.50.
    assert spread.tolist() == [2_200, 1_012.5, 1_187.5, 300, 712.5, 1_187.5, 100, 200]


def test_by_reference_and_even_ignore_the_current_values() -> None:
    current = [0.0, 10.0, 10.0, 80.0]
    assert spread_tree(100, current, DEPARTMENT, by="reference", reference=LY).tolist() == [100, 40, 35, 25]
    assert spread_tree(100, current, DEPARTMENT, by="even").tolist() == [100, 33.34, 33.33, 33.33]


def test_all_zero_current_values_fall_back_to_the_reference_then_evenly() -> None:
    zero = [0.0, 0.0, 0.0, 0.0]
    assert spread_tree(100, zero, DEPARTMENT, reference=LY).tolist() == [100, 40, 35, 25]
    assert spread_tree(1, zero, DEPARTMENT, decimals=0).tolist() == [1, 1, 0, 0]


def test_closed_weeks_are_locked_per_period() -> None:
    # Two periods; in period 0 Knitwear's week is closed (locked), in period 1 open.
    current = np.array([[0, 0], [40, 40], [35, 35], [25, 25]], dtype=float)
    locked = np.array([[False, False], [False, False], [False, False], [True, False]])
    spread = spread_tree([200, 200], current, DEPARTMENT, locked=locked)
    assert spread[:, 0].tolist() == [200, 93.33, 81.67, 25]
    assert spread[:, 1].tolist() == [200, 80, 70, 50]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total": 10, "locked": [False, True, True, False]}, "what is locked below it exceeds"),
        ({"total": 200_000, "locked": [False, True, True, True]}, "everything below it is locked"),
        ({"total": 110, "locked": [True, False, False, False]}, "root is locked"),
        ({"total": -1}, "total: expected finite numbers >= 0"),
    ],
)
def test_impossible_spreads_say_why(kwargs: dict[str, object], message: str) -> None:
    total = kwargs.pop("total")
    with pytest.raises(ValueError, match=message):
        spread_tree(total, LY, DEPARTMENT, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parents", "message"),
    [([0, 0], "node 0 is the root"), ([-1, 2, 0], "node 1 has parent 2"), ([], "root first")],
)
def test_a_malformed_tree_is_refused(parents: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rollup_tree([0.0] * len(parents), parents)


def _leaves_and_locked(parents: list[int], locked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    leaves = np.ones(len(parents), dtype=bool)
    leaves[[p for p in parents if p >= 0]] = False
    below_lock = locked.copy()
    for node in range(1, len(parents)):
        below_lock[node] |= below_lock[parents[node]]
    return leaves, leaves & below_lock


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[int], np.ndarray, np.ndarray, float]:
    """A random tree (each node's parent an earlier node), cent values, locks and a reachable
    new total (at least what is locked; exactly that when every leaf is locked)."""
    size = draw(st.integers(2, 25))
    parents = [-1] + [draw(st.integers(0, node - 1)) for node in range(1, size)]
    cents = st.integers(0, 10_000_000)
    values = np.array([draw(cents) / 100 for _ in range(size)])
    locked = np.array([False] + [draw(st.booleans()) and draw(st.booleans()) for _ in range(1, size)])
    leaves, kept = _leaves_and_locked(parents, locked)
    held = int(np.rint(values[kept] * 100).sum())
    extra = draw(cents) if (leaves & ~kept).any() else 0
    return parents, values, locked, (held + extra) / 100


@settings(max_examples=300, deadline=None)
@given(trees(), st.sampled_from(["current", "reference", "even"]))
def test_a_spread_rolls_back_up_to_the_total_and_locked_leaves_stay(
    tree: tuple[list[int], np.ndarray, np.ndarray, float], by: str
) -> None:
    parents, values, locked, total = tree
    spread = spread_tree(total, values, parents, locked=locked, reference=values[::-1], by=by)  # type: ignore[arg-type]
    leaves, kept = _leaves_and_locked(parents, locked)
    assert round(spread[0] * 100) == round(total * 100)
    cents = np.rint(spread * 100)
    assert (cents == rollup_tree(np.where(leaves, cents, 0), parents)).all()  # children sum to parents
    assert (spread[kept] == values[kept]).all()
    assert (spread[leaves] >= 0).all()


@settings(max_examples=200, deadline=None)
@given(trees())
def test_a_spread_keeps_the_free_leaves_proportions(
    tree: tuple[list[int], np.ndarray, np.ndarray, float],
) -> None:
    """By current values, every free leaf moves by the same factor, whatever the tree's shape
    and wherever the locks sit (up to the cent each leaf is rounded to)."""
    parents, values, locked, total = tree
    leaves, kept = _leaves_and_locked(parents, locked)
    free = leaves & ~kept & (values > 0)
    assume(free.sum() >= 2)
    spread = spread_tree(total, values, parents, locked=locked)
    factor = (total - values[kept].sum()) / values[leaves & ~kept].sum()
    # Each level rounds to the cent once: a leaf is off its exact share by under a cent a level.
    assert np.abs(spread[free] - values[free] * factor).max() <= 0.01 * len(parents)


def test_split_keeps_the_sign_and_ignores_negative_weights() -> None:
    # A clearance month's margin target of -100 over classes whose last-year margins were
    # 30, 10 and -5: the loss-making class weighs nothing.
    assert split(-100, [30, 10, -5]).tolist() == [-75.0, -25.0, 0.0]
    assert split(100, [0, 0], reference=[1, 3]).tolist() == [25.0, 75.0]
    assert split([10, -10], [[1, 1], [1, 3]]).tolist() == [[5.0, -2.5], [5.0, -7.5]]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-(10**9), 10**9),
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=12),
)
def test_split_sums_to_the_total_to_the_cent(cents: int, weights: list[int]) -> None:
    parts = split(cents / 100, [w / 100 for w in weights])
    assert int(np.rint(parts * 100).sum()) == cents
