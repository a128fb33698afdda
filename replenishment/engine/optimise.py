"""Cut purchase suggestions to the OTB budget and the DC receiving capacity (DESIGN.md section 10).

One row per suggestion k. The decision is how many units to keep: 0, or from the MOQ up to the
suggested units in steps of the order multiple, i.e. n_k whole multiples with n_k = 0 or
moq_k/multiple_k <= n_k <= units_k/multiple_k. Maximise sum (unit_margin + service_value) * kept
subject to, per budget group (department x fiscal month), sum unit_retail * kept <= budget (OTB
is planned at retail) and, per capacity group (DC x receipt week), sum kept <= capacity.

service_value is what a kept unit is worth beyond its margin: `service_premium`, the sales the
order saves from being lost (the units short without it, from the projection) at retail,
weighted by the segment's target fill rate. Value per unit is floored at a tiny
positive number, so a suggestion is only ever cut to make room, never because its value is low.

Every step below keeps every budget and capacity:
1. Fast path: rows whose groups all fit (the whole suggestions within the limit) are kept whole;
   groups with a budget or capacity <= 0 keep nothing. The rest, the binding part, goes on.
2. Shadow prices (estimated LP duals) of the binding limits rank the rows by value per unit of
   what they use; a greedy fill in that order gives a first solution.
3. scipy.optimize.milp (HiGHS) decides the binding part, within time_limit seconds. Above
   _CORE_ROWS rows it decides only the core, the rows next to each limit's greedy break, the
   others staying as the greedy left them (the exact LP alone takes seconds at 400,000 rows).
   On the time limit the best solution found is used; if none was found, the LP relaxation
   (a quarter of time_limit more at most) is rounded down to whole multiples and rows left
   below their MOQ are dropped.
4. Greedy fill of whatever room is left; the better of this and the plain greedy solution wins,
   so the result is never worse than the greedy one.
Constrained.bound, the Lagrangian bound of the shadow prices, caps what any solution can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from replenishment.engine.cut_problem import Problem, checked_problem, lookup

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
Binds = tuple[BoolArray, BoolArray]  # (budget groups, capacity groups) whose limit binds

OTB = "OTB"
DC_CAPACITY = "DC capacity"
BOTH = "OTB and DC capacity"
_TOLERANCE = 1e-9  # currency or units: a step "fits" if it exceeds the slack by no more than this
_MIP_GAP = 1e-4  # relative to the whole objective
_CORE_ROWS = 10_000  # larger binding parts: the MILP decides about this many rows
_CORE_WINDOW = 5  # at least this many rows either side of each binding group's break
_PRICE_ROUNDS = 6
_RELAXATION_SHARE = 0.25  # of time_limit, for the LP when the MILP found no solution
_INTEGER, _SEMI_INTEGER = 1, 3  # scipy.optimize.milp integrality codes


@dataclass(frozen=True)
class Constrained:
    """kept_units + cut_units = the suggested units. reason: "" if kept whole, else which
    binding constraint(s) cut the row ("OTB", "DC capacity", "OTB and DC capacity"): the row's
    budget or capacity has less slack left than the row's next step (one more multiple, or the
    MOQ if nothing is kept). status: "optimal" (the MILP proved its solution within 0.01% of
    the objective's optimum; for a large problem, of the optimum with the rows outside the core
    fixed), "time limit" (the best solution the solver found) or "fallback" (rounded LP
    relaxation). objective: sum (unit_margin + service_value) * kept; bound: no solution can
    reach more (the gap to it tells how good a core or time-limited solution is).
    """

    kept_units: FloatArray
    cut_units: FloatArray
    reason: StrArray
    status: str
    objective: float
    bound: float


def service_premium(
    units_short: npt.ArrayLike,
    units: npt.ArrayLike,
    unit_retail: npt.ArrayLike,
    service_level: npt.ArrayLike,
) -> FloatArray:
    """Service value per kept unit of each suggestion, for `constrain`: the sales its order saves
    from being lost (units_short, the units short over the horizon without it, from the
    projection) at retail, weighted by the fill rate its segment targets, spread over its units.

    An order that lands into cover the item does not need within the horizon prevents no
    stock-out and earns its margin alone; an item about to run out earns its lost sales on
    top, so OTB goes first to what would otherwise be missing from the shelf. With the same
    margin, 50 units short on a 60-unit order at 95% and $20 retail is worth 0.95 x 20 x 50/60 =
    $15.83 a unit more. The linear model spreads the premium evenly: keeping part of an order
    is worth that part's share of it.
    """
    short = np.asarray(units_short, dtype=np.float64)
    ordered = np.asarray(units, dtype=np.float64)
    retail = np.asarray(unit_retail, dtype=np.float64)
    level = np.asarray(service_level, dtype=np.float64)
    if not short.shape == ordered.shape == retail.shape == level.shape or short.ndim != 1:
        raise ValueError("units_short, units, unit_retail and service_level: one value per suggestion")
    for name, values in (("units_short", short), ("units", ordered), ("unit_retail", retail)):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"{name}: must be finite and not negative")
    if not np.all((level >= 0) & (level <= 1)):
        raise ValueError("service_level: must be between 0 and 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(ordered > 0, np.minimum(short, ordered) / ordered, 0.0)
    premium: FloatArray = level * retail * share
    return premium


def constrain(
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
    *,
    time_limit: float = 5.0,
) -> Constrained:
    """Keep the most valuable suggestions that fit the budgets and capacities (see the module).

    Arrays of K rows, except budget (one per budget group) and capacity (one per capacity
    group); budget_group indexes budget, capacity_group indexes capacity or is -1 (no limit).
    units must be 0 or whole multiples of `multiple` at or above the MOQ.
    """
    if not time_limit > 0:
        raise ValueError("time_limit must be a positive number of seconds")
    problem = checked_problem(
        units, unit_retail, unit_margin, service_value, budget_group, budget, capacity_group,
        capacity, moq, multiple,
    )  # fmt: skip
    budget_binds, capacity_binds = _binding_groups(problem)
    in_solve = _rows_in(problem, budget_binds, capacity_binds) & (problem.max_steps > 0)
    steps = np.where(in_solve, 0, problem.max_steps)
    status, bound = "optimal", _objective(problem, steps)
    if in_solve.any():
        rows = np.flatnonzero(in_solve)
        steps, status, bound = _optimise(problem, steps, rows, (budget_binds, capacity_binds), time_limit)
    kept = steps * problem.step
    return Constrained(
        kept_units=kept,
        cut_units=problem.units - kept,
        reason=_reasons(problem, steps),
        status=status,
        objective=_objective(problem, steps),
        bound=bound,
    )


def _optimise(
    problem: Problem, steps: IntArray, rows: IntArray, binds: Binds, time_limit: float
) -> tuple[IntArray, str, float]:
    """Steps 2-4 of the module docstring for `rows` (0 in `steps`): (steps, status, bound)."""
    prices = _shadow_prices(problem, steps, rows, binds)
    bound = _objective(problem, steps) + _dual_bound(problem, steps, rows, prices, binds)
    order = _by_density(problem, rows, prices)
    greedy = _fill(problem, steps, order)
    core, gap = rows, _MIP_GAP
    if rows.shape[0] > _CORE_ROWS:
        core = _core(problem, greedy, order, binds)
        # The gap is relative to the whole plan, not to the core's small part of it.
        whole_core = _whole_suggestions(problem, core)[1].sum()
        gap = min(_MIP_GAP * float(np.dot(problem.value * problem.step, greedy)) / whole_core, 0.5)
    if not core.size:
        return greedy, "optimal", bound
    with_solver = greedy.copy()
    with_solver[core] = 0
    with_solver[core], status = _solve(problem, core, with_solver, time_limit, gap)
    with_solver = _fill(problem, _repair(problem, with_solver, order), order)
    best = max(with_solver, greedy, key=lambda candidate: _objective(problem, candidate))
    return best, status, bound


# --- limits ------------------------------------------------------------------------------
def _loads(problem: Problem, steps: IntArray) -> tuple[FloatArray, FloatArray]:
    """(retail per budget group, units per capacity group) of keeping `steps` multiples."""
    kept = steps * problem.step
    spent = np.bincount(problem.budget_group, kept * problem.retail, minlength=problem.budget.shape[0])
    limited = problem.capacity_group >= 0
    received = np.bincount(
        problem.capacity_group[limited], kept[limited], minlength=problem.capacity.shape[0]
    )
    return spent.astype(np.float64), received.astype(np.float64)


def _binding_groups(problem: Problem) -> tuple[BoolArray, BoolArray]:
    """Groups whose limit the whole suggestions would exceed."""
    spent, received = _loads(problem, problem.max_steps)
    return spent > problem.budget + _TOLERANCE, received > problem.capacity + _TOLERANCE


def _rows_in(problem: Problem, budget_groups: BoolArray, capacity_groups: BoolArray) -> BoolArray:
    """Rows that belong to any of the marked budget or capacity groups."""
    rows = budget_groups[problem.budget_group]
    limited = problem.capacity_group >= 0
    rows[limited] |= capacity_groups[problem.capacity_group[limited]]
    return rows


# --- shadow prices and the greedy order ----------------------------------------------------
def _shadow_prices(
    problem: Problem, steps: IntArray, rows: IntArray, binds: Binds
) -> tuple[FloatArray, FloatArray]:
    """Estimated LP duals: value per $ of each budget and per unit of each DC capacity left by
    the rows outside `rows` (0 for limits that do not bind).

    Block coordinate descent on the Lagrangian dual of the LP relaxation (MOQs relaxed): with
    the capacity prices fixed, each budget's price is the break ratio of its own fractional
    knapsack over the values net of capacity prices, and the other way round. Each round is
    one sort per family of limits. Ranking by value per $ alone ignores the DC capacity, and
    normalising by each limit's size favours the rows of big budgets; on the benchmark these
    prices bring the greedy fill within 0.05% of the LP bound, the others 0.2% and 2.5%.
    """
    units, value, retail = _whole_suggestions(problem, rows)
    budget_group, capacity_group = problem.budget_group[rows], problem.capacity_group[rows]
    budget_left, capacity_left = _left(problem, steps, binds)
    capacity_price = np.zeros(problem.capacity.shape[0])
    budget_price = _break_prices(budget_group, value, retail, budget_left)
    for _ in range(_PRICE_ROUNDS if binds[1].any() else 0):
        net_of_budget = value - budget_price[budget_group] * retail
        capacity_price = _break_prices(capacity_group, net_of_budget, units, capacity_left)
        net_of_capacity = value - lookup(capacity_group, capacity_price, missing=0.0) * units
        budget_price = _break_prices(budget_group, net_of_capacity, retail, budget_left)
    return budget_price, capacity_price


def _whole_suggestions(problem: Problem, rows: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(units, value, retail) of keeping `rows` whole."""
    units = problem.max_steps[rows] * problem.step[rows]
    return units, problem.value[rows] * units, problem.retail[rows] * units


