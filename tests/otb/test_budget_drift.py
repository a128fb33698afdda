"""Budget drift: the working plan's receipts against the approved OTB budget, the notice on the
OTB page and the manager's home, and the one-click draft of a revised budget.

The plan (on the pinned day, FY2026 W45; W44 is the last closed week): Tops over W40..W52,
IMU 55% (cost complement 0.45), one class line; 454 calendar, so FY2026 M10 = W40-W43,
M11 = W44-W48, M12 = W49-W52. Every week plans sales of 800.00 / 40 units (price 20.00).
Its approved plan (OP) receives 10,000.00 in each month's first week (W40, W44, W49), so the
approved budget v1 is 10,000.00 in M10, M11 and M12. The tests then set the working plan's
receipts month by month (a month's receipts in its first week, the rest in its second where
given, every other week 0).
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.audit import audit_for
from core.models import AuditEvent
from otb import budget_drift, open_to_buy, services
from otb.budget_drift import DriftMonth, is_drifting
from otb.models import OTBBudget, OTBBudgetMonth
from planning.models import FiscalWeek, PlanVersion, PlanWeek
from planning.plans.services import PlanSpec, plan_create, version_approve, version_submit

pytestmark = pytest.mark.django_db

M10, M11, M12 = 202610, 202611, 202612
FIRST_WEEK = {M10: 202640, M11: 202644, M12: 202649}
YEAR_KEYS = [202600 + month for month in range(1, 13)]


def _set_receipts(version: PlanVersion, months: dict[int, str | tuple[str, str]]) -> None:
    """A month's receipts in its first week (and second, given a pair); every other week 0."""
    weeks = PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False)
    weeks.update(receipts=Decimal("0.00"))
    for key, value in months.items():
        first, second = value if isinstance(value, tuple) else (value, "0")
        weeks.filter(fiscal_week_id=FIRST_WEEK[key]).update(receipts=Decimal(first))
        weeks.filter(fiscal_week_id=FIRST_WEEK[key] + 1).update(receipts=Decimal(second))


@pytest.fixture
def plan(retailer: dict[str, Any], planner: User, manager: User, admin_user: User) -> dict[str, Any]:
    retailer["tops"].planners.add(manager)
    created = plan_create(
        user=manager,
        spec=PlanSpec(
            name="Tops autumn",
            department_id=retailer["tops"].pk,
            first_week_id=202640,
            last_week_id=202652,
            cost_complement=Decimal("0.45"),
        ),
    )
    working = created.versions.get(kind=PlanVersion.Kind.WORKING)
    PlanWeek.objects.filter(line__version=working).update(sales=Decimal("800.00"), sales_units=40)
    version_submit(user=manager, version_id=working.pk)
    version_approve(user=admin_user, version_id=working.pk)
    original = created.versions.get(kind=PlanVersion.Kind.ORIGINAL)
    _set_receipts(original, {M10: "10000", M11: "10000", M12: "10000"})
    budget = services.otb_budget_from_plan(user=manager, version_id=original.pk)
    services.otb_budget_submit(user=manager, budget_id=budget.pk)
    services.otb_budget_decide(user=admin_user, budget_id=budget.pk, approve=True)
    working.refresh_from_db()
    _set_receipts(working, {M10: "10000", M11: "10000", M12: "10000"})
    return {"working": working, "original": original, "budget": budget, **retailer}


def _drift(plan: dict[str, Any], keys: list[int] = YEAR_KEYS) -> list[budget_drift.DepartmentDrift]:
    return budget_drift.budget_drift([plan["tops"], plan["dresses"]], keys)


def _months(plan: dict[str, Any]) -> dict[int, str]:
    found = _drift(plan)
    return {month.month_key: month.change_text for item in found for month in item.months}


# -- the rule -----------------------------------------------------------------------------


