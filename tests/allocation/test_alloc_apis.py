"""The allocation REST API: runs started and read, lines with their numbers, hand edits with the
run's row_version, release and cancel, transfers, rebalancing; who may. Numbers from the `world`
fixture (tests/allocation/conftest.py): S needs 3 at S001 and 2 at S002, M needs 2 at S001; DC1
holds 10 of S and 2 of M."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from allocation.models import AllocationLine, AllocationRun, Transfer
from tests.allocation.conftest import put_stock

pytestmark = pytest.mark.django_db
API = "/api/v1/allocation"


def _client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _create(client: APIClient, capture: Any, **fields: Any) -> Any:
    body = {"department": "W-TOP", "dc": "DC1", "style_colors": ["ST-1-BLK"], **fields}
    with capture(execute=True):
        return client.post(f"{API}/runs/", body, format="json")


def _lines(client: APIClient, run_id: int, **query: Any) -> dict[tuple[str, str], dict[str, Any]]:
    response = client.get(f"{API}/runs/{run_id}/lines/", query)
    assert response.status_code == 200, response.json()
    return {(line["sku"], line["store"]): line for line in response.json()["results"]}


@pytest.fixture
def run(world: dict[str, Any], planner: User, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    response = _create(_client(planner), django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_create_a_run_and_read_its_numbers(run: dict[str, Any], world: Any, planner: User) -> None:
    client = _client(planner)
    # answered as queued: the worker computes it once the row is committed
    assert (run["status"], run["department"], run["dc"], run["style_colors"]) == (
        "queued",
        "W-TOP",
        "DC1",
        ["ST-1-BLK"],
    )
    assert (run["pack_size"], run["holdback"], run["created_by"]) == (1, "0.000", "pat.planner")
    detail = client.get(f"{API}/runs/{run['id']}/").json()
    assert (detail["status"], detail["progress"], detail["row_version"]) == ("preview", 100, 1)
    assert detail["message"].startswith("Demand from the forecast")
    # S: 10 at the DC, needs 3 + 2 -> all of it, 5 left; M: 2 at the DC, S001 needs 2 -> both
    assert detail["totals"] == {
        "need": 7,
        "allocated": 7,
        "held_back": 0,
        "left_at_dc": 5,
        "stores_short": 0,
        "lines_short": 0,
    }
    items = {item["sku"]: item for item in detail["items"]}
    assert (items["ST-1-BLK-S"]["available"], items["ST-1-BLK-S"]["allocated"]) == (10, 5)
    assert items["ST-1-BLK-S"]["left_at_dc"] == 5
    lines = _lines(client, run["id"])
    small = lines["ST-1-BLK-S", "S001"]
    assert (small["need"], small["proposed"], small["allocated"], small["on_hand"]) == (3, 3, 3, 1)
    # (1 on hand + 3) / 2 a week
    assert (small["fill_rate"], small["projected_wos"], small["shortfall"], small["shortfall_text"]) == (
        1.0,
        2.0,
        0,
        "",
    )
    assert (lines["ST-1-BLK-S", "S002"]["need"], lines["ST-1-BLK-S", "S002"]["allocated"]) == (2, 2)
    assert lines["ST-1-BLK-S", "S002"]["row_version"] == 1
    assert list(_lines(client, run["id"], store="s002")) == [("ST-1-BLK-S", "S002")]
    assert set(_lines(client, run["id"], sku="ST-1-BLK-M")) == {("ST-1-BLK-M", "S001")}
    page = client.get(f"{API}/runs/{run['id']}/lines/", {"limit": 1}).json()
    assert (page["count"], len(page["results"])) == (3, 1)
    unknown = client.get(f"{API}/runs/{run['id']}/lines/", {"store": "X9"})
    assert (unknown.status_code, unknown.json()["detail"]) == (400, "store: no store 'X9'.")
    listed = client.get(f"{API}/runs/", {"department": "w-top", "status": "preview"}).json()
    assert [row["id"] for row in listed["results"]] == [run["id"]]
    assert client.get(f"{API}/runs/", {"department": world["tops"].pk}).json()["count"] == 1
    assert client.get(f"{API}/runs/", {"status": "released"}).json()["count"] == 0
    assert client.get(f"{API}/runs/", {"department": "W99"}).status_code == 400
    assert client.get(f"{API}/runs/999999/").status_code == 404


def test_shortfall_in_words(world: Any, planner: User, django_capture_on_commit_callbacks: Any) -> None:
    client = _client(planner)
    created = _create(client, django_capture_on_commit_callbacks, holdback="0.1")
    detail = client.get(f"{API}/runs/{created.json()['id']}/").json()
    # M: DC 2, holdback 1, allocatable 1; S001 needs 2 -> gets 1, short by sharing
    assert (detail["totals"]["stores_short"], detail["totals"]["lines_short"]) == (1, 1)
    medium = _lines(client, detail["id"], sku="ST-1-BLK-M")["ST-1-BLK-M", "S001"]
    assert (medium["allocated"], medium["fill_rate"], medium["shortfall"]) == (1, 0.5, 2)
    assert medium["shortfall_text"].startswith("Short supply: shared")


def test_patch_a_line_with_its_version(run: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    lines = _lines(client, run["id"])
    line = lines["ST-1-BLK-S", "S002"]
    url = f"{API}/lines/{line['id']}/"
    changed = client.patch(url, {"units": 7, "row_version": 1}, format="json")
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["line"]["allocated"], body["line"]["proposed"], body["line"]["is_edited"]) == (7, 2, True)
    assert (body["line"]["row_version"], body["run_version"]) == (2, 2)
    assert (body["item"]["allocated"], body["item"]["left_at_dc"]) == (10, 0)
    stale = client.patch(url, {"units": 1, "row_version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "Someone changed ST-1-BLK-S at S002 since you opened it (now 7 units): "
        "reload to see it, then try again."
    )
    # Another planner's edit of another line of the run is no conflict (its own version is 1).
    other = client.patch(
        f"{API}/lines/{lines['ST-1-BLK-M', 'S001']['id']}/", {"units": 2, "row_version": 1}, format="json"
    )
    assert other.status_code == 200, other.json()
    too_many = client.patch(url, {"units": 8, "row_version": 2}, format="json")
    assert too_many.status_code == 400
    assert too_many.json()["units"] == [too_many.json()["detail"].removeprefix("units: ")]
    assert "only 7 units of ST-1-BLK-S can go to this store" in too_many.json()["detail"]
    negative = client.patch(url, {"units": -1, "row_version": 2}, format="json")
    assert (negative.status_code, negative.json()["detail"]) == (400, "units: Units cannot be negative.")
    assert client.patch(url, {"units": "two", "row_version": 2}, format="json").status_code == 400
    assert client.patch(url, {"units": 1}, format="json").status_code == 400
    missing = client.patch(f"{API}/lines/999999/", {"units": 1, "row_version": 2}, format="json")
    assert missing.status_code == 404
    assert AllocationLine.objects.get(pk=line["id"]).allocated == 7


def test_release_into_transfers(run: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    url = f"{API}/runs/{run['id']}/release/"
    assert client.post(url, {"run_version": 0}, format="json").status_code == 409
    released = client.post(url, {"run_version": 1}, format="json")
    assert (released.status_code, released.json()) == (200, {"transfers": 3, "units": 7})
    again = client.post(url, {"run_version": 2}, format="json")
    assert (again.status_code, again.json()["detail"]) == (
        400,
        "The run is released: only a preview can change.",
    )
    transfers = client.get(f"{API}/transfers/", {"run": run["id"]}).json()
    assert transfers["count"] == 3
    assert sorted(
        (t["sku"], t["from_location"], t["to_location"], t["units"]) for t in transfers["results"]
    ) == [
        ("ST-1-BLK-M", "DC1", "S001", 2),
        ("ST-1-BLK-S", "DC1", "S001", 3),
        ("ST-1-BLK-S", "DC1", "S002", 2),
    ]
    assert {(t["kind"], t["status"]) for t in transfers["results"]} == {("allocation", "planned")}
    to_s002 = client.get(f"{API}/transfers/", {"store": "S002", "sku": "ST-1-BLK-S"}).json()
    assert [t["units"] for t in to_s002["results"]] == [2]
    assert client.get(f"{API}/transfers/", {"kind": "rebalance"}).json()["count"] == 0
    assert client.get(f"{API}/transfers/", {"status": "shipped"}).json()["count"] == 0
    assert client.get(f"{API}/transfers/", {"store": "NOPE"}).status_code == 400
    assert client.get(f"{API}/transfers/", {"kind": "bogus"}).status_code == 400
    assert client.get(f"{API}/runs/{run['id']}/").json()["status"] == "released"


def test_cancel(run: dict[str, Any], planner: User) -> None:
    client = _client(planner)
    url = f"{API}/runs/{run['id']}/cancel/"
    assert client.post(url, {"run_version": 5}, format="json").status_code == 409
    cancelled = client.post(url, {"run_version": 1}, format="json")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["row_version"]) == ("cancelled", 2)
    again = client.post(url, {"run_version": 2}, format="json")
    assert (again.status_code, again.json()["detail"]) == (
        400,
        "The run is cancelled: it cannot be cancelled.",
    )
    release = client.post(f"{API}/runs/{run['id']}/release/", {"run_version": 2}, format="json")
    assert release.status_code == 400


def test_bad_setup_names_the_field(
    world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(planner)
    pack = _create(client, django_capture_on_commit_callbacks, pack_size=0)
    assert (pack.status_code, pack.json()) == (
        400,
        {
            "detail": "pack_size: Pack size must be a whole number of units, at least 1.",
            "code": "invalid",
            "pack_size": ["Pack size must be a whole number of units, at least 1."],
        },
    )
    holdback = _create(client, django_capture_on_commit_callbacks, holdback="1.2")
    assert holdback.status_code == 400
    assert holdback.json()["holdback"][0].startswith("Holdback is a share of the stock")
    store = _create(client, django_capture_on_commit_callbacks, dc="S001")
    assert (store.status_code, store.json()["detail"]) == (400, "dc: S001 is not a distribution centre.")
    for fields, message in (
        ({"department": "W99"}, "department: no department 'W99'; give its id or its code (e.g. W01)."),
        ({"dc": "DC9"}, "dc: no DC 'DC9'."),
        ({"style_colors": ["ST-1-BLK", "ST-9"]}, "style_colors: no style-color 'ST-9'."),
        ({"purchase_order": "PO-NONE", "source": "po"}, "purchase_order: no purchase order 'PO-NONE'."),
    ):
        response = _create(client, django_capture_on_commit_callbacks, **fields)
        assert (response.status_code, response.json()["detail"]) == (400, message)
    empty = _create(client, django_capture_on_commit_callbacks, style_colors=[])
    assert empty.status_code == 400
    # by id works as well as by code
    by_id = _create(
        client,
        django_capture_on_commit_callbacks,
        department=world["tops"].pk,
        dc=world["dc"].pk,
        style_colors=[world["style_color"].pk],
        what_if=True,
    )
    assert (by_id.status_code, by_id.json()["what_if"]) == (201, True)
    assert AllocationRun.objects.count() == 1


def test_who_may(
    run: dict[str, Any],
    world: Any,
    executive: User,
    nobody: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    line = AllocationLine.objects.filter(run_id=run["id"]).first()
    assert line is not None
    # Executives read everything but change nothing.
    boss = _client(executive)
    assert boss.get(f"{API}/runs/").json()["count"] == 1
    assert boss.get(f"{API}/runs/{run['id']}/").status_code == 200
    created = _create(boss, django_capture_on_commit_callbacks)
    assert (created.status_code, created.json()["detail"]) == (
        403,
        "Only the planners and managers of Tops allocate its stock.",
    )
    assert (
        boss.patch(f"{API}/lines/{line.pk}/", {"units": 1, "row_version": 1}, format="json").status_code
        == 403
    )
    assert boss.post(f"{API}/runs/{run['id']}/release/", {"run_version": 1}, format="json").status_code == 403
    assert boss.post(f"{API}/runs/{run['id']}/cancel/", {"run_version": 1}, format="json").status_code == 403
    # A user without a role sees no department: nothing listed, nothing of an id.
    stranger = _client(nobody)
    assert stranger.get(f"{API}/runs/").json()["count"] == 0
    for path in ("", "lines/"):
        assert stranger.get(f"{API}/runs/{run['id']}/{path}").status_code == 404
    assert (
        stranger.patch(f"{API}/lines/{line.pk}/", {"units": 1, "row_version": 1}, format="json").status_code
        == 404
    )
    assert (
        stranger.post(f"{API}/runs/{run['id']}/release/", {"run_version": 1}, format="json").status_code
        == 404
    )
    assert stranger.get(f"{API}/transfers/").json()["count"] == 0
    assert stranger.get(f"{API}/rebalance/", {"department": "W-TOP"}).status_code == 400
    assert _client().get(f"{API}/runs/").status_code == 403
    line.refresh_from_db()
    assert (line.allocated, AllocationRun.objects.get(pk=run["id"]).status) == (line.proposed, "preview")


def test_rebalance_suggests_and_accepts(world: Any, planner: User, executive: User) -> None:
    # S002 holds 20 of S and sells 1 a week (20 weeks); S001 holds 1 and sells 2 (0.5 weeks).
    # S001 fills up to 2 weeks: 2 x 2 - 1 = 3 units from S002 (which keeps 17, above 8 weeks).
    put_stock(world["sku_s"], world["outlet"], world["week"], 20)
    client = _client(planner)
    query: dict[str, Any] = {"department": "W-TOP", "style_color": "ST-1-BLK", "region": "NORTH"}
    response = client.get(f"{API}/rebalance/", query)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["department"], body["units"]) == ("W-TOP", 3)
    [move] = body["moves"]
    assert (move["sku"], move["from_store"], move["to_store"], move["units"]) == (
        "ST-1-BLK-S",
        "S002",
        "S001",
        3,
    )
    assert (move["from_wos_before"], move["from_wos_after"], move["to_wos_before"], move["to_wos_after"]) == (
        20.0,
        17.0,
        0.5,
        2.0,
    )
    bad = client.get(f"{API}/rebalance/", {**query, "pack_size": 0})
    assert (bad.status_code, bad.json()["detail"]) == (
        400,
        "pack_size: Pack size must be a whole number of units, at least 1.",
    )
    assert client.get(f"{API}/rebalance/", {**query, "min_wos": "x"}).status_code == 400
    assert (
        client.get(f"{API}/rebalance/", {**query, "min_wos": 9})
        .json()["max_wos"][0]
        .startswith("The low mark")
    )
    assert client.get(f"{API}/rebalance/", {**query, "region": "MARS"}).json() == {
        "detail": "region: no region 'MARS'.",
        "code": "invalid",
    }
    assert client.get(f"{API}/rebalance/").status_code == 400
    accept = {**query, "moves": [move["key"]]}
    refused = _client(executive).post(f"{API}/rebalance/", accept, format="json")
    assert refused.status_code == 403
    accepted = client.post(f"{API}/rebalance/", accept, format="json")
    assert accepted.status_code == 201, accepted.json()
    [transfer] = accepted.json()
    assert (transfer["kind"], transfer["from_location"], transfer["to_location"], transfer["units"]) == (
        "rebalance",
        "S002",
        "S001",
        3,
    )
    assert transfer["run"] is None
    # Accepted once, the move is on its way: S001 is no longer short, the key is stale.
    stale = client.post(f"{API}/rebalance/", accept, format="json")
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("Stock moved since you looked")
    assert client.post(f"{API}/rebalance/", {**query, "moves": []}, format="json").status_code == 400
    assert Transfer.objects.filter(kind="rebalance").count() == 1
    assert client.get(f"{API}/transfers/", {"kind": "rebalance"}).json()["count"] == 1


def test_schema_lists_the_allocation_endpoints(planner: User) -> None:
    schema = _client(planner).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/allocation/runs/:",
        "/api/v1/allocation/runs/{run_id}/:",
        "/api/v1/allocation/runs/{run_id}/lines/:",
        "/api/v1/allocation/runs/{run_id}/release/:",
        "/api/v1/allocation/runs/{run_id}/cancel/:",
        "/api/v1/allocation/lines/{line_id}/:",
        "/api/v1/allocation/transfers/:",
        "/api/v1/allocation/rebalance/:",
    ):
        assert path in schema
    for component in (
        "AllocationLine:",
        "AllocationRunDetail:",
        "RebalanceSuggestions:",
        "AllocationTransfer:",
    ):
        assert component in schema
