"""An allocation run goes through Redis to a real worker, which writes its preview to PostgreSQL
(the lines by binary COPY)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import User

from allocation.models import AllocationItem, AllocationLine, AllocationRun
from allocation.runs import RunRequest, check_request
from allocation.tasks import allocation_run
from forecasting.selectors import latest_closed_week
from tests.allocation import conftest as allocation_tests

world = allocation_tests.world  # the allocation tests' fixture (hand-checked numbers)
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_computes_an_allocation(
    celery_worker_queue: str, world: dict[str, Any], planner: User
) -> None:
    fields = check_request(
        planner, RunRequest(department=world["tops"], dc=world["dc"], style_colors=[world["style_color"]])
    )
    run = AllocationRun.objects.create(as_of=latest_closed_week(), created_by=planner, **fields)
    run.style_colors.set([world["style_color"]])

    allocation_run.apply_async(args=(run.pk,), queue=celery_worker_queue)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (AllocationRun.Status.PREVIEW, AllocationRun.Status.FAILED):
            break
        time.sleep(0.5)

    assert run.status == AllocationRun.Status.PREVIEW, run.message
    assert run.progress_percent == 100
    # the world's hand-checked preview: S 3 to S001 and 2 to S002, M 2 to S001
    lines = sorted(
        AllocationLine.objects.filter(run=run).values_list("item__sku__code", "store__code", "allocated")
    )
    assert lines == [("ST-1-BLK-M", "S001", 2), ("ST-1-BLK-S", "S001", 3), ("ST-1-BLK-S", "S002", 2)]
    assert AllocationItem.objects.get(run=run, sku=world["sku_s"]).left_at_dc == 5