def test_four_percent_is_no_drift_six_percent_is(plan: dict[str, Any]) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10400", M12: "10000"})
    assert _drift(plan) == []  # 400 / 10,000 = 4.0% <= 5%

    _set_receipts(plan["working"], {M10: "10000", M11: "10500", M12: "10000"})
    assert _drift(plan) == []  # exactly 5%: not more than the setting

    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "9300"})
    [tops] = _drift(plan)
    assert tops.department == plan["tops"]
    assert tops.working_version_id == plan["working"].pk
    assert [(m.month_key, m.budget, m.plan, m.difference, m.percent) for m in tops.months] == [
        (M11, Decimal("10000.00"), Decimal("10600.00"), Decimal("600.00"), Decimal("6.0")),  # 600/10,000
        (M12, Decimal("10000.00"), Decimal("9300.00"), Decimal("-700.00"), Decimal("-7.0")),  # -700/10,000
    ]
    assert tops.summary == (
        "Tops: the working plan's receipts differ from the approved budget by more than 5% in 2 months "
        "(FY2026 M11 +6.0%, M12 -7.0%)"
    )


def test_the_setting_at_ten_percent_hides_a_six_percent_drift(plan: dict[str, Any], settings: Any) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "8900"})
    settings.MERCHPLAN_BUDGET_DRIFT_PERCENT = 10

    [tops] = _drift(plan)

    assert [(m.month_key, m.change_text) for m in tops.months] == [(M12, "-11.0%")]  # 6% is hidden
    assert "by more than 10% in 1 month (FY2026 M12 -11.0%)" in tops.summary


def test_closed_months_are_ignored(plan: dict[str, Any]) -> None:
    """M10 plans 12,000 (+20%). Once the working plan holds actuals through W43, the last week of
    M10, the month is closed and drops; through W42 it still has an open week."""
    _set_receipts(plan["working"], {M10: "12000", M11: "10000", M12: "10000"})
    assert _months(plan) == {M10: "+20.0%"}

    PlanVersion.objects.filter(pk=plan["working"].pk).update(
        actuals_through=FiscalWeek.objects.get(pk=202642)
    )
    assert _months(plan) == {M10: "+20.0%"}

    PlanVersion.objects.filter(pk=plan["working"].pk).update(
        actuals_through=FiscalWeek.objects.get(pk=202643)
    )
    assert _months(plan) == {}


def test_negative_and_zero_budgets(plan: dict[str, Any]) -> None:
    """M11's approved budget set to -1,000.00, M12's to 0: -1,060 against -1,000 is -60 / |-1,000|
    = -6.0% (drifts); -1,040 is -4.0% (does not); any receipts against a zero budget drift."""
    months = OTBBudgetMonth.objects.filter(budget=plan["budget"])
    months.filter(month_key=M11).update(receipts_retail=Decimal("-1000.00"))
    months.filter(month_key=M12).update(receipts_retail=Decimal("0.00"))

    _set_receipts(plan["working"], {M10: "10000", M11: "-1040", M12: "0"})
    assert _months(plan) == {}

    _set_receipts(plan["working"], {M10: "10000", M11: "-1060", M12: "250.5"})
    [tops] = _drift(plan)
    assert [(m.month_key, m.difference, m.percent) for m in tops.months] == [
        (M11, Decimal("-60.00"), Decimal("-6.0")),
        (M12, Decimal("250.50"), None),
    ]
    assert "(FY2026 M11 -6.0%, M12 +250.50 on a zero budget)" in tops.summary

    _set_receipts(plan["working"], {M10: "10000", M11: "-900", M12: "0"})
    assert _months(plan) == {M11: "+10.0%"}  # -900 - -1,000 = +100: 10% of |-1,000|


