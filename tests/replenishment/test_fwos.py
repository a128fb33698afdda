"""FWOS targets from replenishment policies: the weighted average by hand, the proposals of a
plan version, accepting them into the working plan (targets, recompute, audit), and who may.

The plan is the planning tests' Tops plan over FY2025 W01..W04 (tests/planning/plans/conftest.py),
seeded with 10% growth on last year: Tees sales 501.60, 264.00, 792.00, 198.00; exhaustion wrap.
"Today" is the day after FY2025 W02 ends: W01 and W02 are closed, W03 and W04 open.

The Tops run's policies (units a week, FWOS target in weeks):
  Tees     S at the store  AX  demand 10  FWOS 3.0 + the AX presentation minimum 4 / 10 = 3.4
           M at the web    BY  demand 30  FWOS 5.9 (a web shop has no shelf: no minimum)
           M at the store  CZ  demand  0  FWOS none (no demand: counted, not averaged)
           S at the DC     AX  demand 100 FWOS 9.0 (S has a policy at the store: replenished
                                                 there, so its DC row does not count it twice)
           -> (3.4 x 10 + 5.9 x 30) / 40 = 211 / 40 = 5.275 -> 5.3 weeks (half up)
  Blouses  S at the web    BX  demand 4   FWOS 2.25 -> 2.3 (half up to 0.1 week)
An older done run of Tops (Tees 8.0) and a newer one of Dresses only (Tees 20.0) do not count.

Tees' seeded targets are 5.1, 4.1, 4.5, 2.7 (last year's FWOS). Accepting 5.3 (wrap: forward
weeks continue from W01):
  EOP W03 = W04 198.00 + W01 501.60 + W02 264.00 + W03 792.00 + W04 198.00 + 0.3 x W01 501.60
          = 2,104.08
  EOP W04 = W01 501.60 + W02 264.00 + W03 792.00 + W04 198.00 + W01 501.60 + 0.3 x W02 264.00
          = 2,336.40
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from core.errors import Conflict
from planning.engine import eop_from_fwos
from planning.models import FiscalWeek, Location, PlanCellChange, PlanLine, PlanVersion, Sku
from planning.plans.services import CellEdit, plan_cells_update
from replenishment import fwos
from replenishment.models import ItemPolicy, ReplenishmentRun
from tests.conftest import PASSWORD
from tests.planning.plans import conftest as plans
from tests.planning.plans.conftest import column, line_of, snapshot

D = Decimal
# The planning tests' fixtures: the Tops plan over FY2025 W01..W04 and its history.
history, spec, plan, working = plans.history, plans.spec, plans.plan, plans.working


# -- the arithmetic ----------------------------------------------------------------------------


def test_weighted_fwos_by_hand() -> None:
    assert fwos.weighted_fwos([3.0, 5.0], [10.0, 30.0]) == D("4.5")  # 180 / 40
    assert fwos.weighted_fwos([3.0, None, 5.0], [10.0, 50.0, 30.0]) == D("4.5")  # no target: skipped
    assert fwos.weighted_fwos([3.0, 7.0], [10.0, 0.0]) == D("3.0")  # no demand: no weight
    assert fwos.weighted_fwos([2.25], [4.0]) == D("2.3")  # half up
    assert fwos.weighted_fwos([2.0, 3.0, 4.0], [1.0, 1.0, 1.0]) == D("3.0")
    assert fwos.weighted_fwos([1.0, 2.0], [2.0, 1.0]) == D("1.3")  # 4 / 3 = 1.333
    assert fwos.weighted_fwos([None], [10.0]) is None
    assert fwos.weighted_fwos([], []) is None


# -- a plan and a run --------------------------------------------------------------------------


def _policy(
    run: ReplenishmentRun, sku: Sku, location: Location, segment: str, demand: float, target: Any
) -> None:
    ItemPolicy.objects.create(
        run=run,
        sku=sku,
        location=location,
        segment=segment,
        demand=demand,
        demand_sd=1.0,
        lead_time=2.0,
        lead_time_sd=0.0,
        service_level=0.95,
        safety_stock=0.0,
        reorder_point=0.0,
        order_up_to=0.0,
        fwos_target=target,
    )


def _run(department: Any, *policies: tuple[Sku, Location, str, float, Any]) -> ReplenishmentRun:
    run = ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.DONE, as_of_id=202452)
    run.departments.add(department)
    for policy in policies:
        _policy(run, *policy)
    return run


@pytest.fixture
def runs(retailer: dict[str, Any], history: dict[str, Any]) -> ReplenishmentRun:
    store, web, dc = retailer["store"], retailer["web"], retailer["dc"]
    tee_s, tee_m = retailer["sku_s"], retailer["sku_m"]
    _run(retailer["tops"], (tee_s, store, "AX", 10.0, 8.0))  # older
    latest = _run(
        retailer["tops"],
        (tee_s, store, "AX", 10.0, 3.0),
        (tee_m, web, "BY", 30.0, 5.9),
        (tee_m, store, "CZ", 0.0, None),
        (tee_s, dc, "AX", 100.0, 9.0),
        (Sku.objects.get(code="W-TOP-BLS-S"), web, "BX", 4.0, 2.25),
    )
    _run(retailer["dresses"], (tee_s, store, "AX", 10.0, 20.0))  # newer, another department
    ReplenishmentRun.objects.create(status=ReplenishmentRun.Status.FAILED, as_of_id=202452).departments.add(
        retailer["tops"]
    )
    return latest


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day after FY2025 W02 ends: W03 and W04 are open."""
    day = FiscalWeek.objects.get(pk=202502).end_date + timedelta(days=1)
    monkeypatch.setattr(fwos, "_today", lambda: day)


