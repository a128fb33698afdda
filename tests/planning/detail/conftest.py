"""The detail of the plans conftest's plan (Tops FY2025 W01..W04, last year + 10 %):

Tees has two subclasses, Crew (CRW, last year's sales) and V-neck (VNK, none); Blouses one
(W-TOP-BLS-SUB). The web shop sits in region ONLINE (channel ECOM), the store in NORTH
(STORES): Tees has 2 x 2 leaves, Blouses 1 x 2.

Tees' plan sales 501.60, 264.00, 792.00, 198.00 split by last year's leaves, week by week:
  W01 store 240 : web 216 -> NORTH 264.00, ONLINE 237.60;  W02 store only -> NORTH 264.00
  W03 store 480 : web 240 -> NORTH 528.00, ONLINE 264.00;  W04 store only -> NORTH 198.00
  V-neck sold nothing last year: 0 everywhere.
Blouses (web only): ONLINE 330.00, 165.00, 330.00, 165.00."""

from __future__ import annotations

from typing import Any

import pytest

from planning.models import Region, Subclass
from tests.planning.plans.conftest import (  # noqa: F401 - the fixtures
    history,
    other_planner,
    plan,
    spec,
    working,
)


@pytest.fixture
def regions(retailer: dict[str, Any]) -> dict[str, Region]:
    online = Region.objects.create(code="ONLINE", name="Online", channel=retailer["web"].channel)
    retailer["web"].region = online
    retailer["web"].save()
    Subclass.objects.create(code="W-TOP-TEE-VNK", name="V-neck", merch_class=retailer["class"])
    return {"north": retailer["store"].region, "online": online}
