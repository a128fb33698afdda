"""The detail rolled up to any level: merchandise (department, class, subclass) x location
(total, channel, region) x time (week, month, quarter, half, year), for any of its measures.
Every figure is a sum of the leaves' integer cents, so every level adds up exactly; a month is
its weeks, a class its subclasses, a channel its regions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from planning.detail.store import Leaves, codes_of, group_sums, load
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


def node_codes(
    leaves: Leaves, merch: str, location: str
) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Each leaf's merchandise and location node at the levels asked, as indexes into their codes."""
    if merch == "department":
        merch_index, merch_codes = np.zeros(len(leaves), dtype=np.int64), [""]
    else:
        field = "code" if merch == "subclass" else "merch_class__code"
        subclasses = dict(
            Subclass.objects.filter(pk__in=np.unique(leaves.subclass).tolist()).values_list("id", field)
        )
        merch_index, merch_codes = codes_of(leaves.subclass, subclasses)
    if location == "total":
        location_index, location_codes = np.zeros(len(leaves), dtype=np.int64), [""]
    else:
        field = "code" if location == "region" else "channel__code"
        regions = dict(
            Region.objects.filter(pk__in=np.unique(leaves.region).tolist()).values_list("id", field)
        )
        location_index, location_codes = codes_of(leaves.region, regions)
    return merch_index, merch_codes, location_index, location_codes


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
    membership = Groups.of(columns, len(weeks)).membership.T  # weeks x columns
    rows: dict[tuple[str, str], DetailRow] = {}
    for measure in measures:
        leaves = leaves_of(version, measure, len(weeks), within=within)
        merch_index, merch_codes, location_index, location_codes = node_codes(leaves, merch, location)
        # Sums of whole cents in float64 are exact below 2**53 cents (90 trillion dollars).
        by_column = np.rint(leaves.values.astype(np.float64) @ membership).astype(np.int64)
        groups, sums = group_sums(merch_index * len(location_codes) + location_index, by_column)
        scale = Decimal(1) if measure == "sales_units" else Decimal("0.01")
        for group, values in zip(groups.tolist(), sums, strict=True):
            key = (merch_codes[group // len(location_codes)], location_codes[group % len(location_codes)])
            row = rows.setdefault(key, DetailRow(key[0], key[1], {}))
            row.values[measure] = [Decimal(int(v)) * scale for v in values]
    ordered = [rows[key] for key in sorted(rows)]
    return DetailView(version, merch, location, time, [(c.key, c.label) for c in columns], ordered)