def _targets(line: PlanLine) -> list[Decimal | None]:
    return column(line, "target")


# -- proposals ---------------------------------------------------------------------------------


def test_proposals_of_the_working_plan(
    working: PlanVersion, retailer: dict[str, Any], history: Any, runs: Any, today: None
) -> None:
    result = fwos.fwos_proposals(working)
    assert result.run == runs
    assert result.open_week_ids == [202503, 202504]
    blouses, tees = result.lines  # in the plan's order: by class code
    assert (tees.class_code, tees.proposed, tees.sku_locations, tees.weighted) == (
        "W-TOP-TEE",
        D("5.3"),
        3,
        2,
    )
    assert tees.segments == [("AX", 1), ("BY", 1), ("CZ", 1)]
    assert tees.segments_text == "AX 1 · BY 1 · CZ 1"
    seeded = _targets(line_of(working, history["tees"]))
    assert [value for _, value in tees.current] == seeded[2:]
    assert tees.seen == f"202503={seeded[2]};202504={seeded[3]}"
    assert (blouses.class_code, blouses.proposed, blouses.sku_locations, blouses.weighted) == (
        "W-TOP-BLS",
        D("2.3"),
        1,
        1,
    )
    assert blouses.segments_text == "BX 1"


def test_current_text_shows_one_value_or_the_range() -> None:
    line = fwos.LineProposal(
        1, "C", "Class", "fwos", "FWOS", [(202503, D("4.000")), (202504, D("4.000"))], D("4.5"), 1, 1, []
    )
    assert (line.current_text, line.changes, line.is_acceptable) == ("4.0", 2, True)
    mixed = fwos.LineProposal(
        1, "C", "Class", "fwos", "FWOS", [(202503, D("3.750")), (202504, D("4.500"))], D("4.5"), 1, 1, []
    )
    assert (mixed.current_text, mixed.changes) == ("3.75 to 4.5", 1)


def test_no_done_run_means_no_proposal(working: PlanVersion, today: None) -> None:
    result = fwos.fwos_proposals(working)
    assert result.run is None
    assert [line.proposed for line in result.lines] == [None, None]


# -- accepting ---------------------------------------------------------------------------------


def _shown(version: PlanVersion) -> tuple[dict[int, str], dict[int, str]]:
    proposals = fwos.fwos_proposals(version).lines
    return {p.line_id: p.seen for p in proposals}, {p.line_id: p.proposed_text for p in proposals}


