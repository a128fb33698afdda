"""FWOS proposals for what the DCs restock (most items are bought for the DCs: the run has no
store policies for them): the stock the plan's selling locations hold under their own policies
(safety stock, half a delivery, the presentation minimum at a store), in weeks of their part of
each DC's demand; and the Accept button, disabled with its reason when there is nothing to accept.

The plan is the planning tests' Tops plan over FY2025 W01..W04 (whole company); "today" is the
day after FY2025 W02 ends (W03 and W04 open). See tests/replenishment/test_fwos.py.

DC1 supplies S001 (Stores) and WEB (E-commerce); DC2 supplies S002 (Stores). Tees sold in the
13 weeks up to the run's week (FY2024 W40..W52): S001 30 units, WEB 10, S002 20, so S001 takes
30 / 40 = 0.75 of DC1's demand, WEB 0.25, S002 all of DC2's.
The run's policies (units a week), all at DCs, with no forecast error (no safety stock):
  Tees  S at DC1  AX  demand 10   (presentation minimum 4)
        M at DC1  AY  demand 30   (minimum 4)
        S at DC2  BZ  demand 50   (minimum 2)
Stores get a delivery every 2 weeks here, so they hold 1 week of cycle stock (d x 2 / 2):
  S at DC1: S001 7.5 + 4 = 11.5, WEB 2.5 (no shelf)  -> 14.0 units for 10 a week
  M at DC1: S001 22.5 + 4 = 26.5, WEB 7.5            -> 34.0 units for 30 a week
  S at DC2: S002 50 + 2                              -> 52.0 units for 50 a week
Whole company: (14 + 34 + 52) / (10 + 30 + 50) = 100 / 90 = 1.11 -> 1.1 weeks.
E-commerce plan (WEB only): (2.5 + 7.5) / 10 = 1.0.
Stores plan (S001, S002): (11.5 + 26.5 + 52) / (7.5 + 22.5 + 50) = 90 / 80 = 1.125 -> 1.1.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import Channel, Location, Plan, PlanCellChange, PlanVersion
from replenishment import fwos
from replenishment.engine.policy import selling_stock
from replenishment.models import ReplenishmentRun, SegmentPolicy
from tests.conftest import PASSWORD
from tests.planning.plans import conftest as plans
from tests.planning.plans.conftest import column, line_of, sale
from tests.replenishment import test_fwos
from tests.replenishment.test_fwos import _run, _shown

D = Decimal
history, spec, plan, working = plans.history, plans.spec, plans.plan, plans.working
today = test_fwos.today


# -- the arithmetic ----------------------------------------------------------------------------


def _rounded(rows: list[fwos.PolicyRow]) -> list[tuple[int, str, float, float | None, bool]]:
    """Rows with their floats to 6 places, to compare with hand-worked numbers."""
    return [(c, s, round(w, 6), None if t is None else round(t, 6), d) for c, s, w, t, d in rows]


NO_SHELF = fwos.StoreTerms(stores=set(), minimums={}, lead_time=1.0, review_period=1.0)


def _policy(
    sku: int, location: int, segment: str, demand: float, target: float | None, sd: float = 0.0
) -> Any:
    """A run policy of class 100 at a 95% service target."""
    return (sku, location, 100, segment, demand, sd, 0.95, target)


def test_direct_to_store_rows_add_the_presentation_minimum_at_a_store() -> None:
    # Location 10 is a store, 11 a web shop, 1 the DC: no DC rows here.
    terms = fwos.StoreTerms(stores={10}, minimums={"AX": 4}, lead_time=1.0, review_period=1.0)
    policies = [
        _policy(7, 10, "AX", 10.0, 2.0),
        _policy(8, 11, "AX", 30.0, 4.0),
        _policy(9, 10, "AX", 0.0, None),
    ]
    rows = fwos.plan_policy_rows(policies, in_plan={10, 11}, dc_ids={1}, served={}, terms=terms)
    assert rows == [
        (100, "AX", 10.0, 2.4, False),  # 2.0 + 4 / 10
        (100, "AX", 30.0, 4.0, False),  # a web shop has no shelf
        (100, "AX", 0.0, None, False),  # no demand: counted, not averaged
    ]
    assert fwos.weighted_fwos([row[3] for row in rows], [row[2] for row in rows]) == D("3.6")  # 144 / 40


def test_a_dc_row_is_the_stock_its_plan_locations_hold() -> None:
    # DC1 supplies store 10 (0.75 of its demand) and web shop 11 (0.25); no forecast error.
    terms = fwos.StoreTerms(stores={10}, minimums={"AX": 4}, lead_time=1.0, review_period=2.0)
    served = {(100, 1): [(10, 0.75), (11, 0.25)]}
    rows = fwos.plan_policy_rows([_policy(7, 1, "AX", 10.0, 9.0)], {10, 11}, {1}, served, terms)
    # store 10: 7.5 a week, 7.5 x 2 / 2 + 4 = 11.5 units; web 11: 2.5 a week, 2.5 units -> 14 / 10
    assert _rounded(rows) == [(100, "AX", 10.0, 1.4, True)]
    only_web = fwos.plan_policy_rows(
        [_policy(7, 1, "AX", 10.0, 9.0)], {11}, {1}, {(100, 1): [(11, 0.25)]}, terms
    )
    assert _rounded(only_web) == [(100, "AX", 2.5, 1.0, True)]  # its part of the demand only


def test_store_errors_do_not_pool() -> None:
    """Each store's safety stock covers its own error, sd x sqrt(share): two stores of half the
    demand hold more safety stock than one store with all of it."""
    policy = [_policy(7, 1, "AX", 20.0, 9.0, sd=8.0)]
    one = fwos.plan_policy_rows(policy, {10}, {1}, {(100, 1): [(10, 1.0)]}, NO_SHELF)
    two = fwos.plan_policy_rows(policy, {10, 11}, {1}, {(100, 1): [(10, 0.5), (11, 0.5)]}, NO_SHELF)
    single = float(selling_stock(20.0, 8.0, 0.95, 0, lead_time=1.0, review_period=1.0))
    half = float(selling_stock(10.0, 8.0 * math.sqrt(0.5), 0.95, 0, lead_time=1.0, review_period=1.0))
    assert _rounded(one) == [(100, "AX", 20.0, round(single / 20.0, 6), True)]
    assert _rounded(two) == [(100, "AX", 20.0, round(2 * half / 20.0, 6), True)]
    assert 2 * half > single > 0.5 * 20.0  # two stores hold more; both more than the cycle stock alone


def test_a_dc_serving_none_of_the_plan_is_left_out() -> None:
    policies = [_policy(7, 1, "AX", 10.0, 2.0), _policy(8, 2, "BZ", 50.0, 10.0)]
    served = {(100, 1): [(11, 1.0)], (100, 2): []}
    assert _rounded(fwos.plan_policy_rows(policies, {11}, {1, 2}, served, NO_SHELF)) == [
        (100, "AX", 10.0, 0.5, True)  # half a week of cycle stock at the web shop
    ]
    assert fwos.plan_policy_rows(policies, {11}, {1, 2}, {}, NO_SHELF) == []  # no share known: nothing


def test_a_sku_replenished_at_the_stores_is_not_counted_again_at_the_dc() -> None:
    policies = [
        _policy(7, 10, "AX", 10.0, 3.0),
        _policy(7, 1, "AX", 100.0, 9.0),
        _policy(7, 11, "AX", 5.0, 1.0),
    ]
    rows = fwos.plan_policy_rows(policies, {10}, {1}, {(100, 1): [(10, 1.0)]}, NO_SHELF)
    assert rows == [(100, "AX", 10.0, 3.0, False)]  # S11 is outside the plan, the DC row is S7's again


def test_served_shares_by_hand() -> None:
    supplier = {10: 1, 11: 1, 12: 2, 13: 3}  # S10 and S11 from DC1, S12 from DC2, S13 from DC3
    units = {(100, 10): 30.0, (100, 11): 10.0, (100, 12): 0.0, (100, 13): 8.0}
    shares = fwos.served_shares([100], supplier, in_plan={10, 12}, units=units)
    assert shares == {
        (100, 1): [(10, 0.75)],  # 30 / 40
        (100, 2): [(12, 1.0)],  # nothing sold: 1 of its 1 location
        (100, 3): [],  # supplies none of the plan's locations
    }
    assert fwos.served_shares([100], {10: 1, 11: 1}, {10, 11}, {}) == {(100, 1): [(10, 0.5), (11, 0.5)]}
    # a location that sold none of the class while another did takes none of its demand
    assert fwos.served_shares([100], {10: 1, 11: 1}, {10, 11}, {(100, 10): 5.0}) == {
        (100, 1): [(10, 1.0), (11, 0.0)]
    }


# -- the plan --------------------------------------------------------------------------------


@pytest.fixture
def dc_run(retailer: dict[str, Any], history: dict[str, Any], settings: Any) -> ReplenishmentRun:
    settings.MERCHPLAN_STORE_REVIEW_WEEKS = 2.0  # a delivery every 2 weeks: 1 week of cycle stock
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
    run = _run(
        retailer["tops"],
        (tee_s, dc, "AX", 10.0, 2.0),
        (tee_m, dc, "AY", 30.0, 4.0),
        (tee_s, dc2, "BZ", 50.0, 10.0),
    )
    run.policies.update(demand_sd=0.0)  # no forecast error: no safety stock, checkable by hand
    assert dict(
        SegmentPolicy.objects.filter(cell__in=["AX", "AY", "BZ"]).values_list("cell", "presentation_min")
    ) == {"AX": 4, "AY": 4, "BZ": 2}
    return run


def _tees(version: PlanVersion) -> fwos.LineProposal:
    return next(line for line in fwos.fwos_proposals(version).lines if line.class_code == "W-TOP-TEE")


def test_whole_company_plan_takes_every_dc(working: PlanVersion, dc_run: Any, today: None) -> None:
    tees = _tees(working)
    assert (tees.proposed, tees.sku_locations, tees.weighted, tees.at_dcs) == (D("1.1"), 3, 3, 3)
    assert tees.segments_text == "AX 1 · AY 1 · BZ 1"
    assert tees.is_acceptable


def test_channel_plans_take_their_part_of_each_dc(
    working: PlanVersion, retailer: dict[str, Any], dc_run: Any, today: None
) -> None:
    Plan.objects.filter(pk=working.plan_id).update(channel=Channel.objects.get(code="ECOM"))
    working.refresh_from_db()
    working.plan.refresh_from_db()
    tees = _tees(working)
    assert (tees.proposed, tees.sku_locations, tees.at_dcs) == (D("1.0"), 2, 2)
    Plan.objects.filter(pk=working.plan_id).update(channel=Channel.objects.get(code="STORES"))
    working.plan.refresh_from_db()
    assert _tees(working).proposed == D("1.1")  # 90 / 80 = 1.125


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
    assert column(tees, "target") == [before[0], before[1], D("1.100"), D("1.100")]
    changes = PlanCellChange.objects.filter(line=tees).order_by("fiscal_week_id")
    assert [(c.fiscal_week_id, c.new_value, c.get_source_display()) for c in changes] == [
        (202503, D("1.1"), "Replenishment policy"),
        (202504, D("1.1"), "Replenishment policy"),
    ]


# -- the Accept button -------------------------------------------------------------------------


def _html(user: User, version: PlanVersion) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(f"{reverse('replenishment:fwos:page')}?version={version.pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_accept_button_is_enabled_with_something_to_accept(
    working: PlanVersion, planner: User, dc_run: Any, today: None
) -> None:
    html = _html(planner, working)
    assert '<button type="submit" class="button primary">Accept into the plan</button>' in html
    assert "fwos-nothing" not in html
    assert ">1.1<" in html
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
