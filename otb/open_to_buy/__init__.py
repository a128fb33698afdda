"""Open-to-buy, one read path: planned receipts - received - on order, at retail, cost and units.

What was bought comes from purchase orders and, in closed weeks, from actuals (DESIGN.md 11):
- On order: open units of released orders' lines (not cancelled), in their receipt week; a line
  overdue (due in a closed week, still open) counts in the first open week, where it is expected.
- Received: in an open week, the units received on lines due that week; in a closed week, the
  week's actual receipts as the working plan holds them (EOP - BOP + sales + markdowns at its
  scope: purchase-order receipts and the stock that came in without one). So a closed month has
  nothing left to buy: its OTB is 0, and a year's OTB is its open months'. (Cost of actual
  receipts at the plan's cost complement; units as the orders received them.)

Plans: `plan_purchases` gives a plan version these facts at its scope (total company: every
location, DCs included, as the company buys; a channel or region: the lines delivered there) and
`planning.plans.purchases.refresh` stores them in its weeks with their OTB, which the grid, its
month totals, `version_months` (the API) and the OTB page's working-plan row read. Departments:
`otb_table` puts the same facts beside the approved budget (the OTB page, budgets API, weekly
report, dashboards). Purchase-order writes call `orders_changed` in their transaction.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Q, Sum

from core.money import to_cents, to_places
from core.weeks import month_key as fiscal_month_key
from core.weeks import month_label, split_month_key, week_key, week_label, year_of
from otb.models import OTBBudget, OTBBudgetMonth, PurchaseOrder, PurchaseOrderLine
from planning import calendar
from planning.engine.rounding import half_up
from planning.models import FiscalWeek, Plan, PlanVersion, PlanWeek
from planning.plans import purchases

_ZERO = Decimal("0.00")
CLASS_PATH = "sku__style_color__style__subclass__merch_class_id"


@dataclass(frozen=True)
class OTBRow:
    """A department's fiscal month: the approved budget, what was received and is on order, and
    the working plan's planned receipts beside them."""

    department_id: int
    month_key: int
    budget_retail: Decimal
    budget_cost: Decimal
    on_order_retail: Decimal
    on_order_cost: Decimal
    on_order_units: int
    received_retail: Decimal
    budget_units: int = 0
    received_cost: Decimal = _ZERO
    received_units: int = 0
    working_receipts_retail: Decimal = _ZERO
    is_closed: bool = False  # every week of the month is closed: nothing is left to buy

    @property
    def label(self) -> str:
        return month_label(self.month_key)

    @property
    def otb_retail(self) -> Decimal:
        """Budget - received - on order (negative: over-bought); receiving does not give OTB back."""
        return _ZERO if self.is_closed else self.budget_retail - self.received_retail - self.on_order_retail

    @property
    def otb_cost(self) -> Decimal:
        return _ZERO if self.is_closed else self.budget_cost - self.received_cost - self.on_order_cost

    @property
    def otb_units(self) -> int:
        return 0 if self.is_closed else self.budget_units - self.received_units - self.on_order_units

    @property
    def working_otb_retail(self) -> Decimal:
        """The working plan's receipts - received - on order: what the plan as it stands leaves to
        buy (a closed month's planned receipts are its actual ones: 0)."""
        return self.working_receipts_retail - self.received_retail - self.on_order_retail

    @property
    def in_season_retail(self) -> Decimal:
        """Received + on order: what the season has bought, against the budget."""
        return self.received_retail + self.on_order_retail

    @property
    def used_percent(self) -> Decimal | None:
        """Share of the budget bought so far; none for a month without a positive budget."""
        if self.budget_retail <= 0:
            return None
        return to_places(100 * self.in_season_retail / self.budget_retail, 1)


@dataclass
class _Bought:
    """Received and on order of a (department, month), at retail, cost and units."""

    received: list[Any] = field(default_factory=lambda: [_ZERO, _ZERO, 0])
    on_order: list[Any] = field(default_factory=lambda: [_ZERO, _ZERO, 0])