def test_accept_writes_open_weeks_recomputes_and_audits(
    working: PlanVersion,
    planner: User,
    history: Any,
    runs: Any,
    today: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    before_tees, before_blouses = _targets(tees), _targets(blouses)
    before_eop = column(tees, "eop")
    seen, proposed = _shown(working)
    with django_capture_on_commit_callbacks(execute=True):
        result = fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
        )
    assert (result.lines, result.cells, result.unchanged) == (["W-TOP-TEE"], 2, [])
    assert _targets(tees) == [before_tees[0], before_tees[1], D("5.300"), D("5.300")]  # closed weeks kept
    assert _targets(blouses) == before_blouses
    sales = column(tees, "sales")
    assert sales == [D("501.60"), D("264.00"), D("792.00"), D("198.00")]
    eop = column(tees, "eop")
    assert eop[:2] == before_eop[:2]
    assert eop[2:] == [D("2104.08"), D("2336.40")]  # by hand, see the module docstring
    engine = eop_from_fwos(
        np.array(sales, dtype=np.float64), np.array(_targets(tees), dtype=np.float64), exhaustion="wrap"
    )
    assert engine[2:] == pytest.approx([2104.08, 2336.40])
    bop, receipts, otb, markdowns, shrink, on_order = (
        column(tees, name) for name in ("bop", "receipts", "otb", "markdowns", "shrink", "on_order")
    )
    assert bop[2] == eop[1]
    assert receipts[2] == eop[2] - bop[2] + sales[2] + markdowns[2] + shrink[2]
    assert otb[2] == receipts[2] - on_order[2]
    changes = list(PlanCellChange.objects.filter(line=tees).order_by("fiscal_week_id"))
    assert [
        (c.fiscal_week_id, c.measure, c.old_value, c.new_value, c.source, c.changed_by_id) for c in changes
    ] == [
        (202503, "target", before_tees[2], D("5.3"), "policy", planner.pk),
        (202504, "target", before_tees[3], D("5.3"), "policy", planner.pk),
    ]
    assert changes[0].get_source_display() == "Replenishment policy"
    assert not PlanCellChange.objects.filter(line=blouses).exists()
    # The plan total follows (the queued roll-up ran after the commit).
    total = line_of(working, None)
    assert column(total, "eop")[2] == eop[2] + column(blouses, "eop")[2]


def test_accept_again_changes_nothing(
    working: PlanVersion, planner: User, history: Any, runs: Any, today: None
) -> None:
    tees = line_of(working, history["tees"])
    seen, proposed = _shown(working)
    fwos.fwos_targets_accept(
        user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
    )
    audit = PlanCellChange.objects.count()
    seen, proposed = _shown(working)
    result = fwos.fwos_targets_accept(
        user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
    )
    assert (result.lines, result.cells, result.unchanged) == ([], 0, ["W-TOP-TEE"])
    assert PlanCellChange.objects.count() == audit


def test_accept_refuses_a_line_whose_targets_changed_meanwhile(
    working: PlanVersion, planner: User, history: Any, runs: Any, today: None
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    seen, proposed = _shown(working)
    plan_cells_update(user=planner, version_id=working.pk, edits=[CellEdit(tees.pk, 202504, "target", "6")])
    before = snapshot(working)
    with pytest.raises(
        Conflict, match=r"W-TOP-TEE Tees changed since you opened the page \(now 4\.5 to 6\.0\)"
    ):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[blouses.pk, tees.pk], seen=seen, proposed=proposed
        )
    assert snapshot(working) == before  # Blouses were fine: not written either


def test_accept_refuses_a_proposal_from_an_older_run(
    working: PlanVersion, planner: User, retailer: dict[str, Any], history: Any, runs: Any, today: None
) -> None:
    tees = line_of(working, history["tees"])
    seen, proposed = _shown(working)
    _run(retailer["tops"], (retailer["sku_s"], retailer["store"], "AX", 10.0, 6.0))  # 6.0 + 4 / 10
    before = snapshot(working)
    with pytest.raises(Conflict, match=r"now 6\.4 weeks \(you saw 5\.3\)"):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
        )
    assert snapshot(working) == before


def test_accept_refuses_a_line_not_planned_by_fwos(
    working: PlanVersion, planner: User, history: Any, runs: Any, today: None
) -> None:
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    PlanLine.objects.filter(pk=blouses.pk).update(method=PlanLine.Method.SSR)
    seen, proposed = _shown(working)
    before = snapshot(working)
    with pytest.raises(fwos.FwosError, match="W-TOP-BLS Blouses plans by stock-to-sales ratio"):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[tees.pk, blouses.pk], seen=seen, proposed=proposed
        )
    assert snapshot(working) == before


def test_accept_refuses_a_proposal_out_of_the_target_range(
    working: PlanVersion, planner: User, retailer: dict[str, Any], history: Any, today: None
) -> None:
    _run(retailer["tops"], (retailer["sku_s"], retailer["store"], "AX", 10.0, 150.0))
    tees = line_of(working, history["tees"])
    seen, proposed = _shown(working)
    before = snapshot(working)
    with pytest.raises(fwos.FwosError, match="FWOS target must be between 0 and 104"):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[tees.pk], seen=seen, proposed=proposed
        )
    assert snapshot(working) == before


