"""A run's preview says why stores are short, truthfully, and lists the stores whose need is
below half a pack. `world` (tests/allocation/conftest.py) in packs of 6: S needs 3 at S001 and
2 at S002, M needs 2 at S001; DC1 holds 10 of S (one whole pack) and 2 of M (none).
- S at S001: 3 is half a pack, rounded up to one pack: 6, not short.
- S at S002: 2 is a third of a pack, rounded to none: below half a pack (not "shared").
- M at S001: 2 of a 6-pack, rounded to none whatever the supply: below half a pack."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from allocation.engine import Shortfall
from allocation.models import AllocationLine, AllocationRun
from tests.allocation.test_alloc_views import _form, _line, _text


def _run_in_packs_of_six(client: Client, world: Any, planner: User, capture: Any) -> AllocationRun:
    client.force_login(planner)
    with capture(execute=True):
        client.post(reverse("allocation:runs"), _form(world, pack_size="6"))
    return AllocationRun.objects.get()


def test_needs_below_half_a_pack_are_listed_with_their_reason(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run_in_packs_of_six(client, world, planner, django_capture_on_commit_callbacks)
    assert run.status == "preview"
    lines = {
        (line.item.sku.code, line.store.code): (line.need, line.allocated, line.shortfall)
        for line in AllocationLine.objects.filter(run=run).select_related("item__sku", "store")
    }
    assert lines == {
        ("ST-1-BLK-S", "S001"): (3, 6, Shortfall.NONE),
        ("ST-1-BLK-S", "S002"): (2, 0, Shortfall.BELOW_HALF_PACK),
        ("ST-1-BLK-M", "S001"): (2, 0, Shortfall.BELOW_HALF_PACK),
    }

    page = client.get(reverse("allocation:run", args=[run.pk])).content.decode()
    reasons = _text(page.split('data-testid="short-reasons"')[1].split("</table>")[0])
    assert "Need below half a pack: rounded to none 2 4" in reasons  # 2 lines, 2 + 2 units short
    listed = _text(page.split('data-testid="below-half-pack"')[1].split("</table>")[0])
    assert listed.endswith(
        "ST-1-BLK-M S001 Main Street 2 Need 2 in packs of 6: less than half a pack, rounded to none. "
        "ST-1-BLK-S S002 Outlet Park 2 Need 2 in packs of 6: less than half a pack, rounded to none."
    )
    cell = page.split(f'id="cell-{_line(run, "ST-1-BLK-S", "S002").pk}"')[1].split("</td>")[0]
    assert "Need 2 in packs of 6: less than half a pack, rounded to none." in cell
    assert "higher-priority" not in page


def test_a_store_given_a_pack_by_hand_leaves_the_list(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run_in_packs_of_six(client, world, planner, django_capture_on_commit_callbacks)
    line = _line(run, "ST-1-BLK-S", "S002")
    AllocationLine.objects.filter(pk=line.pk).update(allocated=6)
    page = client.get(reverse("allocation:run", args=[run.pk])).content.decode()
    reasons = _text(page.split('data-testid="short-reasons"')[1].split("</table>")[0])
    assert "Need below half a pack: rounded to none 1 2" in reasons
    listed = _text(page.split('data-testid="below-half-pack"')[1].split("</table>")[0])
    assert "S002" not in listed