def _left(problem: Problem, steps: IntArray, binds: Binds) -> tuple[FloatArray, FloatArray]:
    """(budget, capacity) left after `steps`; infinite for limits that do not bind."""
    spent, received = _loads(problem, steps)
    budget_left = np.where(binds[0], problem.budget - spent, np.inf)
    return budget_left, np.where(binds[1], problem.capacity - received, np.inf)


def _break_prices(group: IntArray, gain: FloatArray, use: FloatArray, limit: FloatArray) -> FloatArray:
    """Per group, the gain per unit of `use` of the row at which a fractional knapsack of the
    group's rows, best ratio first, overruns the limit; 0 if every row with a gain fits."""
    price = np.zeros(limit.shape[0])
    candidates = np.flatnonzero((group >= 0) & (gain > 0) & (use > 0))
    if not candidates.size:
        return price
    ratio = gain[candidates] / use[candidates]
    ranked = np.lexsort((-ratio, group[candidates]))
    member = group[candidates][ranked]
    ratio, weight = ratio[ranked], use[candidates][ranked]
    total = np.cumsum(weight)
    starts = np.flatnonzero(np.r_[True, member[1:] != member[:-1]])
    before = np.repeat(total[starts] - weight[starts], np.diff(np.r_[starts, member.shape[0]]))
    over = np.flatnonzero(total - before > limit[member] + _TOLERANCE)
    overrun, first = np.unique(member[over], return_index=True)
    price[overrun] = ratio[over[first]]
    return price