def test_accept_refuses_other_versions_and_other_people(
    plan: Any, working: PlanVersion, planner: User, executive: User, history: Any, runs: Any, today: None
) -> None:
    last_year = plan.versions.get(kind=PlanVersion.Kind.LAST_YEAR)
    line = line_of(last_year, history["tees"])
    with pytest.raises(fwos.FwosError, match="Last year is not the working plan"):
        fwos.fwos_targets_accept(
            user=planner, version_id=last_year.pk, line_ids=[line.pk], seen={}, proposed={}
        )
    tees, total = line_of(working, history["tees"]), line_of(working, None)
    with pytest.raises(fwos.FwosError, match="Line 999999 is not a class line of Working plan"):
        fwos.fwos_targets_accept(user=planner, version_id=working.pk, line_ids=[999999], seen={}, proposed={})
    with pytest.raises(fwos.FwosError, match=f"Line {total.pk} is not a class line"):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[total.pk], seen={}, proposed={}
        )
    with pytest.raises(fwos.FwosError, match="Choose at least one line"):
        fwos.fwos_targets_accept(user=planner, version_id=working.pk, line_ids=[], seen={}, proposed={})
    with pytest.raises(PermissionDenied):
        fwos.fwos_targets_accept(
            user=executive, version_id=working.pk, line_ids=[tees.pk], seen={}, proposed={}
        )
    PlanVersion.objects.filter(pk=working.pk).update(status=PlanVersion.Status.SUBMITTED)
    with pytest.raises(fwos.FwosError, match="Working plan is submitted for approval: it cannot be changed"):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[tees.pk], seen={}, proposed={}
        )
    assert not PlanCellChange.objects.filter(source="policy").exists()


