"""Plan detail (issue 19): leaves by subclass x region x week under the class lines, read at
any level, written at any level (spread by current, last year or evenly, locks and closed weeks
held), the class lines always their leaves' sums. Numbers: this folder's conftest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from core.errors import Conflict
from core.models import AuditEvent
from planning.detail.edits import DetailEdit, detail_lock, detail_set
from planning.detail.reads import detail_read
from planning.detail.seed import detail_create
from planning.models import PlanCellChange, PlanLeaf, PlanVersion, PlanWeek
from planning.plans.services import CellEdit, PlanError, plan_cells_update
from tests.planning.plans.conftest import line_of

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def detailed(working: PlanVersion, planner: User, regions: Any, history: Any) -> PlanVersion:
    assert detail_create(user=planner, version_id=working.pk) == 6  # Tees 2 x 2, Blouses 1 x 2
    working.refresh_from_db()
    return working


def _read(
    version: PlanVersion, merch: str, location: str, time: str, **within: str
) -> dict[tuple[str, str], list[Decimal]]:
    view = detail_read(version, merch=merch, location=location, time=time, measures=["sales"], within=within)
    return {(row.merch, row.location): row.values["sales"] for row in view.rows}


def _class_sales(version: PlanVersion, merch_class: Any) -> list[Decimal]:
    rows = PlanWeek.objects.filter(line=line_of(version, merch_class)).order_by("period")
    return [row.sales for row in rows]


def _edit(user: User, version: PlanVersion, **fields: Any) -> Any:
    version.refresh_from_db()
    return detail_set(
        user=user, edit=DetailEdit(version_id=version.pk, values_version=version.values_version, **fields)
    )


def _leaves_add_up(version: PlanVersion, history: Any) -> None:
    leaves = _read(version, "class", "total", "week")
    for merch_class in (history["tees"], history["blouses"]):
        assert leaves[(merch_class.code, "")] == _class_sales(version, merch_class), merch_class.code


def test_the_detail_splits_each_class_week_by_last_years_leaves(detailed: PlanVersion, history: Any) -> None:
    weeks = _read(detailed, "subclass", "region", "week", **{"class": "W-TOP-TEE"})
    assert weeks[("W-TOP-TEE-CRW", "NORTH")] == [D("264.00"), D("264.00"), D("528.00"), D("198.00")]
    assert weeks[("W-TOP-TEE-CRW", "ONLINE")] == [D("237.60"), D("0.00"), D("264.00"), D("0.00")]
    assert weeks[("W-TOP-TEE-VNK", "NORTH")] == [D("0.00")] * 4
    by_channel = _read(detailed, "class", "channel", "month")
    assert by_channel == {
        ("W-TOP-BLS", "ECOM"): [D("990.00")],
        ("W-TOP-BLS", "STORES"): [D("0.00")],  # a leaf with nothing planned yet
        ("W-TOP-TEE", "ECOM"): [D("501.60")],
        ("W-TOP-TEE", "STORES"): [D("1254.00")],
    }
    assert _read(detailed, "department", "total", "year") == {("", ""): [D("2745.60")]}
    _leaves_add_up(detailed, history)
    # Markdowns split by the same shape, to the cent: W01's 39.60 as 240 : 216 is 20.84 + 18.76.
    markdowns = detail_read(
        detailed, merch="subclass", location="region", time="week", measures=["markdowns"]
    )
    crew = {
        row.location: row.values["markdowns"][0] for row in markdowns.rows if row.merch == "W-TOP-TEE-CRW"
    }
    assert crew == {"NORTH": D("20.84"), "ONLINE": D("18.76")}


def test_a_class_channel_month_spreads_to_its_leaves_and_the_class_line_follows(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    result = _edit(
        planner, detailed, node="W-TOP-TEE", location="ECOM", period="M1", measure="sales", value="1000"
    )
    assert (result.total, result.leaves_changed) == (D("1000.00"), 1)
    online = _read(detailed, "subclass", "region", "week", **{"class": "W-TOP-TEE"})[
        ("W-TOP-TEE-CRW", "ONLINE")
    ]
    assert online == [D("473.68"), D("0.00"), D("526.32"), D("0.00")]  # 237.60 : 264.00 scaled to 1,000
    assert _class_sales(detailed, history["tees"]) == [D("737.68"), D("264.00"), D("1054.32"), D("198.00")]
    assert set(PlanCellChange.objects.values_list("source", flat=True)) == {"detail"}
    event = AuditEvent.objects.get(action="plan.detail.change")
    old, new = event.old or {}, event.new or {}
    assert (old["total"], new["total"], new["by"]) == ("501.60", "1000.00", "current")
    _leaves_add_up(detailed, history)


def test_evenly_by_last_year_and_a_locked_subclass_keeps_its_value(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    _edit(
        planner,
        detailed,
        node="W-TOP-TEE-VNK",
        location="total",
        period="year",
        measure="sales",
        value="800",
        by="even",
    )
    vneck = _read(detailed, "subclass", "total", "week", **{"class": "W-TOP-TEE"})[("W-TOP-TEE-VNK", "")]
    assert vneck == [D("200.00")] * 4  # 8 leaf-weeks of 100.00
    assert (
        detail_lock(user=planner, version_id=detailed.pk, node="W-TOP-TEE-VNK", location="total", locked=True)
        == 2
    )
    # Tees' year to 3,192 + 800 by last year (456 : 240 : 720 : 180): crew takes it all, V-neck is locked.
    _edit(
        planner,
        detailed,
        node="W-TOP-TEE",
        location="total",
        period="year",
        measure="sales",
        value="3992",
        by="last_year",
    )
    subclasses = _read(detailed, "subclass", "total", "week", **{"class": "W-TOP-TEE"})
    assert subclasses[("W-TOP-TEE-VNK", "")] == [D("200.00")] * 4
    assert subclasses[("W-TOP-TEE-CRW", "")] == [D("912.00"), D("480.00"), D("1440.00"), D("360.00")]
    _leaves_add_up(detailed, history)


def test_a_grid_edit_of_a_class_week_comes_down_to_its_leaves(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    tees = line_of(detailed, history["tees"])
    row = PlanWeek.objects.get(line=tees, fiscal_week_id=202503)
    plan_cells_update(
        user=planner,
        version_id=detailed.pk,
        edits=[CellEdit(tees.pk, 202503, "sales", "1584", row.row_version)],
    )
    leaves = _read(detailed, "subclass", "region", "week", **{"class": "W-TOP-TEE"})
    assert (leaves[("W-TOP-TEE-CRW", "NORTH")][2], leaves[("W-TOP-TEE-CRW", "ONLINE")][2]) == (
        D("1056.00"),
        D("528.00"),
    )
    _leaves_add_up(detailed, history)


def test_stale_reads_bad_values_and_a_second_detail_are_refused(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    stale = detailed.values_version
    _edit(planner, detailed, node="plan", location="total", period="2025-W01", measure="sales", value="+10%")
    with pytest.raises(Conflict):
        detail_set(user=planner, edit=DetailEdit(detailed.pk, "plan", "total", "M1", "sales", "1", stale))
    for value, message in (("-5", "negative"), ("abc", "not a number")):
        with pytest.raises(PlanError, match=message):
            _edit(planner, detailed, node="plan", location="total", period="M1", measure="sales", value=value)
    with pytest.raises(PlanError, match="not planned in the detail"):
        _edit(planner, detailed, node="plan", location="total", period="M1", measure="eop", value="1")
    with pytest.raises(PlanError, match="detail already"):
        detail_create(user=planner, version_id=detailed.pk)
    assert PlanLeaf.objects.filter(version=detailed).count() == 6 * 4  # sales, markdowns, units, LY
    _leaves_add_up(detailed, history)


NODES = ("plan", "W-TOP-TEE", "W-TOP-BLS", "W-TOP-TEE-CRW", "W-TOP-TEE-VNK")
LOCATIONS = ("total", "STORES", "ECOM", "NORTH", "ONLINE")
PERIODS = ("2025-W01", "2025-W03", "M1", "Q1", "H1", "year")


def test_after_any_edits_every_level_adds_up_to_the_cent(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    """Property: whatever is typed where, by whichever rule, with a lock somewhere, the entered
    value is the node's new total, the leaves add up to their class lines, and every level
    (class x channel, department) sums the same cents."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    detail_lock(user=planner, version_id=detailed.pk, node="W-TOP-TEE-CRW", location="ONLINE", locked=True)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        st.sampled_from(NODES), st.sampled_from(LOCATIONS), st.sampled_from(PERIODS),
        st.integers(min_value=0, max_value=5_000_000), st.sampled_from(("current", "last_year", "even")),
    )  # fmt: skip
    def edit(node: str, location: str, period: str, cents: int, by: str) -> None:
        value = f"{Decimal(cents) / 100:.2f}"
        try:
            result = _edit(
                planner,
                detailed,
                node=node,
                location=location,
                period=period,
                measure="sales",
                value=value,
                by=by,
            )
        except PlanError:
            return  # e.g. no leaves there (Blouses in NORTH has some, V-neck everywhere)
        assert result.total == D(value)  # locked leaves under the node keep theirs, the others take the rest
        _leaves_add_up(detailed, history)
        by_channel = sum(sum(v) for v in _read(detailed, "class", "channel", "week").values())
        assert by_channel == sum(_read(detailed, "department", "total", "year")[("", "")])

    edit()