def _dual_bound(
    problem: Problem,
    steps: IntArray,
    rows: IntArray,
    prices: tuple[FloatArray, FloatArray],
    binds: Binds,
) -> float:
    """Lagrangian bound on the value `rows` can add: sum price * limit left, plus each whole
    suggestion's value net of its priced use where positive. Valid for any prices >= 0."""
    units, value, retail = _whole_suggestions(problem, rows)
    budget_price, capacity_price = prices
    budget_left, capacity_left = _left(problem, steps, binds)
    net = value - budget_price[problem.budget_group[rows]] * retail
    net -= lookup(problem.capacity_group[rows], capacity_price, missing=0.0) * units
    priced = np.dot(budget_price[binds[0]], budget_left[binds[0]])
    priced += np.dot(capacity_price[binds[1]], capacity_left[binds[1]])
    return float(priced + np.maximum(net, 0.0).sum())


def _by_density(problem: Problem, rows: IntArray, prices: tuple[FloatArray, FloatArray]) -> IntArray:
    """`rows` best first: value per unit over what a unit costs at the shadow prices."""
    budget_price, capacity_price = prices
    cost = budget_price[problem.budget_group[rows]] * problem.retail[rows]
    cost += lookup(problem.capacity_group[rows], capacity_price, missing=0.0)
    with np.errstate(divide="ignore"):
        density = np.where(cost > 0, problem.value[rows] / cost, np.inf)
    return rows[np.argsort(-density, kind="stable")]


