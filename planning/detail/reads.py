"""The detail rolled up to any level: merchandise (department, class, subclass) x location
(total, channel, region) x time (week, month, quarter, half, year), for any of its measures.
Every figure is a sum of the leaves' integer cents, so every level adds up exactly; a month is
its weeks, a class its subclasses, a channel its regions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from planning.detail.store import Leaves, load
from planning.models import PlanLeaf, PlanVersion, PlanWeek, Region, Subclass
from planning.plans.cube import time_columns
from planning.plans.grid_columns import Groups

MERCH = ("department", "class", "subclass")
LOCATION = ("total", "channel", "region")
MEASURES = ("sales", "markdowns", "sales_units", "ly_sales")


@dataclass
class DetailRow:
    merch: str  # the node's code ("" for the department)
    location: str  # the channel's or region's code ("" for the total)
    values: dict[str, list[Decimal]]


@dataclass
class DetailView:
    version: PlanVersion
    merch: str
    location: str
    time: str
    periods: list[tuple[str, str]]
    rows: list[DetailRow]


def week_rows(version: PlanVersion) -> list[tuple[int, int, int, int]]:
    return list(
        PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=True)
        .order_by("period")
        .values_list("fiscal_week_id", "period", "fiscal_week__month", "fiscal_week__quarter")
    )


def node_codes(leaves: Leaves, merch: str, location: str) -> tuple[np.ndarray, np.ndarray]:
    """Each leaf's merchandise and location code at the levels asked."""
    subclasses = dict(
        Subclass.objects.filter(pk__in=set(leaves.subclass.tolist())).values_list(
            "id", "code" if merch == "subclass" else "merch_class__code"
        )
    )
    regions = dict(
        Region.objects.filter(pk__in=set(leaves.region.tolist())).values_list(
            "id", "code" if location == "region" else "channel__code"
        )
    )
    merch_codes = np.array(
        [subclasses[s] if merch != "department" else "" for s in leaves.subclass.tolist()], dtype=object
    )
    location_codes = np.array(
        [regions[r] if location != "total" else "" for r in leaves.region.tolist()], dtype=object
    )
    return merch_codes, location_codes


def leaves_of(
    version: PlanVersion, measure: str, weeks: int, *, within: dict[str, str] | None = None
) -> Leaves:
    """A measure's leaves, optionally only under a class, subclass, channel or region code."""
    rows = PlanLeaf.objects.filter(version=version, measure=measure)
    for key, value in (within or {}).items():
        field = {
            "class": "subclass__merch_class__code__iexact",
            "subclass": "subclass__code__iexact",
            "channel": "region__channel__code__iexact",
            "region": "region__code__iexact",
        }[key]
        rows = rows.filter(**{field: value})
    return load(rows, weeks)


def detail_read(
    version: PlanVersion,
    *,
    merch: str,
    location: str,
    time: str,
    measures: list[str],
    within: dict[str, str] | None = None,
) -> DetailView:
    weeks = week_rows(version)
    columns = time_columns(weeks, time)
    membership = Groups.of(columns, len(weeks)).membership.astype(np.int64).T  # weeks x columns
    rows: dict[tuple[str, str], DetailRow] = {}
    for measure in measures:
        leaves = leaves_of(version, measure, len(weeks), within=within)
        merch_codes, location_codes = node_codes(leaves, merch, location)
        by_column = leaves.values @ membership  # leaves x columns, exact integers
        keys = list(zip(merch_codes.tolist(), location_codes.tolist(), strict=True))
        unique = sorted(set(keys))
        index = {key: position for position, key in enumerate(unique)}
        sums = np.zeros((len(unique), len(columns)), dtype=np.int64)
        np.add.at(sums, np.array([index[key] for key in keys], dtype=np.int64), by_column)
        scale = Decimal(1) if measure == "sales_units" else Decimal("0.01")
        for key, values in zip(unique, sums, strict=True):
            row = rows.setdefault(key, DetailRow(key[0], key[1], {}))
            row.values[measure] = [Decimal(int(v)) * scale for v in values]
    ordered = [rows[key] for key in sorted(rows)]
    return DetailView(version, merch, location, time, [(c.key, c.label) for c in columns], ordered)