def released_lines() -> Any:
    """Lines of released orders that are not cancelled: what the company has bought."""
    return PurchaseOrderLine.objects.filter(order__status=PurchaseOrder.Status.RELEASED).exclude(
        status=PurchaseOrderLine.Status.CANCELLED
    )


_OPEN_RETAIL = Sum((F("units") - F("received_units")) * F("unit_retail"))
_OPEN_COST = Sum((F("units") - F("received_units")) * F("unit_cost"))
_OPEN_UNITS = Sum(F("units") - F("received_units"))
_RECEIVED_RETAIL = Sum(F("received_units") * F("unit_retail"))
_RECEIVED_COST = Sum(F("received_units") * F("unit_cost"))
_RECEIVED_UNITS = Sum("received_units")


def _money(value: Any) -> Decimal:
    return to_cents(Decimal(value or 0))


# -- plans -------------------------------------------------------------------------------------


def scope_filter(plan: Plan) -> Q:
    """The purchase-order lines of a plan's scope (total company: every location)."""
    if plan.region_id:
        return Q(location__region_id=plan.region_id)
    if plan.channel_id:
        return Q(location__channel_id=plan.channel_id)
    return Q()


def plan_purchases(version: PlanVersion, open_from: int) -> dict[tuple[int, int], purchases.Bought]:
    """(class, week) -> on order and received at retail for the version's plan scope and span;
    lines due before `open_from` (the first open week) and still open count in it."""
    plan = version.plan
    rows = (
        released_lines()
        .filter(scope_filter(plan), order__department_id=plan.department_id)
        .filter(receipt_week_id__gte=plan.first_week_id, receipt_week_id__lte=plan.last_week_id)
        .values(CLASS_PATH, "receipt_week_id")
        .annotate(on_order=_OPEN_RETAIL, received=_RECEIVED_RETAIL)
        .order_by()
    )
    on_order: dict[tuple[int, int], Decimal] = defaultdict(lambda: _ZERO)
    received: dict[tuple[int, int], Decimal] = defaultdict(lambda: _ZERO)
    for row in rows:
        class_id, week_id = row[CLASS_PATH], row["receipt_week_id"]
        on_order[class_id, max(week_id, open_from)] += _money(row["on_order"])
        received[class_id, week_id] += _money(row["received"])
    return {
        key: purchases.Bought(on_order.get(key, _ZERO), received.get(key, _ZERO))
        for key in {*on_order, *received}
    }


@dataclass(frozen=True)
class OrderLine:
    """A purchase-order line behind a plan's on order: open units due in `expected_week_id`."""

    line: PurchaseOrderLine
    open_units: int
    open_retail: Decimal
    expected_week_id: int

    @property
    def expected_label(self) -> str:
        return week_label(self.expected_week_id)

    @property
    def is_overdue(self) -> bool:
        return self.expected_week_id != self.line.receipt_week_id


def first_open_week(version: PlanVersion) -> int:
    """The first week after the version's actuals (its plan's first week before any closed)."""
    through = version.actuals_through_id
    return _week_after(through) if through else version.plan.first_week_id


def _week_after(week_id: int) -> int:
    following = FiscalWeek.objects.filter(id__gt=week_id).order_by("id").values_list("id", flat=True).first()
    return following if following is not None else week_id + 1