def _core(problem: Problem, greedy: IntArray, order: IntArray, binds: Binds) -> IntArray:
    """The rows whose decision is in doubt: those near each binding group's break.

    A group's break is its best row (in density order) that the greedy solution cuts: far
    denser rows are kept by any good solution, far less dense ones cut (the core of a large
    knapsack, after Balas and Zemel). About _CORE_ROWS rows, split between the binding groups.
    """
    window = max(_CORE_WINDOW, _CORE_ROWS // (2 * int(binds[0].sum() + binds[1].sum())))
    is_cut = greedy[order] < problem.max_steps[order]
    budget_group = problem.budget_group[order]
    near = _near_break(budget_group, binds[0][budget_group], is_cut, window)
    capacity_group = problem.capacity_group[order]
    in_binding = lookup(capacity_group, binds[1].astype(np.float64), missing=0.0) > 0
    near |= _near_break(capacity_group, in_binding, is_cut, window)
    return np.sort(order[near])


def _near_break(groups: IntArray, is_member: BoolArray, is_cut: BoolArray, window: int) -> BoolArray:
    """Positions (arrays in density order) within `window` places of their group's first cut."""
    positions = np.flatnonzero(is_member)
    by_group = positions[np.argsort(groups[positions], kind="stable")]  # density order kept
    group = groups[by_group]
    _, starts, counts = np.unique(group, return_index=True, return_counts=True)
    rank = np.arange(by_group.shape[0]) - np.repeat(starts, counts)
    first_cut = np.full(int(groups.max(initial=0)) + 1, np.iinfo(np.int64).max // 2)
    cut = is_cut[by_group]
    np.minimum.at(first_cut, group[cut], rank[cut])
    near = np.zeros(groups.shape[0], dtype=bool)
    near[by_group[np.abs(rank - first_cut[group]) <= window]] = True
    return near


# --- the solver --------------------------------------------------------------------------
def _solve(
    problem: Problem, rows: IntArray, fixed: IntArray, time_limit: float, gap: float
) -> tuple[IntArray, str]:
    """Multiples to keep for `rows`, the other rows fixed at `fixed` (0 for `rows`):
    (steps, status) from the MILP or, if it found no solution in time, the rounded LP.

    n_k is semi-integer where the MOQ is more than one multiple: 0 or an integer in
    [moq/multiple, units/multiple]. That is the n_k plus binary y_k model with y_k left to
    HiGHS; written out, its two linking rows per suggestion had HiGHS spend a 4 s limit
    cutting at the root of a 14,000-row core without finding a solution. Now it solves in ~2 s.
    """
    min_steps, max_steps = problem.min_steps[rows], problem.max_steps[rows]
    needs_moq = min_steps > 1
    per_step = problem.value[rows] * problem.step[rows]
    matrix, left = _resource_rows(problem, rows, fixed)
    constraints = LinearConstraint(matrix, -np.inf, left)
    options = {"time_limit": time_limit, "mip_rel_gap": gap, "disp": False}
    objective = -per_step / per_step.max()
    integrality = np.where(needs_moq, _SEMI_INTEGER, _INTEGER)
    lower = np.where(needs_moq, min_steps, 0)
    bounds = Bounds(lower, max_steps)
    result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints, options=options)
    status = "optimal" if result.status == 0 else "time limit"
    if result.x is None:  # the LP relaxation, MOQs relaxed too; HiGHS solves it in a fraction
        options["time_limit"] = time_limit * _RELAXATION_SHARE
        result = milp(objective, bounds=Bounds(0, max_steps), constraints=constraints, options=options)
        status = "fallback"
    if result.x is None:
        return np.zeros(rows.shape[0], dtype=np.int64), status
    # The MILP's values are whole up to its tolerance: round them; the LP's: round down.
    values = result.x + _TOLERANCE if status == "fallback" else np.round(result.x)
    steps: IntArray = np.clip(np.floor(values), 0, max_steps).astype(np.int64)
    steps[steps < min_steps] = 0
    return steps, status


def _resource_rows(problem: Problem, rows: IntArray, fixed: IntArray) -> tuple[sparse.csr_array, FloatArray]:
    """(A, b) of A @ steps <= b over `rows`: one row per budget group, then one per capacity
    group; b is what the other rows, fixed at `fixed`, leave of each limit."""
    step = problem.step[rows]
    capacity_group = problem.capacity_group[rows]
    limited = np.flatnonzero(capacity_group >= 0)
    budgets = problem.budget.shape[0]
    matrix = sparse.csr_array(
        (
            np.concatenate([problem.retail[rows] * step, step[limited]]),
            (
                np.concatenate([problem.budget_group[rows], budgets + capacity_group[limited]]),
                np.concatenate([np.arange(rows.shape[0]), limited]),
            ),
        ),
        shape=(budgets + problem.capacity.shape[0], rows.shape[0]),
    )
    spent, received = _loads(problem, fixed)
    left = np.concatenate([problem.budget - spent, problem.capacity - received])
    return matrix, np.maximum(left, 0.0)


# --- greedy fill and repair ----------------------------------------------------------------
def _fill(problem: Problem, steps: IntArray, order: IntArray) -> IntArray:
    """Add as many multiples as still fit to the rows in `order`, in that order.

    One pass is enough: slack only shrinks, so a row that does not fit now never fits later.
    """
    order = order[steps[order] < problem.max_steps[order]]
    spent, received = _loads(problem, steps)
    budget_slack = (problem.budget - spent).tolist()
    capacity_slack = (problem.capacity - received).tolist()
    current = steps[order].tolist()
    room = (problem.max_steps - steps)[order].tolist()
    cost = (problem.retail * problem.step)[order].tolist()
    step = problem.step[order].tolist()
    min_steps = problem.min_steps[order].tolist()
    budget_group = problem.budget_group[order].tolist()
    capacity_group = problem.capacity_group[order].tolist()
    for position in range(len(current)):
        group, receiving = budget_group[position], capacity_group[position]
        fit = room[position]
        if cost[position] > 0:
            fit = min(fit, int((budget_slack[group] + _TOLERANCE) // cost[position]))
        if receiving >= 0:
            fit = min(fit, int((capacity_slack[receiving] + _TOLERANCE) // step[position]))
        if fit <= 0 or (current[position] == 0 and fit < min_steps[position]):
            continue
        current[position] += fit
        budget_slack[group] -= fit * cost[position]
        if receiving >= 0:
            capacity_slack[receiving] -= fit * step[position]
    result = steps.copy()
    result[order] = current
    return result


def _repair(problem: Problem, steps: IntArray, order: IntArray) -> IntArray:
    """Take multiples off the least dense rows of any group the rounded solution overfills.

    The solver meets the limits within its feasibility tolerance only; this makes them hold
    exactly. It rarely has anything to do.
    """
    result = steps.copy()
    spent, received = _loads(problem, result)
    over_budget = spent > problem.budget + _TOLERANCE
    over_capacity = received > problem.capacity + _TOLERANCE
    if not (over_budget.any() or over_capacity.any()):
        return result
    for row in order[::-1].tolist():
        if not (over_budget.any() or over_capacity.any()):
            break
        group, receiving = problem.budget_group[row], problem.capacity_group[row]
        while result[row] > 0 and (over_budget[group] or (receiving >= 0 and over_capacity[receiving])):
            remove = result[row] if result[row] == problem.min_steps[row] else 1
            result[row] -= remove
            spent[group] -= remove * problem.step[row] * problem.retail[row]
            over_budget[group] = spent[group] > problem.budget[group] + _TOLERANCE
            if receiving >= 0:
                received[receiving] -= remove * problem.step[row]
                over_capacity[receiving] = received[receiving] > problem.capacity[receiving] + _TOLERANCE
    return result


# --- results -----------------------------------------------------------------------------
def _objective(problem: Problem, steps: IntArray) -> float:
    return float(np.dot(problem.true_value, steps * problem.step))


def _reasons(problem: Problem, steps: IntArray) -> StrArray:
    """Which binding limit cut each row: its slack is below the row's next step."""
    spent, received = _loads(problem, steps)
    next_units = np.where(steps > 0, 1, problem.min_steps) * problem.step
    budget = problem.budget[problem.budget_group]
    budget_slack = budget - spent[problem.budget_group]
    by_budget = (budget <= 0) | (next_units * problem.retail > budget_slack + _TOLERANCE)
    capacity = lookup(problem.capacity_group, problem.capacity, missing=np.inf)
    capacity_slack = capacity - lookup(problem.capacity_group, received, missing=0.0)
    by_capacity = (capacity <= 0) | (next_units > capacity_slack + _TOLERANCE)
    is_cut = steps < problem.units / problem.step
    reason = np.full(steps.shape[0], "", dtype="<U19")
    reason[is_cut & by_budget] = OTB
    reason[is_cut & by_capacity] = DC_CAPACITY
    reason[is_cut & by_budget & by_capacity] = BOTH
    return reason
