"""Rolling closed weeks into plans (DESIGN.md 11): the conftest plan runs FY2025 W01..W04 and on
2025-02-17 (in W03) W01 and W02 have closed.

This year (hand-made below; prices: tees 24.00, blouses 30.00):
  Tees     opening 50 x 24 = 1,200.00 (last year's closing stock: 40 S at the store, 10 M on the web)
           W01 sales 120.00 (5 S at the store), markdowns 6.00; the store's S goes to 60 on hand
               -> EOP (60 + 10) x 24 = 1,680.00
           W02 sales 240.00 (10 M on the web), the web's M goes to 0 -> EOP 60 x 24 = 1,440.00
  Blouses  opening 15 x 30 = 450.00; W01 sales 300.00 (10 units), stock unchanged -> EOP 450.00,
           W02 no sales -> EOP 450.00
  Total    EOP W01 2,130.00, W02 1,890.00
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from planning.models import Plan, PlanCellChange, PlanTransition, PlanVersion
from planning.plans.in_season import last_closed_week, roll_plans
from planning.plans.services import plan_create
from tests.planning.plans.conftest import column, dollars, line_of, sale, snapshot, stock, version_of

pytestmark = pytest.mark.django_db

IN_W03 = datetime(2025, 2, 17, 12, tzinfo=UTC)


@pytest.fixture
def this_year(retailer: dict[str, Any], history: dict[str, Any]) -> dict[str, Any]:
    store, web = retailer["store"], retailer["web"]
    tee_s, tee_m = retailer["sku_s"], retailer["sku_m"]
    blouse_s = history["blouses"].subclasses.get().styles.get().colors.get().skus.get(size="S")
    sale(tee_s, store, 202501, 5, "120.00", "6.00")
    stock(tee_s, store, 202501, 60)
    sale(tee_m, web, 202502, 10, "240.00")
    stock(tee_m, web, 202502, 0)
    sale(blouse_s, web, 202501, 10, "300.00")
    return history


@pytest.fixture
def in_season_plan(planner: User, retailer: dict[str, Any], this_year: dict[str, Any], spec: Any) -> Plan:
    retailer["tops"].planners.add(planner)
    with time_machine.travel(IN_W03, tick=False):
        return plan_create(user=planner, spec=spec())


def _roll(plan: Plan) -> int:
    with time_machine.travel(IN_W03, tick=False):
        return roll_plans()


def test_the_last_closed_week_has_ended_and_has_its_sales(this_year: dict[str, Any]) -> None:
    with time_machine.travel(IN_W03, tick=False):
        week = last_closed_week()
        assert week is not None
        assert week.id == 202502
    with time_machine.travel(datetime(2025, 2, 26, 12, tzinfo=UTC), tick=False):
        week = last_closed_week()
        assert week is not None
        assert week.id == 202502


def test_closed_weeks_hold_the_actuals_and_the_open_weeks_restart_from_actual_stock(
    in_season_plan: Plan, this_year: dict[str, Any]
) -> None:
    working = version_of(in_season_plan, PlanVersion.Kind.WORKING)
    tees = line_of(working, this_year["tees"])
    # Before: the plan's own W02 EOP 1,834.80 (FWOS 4.1 over LY x 1.1 sales), W03 receipts 811.80.
    assert column(tees, "eop") == dollars("2098.80", "1834.80", "1854.60", "1320.00")
    assert _roll(in_season_plan) == 2  # the working plan and TY
    working.refresh_from_db()
    assert working.actuals_through_id == 202502
    tees.refresh_from_db()
    assert tees.opening_stock == Decimal("1200.00")
    assert column(tees, "sales") == dollars("120.00", "240.00", "792.00", "198.00")
    assert column(tees, "sales_units") == [5, 10, 33, 11]  # open weeks keep LY x 1.1
    assert column(tees, "markdowns") == dollars("6.00", "0.00", "0.00", "66.00")
    assert column(tees, "actual_eop") == [*dollars("1680.00", "1440.00"), None, None]
    # W03 opens on W02's actual 1,440; FWOS 4.5 (wrap): W04 198 + W01 120 + W02 240 + W03 792
    # + 0.5 x W04 198 = 1,449; receipts 1,449 - 1,440 + 792 = 801 (was 811.80). W04: FWOS 2.7 =
    # 120 + 240 + 0.7 x 792 = 914.40; receipts 914.40 - 1,449 + 198 + 66 = -270.60.
    assert column(tees, "bop") == dollars("1200.00", "1680.00", "1440.00", "1449.00")
    assert column(tees, "eop") == dollars("1680.00", "1440.00", "1449.00", "914.40")
    # W01: 1,680 - 1,200 + 120 + 6 = 606 received; no OTB in a closed week.
    assert column(tees, "receipts") == dollars("606.00", "0.00", "801.00", "-270.60")
    assert column(tees, "otb") == dollars("0.00", "0.00", "801.00", "-270.60")
    total = line_of(working, None)
    assert column(total, "actual_eop") == [*dollars("2130.00", "1890.00"), None, None]
    assert column(total, "eop")[:3] == dollars("2130.00", "1890.00", "1914.00")
    assert column(total, "otb")[:2] == dollars("0.00", "0.00")


def test_rolling_is_recorded_and_idempotent(in_season_plan: Plan, this_year: dict[str, Any]) -> None:
    working = version_of(in_season_plan, PlanVersion.Kind.WORKING)
    _roll(in_season_plan)
    step = PlanTransition.objects.get(version=working, action="roll")
    assert step.reason == "Week W02 closed: actuals through W02"
    assert step.label == "Week closed"
    audit = PlanCellChange.objects.filter(line__version=working, source=PlanCellChange.Source.ACTUAL)
    tee_sales = audit.get(line=line_of(working, this_year["tees"]), fiscal_week_id=202501, measure="sales")
    assert (tee_sales.old_value, tee_sales.new_value) == (Decimal("501.60"), Decimal("120.00"))
    changes, values_version = audit.count(), version_of(in_season_plan, "wp").values_version
    assert _roll(in_season_plan) == 0
    assert audit.count() == changes
    assert PlanTransition.objects.filter(version=working, action="roll").count() == 1
    assert version_of(in_season_plan, "wp").values_version == values_version


def test_this_years_actuals_are_refreshed(
    in_season_plan: Plan, this_year: dict[str, Any], retailer: dict[str, Any]
) -> None:
    actuals = version_of(in_season_plan, PlanVersion.Kind.ACTUAL)
    tees = line_of(actuals, this_year["tees"])
    sale(retailer["sku_s"], retailer["store"], 202502, 1, "24.00")  # loaded late, after the plan
    assert _roll(in_season_plan) == 2
    assert column(tees, "sales")[:2] == dollars("120.00", "264.00")
    assert column(tees, "eop")[:2] == dollars("1680.00", "1440.00")
    # W02 received 1,440 - 1,680 + 264 = 24 (the stock positions stayed).
    assert column(tees, "receipts")[:2] == dollars("606.00", "24.00")


def test_a_failure_leaves_the_plan_as_it_was(
    in_season_plan: Plan, this_year: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from planning.plans import in_season

    working = version_of(in_season_plan, PlanVersion.Kind.WORKING)
    before = snapshot(working)

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("the engine failed")

    monkeypatch.setattr(in_season, "version_recompute", broken)
    assert _roll(in_season_plan) == 0
    assert snapshot(working) == before
    working.refresh_from_db()
    assert working.actuals_through_id is None
    assert not PlanTransition.objects.filter(version__plan=in_season_plan, action="roll").exists()


def test_a_scenario_branched_in_season_keeps_the_actuals(
    in_season_plan: Plan, this_year: dict[str, Any], planner: User
) -> None:
    from planning.plans.services import scenario_branch

    _roll(in_season_plan)
    working = version_of(in_season_plan, PlanVersion.Kind.WORKING)
    scenario = scenario_branch(user=planner, version_id=working.pk, name="What if")
    assert scenario.actuals_through_id == 202502
    tees = line_of(scenario, this_year["tees"])
    assert column(tees, "actual_eop") == [*dollars("1680.00", "1440.00"), None, None]
    assert _roll(in_season_plan) == 0  # already through W02


def test_a_sales_import_rolls_the_plans(
    in_season_plan: Plan,
    this_year: dict[str, Any],
    retailer: dict[str, Any],
    planner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from forecasting.imports import sales_import_apply

    code = retailer["sku_s"].code
    content = f"SKU,Location,Week,Units,Retail $\n{code},S001,2025-W02,1,24.00\n".encode()
    with time_machine.travel(IN_W03, tick=False), django_capture_on_commit_callbacks(execute=True):
        record = sales_import_apply(user=planner, file_name="late.csv", content=content)
    assert record.status == "applied", record.errors
    working = version_of(in_season_plan, PlanVersion.Kind.WORKING)
    assert working.actuals_through_id == 202502
    assert column(line_of(working, this_year["tees"]), "sales")[:2] == dollars("120.00", "264.00")


def test_the_roll_plans_command(in_season_plan: Plan, this_year: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(IN_W03, tick=False):
        call_command("roll_plans", stdout=out)
        call_command("roll_plans", stdout=out)
    assert out.getvalue().splitlines() == [
        "2 plan versions rolled (actuals through FY2025 W02).",
        "0 plan versions rolled (actuals through FY2025 W02).",
    ]


# --- closed weeks are read-only --------------------------------------------------------------
@pytest.fixture
def rolled(in_season_plan: Plan) -> PlanVersion:
    _roll(in_season_plan)
    return version_of(in_season_plan, PlanVersion.Kind.WORKING)


def test_a_closed_week_refuses_a_cell_edit(
    rolled: PlanVersion, this_year: dict[str, Any], planner: User
) -> None:
    from planning.plans.services import CellEdit, PlanError, plan_cells_update

    tees = line_of(rolled, this_year["tees"])
    before = snapshot(rolled)
    with pytest.raises(PlanError, match=r"^W02 is closed: it holds this year's actuals\.$"):
        plan_cells_update(
            user=planner,
            version_id=rolled.pk,
            edits=[CellEdit(tees.pk, 202503, "sales", "800"), CellEdit(tees.pk, 202502, "sales", "300")],
        )
    assert snapshot(rolled) == before


def test_the_api_answers_400_for_a_closed_week(
    rolled: PlanVersion, this_year: dict[str, Any], planner: User
) -> None:
    from rest_framework.test import APIClient

    tees = line_of(rolled, this_year["tees"])
    before = snapshot(rolled)
    client = APIClient()
    client.force_login(planner)
    cell = {"line": tees.pk, "week": "2025-W01", "measure": "markdowns", "value": "1", "row_version": 2}
    response = client.patch(f"/api/v1/plan-versions/{rolled.pk}/cells/", {"cells": [cell]}, format="json")
    assert response.status_code == 400
    assert "W01 is closed: it holds this year's actuals." in response.content.decode()
    assert snapshot(rolled) == before


def test_a_month_edited_mid_month_keeps_its_closed_weeks(
    rolled: PlanVersion, this_year: dict[str, Any], planner: User
) -> None:
    """DESIGN.md 11: month = actual + plan. Tees' month (W01..W04) holds the actuals 120 + 240;
    1,610 leaves 1,250 for W03 and W04, spread as their 792 : 198 = 4 : 1 -> 1,000 and 250."""
    from planning.plans.services import plan_aggregate_update

    tees = line_of(rolled, this_year["tees"])
    month = f"M{column(tees, 'fiscal_week__month')[0]}"
    plan_aggregate_update(
        user=planner, version_id=rolled.pk, line_id=tees.pk, column_key=month, measure="sales",
        value="1610", expected=None,
    )  # fmt: skip
    assert column(tees, "sales") == dollars("120.00", "240.00", "1000.00", "250.00")
    assert column(tees, "eop")[:2] == dollars("1680.00", "1440.00")


def test_a_plan_total_spread_and_a_target_on_a_month_skip_the_closed_weeks(
    rolled: PlanVersion, this_year: dict[str, Any], planner: User
) -> None:
    """The plan total's season markdowns: closed 6.00 (tees W01) + 0; open tees W04 66.00 and
    blouses 0 (LY 0) -> 106.00 leaves 100.00 for the open weeks, all to tees W04 (the only one
    with a value). A target typed on the month goes to the open weeks only."""
    from planning.plans.services import plan_aggregate_update

    tees, blouses = line_of(rolled, this_year["tees"]), line_of(rolled, this_year["blouses"])
    plan_aggregate_update(
        user=planner, version_id=rolled.pk, line_id=line_of(rolled, None).pk, column_key="season",
        measure="markdowns", value="106", expected=None,
    )  # fmt: skip
    assert column(tees, "markdowns") == dollars("6.00", "0.00", "0.00", "100.00")
    assert column(blouses, "markdowns") == dollars("0.00", "0.00", "0.00", "0.00")
    month = f"M{column(tees, 'fiscal_week__month')[0]}"
    plan_aggregate_update(
        user=planner, version_id=rolled.pk, line_id=tees.pk, column_key=month, measure="target",
        value="3", expected=None,
    )  # fmt: skip
    assert column(tees, "target") == [Decimal("5.1"), Decimal("4.1"), Decimal("3"), Decimal("3")]


def test_a_method_switch_keeps_the_closed_weeks(
    rolled: PlanVersion, this_year: dict[str, Any], planner: User
) -> None:
    from planning.plans.line_settings import plan_line_settings_update

    tees = line_of(rolled, this_year["tees"])
    targets = column(tees, "target")
    plan_line_settings_update(
        user=planner, version_id=rolled.pk, line_id=tees.pk, method="wos", turn=None, opening_stock=None
    )
    assert column(tees, "target")[:2] == targets[:2]  # the closed weeks keep theirs
    assert column(tees, "eop")[:3] == dollars("1680.00", "1440.00", "1449.00")  # EOP kept
    assert column(tees, "actual_eop")[:2] == dollars("1680.00", "1440.00")


def test_the_grid_shows_closed_weeks_read_only(
    rolled: PlanVersion, this_year: dict[str, Any], planner: User
) -> None:
    import re

    from django.test import Client
    from django.urls import reverse

    from tests.conftest import PASSWORD

    client = Client()
    assert client.login(username=planner.get_username(), password=PASSWORD)
    with time_machine.travel(IN_W03, tick=False):
        html = client.get(reverse("planning:plan-version", args=[rolled.pk])).content.decode()
    assert "Actuals through W02" in html
    tees = line_of(rolled, this_year["tees"]).pk
    classes = dict(re.findall(rf'<td id="cell-{tees}-(2025-W0\d)-sales" class="([^"]*)"', html))
    assert classes["2025-W01"].split() == ["actual"]  # 120, read-only
    assert classes["2025-W02"].split() == ["actual"]
    assert classes["2025-W03"].split()[0] == "in"
    assert "actual" not in classes["2025-W03"].split()