def plan_order_lines(version: PlanVersion, class_id: int | None = None) -> list[OrderLine]:
    """The open lines behind the version's on order (one class's, or all), by expected week: what
    the grid's on-order row drills to. Same selection as `plan_purchases`."""
    plan = version.plan
    open_from = first_open_week(version)
    lines = (
        released_lines()
        .filter(scope_filter(plan), order__department_id=plan.department_id)
        .filter(receipt_week_id__gte=plan.first_week_id, receipt_week_id__lte=plan.last_week_id)
        .filter(units__gt=F("received_units"))
        .select_related("order", "order__vendor", "sku", "location", "receipt_week")
        .order_by("receipt_week_id", "order__number", "id")
    )
    if class_id is not None:
        lines = lines.filter(**{CLASS_PATH: class_id})
    found = []
    for line in lines:
        units = line.units - line.received_units
        retail = to_cents(units * line.unit_retail)
        found.append(OrderLine(line, units, retail, max(line.receipt_week_id, open_from)))
    return sorted(found, key=lambda row: (row.expected_week_id, row.line.order.number, row.line.pk))


def department_order_lines(department_id: int, month_key: int) -> list[OrderLine]:
    """The open lines behind a department-month's on order on the OTB page: lines due in its
    open weeks, and overdue lines (due in a closed week) when it holds the first open week."""
    through = _closed_through([department_id]).get(department_id, 0)
    open_from = _week_after(through) if through else 0
    year, month = split_month_key(month_key)
    weeks = FiscalWeek.objects.filter(year=year, month=month)
    lines = (
        released_lines()
        .filter(order__department_id=department_id, units__gt=F("received_units"))
        .select_related("order", "order__vendor", "sku", "location", "receipt_week")
    )
    if weeks.filter(id=open_from).exists():  # the month the overdue lines (of its year) are expected in
        first, after = fiscal_month_key(year, 0), fiscal_month_key(year + 1, 0)
        overdue = Q(receipt_week_id__lte=through, month_key__gt=first, month_key__lt=after)
        lines = lines.filter(Q(month_key=month_key, receipt_week_id__gt=through) | overdue)
    else:
        lines = lines.filter(month_key=month_key, receipt_week_id__gt=through)
    found = [
        OrderLine(
            line,
            line.units - line.received_units,
            to_cents((line.units - line.received_units) * line.unit_retail),
            max(line.receipt_week_id, open_from),
        )
        for line in lines
    ]
    return sorted(found, key=lambda row: (row.expected_week_id, row.line.order.number, row.line.pk))


def refresh_department(department_id: int) -> int:
    """Bring every plan of the department that follows purchases up to date (class-weeks changed)."""
    plan_ids = list(Plan.objects.filter(department_id=department_id).values_list("pk", flat=True))
    return purchases.refresh_plans(plan_ids)


_pending: ContextVar[set[int] | None] = ContextVar("otb_pending_refresh", default=None)


def orders_changed(department_ids: int | list[int]) -> None:
    """Call in the transaction of a purchase-order write (release, line change, receipt,
    cancellation, import): the plans' on order and OTB change with it, all or nothing. Inside
    `refreshed_once` the departments are only noted."""
    departments = {department_ids} if isinstance(department_ids, int) else set(department_ids)
    pending = _pending.get()
    if pending is not None:
        pending.update(departments)
        return
    for department_id in sorted(departments):
        refresh_department(department_id)


@contextmanager
def refreshed_once() -> Iterator[None]:
    """Many order writes in one transaction (an import): the plans are refreshed once, at the
    end, for every department the writes touched (not at all if the block raises)."""
    if _pending.get() is not None:  # already inside one: the outer block refreshes
        yield
        return
    departments: set[int] = set()
    token = _pending.set(departments)
    try:
        yield
    finally:
        _pending.reset(token)
    orders_changed(sorted(departments))


@dataclass(frozen=True)
class VersionMonth:
    """A plan version's fiscal month: planned receipts, received, on order and OTB, summed over its
    weeks (a closed week has no OTB). At cost: planned receipts at the plan's cost complement,
    received and on order at the orders' unit costs (a closed week's actual receipts at the
    complement), so the OTB at cost is what the orders leave at cost."""

    month_key: int
    receipts_retail: Decimal
    received_retail: Decimal
    on_order_retail: Decimal
    otb_retail: Decimal
    receipts_cost: Decimal = _ZERO
    received_cost: Decimal = _ZERO
    on_order_cost: Decimal = _ZERO
    otb_cost: Decimal = _ZERO

    @property
    def label(self) -> str:
        return month_label(self.month_key)