def test_accept_with_every_week_closed(
    working: PlanVersion, planner: User, history: Any, runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    after = FiscalWeek.objects.get(pk=202504).end_date + timedelta(days=1)
    monkeypatch.setattr(fwos, "_today", lambda: after)
    tees = line_of(working, history["tees"])
    with pytest.raises(fwos.FwosError, match="no open weeks"):
        fwos.fwos_targets_accept(
            user=planner, version_id=working.pk, line_ids=[tees.pk], seen={}, proposed={}
        )


# -- the page ----------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _page(version: PlanVersion) -> str:
    return f"{reverse('replenishment:fwos:page')}?version={version.pk}"


def _form(version: PlanVersion, *lines: PlanLine) -> dict[str, Any]:
    seen, proposed = _shown(version)
    data: dict[str, Any] = {"version": version.pk, "line": [line.pk for line in lines]}
    for line in lines:
        data[f"seen-{line.pk}"] = seen[line.pk]
        data[f"proposed-{line.pk}"] = proposed[line.pk]
    return data


def test_page_lists_current_and_proposed(
    working: PlanVersion,
    planner: User,
    history: Any,
    runs: Any,
    today: None,
    django_assert_max_num_queries: Any,
) -> None:
    client = _client(planner)
    with django_assert_max_num_queries(14):  # session, user, roles, nav, version, scope, 7 reads, 13 weeks
        response = client.get(_page(working))
    assert response.status_code == 200
    html = response.content.decode()
    tees = line_of(working, history["tees"])
    assert 'data-testid="fwos-line-W-TOP-TEE"' in html
    assert re.search(rf'name="line"\s+value="{tees.pk}"', html)
    assert ">5.3<" in html
    assert ">2.3<" in html
    assert "AX 1 · BY 1 · CZ 1" in html
    assert "Accept into the plan" in html
    assert reverse("replenishment:worksheet") in html


def test_page_without_a_version_lists_working_plans(working: PlanVersion, planner: User) -> None:
    response = _client(planner).get(reverse("replenishment:fwos:page"))
    assert response.status_code == 200
    assert f"?version={working.pk}" in response.content.decode()


def test_executive_reads_but_cannot_accept(
    working: PlanVersion, executive: User, history: Any, runs: Any, today: None
) -> None:
    client = _client(executive)
    response = client.get(_page(working))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accept into the plan" not in html
    assert 'name="line"' not in html
    assert "the planners and managers of Tops accept them" in html
    before = snapshot(working)
    tees = line_of(working, history["tees"])
    response = client.post(reverse("replenishment:fwos:accept"), _form(working, tees))
    assert response.status_code == 403
    assert snapshot(working) == before


def test_accept_through_the_page(
    working: PlanVersion, planner: User, history: Any, runs: Any, today: None
) -> None:
    client = _client(planner)
    tees, blouses = line_of(working, history["tees"]), line_of(working, history["blouses"])
    response = client.post(reverse("replenishment:fwos:accept"), _form(working, tees, blouses), follow=True)
    assert response.redirect_chain == [(_page(working), 302)]
    assert (
        "FWOS targets accepted into Working plan for W-TOP-BLS, W-TOP-TEE: 4 weeks changed"
        in response.content.decode()
    )
    assert _targets(tees)[2:] == [D("5.300"), D("5.300")]
    assert _targets(blouses)[2:] == [D("2.300"), D("2.300")]
    assert PlanCellChange.objects.filter(source="policy", changed_by=planner).count() == 4


def test_page_answers_a_conflict_with_409(
    working: PlanVersion, planner: User, history: Any, runs: Any, today: None
) -> None:
    client = _client(planner)
    tees = line_of(working, history["tees"])
    data = _form(working, tees)
    plan_cells_update(user=planner, version_id=working.pk, edits=[CellEdit(tees.pk, 202503, "target", "7")])
    before = snapshot(working)
    response = client.post(reverse("replenishment:fwos:accept"), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "The FWOS targets of W-TOP-TEE Tees changed since you opened the page (now 2.7 to 7.0)" in html
    assert 'data-testid="fwos-error"' in html
    assert snapshot(working) == before


def test_page_refuses_a_version_that_is_not_the_working_plan(
    plan: Any, planner: User, history: Any, runs: Any, today: None
) -> None:
    last_year = plan.versions.get(kind=PlanVersion.Kind.LAST_YEAR)
    client = _client(planner)
    html = client.get(_page(last_year)).content.decode()
    assert "Last year is not the working plan" in html
    assert "Accept into the plan" not in html
    before = snapshot(last_year)
    line = line_of(last_year, history["tees"])
    response = client.post(reverse("replenishment:fwos:accept"), {"version": last_year.pk, "line": [line.pk]})
    assert response.status_code == 400
    assert (
        "Last year is not the working plan: only the working plan takes FWOS targets"
        in response.content.decode()
    )
    assert snapshot(last_year) == before


def test_page_of_another_department_plan_is_read_only_for_its_non_planner(
    working: PlanVersion, manager: User, history: Any, runs: Any, today: None
) -> None:
    # A manager not assigned to Tops reads; posting is refused before anything is parsed.
    client = _client(manager)
    assert client.get(_page(working)).status_code == 200
    response = client.post(
        reverse("replenishment:fwos:accept"), _form(working, line_of(working, history["tees"]))
    )
    assert response.status_code == 403


def test_page_needs_a_role(working: PlanVersion, nobody: User) -> None:
    assert _client(nobody).get(_page(working)).status_code == 403


def test_page_explains_the_matrix_target_and_splits_the_sku_location_counts(
    working: PlanVersion, planner: User, history: Any, runs: Any, today: None
) -> None:
    html = _client(planner).get(_page(working)).content.decode()
    assert "This proposal is not the FWOS target of the" in html
    assert "store safety stock + half a delivery + the presentation minimum" in html
    assert "SKU-locations (averaged · at DCs)" not in html
    assert re.search(r">\s*With demand\s*<", html)
    assert re.search(r">\s*Restocked from DCs\s*<", html)
    # Tees (module docstring): S at the store, M at the web, M at the store = 3 SKU-locations;
    # 2 with a target and demand (averaged into 5.3: the CZ row has none); S's DC row does not
    # count (S is replenished at the store), so none is restocked from a DC.
    tees = fwos.fwos_proposals(working).lines[1]
    assert (tees.class_code, tees.sku_locations, tees.weighted, tees.at_dcs) == ("W-TOP-TEE", 3, 2, 0)
    row = html[html.index('data-testid="fwos-line-W-TOP-TEE"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'data-testid="(sku-locations|with-demand|from-dcs)">(\d+)<', row)
    assert cells == [("sku-locations", "3"), ("with-demand", "2"), ("from-dcs", "0")]


def test_unknown_version_answers_a_plain_404(working: PlanVersion, planner: User) -> None:
    client = _client(planner)
    response = client.get(f"{reverse('replenishment:fwos:page')}?version=99999")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no plan version 99999 that you can see" in html
    assert f"?version={working.pk}" in html  # the working plans to choose from
    assert client.get(f"{reverse('replenishment:fwos:page')}?version=abc").status_code == 404
    response = client.post(reverse("replenishment:fwos:accept"), {"version": 99999, "line": [1]})
    assert response.status_code == 404
    assert "There is no plan version 99999" in response.content.decode()
