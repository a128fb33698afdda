"""In-season rebalancing: suggested transfers from stores holding more weeks of supply than they
will sell to stores about to run short, within a region (a van does not cross the country for a
few units), and accepting them as transfer records.

Weeks of supply = (on hand + in transit + planned transfers in - out) / weekly demand, the
demand an allocation run would use (forecast x size share x store share, or the recent sales
rate). The rules are the engine's
(`allocation.engine.rebalance`): donors keep `max_wos` weeks, receivers fill up to `min_wos`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum

from allocation.engine import rebalance
from allocation.inputs import demand_over, latest_stock
from allocation.models import MAX_PACK_SIZE, Transfer
from allocation.runs import AllocationError
from core.audit import audit_record
from forecasting.selectors import latest_closed_week
from planning import clock
from planning.models import Department, Location, Sku, StyleColor

DEFAULT_MIN_WOS = Decimal("2")
DEFAULT_MAX_WOS = Decimal("8")


def _weeks(value: float) -> str:
    """Weeks of supply as a planner reads them: 'no sales' where there is no demand to cover."""
    return "no sales" if value == float("inf") else f"{value:.1f}"


@dataclass(frozen=True)
class Move:
    sku_id: int
    sku_code: str
    from_id: int
    from_code: str
    to_id: int
    to_code: str
    units: int
    from_wos: tuple[float, float]  # before, after
    to_wos: tuple[float, float]

    @property
    def from_wos_text(self) -> str:
        return f"{_weeks(self.from_wos[0])} → {_weeks(self.from_wos[1])}"

    @property
    def to_wos_text(self) -> str:
        return f"{_weeks(self.to_wos[0])} → {_weeks(self.to_wos[1])}"

    @property
    def key(self) -> str:
        """What the page sends back to accept this move: it must still be suggested then."""
        return f"{self.sku_id}:{self.from_id}:{self.to_id}:{self.units}"


@dataclass(frozen=True)
class Suggestions:
    department: Department
    moves: list[Move]
    skus: int  # SKUs looked at (with stock at the stores)
    stores: int

    @property
    def units(self) -> int:
        return sum(move.units for move in self.moves)


def _check(min_wos: Decimal, max_wos: Decimal, pack_size: int) -> None:
    if min_wos < 0 or max_wos <= 0:
        raise AllocationError("Weeks of supply must be above 0.", "min_wos")
    if min_wos >= max_wos:
        raise AllocationError(
            f"The low mark ({min_wos} weeks) must be below the high mark ({max_wos} weeks).", "max_wos"
        )
    if pack_size < 1:
        raise AllocationError("Pack size must be a whole number of units, at least 1.", "pack_size")
    if pack_size > MAX_PACK_SIZE:
        raise AllocationError(f"Pack size is at most {MAX_PACK_SIZE:,} units.", "pack_size")


def suggestions(
    department: Department,
    *,
    style_color: StyleColor | None = None,
    region_id: int | None = None,
    min_wos: Decimal = DEFAULT_MIN_WOS,
    max_wos: Decimal = DEFAULT_MAX_WOS,
    pack_size: int = 1,
) -> Suggestions:
    """The moves for the department's SKUs that have stock at open stores (one style-color, one
    region when given), neediest receivers first."""
    _check(min_wos, max_wos, pack_size)
    as_of = latest_closed_week()
    today = clock.today()
    stores = Location.objects.filter(kind=Location.Kind.STORE).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=today)
    )
    if region_id is not None:
        stores = stores.filter(region_id=region_id)
    store_rows = list(stores.order_by("code").values_list("pk", "code", "region_id"))
    skus = Sku.objects.filter(style_color__style__subclass__merch_class__department=department)
    if style_color is not None:
        skus = skus.filter(style_color=style_color)
    sku_rows = dict(skus.values_list("pk", "code"))
    store_ids = [pk for pk, _, _ in store_rows]
    stock_rows = latest_stock(as_of.pk, store_ids, list(sku_rows)) if store_ids and sku_rows else []
    # Planned transfers are stock on its way (to) or promised away (from).
    planned = _planned(list(sku_rows), store_ids)
    position: dict[tuple[int, int], int] = defaultdict(int)
    for sku, location, units, transit in stock_rows:
        position[sku, location] += units + transit
    for key, units in planned.items():
        position[key] += units
    held = sorted({sku for (sku, _), units in position.items() if units > 0})
    if not held:
        return Suggestions(department, [], 0, len(store_ids))
    row = {sku: index for index, sku in enumerate(held)}
    column = {store: index for index, store in enumerate(store_ids)}
    stock = np.zeros((len(held), len(store_ids)), dtype=np.int64)
    for (sku, location), units in position.items():
        if sku in row:
            stock[row[sku], column[location]] = max(units, 0)
    held_skus = list(Sku.objects.filter(pk__in=held).order_by("pk"))
    demand = demand_over(department.pk, as_of, held_skus, store_ids, coverage=1.0)
    order = [row[sku.pk] for sku in held_skus]
    stock = stock[order]
    regions = np.array([region or 0 for _, _, region in store_rows])
    found = rebalance(
        stock, demand, min_wos=float(min_wos), max_wos=float(max_wos), pack_size=pack_size, group=regions
    )
    codes = {pk: code for pk, code, _ in store_rows}
    moves = [
        Move(
            sku_id=held_skus[move.sku].pk,
            sku_code=sku_rows[held_skus[move.sku].pk],
            from_id=store_ids[move.from_store],
            from_code=codes[store_ids[move.from_store]],
            to_id=store_ids[move.to_store],
            to_code=codes[store_ids[move.to_store]],
            units=move.units,
            from_wos=(move.from_wos_before, move.from_wos_after),
            to_wos=(move.to_wos_before, move.to_wos_after),
        )
        for move in found
    ]
    return Suggestions(department, moves, len(held), len(store_ids))


def _planned(sku_ids: list[int], store_ids: list[int]) -> dict[tuple[int, int], int]:
    """Per (SKU, store): units of planned transfers arriving less those leaving."""
    change: dict[tuple[int, int], int] = defaultdict(int)
    planned = Transfer.objects.filter(status=Transfer.Status.PLANNED, sku_id__in=sku_ids)
    for sku, store, units in (
        planned.filter(to_location_id__in=store_ids)
        .values_list("sku_id", "to_location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        change[sku, store] += units
    for sku, store, units in (
        planned.filter(from_location_id__in=store_ids)
        .values_list("sku_id", "from_location_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        change[sku, store] -= units
    return change


def rebalance_accept(
    *,
    user: User,
    department: Department,
    keys: list[str],
    style_color: StyleColor | None = None,
    region_id: int | None = None,
    min_wos: Decimal = DEFAULT_MIN_WOS,
    max_wos: Decimal = DEFAULT_MAX_WOS,
    pack_size: int = 1,
) -> list[Transfer]:
    """Turn the chosen suggestions into planned transfers. The suggestions are worked out again
    first: a move that is no longer suggested (stock moved or sold since) is refused, and nothing
    is written."""
    if not Department.objects.editable_by(user).filter(pk=department.pk).exists():
        raise PermissionDenied(f"Only the planners and managers of {department.name} move its stock.")
    if not keys:
        raise AllocationError("Choose at least one transfer.", "move")
    with transaction.atomic():
        # One accept at a time per department: the department row is the lock.
        Department.objects.select_for_update().get(pk=department.pk)
        current = suggestions(
            department,
            style_color=style_color,
            region_id=region_id,
            min_wos=min_wos,
            max_wos=max_wos,
            pack_size=pack_size,
        )
        by_key = {move.key: move for move in current.moves}
        stale = [key for key in keys if key not in by_key]
        if stale:
            raise AllocationError(
                "Stock moved since you looked: some transfers are no longer suggested. "
                "Reload and choose again.",
                "move",
            )
        transfers = Transfer.objects.bulk_create(
            [
                Transfer(
                    kind=Transfer.Kind.REBALANCE,
                    sku_id=by_key[key].sku_id,
                    from_location_id=by_key[key].from_id,
                    to_location_id=by_key[key].to_id,
                    units=by_key[key].units,
                    created_by=user,
                )
                for key in dict.fromkeys(keys)
            ]
        )
        audit_record(
            user,
            "allocation.rebalance",
            department,
            new={"units": sum(t.units for t in transfers), "transfers": len(transfers)},
            comment=f"{department.code}: {len(transfers)} store-to-store transfers",
            department=department,
        )
    return transfers