def _order_costs(version: PlanVersion, open_from: int) -> dict[int, list[Decimal]]:
    """Open week -> [received, on order] at the orders' unit costs, at the plan's scope and span;
    overdue lines on order in the first open week (as `plan_purchases` has them at retail)."""
    plan = version.plan
    rows = (
        released_lines()
        .filter(scope_filter(plan), order__department_id=plan.department_id)
        .filter(receipt_week_id__gte=plan.first_week_id, receipt_week_id__lte=plan.last_week_id)
        .values("receipt_week_id")
        .annotate(on_order=_OPEN_COST, received=_RECEIVED_COST)
        .order_by()
    )
    costs: dict[int, list[Decimal]] = defaultdict(lambda: [_ZERO, _ZERO])
    for row in rows:
        week_id = row["receipt_week_id"]
        if week_id >= open_from:  # a closed week's received is its actual receipts
            costs[week_id][0] += _money(row["received"])
        costs[max(week_id, open_from)][1] += _money(row["on_order"])
    return costs


def version_months(version: PlanVersion) -> list[VersionMonth]:
    """The version's months from its stored weeks (the class lines, as the grid's total sums);
    TY's only as far as its actuals go (the grid shows nothing after them)."""
    weeks = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
    if version.kind == PlanVersion.Kind.ACTUAL:
        weeks = weeks.filter(fiscal_week_id__lte=version.actuals_through_id or 0)
    rows = (
        weeks.values("fiscal_week_id", "fiscal_week__year", "fiscal_week__month")
        .annotate(**{name: Sum(name) for name in ("receipts", "received", "on_order", "otb")})
        .order_by("fiscal_week_id")
    )
    complement = Decimal(version.plan.cost_complement)
    through = version.actuals_through_id or 0
    costs = _order_costs(version, first_open_week(version))
    months: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        key = row["fiscal_week__year"] * 100 + row["fiscal_week__month"]
        month = months.setdefault(key, defaultdict(lambda: _ZERO))
        for name in ("receipts", "received", "on_order", "otb"):
            month[name] += _money(row[name])
        receipts = _money(row["receipts"])
        month["receipts_cost"] += receipts * complement
        if row["fiscal_week_id"] <= through:  # closed: its actual receipts, nothing left to buy
            month["received_cost"] += _money(row["received"]) * complement
            continue
        received, on_order = costs.get(row["fiscal_week_id"], [_ZERO, _ZERO])
        month["received_cost"] += received
        month["on_order_cost"] += on_order
        month["otb_cost"] += receipts * complement - received - on_order
    cost_names = ("receipts_cost", "received_cost", "on_order_cost", "otb_cost")
    return [
        VersionMonth(
            key,
            month["receipts"],
            month["received"],
            month["on_order"],
            month["otb"],
            *(half_up(month[name], 2) for name in cost_names),
        )
        for key, month in months.items()
    ]


# -- departments -------------------------------------------------------------------------------


def _closed_through(department_ids: list[int]) -> dict[int, int]:
    """Department -> the last closed week its working plans hold actuals through (0: none)."""
    through: dict[int, int] = {}
    for department_id, week_id in PlanVersion.objects.filter(
        kind=PlanVersion.Kind.WORKING, plan__department_id__in=department_ids, actuals_through__isnull=False
    ).values_list("plan__department_id", "actuals_through_id"):
        through[department_id] = max(through.get(department_id, 0), week_id)
    return through