def test_the_percent_rounds_half_up_to_a_tenth() -> None:
    # 1.50 / 3,000 x 100 = 0.05 exactly: half up to 0.1 (half to even would give 0.0)
    assert DriftMonth(M11, Decimal("3000.00"), Decimal("3001.50")).percent == Decimal("0.1")
    assert DriftMonth(M11, Decimal("3000.00"), Decimal("2998.50")).percent == Decimal("-0.1")
    # 600.37 / 10,000 x 100 = 6.0037 -> 6.0; 50.05 / 1,000 x 100 = 5.005 -> 5.0, yet it drifts
    assert DriftMonth(M11, Decimal("10000.00"), Decimal("10600.37")).change_text == "+6.0%"
    assert is_drifting(Decimal("1000.00"), Decimal("1050.05"), Decimal("5"))
    assert not is_drifting(Decimal("1000.00"), Decimal("1050.00"), Decimal("5"))
    assert not is_drifting(Decimal("0.00"), Decimal("0.00"), Decimal("5"))
    assert is_drifting(Decimal("0.00"), Decimal("-0.01"), Decimal("5"))


def test_months_without_a_budget_or_plan_weeks_are_not_compared(plan: dict[str, Any]) -> None:
    """M09 has no approved budget and no plan week; a department without a budget has nothing."""
    _set_receipts(plan["working"], {M10: "10000", M11: "10000", M12: "10000"})
    assert budget_drift.budget_drift([plan["dresses"]], YEAR_KEYS) == []
    assert _drift(plan, [202609, M10]) == []


def test_a_fixed_number_of_queries_for_many_departments(plan: dict[str, Any]) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "10000"})
    with CaptureQueriesContext(connection) as one:
        budget_drift.budget_drift([plan["tops"]], YEAR_KEYS)
    with CaptureQueriesContext(connection) as two:
        budget_drift.budget_drift([plan["tops"], plan["dresses"]], YEAR_KEYS)
    assert len(one) == len(two) == 2  # the budget months (with their working plan), the receipts
    working = {(plan["tops"].pk, key): Decimal("10000.00") for key in YEAR_KEYS}
    with CaptureQueriesContext(connection) as given:
        budget_drift.budget_drift([plan["tops"], plan["dresses"]], YEAR_KEYS, working=working)
    assert len(given) == 1


# -- the one-click draft ------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _post_revise(client: Client, version_id: int) -> Any:
    client.get("/otb/?year=2026")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    return client.post("/otb/budgets/revise/", {"version": version_id}, HTTP_X_CSRFTOKEN=token)


def test_one_click_drafts_the_working_plans_receipts_to_the_cent(plan: dict[str, Any], manager: User) -> None:
    """M11 = 10,000.12 (W44) + 600.25 (W45) = 10,600.37: +6.0037% -> +6.0%. The draft v2 holds the
    working plan's months: cost = retail x 0.45 half up (10,600.37 x 0.45 = 4,770.1665 -> 4,770.17;
    9,300 x 0.45 = 4,185.00; M10's 10,000.10 (+0.001%, no drift) x 0.45 = 4,500.045 -> 4,500.05),
    units at the planned price 20.00 (800.00 / 40): 10,600.37 / 20 = 530.02 -> 530, 9,300 / 20 =
    465, 10,000.10 / 20 = 500.005 -> 500."""
    _set_receipts(plan["working"], {M10: "10000.10", M11: ("10000.12", "600.25"), M12: "9300"})
    client = _client(manager)
    page = client.get("/otb/?year=2026").content.decode()
    assert "(FY2026 M11 +6.0%, M12 -7.0%)" in page

    response = _post_revise(client, plan["working"].pk)

    assert response.status_code == 302
    assert response["Location"] == "/otb/budgets/"
    draft = OTBBudget.objects.get(number=2)
    assert (draft.status, draft.fiscal_year, draft.source_version_id, draft.created_by) == (
        OTBBudget.Status.DRAFT,
        2026,
        plan["working"].pk,
        manager,
    )
    months = {m.month_key: (m.receipts_retail, m.receipts_cost, m.receipts_units) for m in draft.months.all()}
    assert months == {
        M10: (Decimal("10000.10"), Decimal("4500.05"), 500),  # 4,500.045: half up, not to even
        M11: (Decimal("10600.37"), Decimal("4770.17"), 530),
        M12: (Decimal("9300.00"), Decimal("4185.00"), 465),
    }
    # The working plan's receipts by month, as the OTB page reads them, to the cent.
    assert {key: retail for key, (retail, _cost, _units) in months.items()} == {
        key: value
        for (_dep, key), value in open_to_buy.working_plan_receipts(
            [plan["tops"].pk], [M10, M11, M12]
        ).items()
    }
    audit = audit_for(draft).get()
    assert (audit.action, audit.user) == ("otb_budget.revise", manager)
    assert audit.comment.startswith("Revision from the working plan of Tops autumn (values v")
    listing = client.get("/otb/budgets/").content.decode()
    assert "Draft budget FY2026 v2 created from the working plan&#x27;s receipts" in listing


