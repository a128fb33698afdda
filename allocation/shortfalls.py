"""Reads for a run's short lines: how many stores got less than their need, and why (the
engine's `Shortfall` codes, or a planner's edit), and the stores whose need is below half a pack,
listed one by one: they get nothing and would otherwise only show as a "0 / 1" cell on some page
of the grid. One query each."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from allocation.engine import Shortfall, shortfall_reason
from allocation.models import AllocationLine, AllocationRun

BELOW_HALF_SHOWN = 200
LOWERED_BY_HAND = -1  # not an engine code: the planner set fewer units than the engine gave

REASON_LABELS: dict[int, str] = {
    Shortfall.NO_SUPPLY: "No stock to allocate after the holdback",
    Shortfall.SHARED: "Short supply, shared by the run's rule",
    Shortfall.LOWER_PRIORITY: "Short supply, higher-priority stores served first",
    Shortfall.CAPPED: "Capped by the store's capacity",
    Shortfall.PACK: "Pack rounding: short by less than a pack",
    Shortfall.BELOW_HALF_PACK: "Need below half a pack: rounded to none",
    LOWERED_BY_HAND: "Lowered by hand",
}


@dataclass(frozen=True)
class ReasonCount:
    code: int
    label: str
    lines: int
    units_short: int


@dataclass(frozen=True)
class BelowHalfPack:
    sku: str
    store: str
    store_name: str
    need: int
    reason: str


def short_reasons(run: AllocationRun) -> list[ReasonCount]:
    """Per reason, the lines (SKU x store) short of their need and the units they are short,
    most lines first. A line lowered by hand below what the engine gave counts as that. One
    grouped query."""
    lowered = Q(allocated__lt=F("proposed"))
    short = F("need") - F("allocated")
    rows = (
        AllocationLine.objects.filter(run=run, allocated__lt=F("need"))
        .values("shortfall")
        .annotate(
            lines=Count("id", filter=~lowered),
            units=Sum(short, filter=~lowered),
            lowered_lines=Count("id", filter=lowered),
            lowered_units=Sum(short, filter=lowered),
        )
        .order_by()
    )
    counts: dict[int, list[int]] = {}
    for row in rows:
        counts[row["shortfall"]] = [row["lines"], row["units"] or 0]
        by_hand = counts.setdefault(LOWERED_BY_HAND, [0, 0])
        by_hand[0] += row["lowered_lines"]
        by_hand[1] += row["lowered_units"] or 0
    found = [
        ReasonCount(code, REASON_LABELS.get(code, f"Reason {code}"), lines, units)
        for code, (lines, units) in counts.items()
        if lines > 0
    ]
    found.sort(key=lambda item: (-item.lines, item.code))
    return found


def below_half_pack(run: AllocationRun, limit: int = BELOW_HALF_SHOWN) -> list[BelowHalfPack]:
    """The lines whose need is below half a pack and that still get nothing (an edit may have
    given them a pack), by SKU and store, at most `limit`."""
    rows = (
        AllocationLine.objects.filter(run=run, shortfall=Shortfall.BELOW_HALF_PACK, allocated__lt=F("need"))
        .order_by("item__sku__code", "store__code")
        .values_list("item__sku__code", "store__code", "store__name", "need", "allocated")[:limit]
    )
    code = Shortfall.BELOW_HALF_PACK
    return [
        BelowHalfPack(sku, store, name, need, shortfall_reason(code, need, allocated, run.pack_size))
        for sku, store, name, need, allocated in rows
    ]