def _calendar_weeks(years: set[int]) -> list[tuple[int, int, int]]:
    """(week id, year, month) of the fiscal years, in order, from the calendar (no query)."""
    pattern = settings.MERCHPLAN_CALENDAR_PATTERN
    return [
        (week_key(year, week.week), year, month.month)
        for year in sorted(years)
        for month in calendar.fiscal_year(year, pattern).months
        for week in month.weeks
    ]


def _bought(
    department_ids: list[int], month_keys: list[int], through: dict[int, int]
) -> tuple[dict[tuple[int, int], _Bought], set[tuple[int, int]]]:
    """(department, month) -> received and on order; and the (department, month)s fully closed.
    `through`: each department's last closed week."""
    keys = set(month_keys)
    weeks = _calendar_weeks({year_of(key) for key in keys})
    month_of = {
        week_id: fiscal_month_key(year, month)
        for week_id, year, month in weeks
        if fiscal_month_key(year, month) in keys
    }
    week_ids = [week_id for week_id, _year, _month in weeks]
    # The first open week (None past the months' years: nothing of them is open then).
    next_week = {
        department: week_ids[index] if (index := bisect_right(week_ids, week_id)) < len(week_ids) else None
        for department, week_id in through.items()
    }
    bought: dict[tuple[int, int], _Bought] = defaultdict(_Bought)
    lines = (
        released_lines()
        .filter(order__department_id__in=department_ids, month_key__in=keys)
        .values("order__department_id", "receipt_week_id", "month_key")
        .annotate(
            open_retail=_OPEN_RETAIL, open_cost=_OPEN_COST, open_units=_OPEN_UNITS,
            received_retail=_RECEIVED_RETAIL, received_cost=_RECEIVED_COST, received_units=_RECEIVED_UNITS,
        )
        .order_by()
    )  # fmt: skip
    for row in lines:
        department_id, week_id = row["order__department_id"], row["receipt_week_id"]
        closed_to = through.get(department_id, 0)
        if week_id <= closed_to:  # overdue: expected in the first open week
            moved = next_week.get(department_id)
            open_key = month_of.get(moved) if moved is not None else None
        else:
            open_key = row["month_key"]
        if open_key is not None:
            _add(bought[department_id, open_key].on_order, row, "open")
        if week_id > closed_to:  # a closed week's receipts are its actual ones, below
            _add(bought[department_id, row["month_key"]].received, row, "received")
        else:
            bought[department_id, row["month_key"]].received[2] += int(row["received_units"] or 0)
    for (department_id, key), retail, cost in _actual_receipts(department_ids, through, month_of):
        received = bought[department_id, key].received
        received[0] += retail
        received[1] += cost
    closed_weeks_of: dict[int, list[int]] = defaultdict(list)
    for week_id, key in month_of.items():
        closed_weeks_of[key].append(week_id)
    closed = {
        (department_id, key)
        for department_id, week_id in through.items()
        for key, month_weeks in closed_weeks_of.items()
        if max(month_weeks) <= week_id
    }
    return bought, closed


def _add(target: list[Any], row: dict[str, Any], prefix: str) -> None:
    target[0] += _money(row[f"{prefix}_retail"])
    target[1] += _money(row[f"{prefix}_cost"])
    target[2] += int(row[f"{prefix}_units"] or 0)


def _actual_receipts(
    department_ids: list[int], through: dict[int, int], month_of: dict[int, int]
) -> list[tuple[tuple[int, int], Decimal, Decimal]]:
    """The closed weeks' actual receipts of the departments' working plans, by month: retail
    and cost (at each plan's complement)."""
    if not through:
        return []
    closed = Q()
    for department_id, week_id in through.items():
        closed |= Q(line__version__plan__department_id=department_id, fiscal_week_id__lte=week_id)
    rows = (
        PlanWeek.objects.filter(closed)
        .filter(
            line__version__kind=PlanVersion.Kind.WORKING,
            line__merch_class__isnull=False,
            fiscal_week_id__in=list(month_of),
        )
        .values(
            department=F("line__version__plan__department_id"),
            complement=F("line__version__plan__cost_complement"),
            week=F("fiscal_week_id"),
        )
        .annotate(retail=Sum("receipts"))
        .order_by()
    )
    found = []
    for row in rows:
        retail = _money(row["retail"])
        cost = to_cents(retail * Decimal(row["complement"]))
        found.append(((row["department"], month_of[row["week"]]), retail, cost))
    return found