def test_the_detail_through_the_api(
    working: PlanVersion, planner: User, executive: User, regions: Any, history: Any
) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(planner)
    url = f"/api/v1/plan-versions/{working.pk}/detail/"
    created = client.post(url)
    assert created.status_code == 201, created.json()
    rows = {(r["merch"], r["location"]): r["values"]["sales"] for r in created.json()["rows"]}
    assert rows[("W-TOP-TEE", "STORES")] == ["1254.00"]
    body = client.get(
        url, {"merch": "subclass", "location": "region", "time": "week", "within_class": "W-TOP-TEE"}
    ).json()
    crew = next(r for r in body["rows"] if (r["merch"], r["location"]) == ("W-TOP-TEE-CRW", "ONLINE"))
    assert crew["values"]["sales"] == ["237.60", "0.00", "264.00", "0.00"]
    edit = {"node": "W-TOP-TEE", "location": "ECOM", "period": "M1", "measure": "sales", "value": "1000",
            "values_version": body["values_version"]}  # fmt: skip
    answer = client.patch(url, edit, format="json")
    assert answer.status_code == 200, answer.json()
    rows = {(r["merch"], r["location"]): r["values"]["sales"] for r in answer.json()["rows"]}
    assert rows[("W-TOP-TEE", "ECOM")] == ["1000.00"]
    stale = client.patch(url, edit, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == answer.json()["values_version"]
    lock = client.post(
        f"{url}lock/", {"node": "W-TOP-TEE-CRW", "location": "NORTH", "locked": True}, format="json"
    )
    assert lock.status_code == 200
    assert PlanLeaf.objects.filter(version=working, is_locked=True).count() == 4  # one leaf, four measures
    reader = APIClient()
    reader.force_login(executive)
    assert (
        reader.patch(
            url, {**edit, "values_version": answer.json()["values_version"]}, format="json"
        ).status_code
        == 403
    )
    assert reader.get(url).status_code == 200  # executives read every plan


def test_the_grid_shows_and_edits_a_class_by_subclass_and_channel(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    import re

    from django.test import Client
    from django.urls import reverse

    from tests.conftest import PASSWORD

    client = Client()
    assert client.login(username=planner.get_username(), password=PASSWORD)
    tees = line_of(detailed, history["tees"])
    page = client.get(reverse("planning:plan-version", args=[detailed.pk])).content.decode()
    assert "By subclass and channel" in page  # closed: the toggle only
    assert 'class="detail' not in page.split("By subclass and channel")[1][:200]
    line = client.get(
        reverse("planning:plan-line", args=[detailed.pk, tees.pk]), {"detail": "1"}
    ).content.decode()

    def cells(html: str, node: str, location: str) -> list[str]:
        pattern = (
            rf'data-node="{node}" data-location="{location}" data-period="[^"]+" '
            r'data-measure="sales" data-raw="[^"]*">([^<]*)<'
        )
        return re.findall(pattern, html)

    assert cells(line, "W-TOP-TEE-CRW", "total") == ["502", "264", "792", "198", "1,756", "1,756", "1,756"]
    assert cells(line, "W-TOP-TEE-CRW", "ECOM") == ["238", "0", "264", "0", "502", "502", "502"]
    # Typing the crew neck's e-commerce season: 1,000 spread over its leaf-weeks, the line follows.
    answer = client.post(
        reverse("planning:plan-detail-cell", args=[detailed.pk]),
        {"line": tees.pk, "node": "W-TOP-TEE-CRW", "location": "ECOM", "period": "season", "measure": "sales",
         "value": "1000", "expected": "501.60", "tree": "1", "open": str(tees.pk), "details": str(tees.pk)},
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    html = answer.content.decode()
    assert cells(html, "W-TOP-TEE-CRW", "ECOM") == ["474", "0", "526", "0", "1,000", "1,000", "1,000"]
    assert _class_sales(detailed, history["tees"]) == [D("737.68"), D("264.00"), D("1054.32"), D("198.00")]
    stale = client.post(
        reverse("planning:plan-detail-cell", args=[detailed.pk]),
        {"line": tees.pk, "node": "W-TOP-TEE-CRW", "location": "ECOM", "period": "season", "measure": "sales",
         "value": "900", "expected": "501.60"},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "changed to 1,000.00 since you read it" in stale.content.decode()


def test_a_class_week_written_in_bulk_comes_down_to_its_leaves(detailed: PlanVersion, history: Any) -> None:
    """A closed week's actuals or a promoted scenario write the class lines in bulk; the leaves
    follow (split by their current shape)."""
    from planning.detail.sync import leaves_follow_lines

    tees = line_of(detailed, history["tees"])
    PlanWeek.objects.filter(line=tees, fiscal_week_id=202501).update(sales=D("1003.20"))
    assert leaves_follow_lines(detailed.pk) == 2  # crew neck in NORTH and in ONLINE: W01 doubled
    weeks = _read(detailed, "subclass", "region", "week", **{"class": "W-TOP-TEE"})
    assert (weeks[("W-TOP-TEE-CRW", "NORTH")][0], weeks[("W-TOP-TEE-CRW", "ONLINE")][0]) == (
        D("528.00"),
        D("475.20"),
    )
    _leaves_add_up(detailed, history)
    assert leaves_follow_lines(detailed.pk) == 0  # in step: nothing to do


def test_grid_locks_whole_units_and_undo_after_a_detail_edit(
    detailed: PlanVersion, planner: User, history: Any
) -> None:
    from django.test import Client
    from django.urls import reverse

    from planning.plans.services import plan_cell_lock
    from tests.conftest import PASSWORD

    tees = line_of(detailed, history["tees"])
    plan_cell_lock(
        user=planner, version_id=detailed.pk, line_id=tees.pk, week_id=202502, measure="sales", locked=True
    )
    _edit(
        planner, detailed, node="W-TOP-TEE", location="total", period="M1", measure="sales", value="3511.20"
    )
    assert _class_sales(detailed, history["tees"])[1] == D("264.00")  # W02 locked in the grid: held
    assert sum(_class_sales(detailed, history["tees"])) == D("3511.20")
    with pytest.raises(PlanError, match="whole number of units"):
        _edit(
            planner,
            detailed,
            node="W-TOP-TEE",
            location="total",
            period="M1",
            measure="sales_units",
            value="10.5",
        )
    client = Client()
    assert client.login(username=planner.get_username(), password=PASSWORD)
    undo = client.post(reverse("planning:plan-undo", args=[detailed.pk]))
    assert undo.status_code == 400
    assert "by subclass and channel" in undo.content.decode()
    cell = reverse("planning:plan-detail-cell", args=[detailed.pk])
    base = {"node": "W-TOP-TEE-CRW", "location": "ECOM", "period": "season", "measure": "sales", "value": "1"}
    assert (
        client.post(cell, {**base, "line": tees.pk}).status_code == 400
    )  # no value seen: no lost-update check
    assert client.post(cell, {**base, "line": "x", "expected": "1"}).status_code == 400
    assert client.post(cell, {**base, "line": tees.pk, "expected": "1", "period": ""}).status_code == 400
