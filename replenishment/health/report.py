"""A department's inventory health report: the thresholds from settings, the reads, the
classification of the latest done run's policies, the rationalisation candidates and the table
of what is available to sell by channel."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings

from forecasting.selectors import latest_closed_week, weeks_after, weeks_up_to
from planning.models import Department, FiscalWeek, Location
from replenishment.engine.stock_health import SLOW_WINDOW_WEEKS, Thresholds, served_sales, supplying_dc
from replenishment.health import reads
from replenishment.health.classify import (
    Ages,
    Evidence,
    classify,
    rationalisation_candidates,
    rationalisation_rows,
)
from replenishment.health.rows import AvailableRow, HealthReport
from replenishment.matrix_reads import latest_done_run
from replenishment.models import ReplenishmentRun

ARRIVING_WEEKS = 4  # open purchase order lines arriving within this many weeks count as available
RATIONALISATION_WEEKS = 52


def thresholds() -> Thresholds:
    return Thresholds(
        excess_weeks=int(getattr(settings, "MERCHPLAN_EXCESS_WEEKS", 8)),
        no_move_weeks=int(getattr(settings, "MERCHPLAN_NO_MOVE_WEEKS", 8)),
        slow_moving_wos=float(getattr(settings, "MERCHPLAN_SLOW_MOVING_WOS", 26)),
        obsolete_weeks=int(getattr(settings, "MERCHPLAN_OBSOLETE_WEEKS", 26)),
    )


def inventory_health(department: Department) -> HealthReport:
    """The health lists of a department (see the package docstring)."""
    as_of = latest_closed_week()
    limits = thresholds()
    report = HealthReport(
        department=department, run=latest_done_run(department.pk), as_of=as_of, limits=limits
    )
    history = max(limits.obsolete_weeks, limits.no_move_weeks, SLOW_WINDOW_WEEKS)
    history_weeks = weeks_up_to(as_of, history)
    stock = reads.stock_on_hand(department.pk, as_of.id)
    locations = reads.location_rows()
    if report.run is not None:
        _run_classify(report, report.run, stock, history_weeks, locations)
    channels: dict[int, int | None] = {location: channel for location, _, _, channel in locations}
    report.available = _available(department.pk, as_of, stock, channels)
    return report


def _run_classify(
    report: HealthReport,
    run: ReplenishmentRun,
    stock: dict[tuple[int, int], int],
    history_weeks: list[FiscalWeek],
    locations: list[tuple[int, str, int | None, int | None]],
) -> None:
    """The four lists and the rationalisation candidates from the report's run."""
    department_id = report.department.pk
    supplier = supplying_dc((location, kind, dc) for location, kind, dc, _ in locations)
    dc_ids = {location for location, kind, _, _ in locations if kind == Location.Kind.DC}
    sales = reads.sales_by_location(department_id, [week.id for week in history_weeks])
    served = served_sales(sales, supplier, dc_ids)
    ages = Ages(history_weeks, reads.first_stocked(department_id, report.as_of.id))
    policies = reads.item_policies(run, department_id)
    evidence = Evidence(
        stock=stock,
        sales=sales,
        served=served,
        served_count=Counter(supplier.values()),
        ages=ages,
        vendors=reads.vendor_codes({row["sku__style_color_id"] for row in policies}),
        receipts=reads.received_from(department_id, {row["sku_id"] for row in policies}),
    )
    classify(report, policies, evidence)
    candidates = rationalisation_candidates(policies, ages, report.limits)
    if candidates:
        weeks = [week.id for week in weeks_up_to(report.as_of, RATIONALISATION_WEEKS)]
        report.rationalisation = rationalisation_rows(
            candidates, reads.revenue_and_cost(department_id, weeks)
        )


def _available(
    department_id: int,
    as_of: FiscalWeek,
    stock: dict[tuple[int, int], int],
    locations: dict[int, int | None],
) -> list[AvailableRow]:
    """Available to sell per SKU and channel: on hand at the channel's locations + open lines of
    released orders arriving there within 4 weeks + planned transfers to them - committed (planned
    transfers leaving them: released allocations, accepted rebalancing). A DC's 10 units with 4
    allocated to a store: the DC row has 10 on hand, 4 committed, 6 available; the store's
    channel 4 arriving. Distribution centres belong to no channel: their row says so.
    `locations`: id -> channel."""
    channels = reads.channel_names()
    on_hand: dict[tuple[int, int | None], int] = defaultdict(int)
    for (sku, location), units in stock.items():
        on_hand[sku, locations.get(location)] += units
    arriving: dict[tuple[int, int | None], int] = defaultdict(int)
    weeks = [week.id for week in weeks_after(as_of, ARRIVING_WEEKS)]
    for row in reads.open_arrivals(department_id, weeks):
        arriving[row["sku_id"], row["location__channel_id"]] += row["units"] or 0
    committed: dict[tuple[int, int | None], int] = defaultdict(int)
    for sku, source, target, units in reads.planned_transfers(department_id):
        committed[sku, locations.get(source)] += units
        arriving[sku, locations.get(target)] += units
    keys = set(on_hand) | set(arriving) | set(committed)
    codes = reads.sku_codes({sku for sku, _ in keys})
    rows = [
        AvailableRow(
            sku=codes.get(sku, str(sku)),
            channel=channels.get(channel, "") if channel is not None else "Distribution centres (no channel)",
            on_hand=on_hand.get((sku, channel), 0),
            arriving=arriving.get((sku, channel), 0),
            committed=committed.get((sku, channel), 0),
        )
        for sku, channel in keys
    ]
    rows.sort(key=lambda item: (item.sku, item.channel))
    return rows
