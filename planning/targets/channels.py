"""The location dimension of the reconciliation: an opened department by channel (stores,
e-commerce, wholesale) and, under a channel, by region, beside its classes.

- Last year: the department's sales history by the selling location's channel and region.
- Plans: the department's location-scoped working (and current original) plans, the newest
  per channel (plans with a channel and no region) and per region, covering the year. A
  channel or region without a plan shows a dash.
- Targets: targets are set by department, so a channel's target is its department's split by
  last year's channel sales, and a region's its channel's split by last year's region sales
  (by the plans' mix where last year is empty, then evenly), cents exact
  (planning.engine.split): the regions add up to their channel, the channels to the department.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import F, Q, Sum

from planning.engine import split
from planning.models import TARGET_AMOUNTS, Channel, PlanVersion, PlanWeek, Region, SalesHistory
from planning.plans.selectors import current_originals

MONTHS = 12
SOURCES = ("target", "plan", "original", "last_year")
_SKU_DEPARTMENT = "sku__style_color__style__subclass__merch_class__department_id"
Amounts = dict[str, np.ndarray]  # amount -> (locations x months)


@dataclass(frozen=True)
class LocationNode:
    level: str  # channel, region
    pk: int
    label: str
    missing: frozenset[str]  # the plan sources it has no plan of


def _zeros(count: int) -> Amounts:
    return {name: np.zeros((count, MONTHS)) for name in TARGET_AMOUNTS}


def _last_year(department_id: int, year: int, field: str, index: dict[int, int]) -> Amounts:
    """Last year's sales, margin and markdowns by `field` (the location's channel or region)."""
    out = _zeros(len(index))
    for absent in ("receipts", "eop"):  # not in the sales history
        out[absent][:] = np.nan
    rows = (
        SalesHistory.objects.filter(fiscal_week__year=year - 1, **{_SKU_DEPARTMENT: department_id})
        .exclude(**{f"{field}__isnull": True})
        .values(key=F(field), month=F("fiscal_week__month"))
        .annotate(sales=Sum("retail_value"), cost=Sum("cost_value"), markdowns=Sum("markdown_value"))
    )
    for row in rows:
        if row["key"] not in index:
            continue
        at = (index[row["key"]], row["month"] - 1)
        out["sales"][at] += float(row["sales"])
        out["gross_margin"][at] += float(row["sales"] - row["cost"])
        out["markdowns"][at] += float(row["markdowns"])
    return out


def _plans(
    department_id: int, year: int, scope: Q, key: str, index: dict[int, int], *, original: bool
) -> tuple[Amounts, set[int]]:
    """The months of the newest plan per location (`key`: plan__channel_id or plan__region_id)
    of `scope`, and the locations that have one."""
    versions = current_originals() if original else PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING)
    candidates = versions.filter(
        scope, plan__department_id=department_id, plan__first_week__year__lte=year,
        plan__last_week__year__gte=year,
    ).order_by("plan__first_week_id", "plan_id").values_list(key, "pk")  # fmt: skip
    chosen = {int(location): version_id for location, version_id in candidates if location in index}
    owner = {version_id: location for location, version_id in chosen.items()}
    out = _zeros(len(index))
    weeks = (
        PlanWeek.objects.filter(
            line__version_id__in=list(owner), line__merch_class__isnull=False, fiscal_week__year=year
        )
        .values("line__version_id", "fiscal_week__month", "fiscal_week_id")
        .annotate(
            sales=Sum("sales"), gross_margin=Sum("gross_margin"), markdowns=Sum("markdowns"),
            receipts=Sum("receipts"), eop=Sum("eop"),
        )
        .order_by("fiscal_week_id")
    )  # fmt: skip
    for week in weeks:  # in week order: a month's EOP ends as its last week's
        row, month = index[owner[week["line__version_id"]]], week["fiscal_week__month"] - 1
        for name in ("sales", "gross_margin", "markdowns", "receipts"):
            out[name][row, month] += float(week[name] or 0)
        out["eop"][row, month] = float(week["eop"] or 0)
    return out, set(chosen)


def _sources(
    department_id: int, year: int, level: str, ids: list[int]
) -> tuple[dict[str, Amounts], dict[int, set[str]]]:
    """Plans and last year of the channels or regions `ids`, and the plan sources each lacks."""
    index = {pk: i for i, pk in enumerate(ids)}
    if level == "channel":
        scope, key, field = (
            Q(plan__channel__isnull=False, plan__region__isnull=True),
            "plan__channel_id",
            "location__channel_id",
        )
    else:
        scope, key, field = Q(plan__region__isnull=False), "plan__region_id", "location__region_id"
    plan, planned = _plans(department_id, year, scope, key, index, original=False)
    original, originals = _plans(department_id, year, scope, key, index, original=True)
    values = {"plan": plan, "original": original, "last_year": _last_year(department_id, year, field, index)}
    missing = {
        pk: {source for source, have in (("plan", planned), ("original", originals)) if pk not in have}
        for pk in ids
    }
    return values, missing


def _split_targets(total: Amounts, last_year: Amounts, plan: Amounts, rows: list[int]) -> Amounts:
    """A parent's target rows (each amount: 12 months; NaN: none) over the children `rows`."""
    out = {name: np.full((len(rows), MONTHS), np.nan) for name in TARGET_AMOUNTS}
    for name in TARGET_AMOUNTS:
        if rows and not np.isnan(total[name]).any():
            out[name] = split(total[name], last_year["sales"][rows], reference=plan["sales"][rows])
    return out