def test_a_double_click_is_refused_and_a_new_plan_state_drafts_again(
    plan: dict[str, Any], manager: User
) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "10000"})
    client = _client(manager)
    assert _post_revise(client, plan["working"].pk).status_code == 302

    again = _post_revise(client, plan["working"].pk)

    assert again.status_code == 302
    assert OTBBudget.objects.count() == 2  # v1 approved, v2 draft: no duplicate
    listing = client.get("/otb/budgets/").content.decode()
    assert "Budget FY2026 v2 (draft) already holds Tops autumn" in listing
    with pytest.raises(services.OTBDuplicateError):
        services.otb_budget_revision(user=manager, version_id=plan["working"].pk)

    _set_receipts(plan["working"], {M10: "10000", M11: "10700", M12: "10000"})  # the plan moved on
    assert _post_revise(client, plan["working"].pk).status_code == 302
    assert list(OTBBudget.objects.order_by("number").values_list("number", "status")) == [
        (1, "approved"),
        (2, "draft"),
        (3, "draft"),
    ]


@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_clicks_draft_one_revision(plan: dict[str, Any], manager: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises writers before they can race")
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "10000"})
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        try:
            services.otb_budget_revision(user=manager, version_id=plan["working"].pk)
            outcomes.append("drafted")
        except services.OTBDuplicateError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["drafted"] + ["refused"] * 4
    assert list(OTBBudget.objects.order_by("number").values_list("number", "status")) == [
        (1, "approved"),
        (2, "draft"),
    ]
    assert AuditEvent.objects.filter(action="otb_budget.revise").count() == 1


def test_the_revision_goes_through_submit_and_approve_and_the_notice_goes(
    plan: dict[str, Any], manager: User, admin_user: User
) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "10000"})
    draft = services.otb_budget_revision(user=manager, version_id=plan["working"].pk)
    assert _drift(plan) != []  # a draft does not count

    services.otb_budget_submit(user=manager, budget_id=draft.pk)
    with pytest.raises(services.OTBDuplicateError, match=r"\(submitted for approval\).*decide on it"):
        services.otb_budget_revision(user=manager, version_id=plan["working"].pk)
    services.otb_budget_decide(user=admin_user, budget_id=draft.pk, approve=True)

    assert _drift(plan) == []  # v2 approved = the working plan's receipts


def test_only_a_planner_or_manager_of_the_department_drafts(
    plan: dict[str, Any], planner: User, executive: User
) -> None:
    """The planner is not assigned to Tops: 403, as the executive (who reads everything)."""
    for user in (planner, executive):
        assert _post_revise(_client(user), plan["working"].pk).status_code == 403
    assert _post_revise(_client(planner), plan["original"].pk).status_code == 404  # not a working plan
    with pytest.raises(services.OTBForbiddenError):
        services.otb_budget_revision(user=planner, version_id=plan["working"].pk)
    plan["tops"].planners.add(planner)
    assert _post_revise(_client(planner), plan["working"].pk).status_code == 302
    assert OTBBudget.objects.filter(number=2, created_by=planner).exists()


