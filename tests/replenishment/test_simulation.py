"""The policy simulator over a run: DESIGN.md's example item (d 40/wk, sd 12, LT 3, sd_LT 0.5)
at a 95% fill target achieves about 95%; results by cell; the REST answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client

from forecasting.selectors import latest_closed_week
from replenishment.engine.policy import PolicyInputs, policies
from replenishment.models import ItemPolicy, ReplenishmentRun
from replenishment.simulation import simulate_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(retailer: dict[str, Any]) -> ReplenishmentRun:
    done = ReplenishmentRun.objects.create(as_of=latest_closed_week(), status=ReplenishmentRun.Status.DONE)
    rows = [("AX", retailer["sku_s"], 0.95), ("CZ", retailer["sku_m"], 0.80)]
    for segment, sku, service in rows:
        found = policies(
            PolicyInputs(
                demand=40.0, demand_sd=12.0, lead_time=3.0, lead_time_sd=0.5, service_level=service,
                unmet_demand="backordered",
            )
        )  # fmt: skip
        ItemPolicy.objects.create(
            run=done, sku=sku, location=retailer["dc"], segment=segment, demand=40.0, demand_sd=12.0,
            lead_time=3.0, lead_time_sd=0.5, service_level=service,
            safety_stock=float(np.asarray(found.safety_stock)),
            reorder_point=float(np.asarray(found.reorder_point)),
            order_up_to=float(np.asarray(found.order_up_to)),
        )  # fmt: skip
    return done


def test_the_policies_achieve_their_fill_rate_targets(run: ReplenishmentRun) -> None:
    result = simulate_run(run, seeds=30)

    assert result.items == 2
    cells = {cell.cell: cell for cell in result.cells}
    assert cells["AX"].target_fill == pytest.approx(0.95)
    assert cells["AX"].achieved_fill == pytest.approx(0.95, abs=0.02)
    assert cells["CZ"].achieved_fill == pytest.approx(0.80, abs=0.03)
    # Lower service holds less stock and runs out more often.
    assert cells["CZ"].average_on_hand < cells["AX"].average_on_hand
    assert cells["CZ"].stockout_weeks > cells["AX"].stockout_weeks


def test_the_simulation_api(client: Client, run: ReplenishmentRun, planner: User) -> None:
    client.force_login(planner)

    answer = client.get("/api/v1/otb/policy-simulation/?seeds=5")
    bad = client.get("/api/v1/otb/policy-simulation/?seeds=500")
    missing = client.get("/api/v1/otb/policy-simulation/?run=999999")

    assert answer.status_code == 200
    assert answer.json()["run_id"] == run.pk
    assert [cell["cell"] for cell in answer.json()["cells"]] == ["AX", "CZ"]
    assert bad.status_code == 400
    assert bad.json()["detail"] == "seeds: 1 to 50."
    assert missing.status_code == 404


def test_the_simulation_api_rounds_its_numbers() -> None:
    from replenishment.simulation import CellResult
    from replenishment.simulation_apis import CellResultSerializer

    noisy = CellResult(
        cell="AX", items=3, target_fill=0.9500000000000001, achieved_fill=0.912345678,
        stockout_weeks=1.2500000000000002, average_on_hand=12.3456,
    )  # fmt: skip
    assert CellResultSerializer(noisy).data == {
        "cell": "AX",
        "items": 3,
        "target_fill": 0.95,
        "achieved_fill": 0.9123,
        "stockout_weeks": 1.3,
        "average_on_hand": 12.3,
    }


def test_the_simulation_api_takes_a_department_code(
    client: Client, run: ReplenishmentRun, planner: User, retailer: dict[str, Any]
) -> None:
    client.force_login(planner)
    retailer["tops"].planners.add(planner)
    base = "/api/v1/otb/policy-simulation/?seeds=2&department="
    by_id = client.get(f"{base}{retailer['tops'].pk}")
    by_code = client.get(f"{base}W-TOP")
    lower = client.get(f"{base}w-top")
    unknown = client.get(f"{base}W99")

    assert by_id.status_code == by_code.status_code == lower.status_code == 200
    assert by_code.json() == by_id.json() == lower.json()
    assert by_code.json()["items"] == 2
    for cell in by_code.json()["cells"]:
        for name, places in (
            ("target_fill", 4),
            ("achieved_fill", 4),
            ("stockout_weeks", 1),
            ("average_on_hand", 1),
        ):
            assert cell[name] == round(cell[name], places)
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "department: no department 'W99'; give its id or its code (e.g. W01)."
