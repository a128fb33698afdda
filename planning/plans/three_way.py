"""The three-way merge behind promoting a what-if (no framework: plain dicts of cell values).

Three states of the same cells: *base* (the working plan as it was when the scenario was
branched), *scenario* (the what-if now) and *current* (the working plan now). A cell is keyed
by (class id, fiscal week id, measure); a line setting (method, turn, opening stock) is a
cell of week 0.

- The scenario's own changes are the cells where scenario != base; the working plan's are the
  cells where current != base.
- A conflict is a cell changed on both sides to different values. A cell changed on both
  sides to the same value is no conflict (there is nothing to choose).
- Non-conflicting scenario changes are applied; the working plan's changes elsewhere stay;
  cells the scenario did not change are not touched. A conflict is applied only when it is
  resolved for the scenario ("scenario"); resolved for the working plan ("working") the
  current value stays; unresolved it is reported, and the caller refuses the promotion.
- Frozen cells (closed weeks, the in-season opening stock) are never written and never
  conflict: the working plan's actuals stay.
- A cell without a base value (a base that could not be known) counts as changed on both
  sides: it conflicts wherever scenario and current differ, so nothing is overwritten blind.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

CellKey = tuple[int, int, str]  # (class id, fiscal week id or 0 for a line setting, measure)
Value = Decimal | int | str | None
SCENARIO, WORKING = "scenario", "working"
CHOICES = (SCENARIO, WORKING)
LINE_WEEK = 0  # the week of a line setting's cell


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # no base value known for a cell


def key_text(key: CellKey) -> str:
    """The key as the API and the approval form name it: "<class_id>:<week_id>:<measure>"."""
    class_id, week_id, measure = key
    return f"{class_id}:{week_id}:{measure}"


def parse_key(text: str) -> CellKey | None:
    """A key from its text, None if it is not one."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


@dataclass(frozen=True)
class Change:
    """A scenario change the promotion applies: the working plan's value now, the scenario's."""

    key: CellKey
    working: Value
    scenario: Value


@dataclass(frozen=True)
class Conflict:
    """A cell both sides changed since the branch, to different values."""

    key: CellKey
    base: Value | _Missing
    scenario: Value
    working: Value


@dataclass
class Merge:
    changes: list[Change] = field(default_factory=list)  # applied without a choice
    conflicts: list[Conflict] = field(default_factory=list)  # all of them, resolved or not
    resolved: dict[CellKey, str] = field(default_factory=dict)  # conflict -> "scenario"/"working"
    # What the working plan gets: every change, and every conflict resolved for the scenario.
    applied: dict[CellKey, Value] = field(default_factory=dict)

    @property
    def unresolved(self) -> list[Conflict]:
        return [conflict for conflict in self.conflicts if conflict.key not in self.resolved]


def _same(left: Value | _Missing, right: Value | _Missing) -> bool:
    if left is MISSING or right is MISSING:
        return False
    return left == right  # Decimals compare by value: 4.10 == 4.1


def merge(
    base: Mapping[CellKey, Value],
    scenario: Mapping[CellKey, Value],
    current: Mapping[CellKey, Value],
    *,
    frozen: Collection[CellKey] = (),
    resolutions: Mapping[CellKey, str] | None = None,
    resolve_all: str | None = None,
) -> Merge:
    """Merge the scenario's own changes into `current` (see the module docstring).

    Only cells in both the scenario and the working plan take part (a cell the working plan
    does not have cannot be written). `resolutions` choose per conflict, `resolve_all` for
    every conflict without one of its own; any other choice than "scenario" or "working" is a
    ValueError."""
    resolutions = resolutions or {}
    for choice in (*resolutions.values(), *([resolve_all] if resolve_all else [])):
        if choice not in CHOICES:
            raise ValueError(f"Choose {SCENARIO!r} or {WORKING!r} for a conflict, not {choice!r}.")
    frozen_keys = set(frozen)
    result = Merge()
    for key in sorted(scenario.keys() & current.keys()):
        if key in frozen_keys:
            continue
        before = base.get(key, MISSING)
        theirs, ours = scenario[key], current[key]
        if _same(theirs, before):
            continue  # the scenario did not change it
        if _same(ours, theirs):
            continue  # both made the same change, or the working plan holds it already
        if _same(ours, before):
            result.changes.append(Change(key, ours, theirs))
            result.applied[key] = theirs
            continue
        result.conflicts.append(Conflict(key, before, theirs, ours))
        picked = resolutions.get(key) or resolve_all
        if picked is not None:
            result.resolved[key] = picked
            if picked == SCENARIO:
                result.applied[key] = theirs
    return result


def merged_values(current: Mapping[CellKey, Value], result: Merge) -> dict[CellKey, Value]:
    """The working plan's cells after the merge is applied."""
    return {**current, **{key: value for key, value in result.applied.items() if key in current}}