def _kept(sales: np.ndarray, missing: list[set[str]]) -> list[int]:
    """Indexes of the locations with a plan (of either kind) or last year's sales."""
    return [i for i, lacks in enumerate(missing) if len(lacks) < 2 or np.nan_to_num(sales[i]).any()]


def location_blocks(
    department_id: int, year: int, department_targets: Amounts
) -> tuple[list[LocationNode], dict[str, Amounts]]:
    """The department's channels, each followed by its regions (those with plans or history),
    and their amounts by source, one row per node in that order.
    `department_targets`: the department's own target row per amount (12 months; NaN: none)."""
    channels = list(Channel.objects.order_by("code"))
    channel_ids = [channel.pk for channel in channels]
    by_channel, channel_missing = _sources(department_id, year, "channel", channel_ids)
    kept = _kept(by_channel["last_year"]["sales"], [channel_missing[pk] for pk in channel_ids])
    channel_targets = _split_targets(department_targets, by_channel["last_year"], by_channel["plan"], kept)
    regions = list(Region.objects.filter(channel_id__in=[channel_ids[i] for i in kept]).order_by("code"))
    region_ids = [region.pk for region in regions]
    by_region, region_missing = _sources(department_id, year, "region", region_ids)
    nodes: list[LocationNode] = []
    rows: dict[str, list[np.ndarray]] = defaultdict(list)  # "source/amount" -> one (months,) per node
    for position, i in enumerate(kept):
        channel = channels[i]
        nodes.append(
            LocationNode(
                "channel", channel.pk, f"{channel.name} channel", frozenset(channel_missing[channel.pk])
            )
        )
        for name in TARGET_AMOUNTS:
            rows[f"target/{name}"].append(channel_targets[name][position])
            for source in ("plan", "original", "last_year"):
                rows[f"{source}/{name}"].append(by_channel[source][name][i])
        own = [j for j, region in enumerate(regions) if region.channel_id == channel.pk]
        lacks = [region_missing[region_ids[j]] for j in own]
        used = [own[k] for k in _kept(by_region["last_year"]["sales"][own], lacks)]
        parent = {name: channel_targets[name][position] for name in TARGET_AMOUNTS}
        region_targets = _split_targets(parent, by_region["last_year"], by_region["plan"], used)
        for k, j in enumerate(used):
            region = regions[j]
            nodes.append(LocationNode("region", region.pk, region.name, frozenset(region_missing[region.pk])))
            for name in TARGET_AMOUNTS:
                rows[f"target/{name}"].append(region_targets[name][k])
                for source in ("plan", "original", "last_year"):
                    rows[f"{source}/{name}"].append(by_region[source][name][j])
    blocks = {
        source: {name: np.array(rows[f"{source}/{name}"]).reshape(-1, MONTHS) for name in TARGET_AMOUNTS}
        for source in SOURCES
    }
    return nodes, blocks
