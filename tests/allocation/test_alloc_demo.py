"""The demo's allocation run, and replacing the demo retailer with allocations in it."""

from __future__ import annotations

from typing import Any

from allocation.demo import allocation_demo_create
from allocation.models import AllocationItem, AllocationRun, Transfer
from allocation.services import allocation_release
from planning.demo.loader import demo_delete
from planning.models import Sku
from tests.conftest import on_days


@on_days
def test_demo_previews_the_dc_stock_of_the_department(
    world: dict[str, Any], planner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = allocation_demo_create(department_id=world["tops"].pk)
    run = AllocationRun.objects.get()
    assert message == f"Allocation demo: ST-1-BLK from DC1 previewed for pat.planner (run {run.pk})."
    assert (run.status, run.name, str(run.holdback)) == ("preview", "W-TOP replenishment from DC1", "0.100")
    # S: DC 10, holdback 1, needs 3 + 2 all met; M: DC 2, holdback 1, 1 of S001's 2
    assert sorted(AllocationItem.objects.values_list("sku__code", "allocated")) == [
        ("ST-1-BLK-M", 1),
        ("ST-1-BLK-S", 5),
    ]
    allocation_release(user=planner, run_id=run.pk)
    assert Transfer.objects.count() == 3
    demo_delete()  # replacing the demo: allocations and transfers go first
    assert not AllocationRun.objects.exists()
    assert not Transfer.objects.exists()
    assert not Sku.objects.exists()
