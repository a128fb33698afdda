"""The location dimension of the reconciliation: an opened department by channel (stores,
e-commerce, wholesale), beside its classes.

- Last year: the department's sales history by the selling location's channel.
- Plans: the department's channel-scoped working (and current original) plans, the newest per
  channel covering the year. A channel without a plan shows a dash.
- Targets: targets are set by department, so a channel's target is its department's split by
  last year's channel sales (by the channel plans' mix where last year is empty, then evenly),
  cents exact (planning.engine.split). The channels add up to the department.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.db.models import F, Sum

from planning.engine import split
from planning.models import TARGET_AMOUNTS, Channel, PlanVersion, PlanWeek, SalesHistory
from planning.plans.selectors import current_originals

MONTHS = 12
_SKU_DEPARTMENT = "sku__style_color__style__subclass__merch_class__department_id"
Amounts = dict[str, np.ndarray]  # amount -> (channels x months)


def _zeros(count: int) -> Amounts:
    return {name: np.zeros((count, MONTHS)) for name in TARGET_AMOUNTS}


def _last_year(department_id: int, year: int, index: dict[int, int]) -> Amounts:
    out = _zeros(len(index))
    for eop_row in ("receipts", "eop"):  # not in the sales history
        out[eop_row][:] = np.nan
    rows = (
        SalesHistory.objects.filter(fiscal_week__year=year - 1, **{_SKU_DEPARTMENT: department_id})
        .exclude(location__channel__isnull=True)
        .values(channel=F("location__channel_id"), month=F("fiscal_week__month"))
        .annotate(sales=Sum("retail_value"), cost=Sum("cost_value"), markdowns=Sum("markdown_value"))
    )
    for row in rows:
        at = (index[row["channel"]], row["month"] - 1)
        out["sales"][at] += float(row["sales"])
        out["gross_margin"][at] += float(row["sales"] - row["cost"])
        out["markdowns"][at] += float(row["markdowns"])
    return out


def _plans(
    department_id: int, year: int, index: dict[int, int], *, original: bool
) -> tuple[Amounts, set[int]]:
    """The channel plans' months, and the channels that have one."""
    versions = current_originals() if original else PlanVersion.objects.filter(kind=PlanVersion.Kind.WORKING)
    chosen: dict[int, int] = {
        int(version.plan.channel_id or 0): version.pk
        for version in versions.filter(
            plan__department_id=department_id, plan__channel__isnull=False, plan__region__isnull=True,
            plan__first_week__year__lte=year, plan__last_week__year__gte=year,
        ).select_related("plan").order_by("plan__first_week_id", "plan_id")
    }  # fmt: skip
    out = _zeros(len(index))
    version_channel = {version_id: channel for channel, version_id in chosen.items()}
    weeks = (
        PlanWeek.objects.filter(
            line__version_id__in=list(version_channel), line__merch_class__isnull=False,
            fiscal_week__year=year,
        )
        .values("line__version_id", "fiscal_week__month", "fiscal_week_id")
        .annotate(
            sales=Sum("sales"), gross_margin=Sum("gross_margin"), markdowns=Sum("markdowns"),
            receipts=Sum("receipts"), eop=Sum("eop"),
        )
        .order_by("fiscal_week_id")
    )  # fmt: skip
    last_week: dict[tuple[int, int], int] = defaultdict(int)
    for week in weeks:
        row, month = index[version_channel[week["line__version_id"]]], week["fiscal_week__month"] - 1
        for name in ("sales", "gross_margin", "markdowns", "receipts"):
            out[name][row, month] += float(week[name] or 0)
        if week["fiscal_week_id"] >= last_week[(row, month)]:  # EOP: the month's last week
            last_week[(row, month)] = week["fiscal_week_id"]
            out["eop"][row, month] = float(week["eop"] or 0)
    return out, set(chosen)


def channel_blocks(
    department_id: int, year: int, department_targets: Amounts
) -> tuple[list[Channel], dict[str, Amounts], dict[int, set[str]]]:
    """The department's channels (those with history or plans), their amounts by source
    ("target", "plan", "original", "last_year"), and per channel the plan sources it lacks.
    `department_targets`: the department's own target row per amount (12 months; NaN: none)."""
    channels = list(Channel.objects.order_by("code"))
    index = {channel.pk: i for i, channel in enumerate(channels)}
    last_year = _last_year(department_id, year, index)
    plan, planned = _plans(department_id, year, index, original=False)
    original, originals = _plans(department_id, year, index, original=True)
    used = [
        i for i, channel in enumerate(channels)
        if channel.pk in planned or channel.pk in originals or last_year["sales"][i].any()
    ]  # fmt: skip
    targets = {name: np.full((len(used), MONTHS), np.nan) for name in TARGET_AMOUNTS}
    for name in TARGET_AMOUNTS:
        total = department_targets[name]
        if used and not np.isnan(total).any():
            targets[name] = split(total, last_year["sales"][used], reference=plan["sales"][used])
    sources = (("plan", plan), ("original", original), ("last_year", last_year))
    keep = {"target": targets} | {
        source: {name: values[name][used] for name in TARGET_AMOUNTS} for source, values in sources
    }
    missing = {
        channels[i].pk: {
            s for s, have in (("plan", planned), ("original", originals)) if channels[i].pk not in have
        }
        for i in used
    }
    return [channels[i] for i in used], keep, missing