def test_the_draft_needs_a_post_with_csrf(plan: dict[str, Any], manager: User) -> None:
    client = _client(manager)
    assert client.get("/otb/budgets/revise/").status_code == 405
    assert client.post("/otb/budgets/revise/", {"version": plan["working"].pk}).status_code == 403  # no token
    assert OTBBudget.objects.count() == 1


def test_the_api_drafts_refuses_a_duplicate_and_checks_the_department(
    plan: dict[str, Any], manager: User, planner: User
) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "10000"})
    api = APIClient()
    api.force_authenticate(planner)
    url = "/api/v1/otb/budgets/revise/"
    assert api.post(url, {"version": plan["working"].pk}, format="json").status_code == 403
    api.force_authenticate(manager)

    created = api.post(url, {"version": plan["working"].pk}, format="json")

    assert created.status_code == 201
    body = created.json()
    assert (body["number"], body["status"], body["fiscal_year"]) == (2, "draft", 2026)
    assert [(m["month"], m["receipts_retail"], m["receipts_cost"]) for m in body["months"]] == [
        (M10, "10000.00", "4500.00"),
        (M11, "10600.00", "4770.00"),  # 10,600 x 0.45
        (M12, "10000.00", "4500.00"),
    ]
    duplicate = api.post(url, {"version": plan["working"].pk}, format="json")
    assert duplicate.status_code == 409
    assert "already holds" in duplicate.json()["detail"]
    assert api.post(url, {"version": plan["original"].pk}, format="json").status_code == 404
    assert api.post(url, {"version": "x"}, format="json").status_code == 400


# -- the pages ----------------------------------------------------------------------------


NOTICE = (
    "Tops: the working plan&#x27;s receipts differ from the approved budget by more than 5% in 2 months "
    "(FY2026 M11 +6.0%, M12 -7.0%)."
)


def test_the_otb_page_shows_the_notice_with_the_button_to_who_may_budget(
    plan: dict[str, Any], manager: User, executive: User
) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "9300"})

    page = " ".join(_client(manager).get("/otb/?year=2026").content.decode().split())

    assert NOTICE in page
    assert f'data-testid="budget-drift-{plan["tops"].pk}"' in page
    assert 'action="/otb/budgets/revise/"' in page
    assert f'name="version" value="{plan["working"].pk}"' in page
    assert "Draft a revised budget" in page
    # An executive reads the notice but cannot budget: no button.
    seen = " ".join(_client(executive).get("/otb/?year=2026").content.decode().split())
    assert NOTICE in seen
    assert "Draft a revised budget" not in seen


def test_no_notice_within_the_setting(plan: dict[str, Any], manager: User) -> None:
    _set_receipts(plan["working"], {M10: "10000", M11: "10400", M12: "10000"})
    page = _client(manager).get("/otb/?year=2026").content.decode()
    assert "budget-drift-" not in page
    assert "Draft a revised budget" not in page


def test_the_managers_home_shows_the_notice_and_the_button(plan: dict[str, Any], manager: User) -> None:
    """The home looks at the current month (M11) and on: the same two months."""
    _set_receipts(plan["working"], {M10: "12000", M11: "10600", M12: "9300"})

    home = " ".join(_client(manager).get("/").content.decode().split())

    assert NOTICE in home
    assert "Draft a revised budget" in home
    assert f'name="version" value="{plan["working"].pk}"' in home


def test_a_planners_home_has_no_manager_notice(plan: dict[str, Any], planner: User) -> None:
    plan["tops"].planners.add(planner)
    _set_receipts(plan["working"], {M10: "10000", M11: "10600", M12: "9300"})
    home = _client(planner).get("/").content.decode()
    assert "budget-drift-" not in home
