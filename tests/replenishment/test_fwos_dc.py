"""FWOS proposals from the policies at distribution centres (most items are bought for the DCs:
the run has no store policies for them), weighted by the demand the plan's locations put on
each DC; and the Accept button, disabled with its reason when there is nothing to accept.

The plan is the planning tests' Tops plan over FY2025 W01..W04 (whole company); "today" is the
day after FY2025 W02 ends (W03 and W04 open). See tests/replenishment/test_fwos.py.

DC1 supplies S001 (Stores) and WEB (E-commerce); DC2 supplies S002 (Stores). Tees sold in the
13 weeks up to the run's week (FY2024 W40..W52): S001 30 units, WEB 10, S002 20.
The run's policies (units a week, FWOS target in weeks), all at DCs:
  Tees  S at DC1  AX  demand 10  FWOS 2.0
        M at DC1  AY  demand 30  FWOS 4.0
        S at DC2  BZ  demand 50  FWOS 10.0
Whole company: every DC's whole demand: (10 x 2 + 30 x 4 + 50 x 10) / 90 = 640 / 90 = 7.11 -> 7.1
  (DC1 alone: (10 x 2 + 30 x 4) / 40 = 140 / 40 = 3.5).
E-commerce plan: DC1 gives WEB 10 / 40 = 0.25 of its demand, DC2 supplies none of it:
  (2.5 x 2 + 7.5 x 4) / 10 = 35 / 10 = 3.5.
Stores plan: DC1 gives S001 30 / 40 = 0.75, DC2 all of S002:
  (7.5 x 2 + 22.5 x 4 + 50 x 10) / 80 = 605 / 80 = 7.5625 -> 7.6.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from otb.models import ReplenishmentRun
from otb.replenishment import fwos
from planning.models import Channel, Location, Plan, PlanCellChange, PlanVersion
from tests.conftest import PASSWORD
from tests.planning.plans import conftest as plans
from tests.planning.plans.conftest import column, line_of, sale
from tests.replenishment import test_fwos
from tests.replenishment.test_fwos import _run, _shown

D = Decimal
history, spec, plan, working = plans.history, plans.spec, plans.plan, plans.working
today = test_fwos.today


# -- the arithmetic ----------------------------------------------------------------------------


def test_two_skus_at_a_dc_by_hand() -> None:
    # (sku, location, class, segment, demand, target); location 1 is the DC, 10 a store.
    policies = [(7, 1, 100, "AX", 10.0, 2.0), (8, 1, 100, "AY", 30.0, 4.0)]
    rows = fwos.plan_policy_rows(policies, in_plan={10}, dc_ids={1}, dc_share={(100, 1): 1.0})
    assert rows == [(100, "AX", 10.0, 2.0, True), (100, "AY", 30.0, 4.0, True)]
    assert fwos.weighted_fwos([row[3] for row in rows], [row[2] for row in rows]) == D("3.5")  # 140 / 40


def test_a_dc_weighs_by_the_plan_share_of_its_demand() -> None:
    policies = [(7, 1, 100, "AX", 10.0, 2.0), (8, 2, 100, "BZ", 50.0, 10.0)]
    rows = fwos.plan_policy_rows(policies, {10}, {1, 2}, {(100, 1): 0.25, (100, 2): 0.0})
    assert rows == [(100, "AX", 2.5, 2.0, True)]  # DC2 serves none of the plan: left out
    assert fwos.plan_policy_rows(policies, {10}, {1, 2}, {}) == []  # no share known: nothing


def test_a_sku_replenished_at_the_stores_is_not_counted_again_at_the_dc() -> None:
    policies = [(7, 10, 100, "AX", 10.0, 3.0), (7, 1, 100, "AX", 100.0, 9.0), (7, 11, 100, "AX", 5.0, 1.0)]
    rows = fwos.plan_policy_rows(policies, in_plan={10}, dc_ids={1}, dc_share={(100, 1): 1.0})
    assert rows == [(100, "AX", 10.0, 3.0, False)]  # S11 is outside the plan, the DC row is S7's again


def test_dc_plan_shares_by_hand() -> None:
    supplier = {10: 1, 11: 1, 12: 2, 13: 3}  # S10 and S11 from DC1, S12 from DC2, S13 from DC3
    units = {(100, 10): 30.0, (100, 11): 10.0, (100, 12): 0.0, (100, 13): 8.0}
    shares = fwos.dc_plan_shares([100], supplier, in_plan={10, 12}, units=units)
    assert shares == {
        (100, 1): 0.75,  # 30 / 40
        (100, 2): 1.0,  # nothing sold: 1 of its 1 location is the plan's
        (100, 3): 0.0,  # supplies none of the plan's locations
    }
    assert fwos.dc_plan_shares([100], {10: 1, 11: 1}, {10}, {}) == {(100, 1): 0.5}  # by count


# -- the plan --------------------------------------------------------------------------------


@pytest.fixture
def dc_run(retailer: dict[str, Any], history: dict[str, Any]) -> ReplenishmentRun:
    store, web, dc = retailer["store"], retailer["web"], retailer["dc"]
    dc2 = Location.objects.create(code="DC2", name="North DC", kind=Location.Kind.DC)
    other = Location.objects.create(
        code="S002", name="High Street", kind=Location.Kind.STORE, channel=store.channel,
        region=store.region, grade="B", supplied_by=dc2,
    )  # fmt: skip
    tee_s, tee_m = retailer["sku_s"], retailer["sku_m"]
    sale(tee_s, store, 202450, 30, "720.00")
    sale(tee_m, web, 202451, 10, "240.00")
    sale(tee_s, other, 202452, 20, "480.00")
    sale(tee_s, store, 202439, 500, "12000.00")  # before the 13 weeks: not counted
    return _run(
        retailer["tops"],
        (tee_s, dc, "AX", 10.0, 2.0),
        (tee_m, dc, "AY", 30.0, 4.0),
        (tee_s, dc2, "BZ", 50.0, 10.0),
    )


def _tees(version: PlanVersion) -> fwos.LineProposal:
    return next(line for line in fwos.fwos_proposals(version).lines if line.class_code == "W-TOP-TEE")


def test_whole_company_plan_takes_every_dc(working: PlanVersion, dc_run: Any, today: None) -> None:
    tees = _tees(working)
    assert (tees.proposed, tees.sku_locations, tees.weighted, tees.at_dcs) == (D("7.1"), 3, 3, 3)
    assert tees.segments_text == "AX 1 · AY 1 · BZ 1"
    assert tees.is_acceptable


def test_channel_plans_take_their_part_of_each_dc(
    working: PlanVersion, retailer: dict[str, Any], dc_run: Any, today: None
) -> None:
    Plan.objects.filter(pk=working.plan_id).update(channel=Channel.objects.get(code="ECOM"))
    working.refresh_from_db()
    working.plan.refresh_from_db()
    tees = _tees(working)
    assert (tees.proposed, tees.sku_locations, tees.at_dcs) == (D("3.5"), 2, 2)
    Plan.objects.filter(pk=working.plan_id).update(channel=Channel.objects.get(code="STORES"))
    working.plan.refresh_from_db()
    assert _tees(working).proposed == D("7.6")


def test_accepting_a_dc_proposal_goes_through_the_plan_cells(
    working: PlanVersion, planner: User, history: Any, dc_run: Any, today: None
) -> None:
    tees = line_of(working, history["tees"])
    before = column(tees, "target")
    seen, proposed = _shown(working)
    result = fwos.fwos_targets_accept(
        user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
    )
    assert (result.lines, result.cells) == (["W-TOP-TEE"], 2)
    assert column(tees, "target") == [before[0], before[1], D("7.100"), D("7.100")]
    changes = PlanCellChange.objects.filter(line=tees).order_by("fiscal_week_id")
    assert [(c.fiscal_week_id, c.new_value, c.get_source_display()) for c in changes] == [
        (202503, D("7.1"), "Replenishment policy"),
        (202504, D("7.1"), "Replenishment policy"),
    ]


# -- the Accept button -------------------------------------------------------------------------


def _html(user: User, version: PlanVersion) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(f"{reverse('otb:fwos:page')}?version={version.pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_accept_button_is_enabled_with_something_to_accept(
    working: PlanVersion, planner: User, dc_run: Any, today: None
) -> None:
    html = _html(planner, working)
    assert '<button type="submit" class="button primary">Accept into the plan</button>' in html
    assert "fwos-nothing" not in html
    assert ">7.1<" in html
    assert 'data-testid="replenishment-tabs"' in html  # the replenishment pages' tabs


def test_accept_button_is_disabled_without_a_run(working: PlanVersion, planner: User, today: None) -> None:
    assert fwos.fwos_proposals(working).nothing_to_accept == (
        "Nothing to accept: the department has no finished replenishment run."
    )
    html = _html(planner, working)
    assert "disabled" in html
    assert (
        'data-testid="fwos-nothing">Nothing to accept: the department has no finished replenishment run.'
        in html
    )


def test_accept_button_is_disabled_once_every_line_is_at_its_proposal(
    working: PlanVersion, planner: User, history: Any, dc_run: Any, today: None
) -> None:
    tees = line_of(working, history["tees"])
    seen, proposed = _shown(working)
    fwos.fwos_targets_accept(
        user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
    )
    html = _html(planner, working)
    assert "Nothing to accept: every FWOS line is already at its proposal." in html
    assert 'name="line"' not in html  # Blouses have no proposal, Tees are at theirs


def test_nothing_to_accept_reasons() -> None:
    def line(method: str, proposed: Decimal | None, current: Decimal) -> fwos.LineProposal:
        return fwos.LineProposal(1, "C", "Class", method, "M", [(202503, current)], proposed, 1, 1, [])

    def reason(*lines: fwos.LineProposal, weeks: list[int] | None = None) -> str:
        run = ReplenishmentRun(pk=1)
        return fwos.VersionProposals(
            PlanVersion(), run, [202503] if weeks is None else weeks, list(lines)
        ).nothing_to_accept

    assert reason(line("fwos", D("3.5"), D("4.000"))) == ""
    assert reason(line("fwos", None, D("4.000"))) == (
        "Nothing to accept: no class has a SKU with a policy target and demand in this run."
    )
    assert reason(line("ssr", D("3.5"), D("4.000"))) == (
        "Nothing to accept: no line with a proposal plans by FWOS (change its method first)."
    )
    assert (
        reason(line("fwos", D("3.5"), D("3.500")))
        == "Nothing to accept: every FWOS line is already at its proposal."
    )
    assert reason(weeks=[]) == (
        "Nothing to accept: the plan has no open weeks left (closed weeks keep their actuals)."
    )