def working_plan_receipts(department_ids: list[int], month_keys: list[int]) -> dict[tuple[int, int], Decimal]:
    """Planned receipts of the departments' working plans (their class lines) by fiscal month, in
    one grouped query: (department, month key) -> retail."""
    return _working_plan_months(department_ids, month_keys)[0]


def _working_plan_months(
    department_ids: list[int], month_keys: list[int]
) -> tuple[dict[tuple[int, int], Decimal], dict[int, int]]:
    """The working plans' receipts by (department, month) and each department's last closed
    week (the newest `actuals_through` of its working plans), in one grouped query."""
    keys = set(month_keys)
    weeks = (
        PlanWeek.objects.filter(
            line__version__kind=PlanVersion.Kind.WORKING,
            line__version__plan__department_id__in=department_ids,
            line__merch_class__isnull=False,
            fiscal_week__year__in={year_of(key) for key in keys},
        )
        .values("line__version__plan__department_id", "fiscal_week__year", "fiscal_week__month")
        .annotate(receipts=Sum("receipts"), through=Max("line__version__actuals_through_id"))
        .order_by()
    )
    receipts = {}
    through: dict[int, int] = {}
    for row in weeks:
        department_id = row["line__version__plan__department_id"]
        if row["through"]:
            through[department_id] = max(through.get(department_id, 0), row["through"])
        key = row["fiscal_week__year"] * 100 + row["fiscal_week__month"]
        if key in keys:
            receipts[department_id, key] = _money(row["receipts"])
    return receipts, through


def otb_table(department_ids: list[int], month_keys: list[int]) -> dict[tuple[int, int], OTBRow]:
    """One OTBRow per (department, month): the newest approved budget month, received and on
    order, and the working plan's receipts. A fixed number of grouped queries."""
    budget: dict[tuple[int, int], tuple[Decimal, Decimal, int]] = {}
    months = (
        OTBBudgetMonth.objects.filter(
            budget__department_id__in=department_ids,
            budget__status=OTBBudget.Status.APPROVED,
            month_key__in=month_keys,
        )
        .order_by("budget__department_id", "month_key", "-budget__number")
        .values_list(
            "budget__department_id", "month_key", "receipts_retail", "receipts_cost", "receipts_units"
        )
    )
    for department_id, key, retail, cost, units in months:
        budget.setdefault((department_id, key), (retail, cost, units))
    working, through = _working_plan_months(department_ids, month_keys)
    bought, closed = _bought(department_ids, month_keys, through)
    table = {}
    for department_id in department_ids:
        for key in month_keys:
            retail, cost, units = budget.get((department_id, key), (_ZERO, _ZERO, 0))
            month = bought.get((department_id, key), _Bought())
            table[department_id, key] = OTBRow(
                department_id=department_id,
                month_key=key,
                budget_retail=retail,
                budget_cost=cost,
                budget_units=units,
                on_order_retail=month.on_order[0],
                on_order_cost=month.on_order[1],
                on_order_units=month.on_order[2],
                received_retail=month.received[0],
                received_cost=month.received[1],
                received_units=month.received[2],
                working_receipts_retail=working.get((department_id, key), _ZERO),
                is_closed=(department_id, key) in closed,
            )
    return table


def otb_rows(department_id: int, month_keys: list[int]) -> list[OTBRow]:
    """One department's months in order (the budgets API)."""
    table = otb_table([department_id], month_keys)
    return [table[department_id, key] for key in sorted(month_keys)]
